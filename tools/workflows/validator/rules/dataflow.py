"""Rules on what flows between steps, jobs and files: inputs passed to local
actions and workflows, step and job outputs, artifacts. Neither zizmor nor the
JSON schemas follow a value from where it is made to where it is used."""

import difflib
import fnmatch
import re
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from tools import matrix

from .. import analysis
from ..expressions import ExpressionError, find_expressions
from ..model import Map, as_map, line_of
from ..registry import Problem, Rule, rule
from ..repo import (
    BUILD_ACTION,
    DOWNLOAD,
    UPLOAD,
    Doc,
    Repo,
    action_name,
    all_steps,
    ancestors,
    composite_steps,
    is_local,
    is_true,
    jobs_of,
    local_path,
    needs_of,
    steps_of,
    strings_in,
    triggers,
    uses_of,
    with_of,
)

STEP_REF = re.compile(r"\bsteps\.([A-Za-z_][\w-]*)\.(outputs\.([A-Za-z_][\w-]*)|\w+)")
INPUT_REF = re.compile(r"\binputs\.([A-Za-z_][\w-]*)")
NEEDS_REF = re.compile(r"\bneeds\.([A-Za-z_][\w-]*)\.(outputs\.([A-Za-z_][\w-]*)|\w+)")
# Outputs of the remote actions whose outputs are referenced or likely to be;
# an action missing here is not checked.
KNOWN_OUTPUTS = {
    "actions/checkout": {"ref", "commit"},
    "actions/setup-python": {"python-version", "python-path", "cache-hit"},
    "actions/download-artifact": {"download-path"},
    "astral-sh/setup-uv": {
        "uv-version",
        "uv-path",
        "uvx-path",
        "cache-hit",
        "cache-key",
        "venv",
        "python-version",
        "python-cache-hit",
    },
    "re-actors/alls-green": {"failure", "result", "success"},
}


# The outputs our own commands write with --github-output "$GITHUB_OUTPUT".
GITHUB_OUTPUT = '--github-output "$GITHUB_OUTPUT"'
TOOL_OUTPUTS = {"tools.matrix": set(matrix.OUTPUTS)}


