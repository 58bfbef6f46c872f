"""Check the GitHub workflows and composite actions against the project's rules.

GitHub is the only place the workflows run, so what can be proven before a
push is proven here, from the files: the YAML of ``.github/workflows/*.yml``
and ``.github/actions/*/action.yml`` (read with PyYAML, keeping line numbers),
``tox.ini`` and ``pyproject.toml``. Every problem is collected, then printed
as ``file:line: rule: what is wrong; how to fix``, and the exit code is 1.

    python -m tools.workflows.validator [--root PATH]

The rules (``RULES`` below names them all): actions pinned to a commit, local
actions and workflows that exist and are called with the inputs they declare,
least privilege for the token, no credentials left in a checkout, full history
where a release is built, no expression expanded inside a shell script, step
and job outputs and artifacts that exist where they are used, the publish
chain (tests, build, publish, smoke) with its dry run and environments, one
concurrency block per workflow, job names that read as sentences, and one set
of Python versions in tox, the test matrix and the package metadata.
"""

import argparse
import configparser
import difflib
import fnmatch
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import yaml

from tools.dev.pythons import supported_versions

ROOT = Path(__file__).resolve().parents[2]

RULES = {
    "yaml": "every workflow and action file is valid YAML of the right shape",
    "pinned-uses": "every remote action is pinned to a full commit SHA, # vX.Y.Z",
    "local-uses": "every local action or workflow that is used exists",
    "top-permissions": "the workflow-level token grants nothing, or reads only",
    "job-permissions": "every job declares its permissions",
    "permissions-comment": "every permission a job is granted says why",
    "publish-permissions": "id-token/attestations: write only where publishing",
    "persist-credentials": "every checkout has persist-credentials: false",
    "full-history": "a checkout that builds a release has fetch-depth: 0",
    "expression-in-run": "no ${{ }} inside run: (inputs go through env:)",
    "composite-shell": "every run step of a composite action declares shell",
    "action-metadata": "composite inputs kebab-case, described, string defaults",
    "action-inputs": "local actions/workflows get only declared, all required inputs",
    "step-outputs": "referenced step and job outputs exist and are bound",
    "artifacts": "a downloaded artifact was uploaded under that name, upstream",
    "publish-direct": "the PyPI publish action is a direct step of a workflow job",
    "publish-chain": "tests, then build, then publish, then smoke",
    "publish-job": "the publish job runs no project code, checks and attests files",
    "dry-run": "a boolean dry_run input that keeps the publish job from running",
    "environments": "publish jobs use environments pypi and testpypi, with a URL",
    "upload-url": "TestPyPI uploads go to TestPyPI's URL (skip-existing)",
    "attestations": "the publish step makes PEP 740 attestations (not false)",
    "index-check": "the build checks the version is not on the index yet",
    "release-build": "PyPI builds the release tag; TestPyPI the dev version",
    "smoke-index": "the smoke job installs from the index just published to",
    "publisher-summary": "a failed publish tells the trusted publisher settings",
    "concurrency": "one concurrency block; a called workflow's group is its own",
    "job-name": "every job has a name that reads as a sentence",
    "python-versions": "tox, the test matrix and the metadata name the same Pythons",
}

PUBLISH_ACTION = "pypa/gh-action-pypi-publish"
ATTEST_ACTIONS = {"actions/attest-build-provenance", "actions/attest"}
CHECKOUT = "actions/checkout"
UPLOAD = "actions/upload-artifact"
DOWNLOAD = "actions/download-artifact"
TEST_WORKFLOW = ".github/workflows/test.yml"
BUILD_ACTION = ".github/actions/build-verify"
SMOKE_ACTION = ".github/actions/smoke-install"
PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
TESTPYPI_UPLOAD = "https://test.pypi.org/legacy/"
INDEX_PROJECT_URLS = {"pypi": "https://pypi.org/", "testpypi": "https://test.pypi.org/"}
SIMPLE_URLS = {
    "pypi": "https://pypi.org/simple/",
    "testpypi": "https://test.pypi.org/simple/",
}
# Outputs of the pinned remote actions whose outputs are referenced or likely
# to be; an action missing here is not checked.
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

SHA = re.compile(r"[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\b")
KEBAB = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
STEP_REF = re.compile(r"\bsteps\.([A-Za-z_][\w-]*)\.(outputs\.([A-Za-z_][\w-]*)|\w+)")
NEEDS_REF = re.compile(r"\bneeds\.([A-Za-z_][\w-]*)\.(outputs\.([A-Za-z_][\w-]*)|\w+)")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
BUILDS_RELEASE = re.compile(r"\bmake\s+(?:[A-Z_]+=\S*\s+)*(dist|release-check)\b")
INDEX_CHECK = re.compile(
    r"-m\s+tools\.publish\.index\s+check\b|\bmake\s+(?:[A-Z_]+=\S*\s+)*index-check\b"
)
DRY_RUN_TARGET = re.compile(r"\bmake\s+(?:[A-Z_]+=\S*\s+)*publish-dry-run\b")
PROJECT_CODE = re.compile(
    r"\b(make|python3?(\.\d+)?|pip3?|uvx?|tox|hatch|twine|pytest)\b|tools/|\.venv/"
)


# ---- YAML with line numbers -------------------------------------------------


class Map(dict):
    """A YAML mapping that knows its line and the line of each key."""

    line = 0

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: Dict[Any, int] = {}

    def kline(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class Seq(list):
    """A YAML sequence that knows its line."""

    line = 0


class Str(str):
    """A YAML string that knows its line."""

    line = 0


class _Loader(yaml.SafeLoader):
    """SafeLoader keeping line numbers; ``on:`` stays a key, not True."""


# YAML 1.1 reads on/off/yes/no as booleans; GitHub reads `on:` as a key.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Map:
    loader.flatten_mapping(node)
    out = Map()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    out = Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    return out


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> Str:
    out = Str(loader.construct_scalar(node))
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)


def line_of(obj: Any, default: int = 1) -> int:
    return getattr(obj, "line", 0) or default


# ---- the repository's files ---------------------------------------------------


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    rule: str
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.what}; {self.fix}"


@dataclass
class Doc:
    path: str  # relative to the root, with forward slashes
    data: Map
    lines: List[str]

    def problem(self, line: int, rule: str, what: str, fix: str) -> Problem:
        return Problem(self.path, line, rule, what, fix)


