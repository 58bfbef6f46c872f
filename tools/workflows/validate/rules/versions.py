"""One set of Pythons: tox's env_list, the test matrix, classifiers, requires-python.

The classifiers are read once, by :func:`tools.dev.pythons.supported_versions`.
Nothing else compares these four lists.
"""

import configparser
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from tools.dev.pythons import supported_versions

from ..model import Map, as_map
from ..registry import Problem, Rule, rule
from ..repo import TEST_WORKFLOW, Repo, jobs_of


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
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def tox_versions(root: Path) -> Tuple[Set[str], int]:
    """The Pythons of tox's env_list, and the line of env_list."""
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


def _matrix_values(matrix: Map) -> List[Any]:
    values: List[Any] = []
    if isinstance(matrix.get("python-version"), list):
        values += matrix["python-version"]
    include = matrix.get("include")
    for entry in include if isinstance(include, list) else []:
        if isinstance(entry, Map) and "python-version" in entry:
            values.append(entry["python-version"])
    return values


def matrix_versions(
    repo: Repo, this: Rule
) -> Tuple[Dict[str, Set[str]], List[Problem]]:
    """The Python versions of every test matrix, keyed by doc path:line."""
    result: Dict[str, Set[str]] = {}
    problems = []
    for doc in repo.workflows.values():
        for job_id, job in jobs_of(doc).items():
            matrix = as_map(as_map(job.get("strategy")).get("matrix"))
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
    "tox's env_list, the test matrix, the classifiers and requires-python name the "
    "same Pythons",
)
def python_versions(repo: Repo, this: Rule) -> Iterator[Problem]:
    matrices, problems = matrix_versions(repo, this)
    yield from problems
    tox, tox_line = tox_versions(repo.root)
    classifiers, class_line, bound, bound_line = pyproject_versions(repo.root)
    sources: List[Tuple[str, int, str, Set[str]]] = [
        ("tox.ini", tox_line, "tox's env_list", tox),
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
