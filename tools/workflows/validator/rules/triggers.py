"""Rules on when a publish runs: only in the project's own repository, to PyPI
only from a release tag, and never cancelled half-way.

The repository is named once, in ``pyproject.toml``'s ``[project.urls] Source``
(:attr:`tools.project.Project.repository`); GitHub cannot pass a value into a
job's ``if:``, so the workflows spell it out and :func:`own_repository` checks
that they spell it the same. Conditions are decided with the expression
evaluator, for the events each workflow runs on. zizmor and the schemas know
nothing of forks, tags or cancelled publishes: none of this overlaps them.
"""

import re
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple, Union

from tools import project

from .. import analysis
from ..expressions import Context, ExpressionError, Unknown, condition, interpolate
from ..model import Map, as_map, line_of
from ..registry import Problem, Rule, rule
from ..repo import Doc, Repo, ancestors, jobs_of, needs_of, steps_of, triggers, uses_of
from .publish import decide, publish_jobs, publish_step, target_index, weakened

GUARD = re.compile(
    r"github\.repository\s*==\s*'([^']*)'|'([^']*)'\s*==\s*github\.repository"
)
STATUS_CALL = re.compile(r"\b(always|failure|cancelled|success)\s*\(", re.I)
FAILS = re.compile(r"\bexit\s+[1-9]\d*\b")
FORK = "someone-else/a-fork"  # what github.repository is in a fork


def repository(root: Path) -> Optional[str]:
    """``OWNER/REPO`` from pyproject.toml (None where it names no GitHub URL)."""
    try:
        return project.load(root).repository
    except project.ConfigError:
        return None


def _guarded(jobs: Dict[str, Map], job_id: str, seen: Set[str]) -> bool:
    """Whether ``job_id`` is skipped in a fork: its own `if:` is false there, or
    it needs a job that is (a skipped job skips the jobs that need it, unless
    their `if:` calls a status function such as always())."""
    job = jobs.get(job_id, Map())
    value = job.get("if")
    try:
        result = condition(value, Context({"github.repository": FORK}))
    except ExpressionError:
        result = Unknown(frozenset())  # expression-syntax reports it
    if result is False:
        return True
    if value is not None and STATUS_CALL.search(str(value)):
        return False
    seen = seen | {job_id}
    return any(_guarded(jobs, n, seen) for n in needs_of(job) if n not in seen)


@rule(
    "own-repository",
    "a publish job runs only in the project's own repository (a fork has no "
    "trusted publisher): it, or a job it needs, has `if: github.repository == "
    "'OWNER/REPO'`, the repository pyproject.toml's [project.urls] Source names",
)
def own_repository(repo: Repo, this: Rule) -> Iterator[Problem]:
    own = repository(repo.root)
    for doc in repo.workflows.values():
        publishers = publish_jobs(doc)
        if not publishers:
            continue
        if own is None:
            yield this.problem(
                "pyproject.toml",
                1,
                "[project.urls] has no Source on github.com, so the publish "
                "workflows cannot tell the project's repository from a fork",
                'add `Source = "https://github.com/OWNER/REPO"` under [project.urls]',
            )
            return
        jobs = jobs_of(doc)
        for job_id, job in jobs.items():
            for match in GUARD.finditer(str(job.get("if", ""))):
                named = match.group(1) or match.group(2)
                if named.lower() != own.lower():
                    yield this.problem(
                        doc,
                        job.kline("if"),
                        f"job {job_id} runs only in {named}, but pyproject.toml's "
                        f"[project.urls] Source is the repository {own}",
                        f"write `github.repository == '{own}'` (the one source is "
                        "pyproject.toml)",
                    )
        for job_id, job in publishers.items():
            if STATUS_CALL.search(str(job.get("if", ""))):
                yield this.problem(
                    doc,
                    job.kline("if"),
                    f"publish job {job_id} also runs in a fork: its `if:` calls a "
                    "status function, so it runs even when the guarded job it needs "
                    "is skipped",
                    "drop always()/!cancelled()/failure() from its `if:`",
                )
            elif not _guarded(jobs, job_id, set()):
                entry = [
                    j for j in sorted(ancestors(jobs, job_id)) if not needs_of(jobs[j])
                ]
                yield this.problem(
                    doc,
                    job.line,
                    f"publish job {job_id} also runs in a fork, where it fails "
                    "(no trusted publisher there)",
                    f"add `if: github.repository == '{own}'` to "
                    f"{' and '.join(entry) or job_id} (the job(s) everything "
                    "starts from)",
                )


