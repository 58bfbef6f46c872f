"""What the workflows' protections are worth: built once per :class:`Repo`.

Every rule that finds a protection (a step, a job, a composite action's step)
asks this analysis whether the protection's failure stops the release, rather
than trusting its text. It answers from the workflow model:

**Which workflows it owns.** A *publishing* workflow has a job with a direct
``pypa/gh-action-pypi-publish`` step (a publish job) or a job running ``make
publish-dry-run`` (a dry-run job). The *owned* workflows are the publishing
ones and every local workflow they call; the project's policy (names,
permissions, environments, artifacts ...) applies to those only. The
*pipeline's* workflows are the owned ones and the index audit's (a workflow
running ``make index-audit``): the rule on schedules and zizmor's pedantic
persona apply to those, zizmor's default persona to the project's other
workflows (:mod:`tools.workflows.validate`). Every workflow still gets zizmor
and the JSON schemas (``make validate``).

**On the publish path.** In a publishing workflow: the publish and dry-run
jobs, every job they need (directly or not), the jobs of a workflow such a job
calls, and the jobs that need a publish job (the smoke job); for each job, the
steps of the local composite actions its steps use. A job or step *before* a
publish is one whose failure must stop the upload; one *after* it must turn
the run red.

**Publishing runs.** The events the workflow runs on for which a publish or
dry-run job's ``if:`` holds: a release (tag ``v1.2.3``), a push to ``main``, a
manual run with and without ``dry_run``, each in the project's own
repository (``[project.urls] Source``).

**A failure that stops the release.** A protection step is weakened by
``continue-on-error`` (on the step, the job, or the step that calls its
composite action), by an exit status its script masks, or by an ``if:`` that
skips it in a publishing run (the step's, or in a composite action the
caller's inputs make it false). A job on the way to a publish job is weakened
when the publish job (or a job between them) has an ``if:`` that still holds
after a failed need (``always()``, ``!cancelled()``, ``failure()``).

**A masked exit status.** The shell GitHub runs: ``bash -e {0}`` by default on
Linux (errexit, no pipefail), ``bash --noprofile --norc -eo pipefail {0}`` for
``shell: bash``, ``sh -e {0}`` for ``shell: sh``; a custom shell template has
no errexit unless it says ``-e``. On the line of the protective command:
``|| ...`` that does not exit non-zero, a pipe into another command without
pipefail, ``&&`` with commands after it, ``&`` (background), a condition
(``if``/``while``/``!``) with no ``exit N`` after; before it, ``set +e``
(``set -e``/``set -o pipefail`` count too); after it, any command when errexit
is off (``; true``, ``exit 0``, ``echo``). Scripts in another shell (pwsh,
python) are reported as unreadable.
"""

import re
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Pattern, Set, Tuple

from tools import project

from .expressions import Context, ExpressionError, Unknown, condition, interpolate
from .model import Map, as_map
from .repo import (
    PUBLISH_ACTION,
    Doc,
    Repo,
    action_name,
    ancestors,
    jobs_of,
    needs_of,
    steps_of,
    triggers,
    uses_of,
    with_of,
)

DRY_RUN_TARGET = re.compile(r"\bmake\s+(?:[A-Z_]+=\S*\s+)*publish-dry-run\b")
AUDIT_TARGET = re.compile(r"\bmake\s+(?:[A-Z_]+=\S*\s+)*index-audit\b")
RELEASE_TAG = "v1.2.3"


@dataclass(frozen=True)
class Run:
    """One kind of publishing run of a workflow, and the context it sees."""

    label: str  # "a release", "a push to main", "a manual run (dry_run false)"
    context: Context
    dry: bool