class Repo:
    """The workflows, the composite actions, tox.ini and pyproject.toml."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.load_problems: List[Problem] = []
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
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            what = " ".join(
                str(getattr(exc, "problem", None) or exc).split()
            )  # one line
            self.load_problems.append(
                Problem(rel, line, "yaml", f"not valid YAML: {what}", "fix the syntax")
            )
            return None
        if not isinstance(data, Map) or required_key not in data:
            self.load_problems.append(
                Problem(
                    rel,
                    1,
                    "yaml",
                    f"has no top-level `{required_key}:`",
                    "write a workflow (jobs:) or an action (runs:)",
                )
            )
            return None
        return Doc(rel, data, text.splitlines())

    def local_action(self, uses: str) -> Optional[Doc]:
        return self.actions.get(local_path(uses))

    def local_workflow(self, uses: str) -> Optional[Doc]:
        return self.workflows.get(local_path(uses))

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
    runs = doc.data.get("runs")
    return steps_of(runs) if isinstance(runs, Map) else []


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


def strings_in(obj: Any) -> Iterator[Str]:
    if isinstance(obj, Str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from strings_in(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from strings_in(value)


def triggers(doc: Doc) -> Map:
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


# ---- a small evaluator of GitHub's `if:` expressions --------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\],])|(?P<id>[A-Za-z_][\w.\-*]*))"
)


class _Expr:
    """Evaluates an `if:` under a context of known values (others are null)."""

    def __init__(self, text: str, context: Dict[str, Any]) -> None:
        text = text.strip()
        if text.startswith("${{") and text.endswith("}}"):
            text = text[3:-2]
        self.tokens: List[Tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                raise ValueError(f"cannot read the expression at: {text[pos:]!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.pos = 0
        self.context = context

    def value(self) -> Any:
        result = self._or()
        if self.pos != len(self.tokens):
            raise ValueError("unexpected text after the expression")
        return result

    def _peek(self) -> Optional[str]:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self) -> Tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _or(self) -> Any:
        left = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            left = left if _truthy(left) else right
        return left

    def _and(self) -> Any:
        left = self._compare()
        while self._peek() == "&&":
            self._take()
            right = self._compare()
            left = right if _truthy(left) else left
        return left

    def _compare(self) -> Any:
        left = self._unary()
        while self._peek() in ("==", "!=", "<", ">", "<=", ">="):
            op = self._take()[1]
            right = self._unary()
            a, b = _fold(left), _fold(right)
            if op in ("==", "!="):
                left = (a == b) == (op == "==")
            else:
                try:
                    left = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
                except TypeError:
                    left = False
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not _truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if text == "(":
            inner = self._or()
            self._take()
            return inner
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind != "id":
            raise ValueError(f"unexpected {text!r}")
        if self._peek() == "(":
            self._take()
            args = []
            while self._peek() != ")":
                args.append(self._or())
                if self._peek() == ",":
                    self._take()
            self._take()
            return _call(text.lower(), args)
        literal = {"true": True, "false": False, "null": None}
        if text in literal:
            return literal[text]
        return self.context.get(text)


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, 0.0, "")


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _call(name: str, args: List[Any]) -> Any:
    if name in ("success", "always"):
        return True
    if name in ("failure", "cancelled"):
        return False
    texts = [str(a).lower() if a is not None else "" for a in args]
    if name == "contains" and len(texts) == 2:
        return texts[1] in texts[0]
    if name == "startswith" and len(texts) == 2:
        return texts[0].startswith(texts[1])
    if name == "endswith" and len(texts) == 2:
        return texts[0].endswith(texts[1])
    return None


def evaluate(condition: Any, context: Dict[str, Any]) -> bool:
    """Whether an `if:` holds in ``context``; a missing `if:` always holds."""
    if condition is None:
        return True
    if isinstance(condition, bool):
        return condition
    return _truthy(_Expr(str(condition), context).value())


# ---- the rules -----------------------------------------------------------------


def check_pinned_uses(repo: Repo) -> List[Problem]:
    """Remote actions pinned to a SHA with a version comment; local ones exist."""
    problems = []
    found: List[Tuple[Doc, str]] = []
    for doc, _, step in all_steps(repo):
        if uses_of(step):
            found.append((doc, uses_of(step)))
    for doc in repo.workflows.values():
        for job in jobs_of(doc).values():
            if uses_of(job):
                found.append((doc, uses_of(job)))
    for doc, uses in found:
        line = line_of(uses)
        if is_local(uses):
            if not repo.local_exists(uses):
                problems.append(
                    doc.problem(
                        line,
                        "local-uses",
                        f"uses {uses}, which does not exist",
                        "fix the path (an action folder holds action.yml; a "
                        "workflow is .github/workflows/<name>.yml)",
                    )
                )
            continue
        if uses.startswith("docker://"):
            if "@sha256:" not in uses:
                problems.append(
                    doc.problem(
                        line,
                        "pinned-uses",
                        f"{uses} is not pinned to an image digest",
                        "pin it: docker://image@sha256:<digest>",
                    )
                )
            continue
        name, _, ref = uses.partition("@")
        if not SHA.fullmatch(ref):
            problems.append(
                doc.problem(
                    line,
                    "pinned-uses",
                    f"{name}@{ref or '(no ref)'} is not pinned to a commit",
                    f"pin it to the full 40-character SHA of a release, with the "
                    f"release as a comment: `uses: {name}@<sha> # vX.Y.Z` (see "
                    "ACTION_PINS.md)",
                )
            )
        elif not VERSION_COMMENT.search(doc.lines[line - 1]):
            problems.append(
                doc.problem(
                    line,
                    "pinned-uses",
                    f"{name} is pinned to {ref[:12]}… without saying which release",
                    "add the release as a comment on that line: `# vX.Y.Z`",
                )
            )
    return problems


def check_permissions(repo: Repo) -> List[Problem]:
    """Nothing granted at the top; every job says what it gets, and why."""
    problems = []
    for doc in repo.workflows.values():
        data = doc.data
        if "permissions" not in data:
            problems.append(
                doc.problem(
                    data.kline("jobs"),
                    "top-permissions",
                    "no workflow-level permissions: every job gets the default "
                    "token grants",
                    "add `permissions: {}` at the top and grant each job what it "
                    "needs",
                )
            )
        else:
            top = data["permissions"]
            line = data.kline("permissions")
            if isinstance(top, str) and top != "read-all":
                problems.append(
                    doc.problem(
                        line,
                        "top-permissions",
                        f"the workflow grants {top} to every job",
                        "use `permissions: {}` at the top and grant each job what "
                        "it needs",
                    )
                )
            elif isinstance(top, Map):
                for scope, level in top.items():
                    if level != "write":
                        continue
                    rule = (
                        "publish-permissions"
                        if scope in ("id-token", "attestations")
                        else "top-permissions"
                    )
                    problems.append(
                        doc.problem(
                            top.kline(scope),
                            rule,
                            f"the workflow grants {scope}: write to every job",
                            f"use `permissions: {{}}` at the top and grant {scope}: "
                            "write only in the job that needs it",
                        )
                    )
        for job_id, job in jobs_of(doc).items():
            problems += _job_permissions(doc, job_id, job)
    return problems


def _job_permissions(doc: Doc, job_id: str, job: Map) -> List[Problem]:
    problems = []
    if "permissions" not in job:
        return [
            doc.problem(
                job.line,
                "job-permissions",
                f"job {job_id} declares no permissions (it gets the workflow's)",
                "add `permissions:` with what it needs (or {}) and a comment why",
            )
        ]
    perms = job["permissions"]
    if isinstance(perms, str):
        entries = [(perms, perms, job.kline("permissions"))]
    elif isinstance(perms, Map):
        entries = [(k, v, perms.kline(k)) for k, v in perms.items()]
    else:
        entries = []
    for scope, level, line in entries:
        if level != "none" and "#" not in doc.lines[line - 1]:
            problems.append(
                doc.problem(
                    line,
                    "permissions-comment",
                    f"job {job_id} is granted {scope}: {level} without saying why",
                    "say why on that line: `# what it needs it for`",
                )
            )
    granted = dict((s, lv) for s, lv, _ in entries) if isinstance(perms, Map) else {}
    names = {action_name(uses_of(s)) for s in steps_of(job) if uses_of(s)}
    publishes = PUBLISH_ACTION in names
    attests = bool(names & ATTEST_ACTIONS)
    line = job.kline("permissions")
    if perms == "write-all":
        problems.append(
            doc.problem(
                line,
                "publish-permissions",
                f"job {job_id} is granted write-all",
                "grant only the scopes it needs",
            )
        )
    if granted.get("id-token") == "write" and not (publishes or attests):
        problems.append(
            doc.problem(
                perms.kline("id-token"),
                "publish-permissions",
                f"job {job_id} gets id-token: write but neither publishes nor "
                "attests",
                "remove it: only the publish job mints an OIDC token",
            )
        )
    if granted.get("attestations") == "write" and not attests:
        problems.append(
            doc.problem(
                perms.kline("attestations"),
                "publish-permissions",
                f"job {job_id} gets attestations: write but makes no attestation",
                "remove it: only the job that attests writes attestations",
            )
        )
    if publishes and granted.get("id-token") != "write":
        problems.append(
            doc.problem(
                line,
                "publish-permissions",
                f"job {job_id} publishes without id-token: write: trusted "
                "publishing cannot get a token",
                "grant `id-token: write` to this job (only)",
            )
        )
    if attests and not (
        granted.get("id-token") == "write" and granted.get("attestations") == "write"
    ):
        problems.append(
            doc.problem(
                line,
                "publish-permissions",
                f"job {job_id} attests without id-token: write and attestations: "
                "write",
                "grant both to this job (only)",
            )
        )
    return problems


def check_checkouts(repo: Repo) -> List[Problem]:
    """No credentials left behind; full history where a release is built."""
    problems = []
    for doc in repo.workflows.values():
        for job_id, job in jobs_of(doc).items():
            builds = any(
                local_path(uses_of(s)) == BUILD_ACTION
                or BUILDS_RELEASE.search(str(s.get("run", "")))
                or DRY_RUN_TARGET.search(str(s.get("run", "")))
                for s in steps_of(job)
            )
            for step in steps_of(job):
                if action_name(uses_of(step)) != CHECKOUT:
                    continue
                options = with_of(step)
                if not is_false(options.get("persist-credentials")):
                    problems.append(
                        doc.problem(
                            step.line,
                            "persist-credentials",
                            f"a checkout in job {job_id} leaves the token in "
                            ".git/config",
                            "add `persist-credentials: false` under its `with:`",
                        )
                    )
                depth = options.get("fetch-depth")
                if builds and str(depth) != "0":
                    problems.append(
                        doc.problem(
                            step.line,
                            "full-history",
                            f"job {job_id} builds a release from a shallow checkout "
                            "(no tags: the version comes out as 0.1.devN)",
                            "add `fetch-depth: 0` under the checkout's `with:`",
                        )
                    )
    for doc in repo.actions.values():
        for step in composite_steps(doc):
            if action_name(uses_of(step)) == CHECKOUT and not is_false(
                with_of(step).get("persist-credentials")
            ):
                problems.append(
                    doc.problem(
                        step.line,
                        "persist-credentials",
                        "a checkout leaves the token in .git/config",
                        "add `persist-credentials: false` under its `with:`",
                    )
                )
    return problems


def check_run_steps(repo: Repo) -> List[Problem]:
    """No expression inside a script; composite run steps declare a shell."""
    problems = []
    for doc, job_id, step in all_steps(repo):
        run = step.get("run")
        if run is None:
            continue
        if "${{" in str(run):
            problems.append(
                doc.problem(
                    step.kline("run"),
                    "expression-in-run",
                    f"{step_label(step)} expands ${{{{ … }}}} inside its script (a "
                    "value can inject shell code)",
                    'pass the value through the step\'s env: and use "$NAME" in '
                    "the script",
                )
            )
        if job_id is None and "shell" not in step:
            problems.append(
                doc.problem(
                    step.line,
                    "composite-shell",
                    f"{step_label(step)} of a composite action declares no shell",
                    "add `shell: bash`",
                )
            )
    return problems


def check_action_metadata(repo: Repo) -> List[Problem]:
    """Composite actions: inputs kebab-case, described, with string defaults."""
    problems = []
    for doc in repo.actions.values():
        inputs = doc.data.get("inputs")
        for name, spec in (inputs.items() if isinstance(inputs, Map) else []):
            line = inputs.kline(name)
            spec = spec if isinstance(spec, Map) else Map()
            if not KEBAB.fullmatch(str(name)):
                problems.append(
                    doc.problem(
                        line,
                        "action-metadata",
                        f"input {name} is not kebab-case",
                        f"rename it {re.sub(r'[_ ]+', '-', str(name)).lower()}",
                    )
                )
            if not str(spec.get("description") or "").strip():
                problems.append(
                    doc.problem(
                        line,
                        "action-metadata",
                        f"input {name} has no description",
                        "add `description:` saying what it does and which values "
                        "it takes",
                    )
                )
            if "default" not in spec or not isinstance(spec["default"], str):
                problems.append(
                    doc.problem(
                        spec.kline("default") if "default" in spec else line,
                        "action-metadata",
                        f"input {name} has no string default",
                        'give it a quoted default, e.g. `default: ""` or '
                        '`default: "false"`',
                    )
                )
        outputs = doc.data.get("outputs")
        for name, spec in (outputs.items() if isinstance(outputs, Map) else []):
            value = spec.get("value") if isinstance(spec, Map) else None
            if not (isinstance(value, str) and STEP_REF.search(value)):
                problems.append(
                    doc.problem(
                        outputs.kline(name),
                        "action-metadata",
                        f"output {name} is not bound to a step",
                        "set `value: ${{ steps.<id>.outputs.<name> }}`",
                    )
                )
    return problems


def _suggest(name: str, choices: List[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f"did you mean {close[0]}? " if close else ""


def _check_call(
    doc: Doc, where: Map, target: str, declared: Any, kind: str
) -> List[Problem]:
    problems = []
    declared = declared if isinstance(declared, Map) else Map()
    given = with_of(where)
    for name in given:
        if name not in declared:
            problems.append(
                doc.problem(
                    given.kline(name),
                    "action-inputs",
                    f"passes input {name} to {target}, which declares no such input",
                    f"{_suggest(str(name), list(declared))}use one of: "
                    f"{', '.join(declared) or '(none)'}",
                )
            )
    for name, spec in declared.items():
        spec = spec if isinstance(spec, Map) else Map()
        if is_true(spec.get("required")) and "default" not in spec:
            if name not in given:
                problems.append(
                    doc.problem(
                        where.line,
                        "action-inputs",
                        f"calls {target} without its required input {name}",
                        f"add `{name}:` under `with:`",
                    )
                )
    return problems


def check_local_calls(repo: Repo) -> List[Problem]:
    """Local actions and workflows get only declared inputs, and required ones."""
    problems = []
    for doc, _, step in all_steps(repo):
        uses = uses_of(step)
        action = repo.local_action(uses) if is_local(uses) else None
        if action:
            problems += _check_call(
                doc, step, uses, action.data.get("inputs"), "action"
            )
    for doc in repo.workflows.values():
        for job_id, job in jobs_of(doc).items():
            uses = uses_of(job)
            called = repo.local_workflow(uses) if is_local(uses) else None
            if not called:
                continue
            on = triggers(called)
            if "workflow_call" not in on:
                problems.append(
                    doc.problem(
                        line_of(uses),
                        "action-inputs",
                        f"job {job_id} calls {uses}, which has no workflow_call "
                        "trigger",
                        f"add `workflow_call:` to the `on:` of {called.path}",
                    )
                )
                continue
            spec = on.get("workflow_call")
            spec = spec if isinstance(spec, Map) else Map()
            problems += _check_call(doc, job, uses, spec.get("inputs"), "workflow")
            secrets = job.get("secrets")
            declared = (
                spec.get("secrets") if isinstance(spec.get("secrets"), Map) else {}
            )
            for name in secrets if isinstance(secrets, Map) else []:
                if name not in declared:
                    problems.append(
                        doc.problem(
                            secrets.kline(name),
                            "action-inputs",
                            f"passes secret {name} to {uses}, which declares no "
                            "such secret",
                            f"declare it under workflow_call.secrets of {called.path}"
                            " or stop passing it",
                        )
                    )
    return problems


def _run_outputs(run: str) -> Set[str]:
    """``name=value``, ``name<<DELIMITER``, and a tool's ``--...-output NAME``."""
    names = set(re.findall(r"([A-Za-z_][\w-]*)(?:=|<<)", run))
    return names | set(re.findall(r"--[\w-]+-output[ =]([A-Za-z_][\w-]*)", run))


