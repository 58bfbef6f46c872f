"""Rules on the build before a publish and the smoke test after it.

A release is built from a full clone (tags give the version), checks that its
version is not on the index it goes to, passes the release tag to the
tag/version guard (PyPI) or builds the development version (TestPyPI); the
smoke job installs from the index just published to. The build's inputs are
evaluated with the expression evaluator, for a release and for a push.
"""

import re
from typing import Any, Dict, Iterator, List, Optional, Pattern, Tuple

from tools.stages import stages as release_stages

from .. import analysis
from ..expressions import Context, ExpressionError, Unknown, interpolate, truth
from ..model import Map, as_map
from ..registry import Problem, Rule, rule
from ..repo import (
    BUILD_ACTION,
    CHECKOUT,
    SETUP_ACTION,
    SMOKE_ACTION,
    UPLOAD,
    Doc,
    Repo,
    action_name,
    ancestors,
    composite_steps,
    is_false,
    is_true,
    jobs_of,
    local_path,
    steps_of,
    uses_of,
    with_of,
)
from .publish import (
    DRY_RUN_TARGET,
    SIMPLE_URLS,
    publish_jobs,
    publish_step,
    target_index,
    weakened,
)

BUILDS_RELEASE = re.compile(r"\bmake\s+(?:[A-Z_]+=\S*\s+)*(dist|release-check)\b")
INDEX_CHECK = re.compile(
    r"-m\s+tools\.publish\.index_check\s+check\b"
    r"|\bmake\s+(?:[A-Z_]+=\S*\s+)*index-check\b"
)
RELEASE_TAG = "v1.2.3"  # any release tag: what a release run of the build sees
RELEASE_CONTEXT = Context(
    {
        "github.event_name": "release",
        "github.ref_type": "tag",
        "github.ref_name": RELEASE_TAG,
        "github.ref": f"refs/tags/{RELEASE_TAG}",
        "github.event.release.tag_name": RELEASE_TAG,
    },
    complete=("inputs",),
)
PUSH_CONTEXT = Context(
    {
        "github.event_name": "push",
        "github.ref_type": "branch",
        "github.ref_name": "main",
        "github.ref": "refs/heads/main",
    },
    complete=("inputs",),
)