def _runs(doc: Doc, own: Optional[str]) -> List[Run]:
    """The runs the workflow's triggers allow, each with its context."""
    on = triggers(doc)
    repository = {"github.repository": own} if own else {}
    out = []
    values: Dict[str, object]
    if "release" in on:
        values = {
            "github.event_name": "release",
            "github.ref_type": "tag",
            "github.ref_name": RELEASE_TAG,
            "github.ref": f"refs/tags/{RELEASE_TAG}",
            "github.event.release.tag_name": RELEASE_TAG,
            "github.event.action": "published",
            **repository,
        }
        out.append(Run("a release", Context(values, complete=("inputs",)), False))
    if "push" in on:
        values = {
            "github.event_name": "push",
            "github.ref_type": "branch",
            "github.ref_name": "main",
            "github.ref": "refs/heads/main",
            **repository,
        }
        out.append(Run("a push to main", Context(values, complete=("inputs",)), False))
    if "workflow_dispatch" in on:
        for dry in (False, True):
            values = {
                "github.event_name": "workflow_dispatch",
                "github.ref_type": "tag",
                "github.ref_name": RELEASE_TAG,
                "github.ref": f"refs/tags/{RELEASE_TAG}",
                "github.event.inputs.dry_run": "true" if dry else "false",
                "inputs.dry_run": dry,
                **repository,
            }
            label = f"a manual run (dry_run {'true' if dry else 'false'})"
            out.append(Run(label, Context(values, complete=("inputs",)), dry))
    return out


def _with_status(context: Context, status: str) -> Context:
    return Context(context.values, status=status, complete=context.complete)


def holds(value: object, context: Context) -> Optional[bool]:
    """Whether an ``if:`` holds (None: unreadable or not known before the run)."""
    try:
        result = condition(value, context)
    except ExpressionError:
        return None  # expression-syntax reports it
    return None if isinstance(result, Unknown) else bool(result)


def is_publish_job(job: Map) -> bool:
    return any(action_name(uses_of(s)) == PUBLISH_ACTION for s in steps_of(job))


def is_dry_run_job(job: Map) -> bool:
    return any(DRY_RUN_TARGET.search(str(s.get("run", ""))) for s in steps_of(job))


@dataclass
class Workflow:
    """The publish path of one publishing workflow."""

    doc: Doc
    jobs: Dict[str, Map]
    publishers: Set[str]  # publish jobs
    dry_runs: Set[str]  # dry-run jobs
    runs: List[Run]  # every run its triggers allow
    # job id -> the runs in which a publish or dry-run job after it runs
    job_runs: Dict[str, List[Run]] = field(default_factory=dict)
    before: Set[str] = field(default_factory=set)  # jobs a publish/dry run needs
    after: Set[str] = field(default_factory=set)  # jobs that need a publish job

    def targets(self) -> Set[str]:
        return self.publishers | self.dry_runs


# ---- reading a script's exit status -----------------------------------------------

_FAILS = re.compile(r"^\s*(?:exit|return)\s+(?:[1-9]\d*|\"?\$\w+)|^\s*false\b")


def _shell(step: Map, job: Optional[Map], doc: Optional[Doc]) -> Optional[str]:
    """The ``shell:`` a run step gets: its own, else the job's, else the
    workflow's ``defaults.run.shell`` (None: GitHub's default)."""
    holders = [step, as_map(as_map(as_map(job).get("defaults")).get("run"))]
    if doc is not None:
        holders.append(as_map(as_map(doc.data.get("defaults")).get("run")))
    for holder in holders:
        if holder.get("shell"):
            return str(holder["shell"])
    return None


def _shell_flags(shell: Optional[str]) -> Tuple[Optional[bool], bool]:
    """(errexit, pipefail) of a shell; errexit None: not a POSIX shell."""
    if shell is None:
        return True, False  # bash -e {0}
    name = shell.strip()
    if name == "bash":
        return True, True  # bash --noprofile --norc -eo pipefail {0}
    if name == "sh":
        return True, False  # sh -e {0}
    first = name.split()[0] if name.split() else ""
    if first.rsplit("/", 1)[-1] in ("bash", "sh", "dash", "zsh"):
        flags = " ".join(w for w in name.split()[1:] if w.startswith("-"))
        return ("e" in flags.replace("-o", "")), "pipefail" in name
    return None, False