def _step_outputs(repo: Repo, step: Map) -> Optional[Set[str]]:
    """The outputs a step can have, or None where they cannot be known."""
    if "run" in step:
        return _run_outputs(str(step["run"]))
    uses = uses_of(step)
    if is_local(uses):
        action = repo.local_action(uses)
        outputs = action.data.get("outputs") if action else None
        return set(outputs) if isinstance(outputs, Map) else set()
    return KNOWN_OUTPUTS.get(action_name(uses))


def _check_step_refs(
    repo: Repo, doc: Doc, owner: str, steps: List[Map], extra: List[Any]
) -> List[Problem]:
    problems = []
    index = {str(s["id"]): i for i, s in enumerate(steps) if "id" in s}
    places: List[Tuple[Optional[int], Any]] = [(i, s) for i, s in enumerate(steps)]
    places += [(None, obj) for obj in extra]
    for position, obj in places:
        for text in strings_in(obj):
            for match in STEP_REF.finditer(text):
                step_id, output = match.group(1), match.group(3)
                line = line_of(text)
                if step_id not in index:
                    problems.append(
                        doc.problem(
                            line,
                            "step-outputs",
                            f"{owner} refers to step {step_id}, which it does not "
                            "have",
                            f"give the step `id: {step_id}` or fix the reference"
                            f" ({_suggest(step_id, list(index))}ids: "
                            f"{', '.join(index) or 'none'})",
                        )
                    )
                    continue
                if position is not None and index[step_id] >= position:
                    problems.append(
                        doc.problem(
                            line,
                            "step-outputs",
                            f"{owner} refers to step {step_id} before it has run",
                            "move the reference after that step",
                        )
                    )
                known = _step_outputs(repo, steps[index[step_id]])
                if output and known is not None and output not in known:
                    problems.append(
                        doc.problem(
                            line,
                            "step-outputs",
                            f"{owner} uses output {output} of step {step_id}, which "
                            "sets no such output",
                            f"{_suggest(output, sorted(known))}set it in that step "
                            '(echo "name=value" >> "$GITHUB_OUTPUT") or fix the name',
                        )
                    )
    return problems


