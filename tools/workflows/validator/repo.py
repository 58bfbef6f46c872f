"""The files the rules read, loaded once: workflows, composite actions, tox, pyproject.

:class:`Repo` loads ``.github/workflows/*.yml`` and ``.github/actions/*/action.yml``
into :class:`Doc` objects (the YAML model of :mod:`.model`, with the file's path
and lines); a file that is not YAML of the right shape is kept aside as a load
error for the ``yaml`` rule. The helpers below walk jobs, steps and ``uses:``
without each rule re-checking the shape of what it walks.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

from .model import Map, Str, YAMLError, error_line, load_yaml

# The actions and files the rules know by name.
PUBLISH_ACTION = "pypa/gh-action-pypi-publish"
ATTEST_ACTIONS = frozenset({"actions/attest-build-provenance", "actions/attest"})
CHECKOUT = "actions/checkout"
UPLOAD = "actions/upload-artifact"
DOWNLOAD = "actions/download-artifact"
TEST_WORKFLOW = ".github/workflows/test.yml"
BUILD_ACTION = ".github/actions/build-verify"
SETUP_ACTION = ".github/actions/setup"
SMOKE_ACTION = ".github/actions/smoke-install"


@dataclass
class Doc:
    """One workflow or action file: its path (from the root, with /), data, lines."""

    path: str
    data: Map
    lines: List[str]

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


class LoadError(NamedTuple):
    path: str
    line: int
    what: str
    fix: str


class Repo:
    """The workflows, the composite actions, and the root holding tox.ini etc."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.load_errors: List[LoadError] = []
        self.workflows: Dict[str, Doc] = {}
        self.actions: Dict[str, Doc] = {}
        for path in sorted((root / ".github" / "workflows").glob("*.y*ml")):
            doc = self._load(path, "jobs")
            if doc:
                self.workflows[doc.path] = doc
        for path in sorted((root / ".github" / "actions").glob("*/action.y*ml")):
            doc = self._load(path, "runs")
            if doc:
                self.actions[doc.path.rsplit("/", 1)[0]] = doc

    def _load(self, path: Path, required_key: str) -> Optional[Doc]:
        rel = path.relative_to(self.root).as_posix()
        text = path.read_text(encoding="utf-8")
        try:
            data = load_yaml(text)
        except YAMLError as exc:
            what = " ".join(str(getattr(exc, "problem", None) or exc).split())
            self.load_errors.append(
                LoadError(
                    rel, error_line(exc), f"not valid YAML: {what}", "fix the syntax"
                )
            )
            return None
        if not isinstance(data, Map) or required_key not in data:
            self.load_errors.append(
                LoadError(
                    rel,
                    1,
                    f"has no top-level `{required_key}:`",
                    "write a workflow (jobs:) or an action (runs:)",
                )
            )
            return None
        return Doc(rel, data, text.splitlines())

    def local_action(self, uses: str) -> Optional[Doc]:
        return self.actions.get(local_path(uses)) if is_local(uses) else None

    def local_workflow(self, uses: str) -> Optional[Doc]:
        return self.workflows.get(local_path(uses)) if is_local(uses) else None

    def local_exists(self, uses: str) -> bool:
        path = self.root / local_path(uses)
        if path.suffix in (".yml", ".yaml"):
            return path.is_file()
        return (path / "action.yml").is_file() or (path / "action.yaml").is_file()


def is_local(uses: str) -> bool:
    return uses.startswith("./") or uses.startswith("$/")


def local_path(uses: str) -> str:
    return uses[2:].split("@", 1)[0].rstrip("/")


def action_name(uses: str) -> str:
    """``owner/repo[/path]`` of a remote ``uses:``, lower case."""
    return uses.split("@", 1)[0].lower()


def steps_of(container: Any) -> List[Map]:
    steps = container.get("steps") if isinstance(container, Map) else None
    return [s for s in steps if isinstance(s, Map)] if isinstance(steps, list) else []


def jobs_of(doc: Doc) -> Dict[str, Map]:
    jobs = doc.data.get("jobs")
    if not isinstance(jobs, Map):
        return {}
    return {k: v for k, v in jobs.items() if isinstance(v, Map)}


def composite_steps(doc: Doc) -> List[Map]:
    return steps_of(doc.data.get("runs"))


def uses_of(step: Map) -> str:
    uses = step.get("uses")
    return uses if isinstance(uses, str) else ""


def with_of(step_or_job: Map) -> Map:
    value = step_or_job.get("with")
    return value if isinstance(value, Map) else Map()


def needs_of(job: Map) -> List[str]:
    needs = job.get("needs")
    if isinstance(needs, str):
        return [needs]
    return [n for n in needs if isinstance(n, str)] if isinstance(needs, list) else []


def ancestors(jobs: Dict[str, Map], job_id: str) -> Set[str]:
    """Every job that ``job_id`` needs, directly or not."""
    seen: Set[str] = set()
    todo = list(needs_of(jobs.get(job_id, Map())))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(needs_of(jobs.get(current, Map())))
    return seen


def all_steps(repo: Repo) -> Iterator[Tuple[Doc, Optional[str], Map]]:
    """(doc, job id or None for a composite action, step) of every step."""
    for doc in repo.workflows.values():
        for job_id, job in jobs_of(doc).items():
            for step in steps_of(job):
                yield doc, job_id, step
    for doc in repo.actions.values():
        for step in composite_steps(doc):
            yield doc, None, step


def all_uses(repo: Repo) -> Iterator[Tuple[Doc, str]]:
    """(doc, ``uses:``) of every step and every job that calls a workflow."""
    for doc, _, step in all_steps(repo):
        if uses_of(step):
            yield doc, uses_of(step)
    for doc in repo.workflows.values():
        for job in jobs_of(doc).values():
            if uses_of(job):
                yield doc, uses_of(job)


def strings_in(obj: Any) -> Iterator[Str]:
    """Every string value under ``obj`` (keys left out)."""
    if isinstance(obj, Str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from strings_in(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from strings_in(value)


def triggers(doc: Doc) -> Map:
    """The ``on:`` of a workflow as a mapping, whichever way it is written."""
    on = doc.data.get("on")
    if isinstance(on, Map):
        return on
    out = Map()
    for event in [on] if isinstance(on, str) else on if isinstance(on, list) else []:
        out[event] = None
    return out


def step_label(step: Map) -> str:
    return f'step "{step.get("name") or step.get("id") or uses_of(step) or "run"}"'


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