def _logical_lines(script: str) -> List[str]:
    return script.replace("\\\n", " ").splitlines()


def _unquoted_ops(text: str) -> Iterator[Tuple[int, str]]:
    """(position, operator) of each control operator outside quotes."""
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"':
                i += 1
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or text[i - 1].isspace()):
            return
        elif text.startswith("||", i) or text.startswith("&&", i):
            yield i, text[i : i + 2]
            i += 1
        elif c in "|;&" and not text.startswith(">&", i - 1):
            yield i, c
        i += 1


def masked(script: str, command: Pattern[str], shell: Optional[str]) -> Optional[str]:
    """Why ``command``'s failure does not fail the script (None: it does)."""
    errexit, pipefail = _shell_flags(shell)
    if errexit is None:
        return f"it runs under shell {shell!r}, whose exit status is not read"
    lines = _logical_lines(script)
    found = False
    for number, line in enumerate(lines):
        stripped = line.strip()
        setting = re.match(r"set\s+([-+]\w+)(?:\s+(\w+))?", stripped)
        if setting:
            flag, option = setting.group(1), setting.group(2) or ""
            if "e" in flag:
                errexit = flag.startswith("-")
            if option == "pipefail" or ("o" in flag and option == "pipefail"):
                pipefail = flag.startswith("-")
            continue
        match = command.search(line)
        if not match:
            continue
        found = True
        why = _masked_on_line(line, match.start(), match.end(), pipefail)
        if why:
            return why
        rest = [
            t
            for t in lines[number + 1 :]
            if t.strip() and not t.strip().startswith("#")
        ]
        head = line[: match.start()]
        if re.search(r"(?:^|[;&|(]\s*)(?:if|while|until|!)\s*$|(?:^|\s)!\s*$", head):
            if not any(
                _FAILS.search(t) or " exit 1" in t for t in rest
            ) and not re.search(r"\bexit\s+[1-9]", line):
                return "it is a condition whose failing branch does not exit non-zero"
            continue
        if not errexit:
            after = _after_on_line(line, match.end())
            if rest or after:
                return (
                    "the script runs without errexit (`set +e`, or a shell without "
                    "-e) and goes on after it, so a later command decides the status"
                )
    return None if found else "it does not run the command"


def _after_on_line(line: str, end: int) -> str:
    for position, op in _unquoted_ops(line[end:]):
        if op in (";", "&&"):
            return line[end + position + len(op) :].strip()
    return ""


def _masked_on_line(line: str, start: int, end: int, pipefail: bool) -> Optional[str]:
    # The operators of the command's own list, after it.
    head_ops = [op for _, op in _unquoted_ops(line[:start])]
    for position, op in _unquoted_ops(line[end:]):
        tail = line[end + position + len(op) :].strip()
        if op == "||":
            if _FAILS.search(tail) or re.search(r"\bexit\s+[1-9]", tail):
                return None
            return f"`|| {tail.split(';')[0].strip()}` after it ignores its failure"
        if op == "|":
            if pipefail:
                continue
            return (
                "it is piped into another command without pipefail (the pipe's "
                "status is the last command's; `shell: bash` sets -o pipefail)"
            )
        if op == "&&":
            if tail:
                return "`&&` after it exempts it from errexit"
            return None
        if op == "&":
            return "`&` runs it in the background"
        if op == ";":
            return None
    if head_ops and head_ops[-1] == "|" and not pipefail:
        return None  # the last command of a pipe: its status is the pipe's
    return None


# ---- the analysis -----------------------------------------------------------------