def _dispatch(dry_run: bool, ref_type: str) -> Context:
    return Context(
        {
            "github.event_name": "workflow_dispatch",
            "github.ref_type": ref_type,
            "inputs.dry_run": dry_run,
        },
        complete=("inputs",),
    )


RELEASE = Context(
    {"github.event_name": "release", "github.ref_type": "tag"}, complete=("inputs",)
)


def _refusals(
    repo: Repo, this: Rule, doc: Doc, jobs: Dict[str, Map], job_id: str
) -> Iterator[Union[bool, Problem]]:
    """Steps before the publish that fail a real publish from a branch: each
    yields True (refuses a branch, lets a tag through), False, or a problem."""
    for other in sorted(ancestors(jobs, job_id)):
        for step in steps_of(jobs[other]):
            if not FAILS.search(str(step.get("run", ""))):
                continue
            line, value = step.kline("if"), step.get("if")
            question = f"when the step at line {line_of(step)} of job {other} fails"
            answers = [
                decide(this, doc, line, value, context, question)
                for context in (_dispatch(False, "branch"), _dispatch(False, "tag"))
            ]
            answers.append(decide(this, doc, line, value, RELEASE, question))
            problems = [a for a in answers if isinstance(a, Problem)]
            if problems:
                yield problems[0]
                continue
            on_branch, on_tag, on_release = answers
            why = analysis.of(repo).step_weakness(
                doc, other, step, FAILS, conditional=True
            ) or analysis.of(repo).job_weakness(doc, other)
            if why and on_branch:
                what = f"the step at line {line_of(step)} of job {other}"
                yield weakened(this, doc, step, what, why)
                continue
            if on_tag or on_release:
                yield this.problem(
                    doc,
                    line,
                    f"the step at line {line_of(step)} of job {other} fails a "
                    "publish from a release tag too",
                    "let it fail only off a tag: `if: github.event_name == "
                    "'workflow_dispatch' && !inputs.dry_run && github.ref_type != "
                    "'tag'`",
                )
            yield bool(on_branch)