def suggest(name: str, choices: List[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f"did you mean {close[0]}? " if close else ""


def substitute(text: str, replace: Callable[[str], str]) -> str:
    """``text`` with each ``${{ }}`` replaced by ``replace(inner text)``."""
    try:
        spans = list(find_expressions(text))
    except ExpressionError:
        return text  # the expression-syntax rule reports it
    for start, end, inner in reversed(spans):
        text = text[:start] + replace(inner) + text[end:]
    return text


def _check_call(
    this: Rule, doc: Doc, where: Map, target: str, declared: Any
) -> Iterator[Problem]:
    declared = declared if isinstance(declared, Map) else Map()
    given = with_of(where)
    for name in given:
        if name not in declared:
            yield this.problem(
                doc,
                given.kline(name),
                f"passes input {name} to {target}, which declares no such input",
                f"{suggest(str(name), list(declared))}use one of: "
                f"{', '.join(declared) or '(none)'}",
            )
    for name, spec in declared.items():
        spec = spec if isinstance(spec, Map) else Map()
        if is_true(spec.get("required")) and "default" not in spec:
            if name not in given:
                yield this.problem(
                    doc,
                    where.line,
                    f"calls {target} without its required input {name}",
                    f"add `{name}:` under `with:`",
                )


@rule(
    "action-inputs",
    "local actions and workflows get only the inputs and secrets they declare, "
    "and every required one; a called workflow has `on: workflow_call`",
)
def action_inputs(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.actions.values():
        declared = as_map(doc.data.get("inputs"))
        for text in strings_in(doc.data.get("runs")):
            for match in INPUT_REF.finditer(text):
                if match.group(1) not in declared:
                    yield this.problem(
                        doc,
                        line_of(text),
                        f"the action refers to input {match.group(1)}, which it "
                        "does not declare (it reads as empty)",
                        f"{suggest(match.group(1), list(declared))}use one of: "
                        f"{', '.join(declared) or '(none)'}",
                    )
    for doc, _, step in all_steps(repo):
        uses = uses_of(step)
        action = repo.local_action(uses)
        if action:
            yield from _check_call(this, doc, step, uses, action.data.get("inputs"))
    for doc in repo.workflows.values():
        for job_id, job in jobs_of(doc).items():
            uses = uses_of(job)
            called = repo.local_workflow(uses)
            if not called:
                continue
            on = triggers(called)
            if "workflow_call" not in on:
                yield this.problem(
                    doc,
                    line_of(uses),
                    f"job {job_id} calls {uses}, which has no workflow_call trigger",
                    f"add `workflow_call:` to the `on:` of {called.path}",
                )
                continue
            spec = as_map(on.get("workflow_call"))
            yield from _check_call(this, doc, job, uses, spec.get("inputs"))
            secrets = as_map(job.get("secrets"))
            declared = as_map(spec.get("secrets"))
            for name in secrets:
                if name not in declared:
                    yield this.problem(
                        doc,
                        secrets.kline(name),
                        f"passes secret {name} to {uses}, which declares no such "
                        "secret",
                        f"declare it under workflow_call.secrets of {called.path} or "
                        "stop passing it",
                    )


def run_outputs(run: str) -> Set[str]:
    """``name=value``, ``name<<DELIMITER``, and a tool's ``--...-output NAME``."""
    names = set(re.findall(r"([A-Za-z_][\w-]*)(?:=|<<)", run))
    return names | set(re.findall(r"--[\w-]+-output[ =]([A-Za-z_][\w-]*)", run))


def _step_outputs(repo: Repo, step: Map) -> Optional[Set[str]]:
    """The outputs a step can have, or None where they cannot be known."""
    if "run" in step:
        run = str(step["run"])
        tools = {m for m in TOOL_OUTPUTS if re.search(rf"-m\s+{re.escape(m)}\b", run)}
        written = run_outputs(run)
        return written.union(*(TOOL_OUTPUTS[m] for m in tools if GITHUB_OUTPUT in run))
    uses = uses_of(step)
    action = repo.local_action(uses)
    if action:
        outputs = action.data.get("outputs")
        return set(outputs) if isinstance(outputs, Map) else set()
    return KNOWN_OUTPUTS.get(action_name(uses))


def _step_refs(
    repo: Repo, this: Rule, doc: Doc, owner: str, steps: List[Map], extra: List[Any]
) -> Iterator[Problem]:
    index = {str(s["id"]): i for i, s in enumerate(steps) if "id" in s}
    places: List[Tuple[Optional[int], Any]] = list(enumerate(steps))
    places += [(None, obj) for obj in extra]
    for position, obj in places:
        for text in strings_in(obj):
            for match in STEP_REF.finditer(text):
                step_id, output = match.group(1), match.group(3)
                line = line_of(text)
                if step_id not in index:
                    yield this.problem(
                        doc,
                        line,
                        f"{owner} refers to step {step_id}, which it does not have",
                        f"give the step `id: {step_id}` or fix the reference "
                        f"({suggest(step_id, list(index))}ids: "
                        f"{', '.join(index) or 'none'})",
                    )
                    continue
                if position is not None and index[step_id] >= position:
                    yield this.problem(
                        doc,
                        line,
                        f"{owner} refers to step {step_id} before it has run",
                        "move the reference after that step",
                    )
                known = _step_outputs(repo, steps[index[step_id]])
                if output and known is not None and output not in known:
                    yield this.problem(
                        doc,
                        line,
                        f"{owner} uses output {output} of step {step_id}, which sets "
                        "no such output",
                        f"{suggest(output, sorted(known))}set it in that step "
                        '(echo "name=value" >> "$GITHUB_OUTPUT") or fix the name',
                    )


def _job_outputs(repo: Repo, job: Map) -> Set[str]:
    outputs = job.get("outputs")
    if isinstance(outputs, Map):
        return set(outputs)
    called = repo.local_workflow(uses_of(job))
    if called:
        spec = triggers(called).get("workflow_call")
        outs = spec.get("outputs") if isinstance(spec, Map) else None
        return set(outs) if isinstance(outs, Map) else set()
    return set()


@rule(
    "step-outputs",
    "every step and job output that is referenced exists, in a step that ran "
    "before or a job that is needed",
)
def step_outputs(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        for job_id, job in jobs.items():
            extra = [v for k, v in job.items() if k != "steps"]
            yield from _step_refs(
                repo, this, doc, f"job {job_id}", steps_of(job), extra
            )
            needed = needs_of(job)
            for text in strings_in(job):
                for match in NEEDS_REF.finditer(text):
                    other, output = match.group(1), match.group(3)
                    if other not in needed:
                        yield this.problem(
                            doc,
                            line_of(text),
                            f"job {job_id} refers to job {other}, which it does not "
                            "need",
                            f"add {other} to its `needs:`",
                        )
                    elif output and output not in _job_outputs(repo, jobs[other]):
                        yield this.problem(
                            doc,
                            line_of(text),
                            f"job {job_id} uses output {output} of job {other}, which "
                            "declares no such output",
                            f"declare it under {other}'s `outputs:`",
                        )
    for doc in repo.actions.values():
        extra = [doc.data.get("outputs")]
        yield from _step_refs(
            repo, this, doc, "the action", composite_steps(doc), extra
        )


def _with_inputs(text: str, given: Map, declared: Any) -> str:
    """An artifact name from an action, with the caller's inputs put in."""

    def replace(inner: str) -> str:
        inner = inner.strip()
        name = inner[len("inputs.") :] if inner.startswith("inputs.") else None
        if name and name in given and "${{" not in str(given[name]):
            return str(given[name])
        spec = declared.get(name) if isinstance(declared, Map) and name else None
        if name and name not in given and isinstance(spec, Map):
            if isinstance(spec.get("default"), str):
                return str(spec["default"])
        return "*"

    return substitute(text, replace)


# Remote actions known to upload no artifact; any other remote action may
# upload one under a name it chooses (hynek/build-and-inspect-python-package
# uploads "Packages"), so a download after it is not reported.
NO_ARTIFACTS = frozenset(
    {
        "actions/checkout",
        "actions/setup-python",
        "actions/download-artifact",
        "actions/cache",
        "actions/attest-build-provenance",
        "actions/attest",
        "astral-sh/setup-uv",
        "pypa/gh-action-pypi-publish",
        "re-actors/alls-green",
        "codecov/codecov-action",
    }
)
ANY_NAME = "*"


def _uploads(repo: Repo, doc: Doc) -> List[Tuple[str, str]]:
    """(job id, artifact name pattern) of every upload in a workflow; ``*`` for
    a remote action that may upload one under a name of its own."""
    found = []
    for job_id, job in jobs_of(doc).items():
        called = repo.local_workflow(uses_of(job))
        if called and called is not doc:
            found += [(job_id, name) for _, name in _uploads(repo, called)]
        for step in steps_of(job):
            uses = uses_of(step)
            if action_name(uses) == UPLOAD:
                name = str(with_of(step).get("name") or "artifact")
                found.append((job_id, substitute(name, lambda _: "*")))
            elif uses and not is_local(uses) and _may_upload(uses):
                found.append((job_id, ANY_NAME))
            action = repo.local_action(uses)
            if action is None:
                continue
            for inner in composite_steps(action):
                if action_name(uses_of(inner)) == UPLOAD:
                    name = str(with_of(inner).get("name") or "artifact")
                    declared = action.data.get("inputs")
                    found.append((job_id, _with_inputs(name, with_of(step), declared)))
    return found


def _matching(
    uploads: List[Tuple[str, str]], options: Map
) -> Tuple[List[Tuple[str, str]], str, str]:
    name, pattern = options.get("name"), options.get("pattern")
    if name is not None:
        wanted = substitute(str(name), lambda _: "*")
        matching = [
            (j, up)
            for j, up in uploads
            if fnmatch.fnmatchcase(wanted, up) or fnmatch.fnmatchcase(up, wanted)
        ]
        return matching, f"artifact {name}", str(name)
    if pattern is not None:
        matching = [
            (j, up)
            for j, up in uploads
            if fnmatch.fnmatchcase(up.replace("*", "x"), str(pattern))
        ]
        return matching, f"artifacts matching {pattern}", str(pattern)
    return list(uploads), "every artifact", ""


def _build_artifacts(repo: Repo, doc: Doc) -> Set[str]:
    """The names of the artifacts the build (build-verify) uploads in ``doc``."""
    names: Set[str] = set()
    for job in jobs_of(doc).values():
        for step in steps_of(job):
            action = repo.local_action(uses_of(step))
            if action is None or local_path(uses_of(step)) != BUILD_ACTION:
                continue
            for inner in composite_steps(action):
                if action_name(uses_of(inner)) == UPLOAD:
                    raw = str(with_of(inner).get("name") or "artifact")
                    declared = action.data.get("inputs")
                    names.add(_with_inputs(raw, with_of(step), declared))
    return names


def _may_upload(uses: str) -> bool:
    name = "/".join(action_name(uses).split("/")[:2])
    return not uses.startswith("docker://") and name not in NO_ARTIFACTS


@rule(
    "artifacts",
    "every downloaded artifact is uploaded under that name by a job it needs; on "
    "the way to a publish, exactly the build's artifact is downloaded, by name",
)
def artifacts(repo: Repo, this: Rule) -> Iterator[Problem]:
    path = analysis.of(repo)
    for doc in repo.workflows.values():
        jobs: Dict[str, Map] = jobs_of(doc)
        uploads = _uploads(repo, doc)
        names = sorted({up for _, up in uploads if up != ANY_NAME})
        flow = path.publishing(doc)
        on_path = (flow.before | flow.after) if flow else set()
        for job_id, job in jobs.items():
            for step in steps_of(job):
                if action_name(uses_of(step)) != DOWNLOAD:
                    continue
                options = with_of(step)
                if job_id in on_path and (
                    "name" not in options
                    or "${{" in str(options.get("name"))
                    or "merge-multiple" in options
                ):
                    yield this.problem(
                        doc,
                        step.line,
                        f"job {job_id} is on the way to a publish and downloads "
                        + (
                            f"every artifact matching {options.get('pattern')!r}"
                            if "pattern" in options
                            else "artifacts not named exactly"
                        )
                        + ", not exactly the one the build job uploaded",
                        "download it by name (`name: dist`), with no pattern and "
                        "no merge-multiple",
                    )
                    continue
                matching, label, asked = _matching(uploads, with_of(step))
                if not matching:
                    yield this.problem(
                        doc,
                        step.line,
                        f"job {job_id} downloads {label}, which no job of this "
                        "workflow uploads",
                        f"{suggest(asked, names)}download one that is uploaded "
                        f"({', '.join(names) or 'none is'})",
                    )
                    continue
                built = _build_artifacts(repo, doc)
                name = substitute(str(options.get("name")), lambda _: "*")
                if job_id in on_path and built and name not in built:
                    yield this.problem(
                        doc,
                        step.line,
                        f"job {job_id} is on the way to a publish and downloads "
                        f"artifact {name}, not the build job's "
                        f"({', '.join(sorted(built))}), the files that were verified",
                        f"download `name: {sorted(built)[0]}`",
                    )
                    continue
                upstream = ancestors(jobs, job_id) | {job_id}
                if not any(j in upstream for j, _ in matching):
                    makers = ", ".join(sorted({j for j, _ in matching}))
                    yield this.problem(
                        doc,
                        step.line,
                        f"job {job_id} downloads {label}, uploaded by job {makers}, "
                        "which it does not need (it may not exist yet)",
                        f"add {makers} to the `needs:` of {job_id}",
                    )