class Analysis:
    """The publish path of every publishing workflow of a repository."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.own: Optional[str] = None
        self.project_name = ""
        self.project_error = ""
        self.publishers: Dict[str, project.Publisher] = {}
        try:
            facts = project.load(repo.root)
            self.own, self.project_name = facts.repository, facts.name
            self.publishers = dict(facts.publishers)
        except project.ConfigError as exc:
            self.project_error = str(exc)
        self.workflows: Dict[str, Workflow] = {}
        for path, doc in repo.workflows.items():
            jobs = jobs_of(doc)
            publishers = {j for j, job in jobs.items() if is_publish_job(job)}
            dry_runs = {j for j, job in jobs.items() if is_dry_run_job(job)}
            if publishers or dry_runs:
                flow = Workflow(doc, jobs, publishers, dry_runs, _runs(doc, self.own))
                self._paths(flow)
                self.workflows[path] = flow
        self.owned: Set[str] = set(self.workflows)
        for flow in self.workflows.values():
            for job in flow.jobs.values():
                called = repo.local_workflow(uses_of(job))
                if called is not None:
                    self.owned.add(called.path)
        # called workflow path -> the runs (of its callers) it is on the path in
        self.called_runs: Dict[str, List[Run]] = {}
        for flow in self.workflows.values():
            for job_id, job in flow.jobs.items():
                called = repo.local_workflow(uses_of(job))
                if called is not None and job_id in flow.before:
                    self.called_runs.setdefault(called.path, []).extend(
                        flow.job_runs.get(job_id, [])
                    )

    def _paths(self, flow: Workflow) -> None:
        for target in sorted(flow.targets()):
            job = flow.jobs[target]
            runs = [r for r in flow.runs if holds(job.get("if"), r.context)]
            for other in ancestors(flow.jobs, target) | {target}:
                flow.job_runs.setdefault(other, [])
                flow.job_runs[other] += [
                    r for r in runs if r not in flow.job_runs[other]
                ]
                flow.before.add(other)
        for job_id in flow.jobs:
            if ancestors(flow.jobs, job_id) & flow.publishers:
                flow.after.add(job_id)

    # -- questions the rules ask --

    def owns(self, doc: Doc) -> bool:
        """Whether the project's policy applies to ``doc`` (it publishes, or a
        publishing workflow calls it)."""
        return doc.path in self.owned

    def owned_workflows(self) -> List[Doc]:
        """The workflows the project's policy applies to, in path order."""
        return [d for p, d in sorted(self.repo.workflows.items()) if p in self.owned]

    def runs_the_audit(self, doc: Doc) -> bool:
        """Whether a step of ``doc`` runs the index audit (``make index-audit``)."""
        return any(
            AUDIT_TARGET.search(str(step.get("run", "")))
            for job in jobs_of(doc).values()
            for step in steps_of(job)
        )

    def pipeline_workflows(self) -> List[Doc]:
        """The workflows the pipeline brings (owned, or running the index
        audit), in path order; the others are the project's own."""
        return [
            d
            for p, d in sorted(self.repo.workflows.items())
            if p in self.owned or self.runs_the_audit(d)
        ]

    def publishing(self, doc: Doc) -> Optional[Workflow]:
        return self.workflows.get(doc.path)

    def step_weakness(
        self,
        doc: Doc,
        job_id: str,
        step: Map,
        command: Optional[Pattern[str]] = None,
        conditional: bool = False,
    ) -> Optional[str]:
        """Why the failure of this step of a workflow job does not stop the
        release (None: it does). ``command``: the protective command in its
        ``run:``; ``conditional``: the rule decides the step's ``if:`` itself."""
        job = jobs_of(doc).get(job_id, Map())
        flow = self.workflows.get(doc.path)
        runs = flow.job_runs.get(job_id, []) if flow else []
        why = continue_on_error(job, "its job")
        why = why or continue_on_error(step, "the step")
        if why:
            return why
        if "run" in step and command is not None:
            masked_why = masked(str(step["run"]), command, _shell(step, job, doc))
            if masked_why:
                return masked_why
        if not conditional and "if" in step:
            for run in runs:
                if holds(step.get("if"), run.context) is False:
                    return f"its `if:` skips it on {run.label}"
        return None

    def action_weakness(
        self, action: Doc, step: Map, command: Optional[Pattern[str]] = None
    ) -> Optional[str]:
        """Why the failure of a composite action's step does not fail the step
        that calls it in a publishing run (None: it does)."""
        why = continue_on_error(step, "the step")
        if why:
            return why
        if "run" in step and command is not None:
            why = masked(str(step["run"]), command, _shell(step, None, None))
            if why:
                return why
        if "if" not in step:
            return None
        for flow, job_id, caller, run in self._callers(action):
            context = _action_context(self.repo, action, caller, run.context)
            if holds(step.get("if"), context) is False:
                return (
                    f"its `if:` skips it when job {job_id} of {flow.doc.path} calls "
                    f"it on {run.label}"
                )
        return None

    def _callers(self, action: Doc) -> Iterator[Tuple[Workflow, str, Map, Run]]:
        for flow in self.workflows.values():
            for job_id in sorted(flow.before):
                for step in steps_of(flow.jobs[job_id]):
                    if self.repo.local_action(uses_of(step)) is action:
                        for run in flow.job_runs.get(job_id, []):
                            yield flow, job_id, step, run

    def after_failure(self, doc: Doc) -> Iterator[Tuple[str, str, str]]:
        """(job, need, run label) of each job on the way to a publish that runs
        although a job it needs failed."""
        flow = self.workflows.get(doc.path)
        if flow is None:
            return
        for job_id in sorted(flow.before | flow.after):
            job = flow.jobs[job_id]
            if not needs_of(job):
                continue
            for run in flow.job_runs.get(job_id, []) or flow.runs:
                failed = _with_status(run.context, "failure")
                if holds(job.get("if"), failed) is not False:
                    if "if" not in job:
                        continue
                    yield job_id, needs_of(job)[0], run.label
                    break

    def job_weakness(self, doc: Doc, job_id: str) -> Optional[str]:
        """Why a failure in job ``job_id`` does not stop the publish after it."""
        flow = self.workflows.get(doc.path)
        job = jobs_of(doc).get(job_id, Map())
        why = continue_on_error(job, "the job")
        if why or flow is None:
            return why
        for later, _, label in self.after_failure(doc):
            if job_id in ancestors(flow.jobs, later):
                return f"job {later} runs after it fails (its `if:` on {label})"
        return None

    def called_job_weakness(self, doc: Doc, job_id: str) -> Optional[str]:
        """For a workflow a publish calls: why a failure of ``job_id`` does not
        fail the calling job."""
        job = jobs_of(doc).get(job_id, Map())
        return continue_on_error(job, "the job")