def _job_outputs(repo: Repo, job: Map) -> Set[str]:
    outputs = job.get("outputs")
    if isinstance(outputs, Map):
        return set(outputs)
    called = repo.local_workflow(uses_of(job)) if is_local(uses_of(job)) else None
    if called:
        spec = triggers(called).get("workflow_call")
        outs = spec.get("outputs") if isinstance(spec, Map) else None
        return set(outs) if isinstance(outs, Map) else set()
    return set()


def check_outputs(repo: Repo) -> List[Problem]:
    """Referenced step and job outputs exist, in steps that ran before."""
    problems = []
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        for job_id, job in jobs.items():
            extra = [v for k, v in job.items() if k != "steps"]
            problems += _check_step_refs(
                repo, doc, f"job {job_id}", steps_of(job), extra
            )
            needed = needs_of(job)
            for text in strings_in(job):
                for match in NEEDS_REF.finditer(text):
                    other, output = match.group(1), match.group(3)
                    if other not in needed:
                        problems.append(
                            doc.problem(
                                line_of(text),
                                "step-outputs",
                                f"job {job_id} refers to job {other}, which it does "
                                "not need",
                                f"add {other} to its `needs:`",
                            )
                        )
                    elif output and output not in _job_outputs(repo, jobs[other]):
                        problems.append(
                            doc.problem(
                                line_of(text),
                                "step-outputs",
                                f"job {job_id} uses output {output} of job {other}, "
                                "which declares no such output",
                                f"declare it under {other}'s `outputs:`",
                            )
                        )
    for doc in repo.actions.values():
        extra = [doc.data.get("outputs")]
        problems += _check_step_refs(
            repo, doc, "the action", composite_steps(doc), extra
        )
    return problems


def _substitute_inputs(text: str, given: Map, declared: Any) -> str:
    """An artifact name from an action, with the caller's inputs put in."""

    def replace(match: "re.Match[str]") -> str:
        inner = match.group(1).strip()
        name = inner[len("inputs.") :] if inner.startswith("inputs.") else None
        if name and name in given and not EXPRESSION.search(str(given[name])):
            return str(given[name])
        spec = declared.get(name) if isinstance(declared, Map) and name else None
        if name and name not in given and isinstance(spec, Map):
            if isinstance(spec.get("default"), str):
                return str(spec["default"])
        return "*"

    return EXPRESSION.sub(replace, text)


def _uploads(repo: Repo, doc: Doc) -> List[Tuple[str, str]]:
    """(job id, artifact name pattern) of every upload in a workflow."""
    found = []
    for job_id, job in jobs_of(doc).items():
        called = repo.local_workflow(uses_of(job)) if is_local(uses_of(job)) else None
        if called and called is not doc:
            found += [(job_id, name) for _, name in _uploads(repo, called)]
        for step in steps_of(job):
            uses = uses_of(step)
            if action_name(uses) == UPLOAD:
                name = str(with_of(step).get("name") or "artifact")
                found.append((job_id, EXPRESSION.sub("*", name)))
            action = repo.local_action(uses) if is_local(uses) else None
            for inner in composite_steps(action) if action else []:
                if action_name(uses_of(inner)) == UPLOAD:
                    name = str(with_of(inner).get("name") or "artifact")
                    declared = action.data.get("inputs")
                    found.append(
                        (job_id, _substitute_inputs(name, with_of(step), declared))
                    )
    return found


def check_artifacts(repo: Repo) -> List[Problem]:
    """A downloaded artifact was uploaded under that name, by a needed job."""
    problems = []
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        uploads = _uploads(repo, doc)
        for job_id, job in jobs.items():
            for step in steps_of(job):
                if action_name(uses_of(step)) != DOWNLOAD:
                    continue
                options = with_of(step)
                name = options.get("name")
                pattern = options.get("pattern")
                if name is not None:
                    wanted = EXPRESSION.sub("*", str(name))
                    matching = [
                        (j, up)
                        for j, up in uploads
                        if fnmatch.fnmatchcase(wanted, up)
                        or fnmatch.fnmatchcase(up, wanted)
                    ]
                    label = f"artifact {name}"
                elif pattern is not None:
                    matching = [
                        (j, up)
                        for j, up in uploads
                        if fnmatch.fnmatchcase(up.replace("*", "x"), str(pattern))
                    ]
                    label = f"artifacts matching {pattern}"
                else:
                    matching = list(uploads)
                    label = "every artifact"
                names = sorted({up for _, up in uploads})
                if not matching:
                    problems.append(
                        doc.problem(
                            step.line,
                            "artifacts",
                            f"job {job_id} downloads {label}, which no job of this "
                            "workflow uploads",
                            f"{_suggest(str(name or pattern), names)}download one "
                            f"that is uploaded ({', '.join(names) or 'none is'})",
                        )
                    )
                    continue
                upstream = ancestors(jobs, job_id) | {job_id}
                if not any(j in upstream for j, _ in matching):
                    makers = ", ".join(sorted({j for j, _ in matching}))
                    problems.append(
                        doc.problem(
                            step.line,
                            "artifacts",
                            f"job {job_id} downloads {label}, uploaded by job "
                            f"{makers}, which it does not need (it may not exist "
                            "yet)",
                            f"add {makers} to the `needs:` of {job_id}",
                        )
                    )
    return problems


