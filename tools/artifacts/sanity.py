"""Sanity of ``dist/``: the right files, the right contents, the right version.

    python -m tools.artifacts.sanity [--tag vX.Y.Z] [--dev] [--dist-dir dist]
                             [--warn-total 50MB] [--max-file 100MB]

Every problem is collected, printed on one line with how to fix it, and only
then does it exit 1. What it checks:

- ``dist/`` holds exactly one sdist and one wheel of this project, nothing else;
  their file names are normalized; the version in both file names equals the
  version in their metadata and in the ``_version.py`` they ship.
- No forbidden file in either archive (bytecode, VCS and editor leftovers,
  tool folders).
- The wheel is pure (py3-none-any), its console scripts point where
  ``[project.scripts]`` says, its metadata declares the license files. Which
  members each archive holds, exactly, is :mod:`tools.artifacts.manifest`'s
  (the contents stage); the forbidden names here are a second net.
- Size: a warning above ``--warn-total`` in total, a failure above
  ``--max-file`` (PyPI's per-file limit) for any file.
- The tag/version guard of :mod:`tools.artifacts.versioning` (local part, tag, HEAD,
  clean tree, shallow clone).
"""

import argparse
import configparser
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from packaging.utils import canonicalize_name

from tools.artifacts import versioning
from tools.artifacts.archives import (
    Dist,
    DistDir,
    check_versions,
    find_dists,
    one_of_each,
    read_dist,
    top_folder,
)
from tools.common import (
    DIST_DIR,
    ROOT,
    GitError,
    git,
    human_size,
    notices,
    parse_size,
    report,
    run_main,
)
from tools.project import load as load_project

WARN_TOTAL = 50 * 10**6
MAX_FILE = 100 * 10**6  # PyPI's default per-file upload limit

# name pattern (matched against each path component) -> what it is
FORBIDDEN = {
    "*.pyc": "compiled bytecode",
    "*.pyo": "compiled bytecode",
    "__pycache__": "a bytecode cache",
    ".DS_Store": "a macOS Finder file",
    ".git*": "a VCS file",
    ".hg": "a VCS folder",
    ".hgignore": "a VCS file",
    ".svn": "a VCS folder",
    "*.orig": "a merge leftover",
    "*.rej": "a patch leftover",
    "*.swp": "an editor swap file",
    "*.swo": "an editor swap file",
    "*~": "an editor backup",
    ".#*": "an editor lock file",
    ".tox": "a tool folder",
    ".nox": "a tool folder",
    ".venv": "a virtual environment",
    ".pytest_cache": "a tool folder",
    ".mypy_cache": "a tool folder",
    ".ruff_cache": "a tool folder",
    ".hypothesis": "a tool folder",
    ".coverage": "coverage data",
    ".coverage.*": "coverage data",
    "htmlcov": "a coverage report",
    ".idea": "an editor folder",
    ".vscode": "an editor folder",
    "*.egg-info": "setuptools metadata",
}
# hatchling always puts the project's .gitignore at the top of the sdist, so
# that a wheel built from the sdist excludes the same files: not a leftover.
SDIST_ALLOWED = {".gitignore"}


@dataclass
class Expected:
    """What the project says of its distributions, beyond their member list."""

    project: str
    import_name: str
    license_files: List[str]
    scripts: Dict[str, str]  # console script name -> "module:function"


def expected_from_project(root: Path = ROOT) -> Expected:
    """Read the expectations from pyproject.toml (:mod:`tools.project`)."""
    facts = load_project(root)
    project = facts.pyproject.get("project", {})
    return Expected(
        project=facts.name,
        import_name=facts.import_name,
        # PEP 639: no license-files means the build backend's default globs;
        # LICENSE must ship either way.
        license_files=list(project.get("license-files") or ["LICENSE"]),
        scripts=dict(facts.scripts),
    )


def check_dist_dir(found: DistDir, dist_dir: Path) -> List[str]:
    """Exactly one sdist and one wheel, nothing else (:func:`one_of_each`)."""
    return one_of_each(dist_dir)[1]