def continue_on_error(holder: Map, what: str) -> Optional[str]:
    value = holder.get("continue-on-error")
    if value is None or value is False:
        return None
    if isinstance(value, str) and value.strip().lower() == "false":
        return None
    shown = str(value).lower() if isinstance(value, bool) else value
    return f"{what} has `continue-on-error: {shown}`"


def _action_context(repo: Repo, action: Doc, caller: Map, outer: Context) -> Context:
    """The context a composite action's steps see: the caller's inputs."""
    declared = as_map(action.data.get("inputs"))
    given = with_of(caller)
    inputs: Dict[str, object] = {}
    for name, spec in declared.items():
        raw = given.get(name, as_map(spec).get("default", ""))
        try:
            value = interpolate(raw, outer)
        except ExpressionError:
            continue
        if not isinstance(value, Unknown):
            inputs[str(name)] = value if isinstance(value, str) else str(value).lower()
    values = {**dict(outer.values), "inputs": inputs}
    return Context(values, complete=("inputs",))


_CACHE: Dict[int, Tuple[Repo, Analysis]] = {}


def of(repo: Repo) -> Analysis:
    """The analysis of ``repo``, built once."""
    found = _CACHE.get(id(repo))
    if found is None or found[0] is not repo:
        _CACHE.clear()
        found = (repo, Analysis(repo))
        _CACHE[id(repo)] = found
    return found[1]


__all__ = [
    "Analysis",
    "Run",
    "Workflow",
    "holds",
    "is_dry_run_job",
    "is_publish_job",
    "masked",
    "of",
]