def _publish_jobs(doc: Doc) -> Dict[str, Map]:
    return {
        job_id: job
        for job_id, job in jobs_of(doc).items()
        if any(action_name(uses_of(s)) == PUBLISH_ACTION for s in steps_of(job))
    }


def _publish_step(job: Map) -> Tuple[int, Map]:
    for i, step in enumerate(steps_of(job)):
        if action_name(uses_of(step)) == PUBLISH_ACTION:
            return i, step
    return -1, Map()  # pragma: no cover (only called on publish jobs)


def check_publish_direct(repo: Repo) -> List[Problem]:
    """The publish action only as a direct step of a (non-reusable) workflow."""
    problems = []
    for doc in repo.actions.values():
        for step in composite_steps(doc):
            if action_name(uses_of(step)) == PUBLISH_ACTION:
                problems.append(
                    doc.problem(
                        step.line,
                        "publish-direct",
                        f"{PUBLISH_ACTION} runs inside a composite action, which it "
                        "does not support",
                        "make it a direct step of the publish job",
                    )
                )
    for doc in repo.workflows.values():
        if "workflow_call" in triggers(doc) and _publish_jobs(doc):
            problems.append(
                doc.problem(
                    doc.data.kline("on"),
                    "publish-direct",
                    f"a reusable workflow runs {PUBLISH_ACTION}, which trusted "
                    "publishing does not support",
                    "publish from a job of the top-level workflow",
                )
            )
        for job_id, job in _publish_jobs(doc).items():
            count = sum(
                action_name(uses_of(s)) == PUBLISH_ACTION for s in steps_of(job)
            )
            if count > 1:
                problems.append(
                    doc.problem(
                        job.line,
                        "publish-direct",
                        f"job {job_id} publishes {count} times",
                        "publish once per job (one job per index)",
                    )
                )
    return problems


def check_publish_chain(repo: Repo) -> List[Problem]:
    """Tests, then build, then publish, then smoke; publish runs no code."""
    problems = []
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        builders = {
            j
            for j, job in jobs.items()
            if any(local_path(uses_of(s)) == BUILD_ACTION for s in steps_of(job))
        }
        testers = {
            j
            for j, job in jobs.items()
            if is_local(uses_of(job)) and local_path(uses_of(job)) == TEST_WORKFLOW
        }
        for job_id, job in _publish_jobs(doc).items():
            mine = ancestors(jobs, job_id)
            if not mine & builders:
                problems.append(
                    doc.problem(
                        job.kline("needs"),
                        "publish-chain",
                        f"publish job {job_id} does not need the build job "
                        f"({', '.join(sorted(builders)) or 'none found'})",
                        "add `needs: [build]`: publish only files that were built "
                        "and verified",
                    )
                )
            for builder in sorted(mine & builders):
                if not ancestors(jobs, builder) & testers:
                    problems.append(
                        doc.problem(
                            jobs[builder].kline("needs"),
                            "publish-chain",
                            f"build job {builder} does not need the tests "
                            f"(a job with `uses: ./{TEST_WORKFLOW}`)",
                            f"add a tests job calling ./{TEST_WORKFLOW} and "
                            f"`needs: [tests]` to {builder}",
                        )
                    )
            smokers = [
                j
                for j, other in jobs.items()
                if job_id in ancestors(jobs, j)
                and any(local_path(uses_of(s)) == SMOKE_ACTION for s in steps_of(other))
            ]
            if not smokers:
                problems.append(
                    doc.problem(
                        job.line,
                        "publish-chain",
                        f"no smoke job after publish job {job_id}",
                        f"add a job that needs {job_id} and installs from the index "
                        f"with ./{SMOKE_ACTION}",
                    )
                )
            problems += _publish_job_content(doc, job_id, job)
    return problems


def _publish_job_content(doc: Doc, job_id: str, job: Map) -> List[Problem]:
    problems = []
    steps = steps_of(job)
    publish_at, _ = _publish_step(job)
    downloaded = checked = attested = -1
    for i, step in enumerate(steps):
        uses = uses_of(step)
        run = str(step.get("run", ""))
        if action_name(uses) == CHECKOUT or is_local(uses):
            problems.append(
                doc.problem(
                    step.line,
                    "publish-job",
                    f"publish job {job_id} runs project code ({uses})",
                    "remove it: the publish job only downloads, checks, attests "
                    "and uploads the verified files",
                )
            )
        if run and PROJECT_CODE.search(run):
            problems.append(
                doc.problem(
                    step.kline("run"),
                    "publish-job",
                    f"publish job {job_id} runs a build or project code "
                    f"({PROJECT_CODE.search(run).group(0)})",  # type: ignore
                    "do that in the build job; the publish job runs no code",
                )
            )
        if action_name(uses) == DOWNLOAD and downloaded < 0:
            downloaded = i
        if re.search(r"\bsha256sum\s+(-c|--check)\b", run) and checked < 0:
            checked = i
        if action_name(uses) in ATTEST_ACTIONS and "dist/" in str(
            with_of(step).get("subject-path", "")
        ):
            attested = i
    order = [
        (downloaded, "download the build artifact (actions/download-artifact)"),
        (checked, "check it with `sha256sum -c SHA256SUMS`"),
        (attested, "attest dist/* (actions/attest-build-provenance)"),
    ]
    previous = -1
    for position, what in order:
        if position < 0 or position > publish_at or position < previous:
            problems.append(
                doc.problem(
                    job.line,
                    "publish-job",
                    f"publish job {job_id} does not {what} before publishing",
                    "publish job steps: download, sha256sum -c, attest, publish",
                )
            )
        previous = max(previous, position)
    return problems


def check_dry_run(repo: Repo) -> List[Problem]:
    """A boolean dry_run (default true) that keeps publish from running."""
    problems = []
    for doc in repo.workflows.values():
        publishers = _publish_jobs(doc)
        if not publishers:
            continue
        on = triggers(doc)
        dispatch = on.get("workflow_dispatch")
        inputs = dispatch.get("inputs") if isinstance(dispatch, Map) else None
        spec = inputs.get("dry_run") if isinstance(inputs, Map) else None
        line = doc.data.kline("on")
        if not isinstance(spec, Map):
            problems.append(
                doc.problem(
                    line,
                    "dry-run",
                    "no workflow_dispatch input dry_run",
                    "add `workflow_dispatch: inputs: dry_run: {type: boolean, "
                    "default: true}`",
                )
            )
            continue
        if spec.get("type") != "boolean" or spec.get("default") is not True:
            problems.append(
                doc.problem(
                    inputs.kline("dry_run"),
                    "dry-run",
                    "input dry_run is not a boolean that defaults to true",
                    "set `type: boolean` and `default: true` (a manual run is a "
                    "dry run unless asked otherwise)",
                )
            )
        for job_id, job in publishers.items():
            condition = job.get("if")
            for ref_type in ("tag", "branch"):
                context = {
                    "github.event_name": "workflow_dispatch",
                    "inputs.dry_run": True,
                    "github.event.inputs.dry_run": "true",
                    "github.ref_type": ref_type,
                }
                if _holds(condition, context):
                    problems.append(
                        doc.problem(
                            job.kline("if"),
                            "dry-run",
                            f"publish job {job_id} runs on a dry run",
                            "make its `if:` false when inputs.dry_run is true, e.g. "
                            "`github.event_name == 'release' || "
                            "(github.event_name == 'workflow_dispatch' && "
                            "!inputs.dry_run)`",
                        )
                    )
                    break
            for event in [e for e in on if e != "workflow_dispatch"]:
                if event in ("push", "release") and not _holds(
                    condition, {"github.event_name": event, "github.ref_type": "tag"}
                ):
                    problems.append(
                        doc.problem(
                            job.kline("if"),
                            "dry-run",
                            f"publish job {job_id} never runs on {event}",
                            f"let its `if:` hold for github.event_name == '{event}'",
                        )
                    )
        dry_jobs = [
            j
            for j, job in jobs_of(doc).items()
            if any(DRY_RUN_TARGET.search(str(s.get("run", ""))) for s in steps_of(job))
        ]
        if not dry_jobs:
            problems.append(
                doc.problem(
                    doc.data.kline("jobs"),
                    "dry-run",
                    "no job runs `make publish-dry-run`",
                    "add a dry-run job that needs the build and runs "
                    "`make publish-dry-run`, only on a dry run",
                )
            )
        for job_id in dry_jobs:
            job = jobs_of(doc)[job_id]
            on_dry = {"github.event_name": "workflow_dispatch", "inputs.dry_run": True}
            on_real = {
                "github.event_name": "workflow_dispatch",
                "inputs.dry_run": False,
            }
            if not _holds(job.get("if"), on_dry) or _holds(job.get("if"), on_real):
                problems.append(
                    doc.problem(
                        job.kline("if"),
                        "dry-run",
                        f"dry-run job {job_id} does not run exactly on a dry run",
                        "set `if: github.event_name == 'workflow_dispatch' && "
                        "inputs.dry_run`",
                    )
                )
    return problems