def check_name(dist: Dist, expected: Expected) -> List[str]:
    """The file name: this project, normalized, pure wheel."""
    if dist.name is None or dist.version is None:
        return []
    problems = []
    if canonicalize_name(dist.name) != canonicalize_name(expected.project):
        return [
            f"{dist.label} is not a distribution of {expected.project} "
            f"(its name is {dist.name}): remove it (make dist rebuilds dist/)"
        ]
    normal_name = canonicalize_name(expected.project).replace("-", "_")
    if dist.kind == "sdist":
        name_part, version_part = dist.path.name[: -len(".tar.gz")].rsplit("-", 1)
    else:
        name_part, version_part = dist.path.name.split("-")[:2]
    if name_part != normal_name or version_part != str(dist.version):
        right = f"{normal_name}-{dist.version}"
        problems.append(
            f"{dist.label}: the file name is not normalized (expected it to start "
            f"with {right}): build with a current build backend (make dist), do "
            "not rename files"
        )
    if dist.kind == "wheel" and dist.tags != ("py3-none-any",):
        problems.append(
            f"{dist.label}: the wheel is not pure (tags {'.'.join(dist.tags)}, "
            "expected py3-none-any): it must hold no compiled code, see "
            "[tool.hatch.build.targets.wheel]"
        )
    return problems


def _paths(dist: Dist) -> List[str]:
    """Member paths, without the sdist's top folder."""
    if dist.kind == "wheel":
        return list(dist.members)
    return [m.split("/", 1)[1] for m in dist.members if "/" in m and m.split("/", 1)[1]]


def check_forbidden(dist: Dist) -> List[str]:
    """No bytecode, VCS, editor or tool leftovers."""
    hits: Dict[str, List[str]] = {}
    for path in _paths(dist):
        if dist.kind == "sdist" and path in SDIST_ALLOWED:
            continue
        for part in [p for p in path.split("/") if p]:
            what = next(
                (w for pat, w in FORBIDDEN.items() if fnmatch.fnmatchcase(part, pat)),
                None,
            )
            if what:
                hits.setdefault(what, []).append(path.rstrip("/"))
                break
    problems = []
    for what, paths in sorted(hits.items()):
        shown = ", ".join(paths[:3]) + (
            f" and {len(paths) - 3} more" if len(paths) > 3 else ""
        )
        problems.append(
            f"{dist.label} contains forbidden files ({what}): {shown}: delete them "
            "from the source tree (git clean -ndX lists ignored files) or exclude "
            "them in [tool.hatch.build], then rebuild (make dist)"
        )
    return problems


def _entry_points(text: str) -> Dict[str, str]:
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    if not parser.has_section("console_scripts"):
        return {}
    return {k: v.strip() for k, v in parser.items("console_scripts")}


def check_wheel_contents(dist: Dist, expected: Expected) -> List[str]:
    """Purity, the console scripts, the license files in the metadata."""
    info = top_folder(dist)
    problems: List[str] = []
    if not info:
        return problems
    wheel_text = dist.files.get(f"{info}/WHEEL", b"").decode("utf-8", "replace")
    if not re.search(r"^Root-Is-Purelib:\s*true\s*$", wheel_text, re.M | re.I):
        problems.append(
            f"{dist.label}: its WHEEL file does not say Root-Is-Purelib: true: the "
            "wheel must be pure Python; rebuild it with make dist"
        )
    entry_text = dist.files.get(f"{info}/entry_points.txt", b"").decode("utf-8")
    scripts = _entry_points(entry_text)
    for name, target in sorted(expected.scripts.items()):
        if scripts.get(name) != target:
            found = scripts.get(name, "nothing")
            problems.append(
                f"{dist.label}: the console script {name} should run {target}, the "
                f"wheel has {found}: check [project.scripts], then make dist"
            )
    raw = dist.metadata.get("license_files")
    declared = [str(f) for f in raw] if isinstance(raw, list) else []
    for license_file in expected.license_files:
        if license_file not in declared:
            problems.append(
                f"{dist.label}: its metadata has no License-File: {license_file}: "
                "list it in [project] license-files, then make dist"
            )
    return problems


_VERSION_LINE = re.compile(r"^__version__ = version = '([^']*)'", re.M)
_COMMIT_LINE = re.compile(r"^__commit_id__ = commit_id = (None|'([0-9a-f]+)')", re.M)