@rule(
    "pypi-from-tag",
    "a real PyPI publish comes only from a release tag: by hand from a branch, "
    "the publish job does not run or a job before it fails with a message",
)
def pypi_from_tag(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        for job_id, job in publish_jobs(doc).items():
            if target_index(repo, doc, publish_step(job)[1]) != "pypi":
                continue
            if "workflow_dispatch" not in triggers(doc):
                continue
            runs = decide(
                this,
                doc,
                job.kline("if"),
                job.get("if"),
                _dispatch(False, "branch"),
                f"whether publish job {job_id} runs by hand from a branch",
            )
            if isinstance(runs, Problem):
                yield runs
                continue
            if not runs:
                continue
            refused = False
            for answer in _refusals(repo, this, doc, jobs, job_id):
                if isinstance(answer, Problem):
                    yield answer
                else:
                    refused = refused or answer
            if not refused:
                yield this.problem(
                    doc,
                    job.line,
                    f"publish job {job_id} publishes to PyPI from a branch when run "
                    "by hand without dry_run (a development version, or whatever "
                    "the branch holds)",
                    "add a first step to the build job that fails (`exit 1` with "
                    "an ::error:: saying why) when `github.event_name == "
                    "'workflow_dispatch' && !inputs.dry_run && github.ref_type != "
                    "'tag'`",
                )


def _cancel_values(repo: Repo, doc: Doc) -> List[Tuple[Doc, Map]]:
    """(doc, cancel-in-progress) of the workflow and of every workflow it calls."""
    out = [(doc, as_map(doc.data.get("concurrency")))]
    for job in jobs_of(doc).values():
        called = repo.local_workflow(uses_of(job))
        if called is not None and called is not doc:
            out.append((called, as_map(called.data.get("concurrency"))))
    return out


@rule(
    "publish-concurrency",
    "a publish workflow, and every workflow it calls, never cancels a run in "
    "progress (cancel-in-progress false on every event it runs on): a publish "
    "stopped half-way leaves an index with part of a release; its group is keyed "
    "on the workflow and the ref, nothing that changes per run",
)
def publish_concurrency(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        if not publish_jobs(doc):
            continue
        keyed = _concurrency_key(doc)
        if keyed:
            yield this.problem(
                doc,
                keyed[0],
                f"the concurrency group of a publish workflow is {keyed[1]}: two "
                "runs of one ref could publish at once",
                "key it on the workflow and the ref only: `group: "
                "<workflow file name>-${{ github.ref }}`",
            )
        events = [str(e) for e in triggers(doc)]
        for where, block in _cancel_values(repo, doc):
            value = block.get("cancel-in-progress", False)
            line = block.kline("cancel-in-progress")
            for event in events:
                context = Context({"github.event_name": event}, complete=("inputs",))
                try:
                    result = interpolate(value, context)
                except ExpressionError as exc:
                    yield this.unreadable(where, line, str(value), exc)
                    break
                if isinstance(result, Unknown):
                    question = f"whether a {event} run of {doc.path} is cancelled"
                    yield this.undecided(where, line, question, result)
                    break
                if result is True or str(result).lower() == "true":
                    caller = "" if where is doc else f" (called by {doc.path})"
                    yield this.problem(
                        where,
                        line,
                        f"a newer run cancels a {event} run in progress{caller}, "
                        "half-way through a publish",
                        "set `cancel-in-progress: false` (or false on that event)",
                    )
                    break


# The events each index's workflow may start from (and their filters).
ALLOWED_EVENTS = {
    "pypi": {"release": ("types", ["published"]), "workflow_dispatch": None},
    "testpypi": {"push": ("branches", ["main"]), "workflow_dispatch": None},
}
EVENT_FIX = {
    "pypi": "on: release: types: [published] and workflow_dispatch only (a tag push "
    "publishes before any release exists, for any v* tag)",
    "testpypi": "on: push: branches: [main] and workflow_dispatch only",
}


@rule(
    "publish-triggers",
    "the PyPI workflow starts only from `release: types: [published]` and "
    "workflow_dispatch; the TestPyPI workflow only from a push to main and "
    "workflow_dispatch",
)
def publish_triggers(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        indexes = {
            target_index(repo, doc, publish_step(job)[1])
            for job in publish_jobs(doc).values()
        }
        for index in sorted(indexes):
            allowed = ALLOWED_EVENTS[index]
            on = triggers(doc)
            label = "PyPI" if index == "pypi" else "TestPyPI"
            for event in on:
                line = on.kline(event)
                if event not in allowed:
                    yield this.problem(
                        doc,
                        line,
                        f"the {label} workflow starts from {event}",
                        f"remove it: {EVENT_FIX[index]}",
                    )
                    continue
                spec = allowed[event]
                if spec is None:
                    continue
                key, values = spec
                given = as_map(on.get(event)).get(key)
                given_list = [given] if isinstance(given, str) else given
                if not isinstance(given_list, list) or sorted(
                    map(str, given_list)
                ) != sorted(values):
                    yield this.problem(
                        doc,
                        line,
                        f"the {label} workflow's {event} trigger has {key} "
                        f"{given_list if given_list is not None else '(any)'}, not "
                        f"{values}",
                        f"set `{event}: {key}: [{', '.join(values)}]`",
                    )
                for other in ("tags", "tags-ignore", "branches-ignore"):
                    if other in as_map(on.get(event)):
                        yield this.problem(
                            doc,
                            as_map(on.get(event)).kline(other),
                            f"the {label} workflow's {event} trigger filters on "
                            f"{other}",
                            f"remove it: {EVENT_FIX[index]}",
                        )


PER_RUN = re.compile(
    r"github\.(run_id|run_number|run_attempt|sha|event\.|job\b|action\b)|"
    r"\b(?:env|steps|needs|matrix|inputs|vars|secrets|runner)\.",
    re.I,
)


def _concurrency_key(doc: Doc) -> Optional[Tuple[int, str]]:
    """(line, what is wrong) of a publish workflow's concurrency group."""
    block = doc.data.get("concurrency")
    group = as_map(block).get("group") if isinstance(block, Map) else block
    line = as_map(block).kline("group") if isinstance(block, Map) else line_of(block)
    text = str(group or "")
    if not text:
        return None  # the concurrency rule reports a missing group
    per_run = PER_RUN.search(text)
    if per_run:
        return line, f"keyed on {per_run.group(0).rstrip('.')}, which changes per run"
    if not re.search(r"github\.ref\b|github\.ref_name\b", text):
        return line, "not keyed on the ref (github.ref)"
    return None