def _holds(condition: Any, context: Dict[str, Any]) -> bool:
    try:
        return evaluate(condition, context)
    except (ValueError, IndexError):
        return True  # unreadable: assume the worst


def _environment(job: Map) -> Tuple[Optional[str], Optional[str]]:
    env = job.get("environment")
    if isinstance(env, str):
        return env, None
    if isinstance(env, Map):
        name, url = env.get("name"), env.get("url")
        return (str(name) if name else None), (str(url) if url else None)
    return None, None


def _upload_url(step: Map) -> str:
    options = with_of(step)
    return str(options.get("repository-url") or options.get("repository_url") or "")


def _target_index(doc: Doc, step: Map) -> str:
    """ "pypi" or "testpypi": where a publish step uploads (or is meant to)."""
    testpypi_file = "testpypi" in doc.path.rsplit("/", 1)[-1]
    if _upload_url(step).startswith("https://test.pypi.org/") or testpypi_file:
        return "testpypi"
    return "pypi"


def check_environments(repo: Repo) -> List[Problem]:
    """pypi and testpypi environments with URLs, uploads to the right index."""
    problems = []
    seen: Set[str] = set()
    for doc in repo.workflows.values():
        for job_id, job in _publish_jobs(doc).items():
            _, step = _publish_step(job)
            options = with_of(step)
            url = str(
                options.get("repository-url") or options.get("repository_url") or ""
            )
            expected = _target_index(doc, step)
            name, env_url = _environment(job)
            line = job.kline("environment")
            if name:
                seen.add(name)
            if name != expected:
                problems.append(
                    doc.problem(
                        line,
                        "environments",
                        f"publish job {job_id} uses environment {name or '(none)'}; "
                        f"an upload to {expected} needs environment {expected}",
                        f"set `environment: {{name: {expected}, url: "
                        f"{INDEX_PROJECT_URLS[expected]}project/...}}` (the trusted "
                        "publisher names it)",
                    )
                )
            elif not (env_url or "").startswith(INDEX_PROJECT_URLS[expected]):
                problems.append(
                    doc.problem(
                        line,
                        "environments",
                        f"environment {name} of job {job_id} has no URL on "
                        f"{INDEX_PROJECT_URLS[expected]}",
                        f"add `url: {INDEX_PROJECT_URLS[expected]}project/<name>/"
                        "<version>/`",
                    )
                )
            step_line = step.line
            if expected == "testpypi":
                if url != TESTPYPI_UPLOAD:
                    problems.append(
                        doc.problem(
                            options.kline("repository-url") if url else step_line,
                            "upload-url",
                            f"the TestPyPI upload of job {job_id} goes to "
                            f"{url or 'PyPI (no repository-url)'}",
                            f"set `repository-url: {TESTPYPI_UPLOAD}`",
                        )
                    )
                if not is_true(options.get("skip-existing")):
                    problems.append(
                        doc.problem(
                            step_line,
                            "upload-url",
                            f"the TestPyPI upload of job {job_id} fails when a "
                            "re-run finds its files there",
                            "set `skip-existing: true`",
                        )
                    )
            elif url not in ("", PYPI_UPLOAD):
                problems.append(
                    doc.problem(
                        options.kline("repository-url"),
                        "upload-url",
                        f"the PyPI upload of job {job_id} goes to {url}",
                        "remove repository-url (PyPI is the default)",
                    )
                )
            problems += _publisher_summary(doc, job_id, job, name)
    for wanted in ("pypi", "testpypi"):
        if repo.workflows and wanted not in seen:
            problems.append(
                Problem(
                    ".github/workflows",
                    1,
                    "environments",
                    f"no publish job uses environment {wanted}",
                    "publish to PyPI (publish-pypi.yml, environment pypi) and to "
                    "TestPyPI (publish-testpypi.yml, environment testpypi)",
                )
            )
    return problems


def _publisher_summary(
    doc: Doc, job_id: str, job: Map, environment: Optional[str]
) -> List[Problem]:
    for step in steps_of(job):
        env = step.get("env")
        if (
            "failure()" in str(step.get("if", ""))
            and "GITHUB_STEP_SUMMARY" in str(step.get("run", ""))
            and isinstance(env, Map)
            and env.get("ENVIRONMENT") == environment
            and all(k in env for k in ("OWNER", "REPOSITORY", "WORKFLOW_REF"))
        ):
            return []
    return [
        doc.problem(
            job.line,
            "publisher-summary",
            f"publish job {job_id} does not say, when it fails, which trusted "
            "publisher the index must hold",
            "add an `if: failure()` step writing OWNER, REPOSITORY, WORKFLOW_REF "
            f"and ENVIRONMENT ({environment}) to $GITHUB_STEP_SUMMARY",
        )
    ]


def _group(doc: Doc, caller_name: str) -> Optional[str]:
    block = doc.data.get("concurrency")
    group = block.get("group") if isinstance(block, Map) else block
    if group is None:
        return None
    return re.sub(r"\$\{\{\s*github\.workflow\s*\}\}", caller_name, str(group))


def check_concurrency(repo: Repo) -> List[Problem]:
    """One concurrency block per workflow; a called workflow has its own group."""
    problems = []
    for doc in repo.workflows.values():
        block = doc.data.get("concurrency")
        group = block.get("group") if isinstance(block, Map) else block
        if not group:
            problems.append(
                doc.problem(
                    doc.data.kline("jobs"),
                    "concurrency",
                    "the workflow has no concurrency group",
                    "add one top-level `concurrency:` with a group naming the "
                    "workflow and the ref",
                )
            )
        for job_id, job in jobs_of(doc).items():
            if "concurrency" in job:
                problems.append(
                    doc.problem(
                        job.kline("concurrency"),
                        "concurrency",
                        f"job {job_id} has a concurrency block of its own",
                        "keep the workflow's one block",
                    )
                )
            called = (
                repo.local_workflow(uses_of(job)) if is_local(uses_of(job)) else None
            )
            if not called or not group:
                continue
            name = str(doc.data.get("name") or doc.path)
            mine, theirs = _group(doc, name), _group(called, name)
            if mine == theirs:
                problems.append(
                    doc.problem(
                        line_of(called.data.get("concurrency"), 1),
                        "concurrency",
                        f"{called.path}'s concurrency group is the same as its "
                        f"caller's ({mine}): the run would cancel or wait for itself",
                        f"give {called.path}'s group a prefix of its own (e.g. "
                        "tests-${{ github.workflow }}-${{ github.ref }})",
                    )
                )
    return problems