def check_version_file(dist: Dist, head: Optional[str]) -> List[str]:
    """The shipped _version.py tells the version and the commit it was built from."""
    path = next((p for p in dist.files if p.endswith("/_version.py")), None)
    if path is None or dist.metadata_version is None:
        return []  # a missing _version.py: the contents stage (manifest) says so
    text = dist.files[path].decode("utf-8", "replace")
    version = _VERSION_LINE.search(text)
    commit = _COMMIT_LINE.search(text)
    problems = []
    if not version or version.group(1) != str(dist.metadata_version):
        found = version.group(1) if version else "no version"
        problems.append(
            f"{dist.label}: {path} says {found}, the metadata says "
            f"{dist.metadata_version}: rebuild with make dist (hatch_build.py "
            "writes it)"
        )
    if not commit or not commit.group(2):
        problems.append(
            f"{dist.label}: {path} records no commit, so the installed package "
            "cannot tell where it came from: build from a git clone (make dist)"
        )
    elif head and commit.group(2) != head:
        problems.append(
            f"{dist.label} was built from commit {commit.group(2)[:12]}, HEAD is "
            f"{head[:12]}: dist/ is stale; rebuild it with make dist"
        )
    return problems


def check_sizes(
    sizes: Dict[str, int], warn_total: int, max_file: int
) -> Tuple[List[str], List[str]]:
    """``(problems, warnings)`` of the sizes: per file, and in total."""
    problems, warnings = [], []
    for name, size in sorted(sizes.items()):
        if size > max_file:
            problems.append(
                f"{name} is {human_size(size)}, above the {human_size(max_file)} "
                "per-file upload limit: leave data and build products out of it "
                "(see [tool.hatch.build]), or ask PyPI for a larger limit"
            )
    total = sum(sizes.values())
    if total > warn_total:
        warnings.append(
            f"dist/ totals {human_size(total)}, above {human_size(warn_total)}: "
            "check that nothing unintended was packaged"
        )
    return problems, warnings


@dataclass
class SanityResult:
    problems: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def check_dist(
    dist_dir: Path,
    expected: Expected,
    head: Optional[str] = None,
    warn_total: int = WARN_TOTAL,
    max_file: int = MAX_FILE,
) -> SanityResult:
    """All the content checks of ``dist_dir`` (not the guard)."""
    result = SanityResult()
    if not dist_dir.is_dir():
        result.problems.append(f"{dist_dir} does not exist: build it with make dist")
        return result
    found = find_dists(dist_dir)
    result.problems += check_dist_dir(found, dist_dir)
    dists = [read_dist(p, expected.import_name) for p in found.sdists + found.wheels]
    for dist in dists:
        result.problems += dist.problems
        result.problems += check_name(dist, expected)
        result.problems += check_forbidden(dist)
        if dist.metadata_path is None:
            continue
        if dist.kind == "wheel":
            result.problems += check_wheel_contents(dist, expected)
        result.problems += check_version_file(dist, head)
    result.problems += check_versions(dists)
    paths = found.sdists + found.wheels
    sizes = {f"{dist_dir.name}/{p.name}": p.stat().st_size for p in paths}
    problems, warnings = check_sizes(sizes, warn_total, max_file)
    result.problems += problems
    result.warnings += warnings
    result.notes += [f"{name} ({human_size(size)})" for name, size in sizes.items()]
    return result


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.artifacts.sanity")
    parser.add_argument("--tag", default="", help="the release tag, e.g. v1.2.3")
    parser.add_argument("--dev", action="store_true", help="a TestPyPI dev build")
    parser.add_argument("--dist-dir", type=Path, default=ROOT / DIST_DIR)
    parser.add_argument(
        "--warn-total", type=_size, default=WARN_TOTAL, help="default 50MB"
    )
    parser.add_argument(
        "--max-file", type=_size, default=MAX_FILE, help="default 100MB"
    )
    args = parser.parse_args(argv)
    try:
        head: Optional[str] = git("rev-parse", "HEAD", root=ROOT)
    except GitError:
        head = None
    result = check_dist(
        args.dist_dir, expected_from_project(ROOT), head, args.warn_total, args.max_file
    )
    guard_problems, guard_notes = versioning.run_guard(
        ROOT, args.dist_dir, args.tag, args.dev, report_dist=False
    )
    problems = result.problems + guard_problems
    notices("sanity", "warning", result.warnings)
    print(f"sanity: {', '.join(result.notes) or 'no files'}")
    for note in guard_notes:
        print(f"guard: {note}")
    if report(problems, "sanity"):
        return 1
    print(f"sanity: passed: {'; '.join(guard_notes)}")
    return 0


if __name__ == "__main__":
    run_main(main)