@rule(
    "full-history",
    "a checkout in a job that builds a release (build-verify, make dist, make "
    "release-check, make publish-dry-run) has fetch-depth: 0",
)
def full_history(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        for job_id, job in jobs_of(doc).items():
            runs = [str(s.get("run", "")) for s in steps_of(job)]
            builds = any(
                local_path(uses_of(s)) == BUILD_ACTION for s in steps_of(job)
            ) or any(BUILDS_RELEASE.search(r) or DRY_RUN_TARGET.search(r) for r in runs)
            for step in steps_of(job) if builds else []:
                depth = with_of(step).get("fetch-depth")
                if action_name(uses_of(step)) == CHECKOUT and str(depth) != "0":
                    yield this.problem(
                        doc,
                        step.line,
                        f"job {job_id} builds a release from a shallow checkout (no "
                        "tags: the version comes out as 0.1.devN)",
                        "add `fetch-depth: 0` under the checkout's `with:`",
                    )


def _input_of(repo: Repo, step: Map, name: str) -> Any:
    """A local action's input as a step passes it, or the action's default."""
    given = with_of(step)
    if name in given:
        return given[name]
    action = repo.local_action(uses_of(step))
    inputs = action.data.get("inputs") if action else None
    spec = inputs.get(name) if isinstance(inputs, Map) else None
    return spec.get("default", "") if isinstance(spec, Map) else ""


def _build_steps(jobs: Dict[str, Map], job_id: str) -> List[Tuple[str, Map]]:
    """(job id, step) of every build-verify call in the jobs ``job_id`` needs."""
    return [
        (j, step)
        for j in sorted(ancestors(jobs, job_id))
        for step in steps_of(jobs.get(j, Map()))
        if local_path(uses_of(step)) == BUILD_ACTION
    ]


def _action_checks_index(repo: Repo) -> bool:
    """Whether build-verify runs the index check with its index-url input."""
    action = repo.actions.get(BUILD_ACTION)
    for step in composite_steps(action) if action else []:
        env = step.get("env")
        if INDEX_CHECK.search(str(step.get("run", ""))) and isinstance(env, Map):
            if any("inputs.index-url" in str(v) for v in env.values()):
                return True
    return False


@rule(
    "index-check",
    "before a publish, the build compares its files with that index (make "
    "index-check: identical files skipped, the same name with other bytes "
    "refused; each index's own URL)",
)
def index_check(repo: Repo, this: Rule) -> Iterator[Problem]:
    action_checks = _action_checks_index(repo)
    action = repo.actions.get(BUILD_ACTION)
    for step in composite_steps(action) if action and action_checks else []:
        if action is not None and INDEX_CHECK.search(str(step.get("run", ""))):
            why = analysis.of(repo).action_weakness(action, step, INDEX_CHECK)
            if why:
                yield weakened(this, action, step, "build-verify's index check", why)
    if BUILD_ACTION in repo.actions and not action_checks:
        doc = repo.actions[BUILD_ACTION]
        yield this.problem(
            doc,
            doc.data.kline("runs"),
            "build-verify does not run `make index-check` with its index-url input",
            "add a step (if: inputs.index-url != '') running `make index-check` "
            "with INDEX_URL: ${{ inputs.index-url }} in its env",
        )
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        for job_id, job in publish_jobs(doc).items():
            index = target_index(repo, doc, publish_step(job)[1])
            found: List[Tuple[int, str]] = []  # (line, url)
            for _, step in _build_steps(jobs, job_id):
                url = str(_input_of(repo, step, "index-url") or "")
                if url and action_checks:
                    found.append((step.line, url))
            for j in sorted(ancestors(jobs, job_id)):
                for step in steps_of(jobs.get(j, Map())):
                    run = str(step.get("run", ""))
                    if INDEX_CHECK.search(run):
                        url = next((u for u in SIMPLE_URLS.values() if u in run), "")
                        found.append((step.line, url))
            yield from _index_problems(this, doc, job_id, job, index, found)


def _index_problems(
    this: Rule,
    doc: Doc,
    job_id: str,
    job: Map,
    index: str,
    found: List[Tuple[int, str]],
) -> Iterator[Problem]:
    want_url = SIMPLE_URLS[index]
    if not found:
        yield this.problem(
            doc,
            job.line,
            f"nothing checks, before publish job {job_id}, that the version is not "
            f"on {index} yet (a re-release fails only at the upload, after the "
            "attestations)",
            f"pass `index-url: {want_url}` to build-verify in the build job",
        )
    for line, url in found:
        if url != want_url:
            yield this.problem(
                doc,
                line,
                f"the index check before publish job {job_id} reads "
                f"{url or 'no known index'}, not {index}",
                f"use `index-url: {want_url}`",
            )


class _Inputs:
    """The build-verify inputs of one step, evaluated for one kind of run."""

    def __init__(self, this: Rule, repo: Repo, doc: Doc, step: Map, when: str) -> None:
        self.this, self.repo, self.doc, self.step, self.when = (
            this,
            repo,
            doc,
            step,
            when,
        )
        self.problems: List[Problem] = []

    def line(self, name: str) -> int:
        """The input's line, or the step's where it is not given."""
        given = with_of(self.step)
        return given.kline(name) if name in given else self.step.line

    def value(self, name: str, context: Context) -> Any:
        raw = _input_of(self.repo, self.step, name)
        try:
            value = interpolate(raw, context)
        except ExpressionError as exc:
            self.problems.append(
                self.this.unreadable(self.doc, self.line(name), raw, exc)
            )
            return None
        if isinstance(value, Unknown):
            question = f"what build-verify's {name} is on {self.when}"
            self.problems.append(
                self.this.undecided(self.doc, self.line(name), question, value)
            )
            return None
        return value


@rule(
    "release-build",
    "the build before a PyPI publish passes the release tag to the tag/version "
    "guard and is not a development version; TestPyPI's is the development version",
)
def release_build(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        for job_id, job in publish_jobs(doc).items():
            index = target_index(repo, doc, publish_step(job)[1])
            for builder, step in _build_steps(jobs, job_id):
                path = analysis.of(repo)
                why = path.step_weakness(doc, builder, step) or path.job_weakness(
                    doc, builder
                )
                if why:
                    what = f"the build-verify step of build job {builder}"
                    yield weakened(this, doc, step, what, why)
                when = "a release" if index == "pypi" else "a push to main"
                inputs = _Inputs(this, repo, doc, step, when)
                context = RELEASE_CONTEXT if index == "pypi" else PUSH_CONTEXT
                tag = inputs.value("expected-tag", context)
                dev = inputs.value("dev-version", context)
                yield from inputs.problems
                if inputs.problems:
                    continue
                if index == "pypi" and tag != RELEASE_TAG:
                    yield this.problem(
                        doc,
                        inputs.line("expected-tag"),
                        f"build job {builder} does not pass the release tag to "
                        f"build-verify on a release (expected-tag is {tag!r} for tag "
                        f"{RELEASE_TAG})",
                        "set `expected-tag: ${{ github.ref_type == 'tag' && "
                        "github.ref_name || '' }}`: the tag/version guard needs it",
                    )
                if index == "pypi" and truth(dev) and not is_false(dev):
                    yield this.problem(
                        doc,
                        inputs.line("dev-version"),
                        f"build job {builder} builds a development version on a "
                        "release (dev-version is true)",
                        "set `dev-version: ${{ github.ref_type != 'tag' }}`",
                    )
                if index == "testpypi" and (not is_true(dev) or tag):
                    yield this.problem(
                        doc,
                        inputs.line("dev-version"),
                        f"build job {builder} does not build the development version "
                        "for TestPyPI",
                        'set `dev-version: "true"` and no expected-tag',
                    )


@rule(
    "smoke-index",
    "the smoke job after a publish installs from the index just published to",
)
def smoke_index(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        for job_id, job in publish_jobs(doc).items():
            index = target_index(repo, doc, publish_step(job)[1])
            for smoker, other in jobs.items():
                if job_id not in ancestors(jobs, smoker):
                    continue
                for step in steps_of(other):
                    if local_path(uses_of(step)) != SMOKE_ACTION:
                        continue
                    why = analysis.of(repo).step_weakness(doc, smoker, step)
                    if why:
                        what = f"the smoke install of job {smoker}"
                        yield weakened(this, doc, step, what, why)
                    url = str(with_of(step).get("index-url", ""))
                    if url != SIMPLE_URLS[index]:
                        yield this.problem(
                            doc,
                            with_of(step).kline("index-url") if url else step.line,
                            f"smoke job {smoker} installs from {url or 'no index'}, "
                            f"but job {job_id} publishes to {index}",
                            f"set `index-url: {SIMPLE_URLS[index]}`",
                        )


@rule(
    "release-cache",
    "no job of a publish workflow restores uv's cache: each passes `cache: "
    '"false"` to the setup action (a restored cache could poison a release)',
)
def release_cache(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        if not publish_jobs(doc):
            continue
        for job_id, job in jobs_of(doc).items():
            for step in steps_of(job):
                if local_path(uses_of(step)) != SETUP_ACTION:
                    continue
                if not is_false(_input_of(repo, step, "cache")):
                    given = with_of(step)
                    yield this.problem(
                        doc,
                        given.kline("cache") if "cache" in given else step.line,
                        f"job {job_id} of a publish workflow sets up the tools with "
                        "uv's cache (what a cache restores is not what the lock "
                        "file pins)",
                        'pass `cache: "false"` to ./.github/actions/setup',
                    )


# The stages of `make release-check` that build-verify runs: all of them but
# publish-dry-run (the dry-run job's) and validate (the tests' lint job's),
# read from release-check itself so that a new stage is required in CI too.
ELSEWHERE = ("publish-dry-run", "validate")
BUILD_STAGES = tuple(s.name for s in release_stages() if s.name not in ELSEWHERE)


def _make_pattern(target: str) -> Pattern[str]:
    return re.compile(rf"\bmake\s+(?:[A-Z_]+=\S*\s+)*{re.escape(target)}(?=\s|$|;|\|)")


def _make_step(steps: List[Map], target: str) -> Tuple[int, Map]:
    pattern = _make_pattern(target)
    for i, step in enumerate(steps):
        if pattern.search(str(step.get("run", ""))):
            return i, step
    return -1, Map()


@rule(
    "build-stages",
    "build-verify runs every build stage of `make release-check` (make dist, "
    "check, sanity with the expected tag, contents, reproducibility, smoke: "
    "read from tools.release_check) and then uploads dist/ and SHA256SUMS "
    "together",
)
def build_stages(repo: Repo, this: Rule) -> Iterator[Problem]:
    doc = repo.actions.get(BUILD_ACTION)
    if doc is None:
        return
    steps = composite_steps(doc)
    found = {stage: _make_step(steps, stage) for stage in BUILD_STAGES}
    path = analysis.of(repo)
    for stage, (position, step) in found.items():
        if position < 0:
            yield this.problem(
                doc,
                doc.data.kline("runs"),
                f"build-verify does not run `make {stage}`",
                f"add a step running `make {stage}`: CI runs what `make "
                "release-check` runs",
            )
            continue
        why = path.action_weakness(doc, step, _make_pattern(stage))
        if why:
            yield weakened(this, doc, step, f"build-verify's `make {stage}`", why)
    _, sanity = found["sanity"]
    env = as_map(sanity.get("env"))
    if sanity and not (
        "inputs.expected-tag" in str(env.get("TAG", ""))
        and re.search(r'\bTAG="?\$\{?TAG\b', str(sanity.get("run", "")))
    ):
        yield this.problem(
            doc,
            sanity.line,
            "build-verify's `make sanity` does not get the expected tag, so the "
            "tag/version guard checks no release tag",
            "set `env: TAG: ${{ inputs.expected-tag }}` and run "
            '`make sanity TAG="$TAG"`',
        )
    uploads = [
        (i, step)
        for i, step in enumerate(steps)
        if action_name(uses_of(step)) == UPLOAD
    ]
    last = max(position for position, _ in found.values())
    paths = [str(with_of(step).get("path", "")).split() for _, step in uploads]
    if not any("dist/" in p and "SHA256SUMS" in p for p in paths):
        yield this.problem(
            doc,
            doc.data.kline("runs"),
            "build-verify does not upload dist/ and SHA256SUMS as one artifact",
            "upload both (`path: |` dist/ and SHA256SUMS): the publish job checks "
            "the files with sha256sum -c",
        )
    elif any(i < last for i, _ in uploads):
        yield this.problem(
            doc,
            min(step.line for _, step in uploads),
            "build-verify uploads the files before every check has run",
            "upload last, after make " + ", ".join(BUILD_STAGES),
        )


ATTESTATION_CHECK = re.compile(r"-m\s+tools\.publish\.attestations\b.*--index\s+(\w+)")
VERIFY = re.compile(r"-m\s+tools\.publish\.attestations\b")


@rule(
    "smoke-attestations",
    "the smoke job after a publish verifies the attestations of the files on "
    "that index (python -m tools.publish.attestations --index <index>)",
)
def smoke_attestations(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        for job_id, job in publish_jobs(doc).items():
            index = target_index(repo, doc, publish_step(job)[1])
            after = [j for j in jobs if job_id in ancestors(jobs, j)]
            checked = []
            for j in after:
                for step in steps_of(jobs[j]):
                    run = " ".join(str(step.get("run", "")).split())
                    match = ATTESTATION_CHECK.search(run)
                    if not match:
                        continue
                    checked.append(match.group(1))
                    why = analysis.of(repo).step_weakness(doc, j, step, VERIFY)
                    if why:
                        what = f"the attestation check of job {j}"
                        yield weakened(this, doc, step, what, why)
            if index not in checked:
                yield this.problem(
                    doc,
                    job.line,
                    f"no job after publish job {job_id} verifies the attestations "
                    f"of the files on {index}",
                    "add a step to the smoke job running `.venv/bin/python -m "
                    f"tools.publish.attestations --index {index} --repository "
                    '"$REPOSITORY" --workflow-ref "$WORKFLOW_REF"`',
                )


# Installing a tool: pip/uv/pipx/npm/gem/curl|sh, outside the locked environments.
INSTALLS = re.compile(
    r"\b(?:(?:python3?(?:\.\d+)?\s+-m\s+)?pip3?\s+install|uv\s+pip\s+install|"
    r"uv\s+tool\s+install|uvx|pipx\s+(?:install|run)|npm\s+(?:install|i)\b|npx|"
    r"gem\s+install|apt-get\s+install|(?:curl|wget)\b[^|\n]*\|\s*(?:ba)?sh)\b[^\n;&|]*"
)
LOCKED = re.compile(
    r"--require-hashes\b.*-r\s+\S*requirements/"
    r"|-r\s+\S*requirements/\S+\.txt.*--require-hashes"
)


def _installs(script: str) -> Optional[str]:
    for match in INSTALLS.finditer(" ".join(script.replace("\\\n", " ").split("\n"))):
        if not LOCKED.search(match.group(0)):
            return match.group(0).strip()
    return None


@rule(
    "locked-tools",
    "no job on the way to a publish installs a tool outside the hash-locked "
    "environments (make tools: requirements/tools.txt with hashes); pip/uv/pipx "
    "installs there are unpinned, unhashed and without the cooldown",
)
def locked_tools(repo: Repo, this: Rule) -> Iterator[Problem]:
    path = analysis.of(repo)
    seen_actions = set()
    for doc in repo.workflows.values():
        flow = path.publishing(doc)
        jobs = jobs_of(doc)
        on_path = (flow.before | flow.after) if flow else set()
        if doc.path in path.called_runs:
            on_path = set(jobs)
        for job_id in sorted(on_path):
            for step in steps_of(jobs.get(job_id, Map())):
                found = _installs(str(step.get("run", "")))
                if found:
                    yield this.problem(
                        doc,
                        step.kline("run"),
                        f"job {job_id} is on the way to a publish and installs "
                        f"`{found}` outside the hash-locked environments",
                        "add the tool to requirements/tools.in, `make lock`, and run "
                        "it from .venv (the setup action's `make tools`)",
                    )
                action = repo.local_action(uses_of(step))
                if action is not None and action.path not in seen_actions:
                    seen_actions.add(action.path)
                    for inner in composite_steps(action):
                        found = _installs(str(inner.get("run", "")))
                        if found:
                            yield this.problem(
                                action,
                                inner.kline("run"),
                                f"{action.path} runs on the way to a publish and "
                                f"installs `{found}` outside the hash-locked "
                                "environments",
                                "add the tool to requirements/tools.in, `make "
                                "lock`, and run it from .venv",
                            )