def check_job_names(repo: Repo) -> List[Problem]:
    """Every job has a name that reads as a sentence."""
    problems = []
    for doc in repo.workflows.values():
        for job_id, job in jobs_of(doc).items():
            name = job.get("name")
            text = EXPRESSION.sub("X", str(name or ""))
            if not name or not (
                text[:1].isupper() and len(text.split()) >= 3 and not text.endswith(".")
            ):
                said = f"is named {name!r}, not a sentence" if name else "has no name"
                problems.append(
                    doc.problem(
                        job.kline("name"),
                        "job-name",
                        f"job {job_id} {said}",
                        "name it with what it does, e.g. `name: Build and verify "
                        "the release files once`",
                    )
                )
    return problems


def _expand_braces(word: str) -> List[str]:
    match = re.search(r"\{([^{}]*)\}", word)
    if not match:
        return [word]
    head, tail = word[: match.start()], word[match.end() :]
    return [
        out
        for choice in match.group(1).split(",")
        for out in _expand_braces(head + choice.strip() + tail)
    ]


def _version_key(version: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def tox_versions(root: Path) -> Tuple[Set[str], int]:
    path = root / "tox.ini"
    if not path.is_file():
        return set(), 0
    text = path.read_text(encoding="utf-8")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    raw = ""
    for key in ("env_list", "envlist"):
        if parser.has_option("tox", key):
            raw = parser.get("tox", key)
    line = next(
        (i for i, t in enumerate(text.splitlines(), 1) if re.match(r"env_?list\b", t)),
        1,
    )
    envs = [e for w in re.split(r"[\s,]+(?![^{]*\})", raw) for e in _expand_braces(w)]
    versions = set()
    for env in envs:
        match = re.fullmatch(r"py(\d)(\d+)", env.strip())
        if match:
            versions.add(f"{match.group(1)}.{match.group(2)}")
    return versions, line


def pyproject_versions(root: Path) -> Tuple[Set[str], int, Optional[str], int]:
    """Classifier versions and their line; requires-python's bound and line."""
    path = root / "pyproject.toml"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = text.splitlines()
    found = set(supported_versions(root))  # the one reading of the classifiers
    first = next(
        (i for i, t in enumerate(lines, 1) if "Programming Language :: Python ::" in t),
        0,
    )
    bound, bound_line = None, 0
    for i, line in enumerate(lines, 1):
        match = re.match(r"\s*requires-python\s*=\s*[\"']([^\"']*)[\"']", line)
        if match:
            lower = re.search(r">=\s*(\d+\.\d+)", match.group(1))
            bound, bound_line = (lower.group(1) if lower else match.group(1)), i
    return found, first, bound, bound_line


def matrix_versions(repo: Repo) -> Tuple[Dict[str, Set[str]], List[Problem]]:
    """The Python versions of every test matrix, keyed by doc path:line."""
    result: Dict[str, Set[str]] = {}
    problems = []
    for doc in repo.workflows.values():
        for job_id, job in jobs_of(doc).items():
            strategy = job.get("strategy")
            matrix = strategy.get("matrix") if isinstance(strategy, Map) else None
            if not isinstance(matrix, Map):
                continue
            values: List[Any] = []
            if isinstance(matrix.get("python-version"), list):
                values += matrix["python-version"]
            include = matrix.get("include")
            for entry in include if isinstance(include, list) else []:
                if isinstance(entry, Map) and "python-version" in entry:
                    values.append(entry["python-version"])
            if not values:
                continue
            versions = set()
            for value in values:
                if isinstance(value, str):
                    versions.add(value)
                    continue
                problems.append(
                    doc.problem(
                        matrix.kline("python-version"),
                        "python-versions",
                        f"the matrix of job {job_id} has the number {value!r}, not "
                        "a string (YAML reads 3.10 unquoted as 3.1)",
                        'quote every version: "3.10"',
                    )
                )
            line = (
                matrix.kline("python-version")
                if "python-version" in matrix
                else matrix.line
            )
            result[f"{doc.path}:{line}"] = versions
    return result, problems


def check_python_versions(repo: Repo) -> List[Problem]:
    """tox env_list, test matrix, classifiers, requires-python: one set."""
    matrices, problems = matrix_versions(repo)
    tox, tox_line = tox_versions(repo.root)
    classifiers, class_line, bound, bound_line = pyproject_versions(repo.root)
    sources: List[Tuple[str, int, str, Set[str]]] = [
        ("tox.ini", tox_line, "tox's env_list", tox),
        ("pyproject.toml", class_line, "the classifiers", classifiers),
    ]
    for where, versions in matrices.items():
        path, line = where.rsplit(":", 1)
        sources.append((path, int(line), "the test matrix", versions))
    if not matrices and not repo.load_problems:
        problems.append(
            Problem(
                TEST_WORKFLOW,
                1,
                "python-versions",
                "no workflow job has a python-version matrix",
                "test every supported Python in a matrix (strategy.matrix."
                "python-version)",
            )
        )
    every = set().union(*(v for *_, v in sources))
    for path, line, label, versions in sources:
        for missing in sorted(every - versions, key=_version_key):
            others = [lb for _, _, lb, v in sources if missing in v]
            problems.append(
                Problem(
                    path,
                    line or 1,
                    "python-versions",
                    f"Python {missing} is missing from {label} (in "
                    f"{', '.join(others)})",
                    "add it, or drop it everywhere: tox env_list, the test matrix, "
                    "the classifiers and requires-python move together",
                )
            )
    if every:
        lowest = min(every, key=_version_key)
        if bound != lowest:
            problems.append(
                Problem(
                    "pyproject.toml",
                    bound_line or 1,
                    "python-versions",
                    f"requires-python's lower bound is {bound}, the oldest Python "
                    f"tested is {lowest}",
                    f'set `requires-python = ">={lowest}"`',
                )
            )
    return problems


def check_attestations(repo: Repo) -> List[Problem]:
    """The publish step keeps its PEP 740 attestations."""
    problems = []
    for doc in repo.workflows.values():
        for job_id, job in _publish_jobs(doc).items():
            _, step = _publish_step(job)
            options = with_of(step)
            if "attestations" in options and not is_true(options["attestations"]):
                problems.append(
                    doc.problem(
                        options.kline("attestations"),
                        "attestations",
                        f"the publish step of job {job_id} turns the PEP 740 "
                        f"attestations off ({options['attestations']})",
                        "set `attestations: true`: the smoke job verifies them",
                    )
                )
    return problems


def _evaluate_input(value: Any, context: Dict[str, Any]) -> Any:
    """The value an input gets under ``context``; None where it cannot be read."""
    text = str(value)
    whole = re.fullmatch(r"\s*\$\{\{(.*?)\}\}\s*", text, re.S)
    try:
        if whole:
            return _Expr(whole.group(1), context).value()
        return EXPRESSION.sub(
            lambda m: _as_text(_Expr(m.group(1), context).value()), text
        )
    except (ValueError, IndexError):
        return None


def _as_text(value: Any) -> str:
    """An expression's value as GitHub puts it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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


def check_index_guard(repo: Repo) -> List[Problem]:
    """Before publishing, the build checks the version is not on the index yet."""
    problems = []
    action_checks = _action_checks_index(repo)
    if BUILD_ACTION in repo.actions and not action_checks:
        doc = repo.actions[BUILD_ACTION]
        problems.append(
            doc.problem(
                doc.data.kline("runs"),
                "index-check",
                "build-verify does not run `python -m tools.publish.index check` with "
                "its index-url input",
                "add a step (if: inputs.index-url != '') running `.venv/bin/python "
                '-m tools.publish.index check --index-url "$INDEX_URL"` with '
                "INDEX_URL: ${{ inputs.index-url }} in its env",
            )
        )
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        for job_id, job in _publish_jobs(doc).items():
            index = _target_index(doc, _publish_step(job)[1])
            want_url, want_skip = SIMPLE_URLS[index], index == "testpypi"
            found: List[Tuple[int, str, bool]] = []  # (line, url, skip-existing)
            for _, step in _build_steps(jobs, job_id):
                url = str(_input_of(repo, step, "index-url") or "")
                if url and action_checks:
                    skip = is_true(_input_of(repo, step, "skip-existing"))
                    found.append((step.line, url, skip))
            for j in sorted(ancestors(jobs, job_id)):
                for step in steps_of(jobs.get(j, Map())):
                    run = str(step.get("run", ""))
                    if INDEX_CHECK.search(run):
                        url = next((u for u in SIMPLE_URLS.values() if u in run), "")
                        found.append((step.line, url, "--skip-existing" in run))
            if not found:
                problems.append(
                    doc.problem(
                        job.line,
                        "index-check",
                        f"nothing checks, before publish job {job_id}, that the "
                        f"version is not on {index} yet (a re-release fails only "
                        "at the upload, after the attestations)",
                        f"pass `index-url: {want_url}` to build-verify in the build "
                        "job",
                    )
                )
            for line, url, skip in found:
                if url != want_url:
                    problems.append(
                        doc.problem(
                            line,
                            "index-check",
                            f"the index check before publish job {job_id} reads "
                            f"{url or 'no known index'}, not {index}",
                            f"use `index-url: {want_url}`",
                        )
                    )
                if skip != want_skip:
                    problems.append(
                        doc.problem(
                            line,
                            "index-check",
                            f"the index check before publish job {job_id} "
                            + (
                                "fails a re-run of the same commit"
                                if want_skip
                                else "lets a version already on PyPI through"
                            ),
                            (
                                'set `skip-existing: "true"` (TestPyPI only)'
                                if want_skip
                                else "drop skip-existing (a PyPI version is final)"
                            ),
                        )
                    )
    return problems


RELEASE_CONTEXT = {
    "github.event_name": "release",
    "github.ref_type": "tag",
    "github.ref_name": "v1.2.3",
    "github.ref": "refs/tags/v1.2.3",
    "github.event.release.tag_name": "v1.2.3",
}
PUSH_CONTEXT = {
    "github.event_name": "push",
    "github.ref_type": "branch",
    "github.ref_name": "main",
    "github.ref": "refs/heads/main",
}


def check_release_build(repo: Repo) -> List[Problem]:
    """A PyPI release builds its tag; TestPyPI's build is the dev version."""
    problems = []
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        for job_id, job in _publish_jobs(doc).items():
            index = _target_index(doc, _publish_step(job)[1])
            for builder, step in _build_steps(jobs, job_id):
                given = with_of(step)

                def line_of(key: str, given=given, step=step) -> int:
                    """The input's line, or the step's where it is not given."""
                    return given.kline(key) if key in given else step.line

                if index == "pypi":
                    tag = _evaluate_input(
                        _input_of(repo, step, "expected-tag"), RELEASE_CONTEXT
                    )
                    dev = _evaluate_input(
                        _input_of(repo, step, "dev-version"), RELEASE_CONTEXT
                    )
                    if tag != RELEASE_CONTEXT["github.ref_name"]:
                        problems.append(
                            doc.problem(
                                line_of("expected-tag"),
                                "release-build",
                                f"build job {builder} does not pass the release "
                                f"tag to build-verify on a release (expected-tag "
                                f"is {tag!r} for tag v1.2.3)",
                                "set `expected-tag: ${{ github.ref_type == 'tag' "
                                "&& github.ref_name || '' }}`: the tag/version "
                                "guard needs it",
                            )
                        )
                    if _truthy(dev) and not is_false(dev):
                        problems.append(
                            doc.problem(
                                line_of("dev-version"),
                                "release-build",
                                f"build job {builder} builds a development version "
                                "on a release (dev-version is true)",
                                "set `dev-version: ${{ github.ref_type != 'tag' }}`",
                            )
                        )
                else:
                    tag = _evaluate_input(
                        _input_of(repo, step, "expected-tag"), PUSH_CONTEXT
                    )
                    dev = _evaluate_input(
                        _input_of(repo, step, "dev-version"), PUSH_CONTEXT
                    )
                    if not is_true(dev) or tag:
                        problems.append(
                            doc.problem(
                                line_of("dev-version"),
                                "release-build",
                                f"build job {builder} does not build the "
                                "development version for TestPyPI",
                                'set `dev-version: "true"` and no expected-tag',
                            )
                        )
    return problems


def check_smoke_index(repo: Repo) -> List[Problem]:
    """The smoke job after a publish installs from the index published to."""
    problems = []
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        for job_id, job in _publish_jobs(doc).items():
            index = _target_index(doc, _publish_step(job)[1])
            for smoker, other in jobs.items():
                if job_id not in ancestors(jobs, smoker):
                    continue
                for step in steps_of(other):
                    if local_path(uses_of(step)) != SMOKE_ACTION:
                        continue
                    url = str(with_of(step).get("index-url", ""))
                    if url != SIMPLE_URLS[index]:
                        problems.append(
                            doc.problem(
                                with_of(step).kline("index-url") if url else step.line,
                                "smoke-index",
                                f"smoke job {smoker} installs from "
                                f"{url or 'no index'}, but job {job_id} publishes "
                                f"to {index}",
                                f"set `index-url: {SIMPLE_URLS[index]}`",
                            )
                        )
    return problems


CHECKS = (
    check_pinned_uses,
    check_permissions,
    check_checkouts,
    check_run_steps,
    check_action_metadata,
    check_local_calls,
    check_outputs,
    check_artifacts,
    check_publish_direct,
    check_publish_chain,
    check_dry_run,
    check_environments,
    check_attestations,
    check_index_guard,
    check_release_build,
    check_smoke_index,
    check_concurrency,
    check_job_names,
    check_python_versions,
)


def check_all(root: Path) -> List[Problem]:
    """Every problem of the repository at ``root``, sorted."""
    repo = Repo(root)
    problems = list(repo.load_problems)
    for check in CHECKS:
        problems += check(repo)
    return sorted(set(problems))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.workflows.validator",
        description="Check .github/ against the project's workflow rules.",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository")
    parser.add_argument("--rules", action="store_true", help="list the rules")
    args = parser.parse_args(argv)
    if args.rules:
        for rule, text in RULES.items():
            print(f"{rule:20} {text}")
        return 0
    problems = check_all(args.root.resolve())
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"validate_workflows: {len(problems)} problem(s) "
            "(`python -m tools.workflows.validator --rules` lists the rules)",
            file=sys.stderr,
        )
        return 1
    repo = Repo(args.root.resolve())
    print(
        f"validate_workflows: {len(repo.workflows)} workflows and "
        f"{len(repo.actions)} actions follow the {len(RULES)} rules"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
