"""One set of Pythons: tox's env_list, the test matrix, classifiers, requires-python;
one set of lint tool versions: the lint dependency group and the pre-commit hooks.

The classifiers are read once, by :func:`tools.pythons.supported_versions`.
Nothing else compares these four lists.
"""

import re
import sys
from datetime import date
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from tools import project, pythons
from tools.matrix import compute_matrix
from tools.pythons import supported_versions

from .. import toxenvs
from ..model import Map, YAMLError, as_map, error_line, load_yaml
from ..registry import Problem, Rule, rule
from ..repo import (
    SETUP_ACTION,
    TEST_WORKFLOW,
    Doc,
    Repo,
    all_steps,
    is_true,
    jobs_of,
    local_path,
    steps_of,
    uses_of,
    with_of,
)


def _version_key(version: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def tox_versions(root: Path) -> Tuple[Set[str], int, str, str]:
    """The Pythons of tox's default environments (as tox reads its configuration),
    the line of env_list, the configuration file, and tox's error if any."""
    envs = toxenvs.load(root)
    versions = {envs.pythons[name] for name in envs.default if name in envs.pythons}
    line = 1
    if envs.config:
        text = (root / envs.config).read_text(encoding="utf-8", errors="replace")
        line = next(
            (
                i
                for i, t in enumerate(text.splitlines(), 1)
                if re.match(r"\s*(?:\[?tool\.tox\]?\s*)?\"?env_?list\b", t)
            ),
            1,
        )
    return versions, line, envs.config or "tox.ini", envs.error


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
    try:  # the value from the parsed file; the line only says where it is
        spec = project.load(root).requires_python
    except project.ConfigError:
        spec = ""
    if not spec:
        return found, first, None, 0
    bound_line = next(
        (i for i, t in enumerate(lines, 1) if t.lstrip().startswith("requires-python")),
        0,
    )
    try:
        floor = pythons.floor_of(SpecifierSet(spec))
    except InvalidSpecifier:
        return found, first, spec, bound_line
    return found, first, (f"3.{floor}" if floor is not None else spec), bound_line


def _matrix_values(matrix: Map) -> List[Any]:
    values: List[Any] = []
    if isinstance(matrix.get("python-version"), list):
        values += matrix["python-version"]
    include = matrix.get("include")
    for entry in include if isinstance(include, list) else []:
        if isinstance(entry, Map) and "python-version" in entry:
            values.append(entry["python-version"])
    return values


FROM_JOB = re.compile(
    r"^\$\{\{\s*fromJSON\(\s*needs\.([\w-]+)\.outputs\.([\w-]+)\s*\)\s*\}\}$", re.I
)
STEP_OUTPUT = re.compile(r"^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$")
MATRIX_TOOL = re.compile(r"-m\s+tools\.matrix\b.*--github-output")


def _computed(repo: Repo, doc: Doc, job_id: str, text: str) -> Optional[str]:
    """Where a `matrix: ${{ fromJSON(needs.X.outputs.Y) }}` does not come from
    python -m tools.matrix (None: it does)."""
    found = FROM_JOB.match(text.strip())
    if not found:
        return f"the matrix of job {job_id} is {text!r}"
    other, output = found.groups()
    job = jobs_of(doc).get(other, Map())
    value = str(as_map(job.get("outputs")).get(output, ""))
    bound = STEP_OUTPUT.match(value.strip())
    steps = {str(s.get("id")): s for s in steps_of(job) if "id" in s}
    step = steps.get(bound.group(1)) if bound else None
    runs = " ".join(str(step.get("run", "")).split()) if step else ""
    if bound and bound.group(2) == "matrix" and MATRIX_TOOL.search(runs):
        return None
    return f"the matrix of job {job_id} comes from needs.{other}.outputs.{output}"


def matrix_versions(
    repo: Repo, this: Rule, classifiers: Set[str]
) -> Tuple[Dict[str, Set[str]], List[Problem]]:
    """The Python versions of every test matrix, keyed by doc path:line (a matrix
    computed by tools.matrix has the ``classifiers``' versions)."""
    result: Dict[str, Set[str]] = {}
    problems = []
    for doc in repo.workflows.values():
        for job_id, job in jobs_of(doc).items():
            strategy = as_map(job.get("strategy"))
            if isinstance(strategy.get("matrix"), str):
                where = _computed(repo, doc, job_id, strategy["matrix"])
                if where:
                    problems.append(
                        this.problem(
                            doc,
                            strategy.kline("matrix"),
                            f"{where}, not from the classifiers",
                            "compute it in a job whose step runs `.venv/bin/python "
                            '-m tools.matrix --github-output "$GITHUB_OUTPUT"` '
                            "(output matrix) and use `${{ fromJSON(needs.<job>."
                            "outputs.matrix) }}`",
                        )
                    )
                    continue
                ordered = sorted(classifiers, key=_version_key)
                computed = compute_matrix(ordered, date.today())
                result[f"{doc.path}:{strategy.kline('matrix')}"] = {
                    str(entry["python-version"]) for entry in computed["include"]
                }
                continue
            matrix = as_map(strategy.get("matrix"))
            values = _matrix_values(matrix)
            if not values:
                continue
            versions = set()
            for value in values:
                if isinstance(value, str):
                    versions.add(value)
                    continue
                problems.append(
                    this.problem(
                        doc,
                        matrix.kline("python-version"),
                        f"the matrix of job {job_id} has the number {value!r}, not a "
                        "string (YAML reads 3.10 unquoted as 3.1)",
                        'quote every version: "3.10"',
                    )
                )
            line = matrix.kline("python-version")
            result[f"{doc.path}:{line}"] = versions
    return result, problems


@rule(
    "python-versions",
    "tox's env_list, the test matrix (computed from the classifiers by "
    "tools.matrix, or written out), the classifiers and requires-python name "
    "the same Pythons; pre-releases only where tools.matrix allows them",
)
def python_versions(repo: Repo, this: Rule) -> Iterator[Problem]:
    classifiers, class_line, bound, bound_line = pyproject_versions(repo.root)
    matrices, problems = matrix_versions(repo, this, classifiers)
    yield from problems
    for doc, job_id, step in all_steps(repo):
        value = with_of(step).get("allow-prereleases")
        if job_id and local_path(uses_of(step)) == SETUP_ACTION and is_true(value):
            yield this.problem(
                doc,
                with_of(step).kline("allow-prereleases"),
                f"job {job_id} lets every Python it sets up be a pre-release, "
                "final ones included",
                "pass `${{ matrix.allow-prereleases }}` (python -m tools.matrix "
                "allows them only for a Python not final yet)",
            )
    tox, tox_line, tox_file, tox_error = tox_versions(repo.root)
    if tox_error:
        yield this.problem(
            tox_file,
            1,
            f"tox cannot read its configuration: {tox_error}",
            f"fix {tox_file} until `tox list` works",
        )
        return
    sources: List[Tuple[str, int, str, Set[str]]] = [
        (tox_file, tox_line, "tox's env_list", tox),
        ("pyproject.toml", class_line, "the classifiers", classifiers),
    ]
    for where, versions in matrices.items():
        path, number = where.rsplit(":", 1)
        sources.append((path, int(number), "the test matrix", versions))
    if not matrices and not repo.load_errors:
        yield this.problem(
            TEST_WORKFLOW,
            1,
            "no workflow job has a python-version matrix",
            "test every supported Python in a matrix (strategy.matrix.python-version)",
        )
    every: Set[str] = set().union(*(v for *_, v in sources))
    for path, line, label, versions in sources:
        for missing in sorted(every - versions, key=_version_key):
            others = [lb for _, _, lb, v in sources if missing in v]
            yield this.problem(
                path,
                line,
                f"Python {missing} is missing from {label} (in {', '.join(others)})",
                "add it, or drop it everywhere: tox env_list, the test matrix, the "
                "classifiers and requires-python move together",
            )
    if every:
        lowest = min(every, key=_version_key)
        if bound != lowest:
            yield this.problem(
                "pyproject.toml",
                bound_line,
                f"requires-python's lower bound is {bound}, the oldest Python tested "
                f"is {lowest}",
                f'set `requires-python = ">={lowest}"`',
            )


PRE_COMMIT = ".pre-commit-config.yaml"


def _lint_pins(root: Path) -> Dict[str, Tuple[str, str]]:
    """{normalized name: (requirement, exact version or "")} of the lint group."""
    try:
        groups = project.load(root).pyproject.get("dependency-groups", {})
    except project.ConfigError:
        return {}
    pins: Dict[str, Tuple[str, str]] = {}
    for text in groups.get("lint", []) if isinstance(groups, dict) else []:
        try:
            req = Requirement(str(text))
        except InvalidRequirement:
            continue
        exact = [s.version for s in req.specifier if s.operator in ("==", "===")]
        pins[canonicalize_name(req.name)] = (str(text), exact[0] if exact else "")
    return pins


@rule(
    "lint-versions",
    "every pre-commit hook of a lint tool (black, isort, flake8, mypy, codespell "
    "...) has the rev that pyproject.toml's lint dependency group pins (one "
    "Dependabot pull request bumps both)",
)
def lint_versions(repo: Repo, this: Rule) -> Iterator[Problem]:
    path = repo.root / PRE_COMMIT
    if not path.is_file():
        return
    try:
        config = as_map(load_yaml(path.read_text(encoding="utf-8")))
    except YAMLError as exc:
        yield this.problem(PRE_COMMIT, error_line(exc), "not valid YAML", "fix it")
        return
    pins = _lint_pins(repo.root)
    hook_repos = config.get("repos")
    for entry in hook_repos if isinstance(hook_repos, list) else []:
        entry = as_map(entry)
        rev = str(entry.get("rev", ""))
        hooks = entry.get("hooks")
        for hook in hooks if isinstance(hooks, list) else []:
            name = canonicalize_name(str(as_map(hook).get("id", "")))
            if name not in pins:
                continue
            requirement, pinned = pins[name]
            version = rev[1:] if rev[:1] == "v" and rev[1:2].isdigit() else rev
            if not pinned:
                yield this.problem(
                    "pyproject.toml",
                    1,
                    f"the lint group has {requirement}, not an exact pin, so the "
                    f"{name} hook's rev {rev} cannot be compared with it",
                    f'pin it: "{name}=={version}"',
                )
            elif version != pinned:
                yield this.problem(
                    PRE_COMMIT,
                    entry.kline("rev"),
                    f"the {name} hook is at {rev}, the lint group pins {requirement}",
                    "give both the same version (pyproject.toml's lint group and "
                    "the hook's rev)",
                )


TOOLS_LOCK = "requirements/tools.txt"


def _lock_pins(root: Path) -> Dict[str, Set[str]]:
    """{normalized name: {"name==version; marker", ...}} of requirements/tools.txt."""
    path = root / TOOLS_LOCK
    pins: Dict[str, Set[str]] = {}
    if not path.is_file():
        return pins
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split(" --hash", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        pins.setdefault(canonicalize_name(req.name), set()).add(_normal(req))
    return pins


def _normal(req: Requirement) -> str:
    marker = f"; {req.marker}" if req.marker else ""
    return f"{canonicalize_name(req.name)}{req.specifier}{marker}"


def _mypy_imports(root: Path) -> Set[str]:
    """The top-level modules the files [tool.mypy] checks import, minus the
    project's own and those [tool.mypy] lets be missing."""
    try:
        config = project.load(root).pyproject.get("tool", {}).get("mypy", {})
    except project.ConfigError:
        return set()
    files = config.get("files", [])
    ignored: Set[str] = set()
    for override in config.get("overrides", []):
        # follow_imports = "skip" still needs the module installed (mypy says
        # import-not-found); ignore_missing_imports does not.
        if not isinstance(override, dict) or not override.get("ignore_missing_imports"):
            continue
        modules = override.get("module")
        for module in modules if isinstance(modules, list) else [modules]:
            ignored.add(str(module).split(".")[0])
    paths: List[Path] = []
    own: Set[str] = set()
    for entry in files if isinstance(files, list) else [files]:
        base = root / str(entry)
        if base.is_dir():
            paths += sorted(base.rglob("*.py"))
            own |= {p.name for p in base.iterdir() if p.is_dir()} | {base.name}
        elif base.is_file():
            paths.append(base)
    stamps = tuple((str(p.resolve()), p.stat().st_mtime_ns) for p in paths)
    stdlib = set(getattr(sys, "stdlib_module_names", ())) | {"__future__"}
    return _imports(stamps) - stdlib - own - ignored - {"tools", "tests"}


IMPORT_LINE = re.compile(
    r"^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)[\w.]*[ \t]+import\b"
    r"|import[ \t]+([A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*))",
    re.M,
)


@lru_cache(maxsize=8)
def _imports(stamps: Tuple[Tuple[str, int], ...]) -> Set[str]:
    """Top-level modules imported by the files (cached on path and mtime).

    Read line by line (an `import` or `from X import` statement at the start
    of a line; relative imports left out): parsing every file with ast costs
    ten times as much, and a statement-like line inside a string can only
    ask for one library more, never hide one."""
    found: Set[str] = set()
    for path, _ in stamps:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, ValueError):
            continue
        for match in IMPORT_LINE.finditer(text):
            if match.group(1):
                found.add(match.group(1))
            else:
                found |= {m.strip().split(".")[0] for m in match.group(2).split(",")}
    return found


@lru_cache(maxsize=None)
def _packages_distributions() -> Mapping[str, List[str]]:
    """{top-level module: [distribution]} of the installed distributions
    (importlib.metadata.packages_distributions, which Python 3.9 lacks).

    Read once per process (every installed distribution's metadata and file
    list: half of a whole validation's time); callers only read it."""
    out: Dict[str, List[str]] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        top = (dist.read_text("top_level.txt") or "").split()
        if not top:
            top = [
                str(f.parts[0]).split(".")[0]
                for f in dist.files or []
                if f.parts
                and (f.suffix == ".py" or len(f.parts) > 1)
                and not str(f.parts[0]).endswith((".dist-info", ".data"))
            ]
        for module in set(top):
            out.setdefault(module, []).append(name)
    return out


@rule(
    "hook-dependencies",
    "the pre-commit mypy hook can run: its additional_dependencies hold every "
    "distribution the files [tool.mypy] checks import, at requirements/tools.txt's "
    "pins (with their markers), as the lint env has them",
)
def hook_dependencies(repo: Repo, this: Rule) -> Iterator[Problem]:
    path = repo.root / PRE_COMMIT
    if not path.is_file():
        return
    try:
        config = as_map(load_yaml(path.read_text(encoding="utf-8")))
    except YAMLError:
        return  # lint-versions reports it
    pins = _lock_pins(repo.root)
    distributions = _packages_distributions()
    hook_repos = config.get("repos")
    for entry in hook_repos if isinstance(hook_repos, list) else []:
        hooks = as_map(entry).get("hooks")
        for hook in hooks if isinstance(hooks, list) else []:
            hook = as_map(hook)
            if hook.get("id") != "mypy":
                continue
            deps = hook.get("additional_dependencies")
            given: Dict[str, Set[str]] = {}  # normalized name -> requirements
            for text in deps if isinstance(deps, list) else []:
                try:
                    req = Requirement(str(text))
                except InvalidRequirement:
                    continue
                given.setdefault(canonicalize_name(req.name), set()).add(_normal(req))
            line = hook.kline("additional_dependencies") if deps else hook.line
            needed: Set[str] = {
                canonicalize_name(dist)
                for module in _mypy_imports(repo.root)
                for dist in distributions.get(module, [])
            }
            for name in sorted(needed - set(given)):
                yield this.problem(
                    PRE_COMMIT,
                    line,
                    f"the mypy hook lacks {name}, which the files mypy checks "
                    "import (the hook fails on it)",
                    f"add {' and '.join(sorted(pins.get(name, {name})))} to its "
                    f"additional_dependencies ({TOOLS_LOCK}'s pins)",
                )
            for name, reqs in sorted(given.items()):
                if name in pins and reqs != pins[name]:
                    yield this.problem(
                        PRE_COMMIT,
                        line,
                        f"the mypy hook takes {', '.join(sorted(reqs))}; "
                        f"{TOOLS_LOCK} pins {', '.join(sorted(pins[name]))}",
                        f"write {TOOLS_LOCK}'s pins (with their markers) in its "
                        "additional_dependencies",
                    )
