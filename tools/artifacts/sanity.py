"""Sanity of ``dist/``: the right files, the right contents, the right version.

    python -m tools.artifacts.sanity [--tag vX.Y.Z] [--dev] [--dist-dir dist]
                             [--warn-total 50MB] [--max-file 100MB]

Every problem is collected, printed on one line with how to fix it, and only
then does it exit 1. What it checks:

- ``dist/`` holds exactly one sdist and one wheel of this project, nothing else;
  their file names are normalized; the version in both file names equals the
  version in their metadata and in the version file they ship
  (:attr:`tools.project.Project.version_file`, whatever its name), which
  records HEAD's commit when its template writes one (a note says when not).
- No forbidden file in either archive (bytecode, VCS and editor leftovers,
  tool folders).
- The wheel is pure (py3-none-any), its console scripts point where
  ``[project.scripts]`` says; the metadata declares licence files
  (``License-File``), each glob of ``[project] license-files`` matches one,
  and both archives hold every declared one. Which
  members each archive holds, exactly, is :mod:`tools.artifacts.manifest`'s
  (the contents stage); the forbidden names here are a second net.
- Size: a warning above ``--warn-total`` in total, a failure above
  ``--max-file`` (PyPI's per-file limit) for any file.
- The tag/version guard of :mod:`tools.artifacts.dev_version` (local part, tag, HEAD,
  clean tree, shallow clone).
"""

import argparse
import configparser
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from packaging.utils import canonicalize_name

from tools.artifacts import dev_version
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
    ROOT,
    Checked,
    GitError,
    NoticeKind,
    Problem,
    git,
    human_size,
    notices,
    parse_size,
    report,
    run_main,
)
from tools.project import DIST_DIR
from tools.project import load as load_project

WARN_TOTAL = 50 * 10**6
MAX_FILE = 100 * 10**6  # PyPI's default per-file upload limit

# name pattern (matched against each path component) -> what it is
FORBIDDEN = {
    "*.pyc": "compiled bytecode",
    "*.pyo": "compiled bytecode",
    "__pycache__": "a bytecode cache",
    ".DS_Store": "a macOS Finder file",
    ".git": "a VCS folder",
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
# Only the repository itself (.git) is a VCS leftover: .gitignore (hatchling
# puts it in every sdist), .gitattributes, .github/ and setuptools-scm's
# .git_archival.txt are tracked files a project may mean to ship, and the
# contents stage (the exact manifest) already refuses an untracked one.


@dataclass
class Expected:
    """What the project says of its distributions, beyond their member list."""

    project: str
    import_name: str
    # [project] license-files (PEP 639 globs); empty: the backend's defaults.
    # Every glob must match a License-File of the metadata, and every
    # License-File the metadata declares must ship (the files come from the
    # built metadata, not from a name assumed here).
    license_files: List[str]
    scripts: Dict[str, str]  # console script name -> "module:function"
    # The file the build writes the version (and commit) into, relative to
    # the root, and where it lands in the wheel (Project.version_file).
    version_file: Optional[str] = None
    version_member: Optional[str] = None
    # A build hook of the project's own writes the commit from any git clone;
    # setuptools-scm's template (hatch-vcs's vcs hook) writes None on a tagged
    # build, so there a missing commit only skips the check (and says so).
    commit_required: bool = True


def expected_from_project(root: Path = ROOT) -> Expected:
    """Read the expectations from pyproject.toml (:mod:`tools.project`)."""
    facts = load_project(root)
    project = facts.pyproject.get("project", {})
    return Expected(
        project=facts.name,
        import_name=facts.import_name,
        license_files=[str(f) for f in project.get("license-files") or []],
        scripts=dict(facts.scripts),
        version_file=facts.version_file,
        version_member=facts.version_member,
        commit_required=_version_hook(facts.pyproject) != "vcs",
    )


def _version_hook(pyproject: Dict[str, Any]) -> Optional[str]:
    """The build hook whose ``version-file`` the project sets (``vcs``: hatch-vcs)."""
    hooks = pyproject.get("tool", {}).get("hatch", {}).get("build", {}).get("hooks", {})
    for name, hook in hooks.items() if isinstance(hooks, dict) else []:
        if isinstance(hook, dict) and hook.get("version-file"):
            return str(name)
    return None


def _version_members(expected: Expected) -> Tuple[str, ...]:
    """The version file's member names: in the wheel, and under the sdist's top."""
    return tuple(
        m for m in (expected.version_member, expected.version_file) if m is not None
    )


def check_dist_dir(found: DistDir, dist_dir: Path) -> List[Problem]:
    """Exactly one sdist and one wheel, nothing else (:func:`one_of_each`)."""
    return one_of_each(dist_dir).problems


def check_name(dist: Dist, expected: Expected) -> List[Problem]:
    """The file name: this project, normalized, pure wheel."""
    if dist.name is None or dist.version is None:
        return []
    problems = []
    if canonicalize_name(dist.name) != canonicalize_name(expected.project):
        return [
            Problem(
                f"{dist.label} is not a distribution of {expected.project} "
                f"(its name is {dist.name})",
                "remove it (make dist rebuilds dist/)",
                dist.path.name,
            )
        ]
    normal_name = canonicalize_name(expected.project).replace("-", "_")
    if dist.kind == "sdist":
        name_part, version_part = dist.path.name[: -len(".tar.gz")].rsplit("-", 1)
    else:
        name_part, version_part = dist.path.name.split("-")[:2]
    if name_part != normal_name or version_part != str(dist.version):
        right = f"{normal_name}-{dist.version}"
        problems.append(
            Problem(
                f"{dist.label}: the file name is not normalized (expected it to "
                f"start with {right})",
                "build with a current build backend (make dist), do not rename files",
                dist.path.name,
            )
        )
    if dist.kind == "wheel" and dist.tags != ("py3-none-any",):
        problems.append(
            Problem(
                f"{dist.label}: the wheel is not pure (tags {'.'.join(dist.tags)}, "
                "expected py3-none-any)",
                "it must hold no compiled code, see [tool.hatch.build.targets.wheel]",
                dist.path.name,
            )
        )
    return problems


def _paths(dist: Dist) -> List[str]:
    """Member paths, without the sdist's top folder."""
    if dist.kind == "wheel":
        return list(dist.members)
    return [m.split("/", 1)[1] for m in dist.members if "/" in m and m.split("/", 1)[1]]


def check_forbidden(dist: Dist) -> List[Problem]:
    """No bytecode, VCS, editor or tool leftovers."""
    hits: Dict[str, List[str]] = {}
    for path in _paths(dist):
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
            Problem(
                f"{dist.label} contains forbidden files ({what}): {shown}",
                "delete them from the source tree (git clean -ndX lists ignored "
                "files) or exclude them in [tool.hatch.build], then rebuild "
                "(make dist)",
                dist.path.name,
            )
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


def check_wheel_contents(dist: Dist, expected: Expected) -> List[Problem]:
    """Purity, the console scripts, the license files in the metadata."""
    info = top_folder(dist)
    problems: List[Problem] = []
    if not info:
        return problems
    wheel_text = dist.files.get(f"{info}/WHEEL", b"").decode("utf-8", "replace")
    if not re.search(r"^Root-Is-Purelib:\s*true\s*$", wheel_text, re.M | re.I):
        problems.append(
            Problem(
                f"{dist.label}: its WHEEL file does not say Root-Is-Purelib: true",
                "the wheel must be pure Python; rebuild it with make dist",
                f"{dist.path.name}:{info}/WHEEL",
            )
        )
    entry_text = dist.files.get(f"{info}/entry_points.txt", b"").decode("utf-8")
    scripts = _entry_points(entry_text)
    for name, target in sorted(expected.scripts.items()):
        if scripts.get(name) != target:
            found = scripts.get(name, "nothing")
            problems.append(
                Problem(
                    f"{dist.label}: the console script {name} should run {target}, "
                    f"the wheel has {found}",
                    "check [project.scripts], then make dist",
                    f"{dist.path.name}:{info}/entry_points.txt",
                )
            )
    return problems + check_license_files(dist, expected)


def declared_license_files(dist: Dist) -> List[str]:
    """The License-File entries of a built file's metadata (PEP 639)."""
    raw = dist.metadata.get("license_files")
    return [str(f) for f in raw] if isinstance(raw, list) else []


def check_license_files(dist: Dist, expected: Expected) -> List[Problem]:
    """The metadata declares license files, each glob of ``[project]
    license-files`` matches one of them, and each declared one ships (the
    wheel under ``.dist-info/licenses/``, the sdist at its path)."""
    declared = declared_license_files(dist)
    problems = []
    if not declared and not expected.license_files:
        problems.append(
            Problem(
                f"{dist.label}: its metadata has no License-File",
                "list the licence files in [project] license-files (e.g. "
                '["LICENSE*"]), then make dist',
                dist.path.name,
            )
        )
    for pattern in expected.license_files:
        if not any(fnmatch.fnmatchcase(f, pattern) for f in declared):
            problems.append(
                Problem(
                    f"{dist.label}: its metadata has no License-File: {pattern}",
                    "list it in [project] license-files, then make dist",
                    dist.path.name,
                )
            )
    present = set(_paths(dist))
    info = top_folder(dist)
    for name in declared:
        member = f"licenses/{name}" if dist.kind == "wheel" else name
        if (f"{info}/{member}" if dist.kind == "wheel" else member) not in present:
            problems.append(
                Problem(
                    f"{dist.label}: its metadata declares License-File: {name}, "
                    "which it does not hold",
                    "rebuild with make dist",
                    dist.path.name,
                )
            )
    return problems


_VERSION_LINE = re.compile(r"^__version__ = version = '([^']*)'", re.M)
# hatch_build.py writes the full commit; setuptools-scm's template (hatch-vcs's
# [tool.hatch.build.hooks.vcs] version-file) its short node, g<abbrev>.
_COMMIT_LINE = re.compile(
    r"^__commit_id__ = commit_id = (None|'g?([0-9a-f]{7,40})')", re.M
)


def version_member(dist: Dist, expected: Expected) -> Optional[str]:
    """The member of ``dist`` that is the project's version file, if any."""
    if dist.kind == "wheel":
        return expected.version_member
    top = top_folder(dist)
    return f"{top}/{expected.version_file}" if expected.version_file and top else None


def check_version_file(
    dist: Dist, expected: Expected, head: Optional[str]
) -> Checked[List[str]]:
    """The notes and problems of the shipped version file
    (``Project.version_file``): it tells the version and the commit it was built
    from. A template that writes no commit still gets the version check; the
    skipped commit check is noted."""
    path = version_member(dist, expected)
    if path is None or dist.metadata_version is None:
        if expected.version_file is None and dist.kind == "wheel":
            return Checked(
                [
                    "no version file configured ([tool.hatch.build.hooks.vcs] "
                    "version-file): the version and commit checks are skipped"
                ]
            )
        return Checked([])
    if path not in dist.files:
        return Checked([])  # a missing version file: the contents stage says so
    text = dist.files[path].decode("utf-8", "replace")
    version = _VERSION_LINE.search(text)
    commit = _COMMIT_LINE.search(text)
    problems: List[Problem] = []
    notes: List[str] = []
    where = f"{dist.path.name}:{path}"
    if not version or version.group(1) != str(dist.metadata_version):
        found = version.group(1) if version else "no version"
        problems.append(
            Problem(
                f"{dist.label}: {path} says {found}, the metadata says "
                f"{dist.metadata_version}",
                "rebuild with make dist (the build writes it)",
                where,
            )
        )
    if commit is None:
        notes.append(
            f"{dist.label}: {path} has no __commit_id__ line (its template writes "
            "none): the built-from-HEAD check is skipped"
        )
    elif not commit.group(2) and not expected.commit_required:
        notes.append(
            f"{dist.label}: {path} records no commit (setuptools-scm's template "
            "writes none for a tagged build): the built-from-HEAD check is skipped"
        )
    elif not commit.group(2):
        problems.append(
            Problem(
                f"{dist.label}: {path} records no commit, so the installed package "
                "cannot tell where it came from",
                "build from a git clone (make dist)",
                where,
            )
        )
    elif head and not head.startswith(commit.group(2)):
        problems.append(
            Problem(
                f"{dist.label} was built from commit {commit.group(2)[:12]}, HEAD is "
                f"{head[:12]}",
                "dist/ is stale; rebuild it with make dist",
                where,
            )
        )
    return Checked(notes, problems)


def check_sizes(
    sizes: Dict[str, int], warn_total: int, max_file: int
) -> Checked[List[str]]:
    """The warnings (the value) and problems of the sizes: per file, in total."""
    problems: List[Problem] = []
    warnings: List[str] = []
    for name, size in sorted(sizes.items()):
        if size > max_file:
            problems.append(
                Problem(
                    f"{name} is {human_size(size)}, above the "
                    f"{human_size(max_file)} per-file upload limit",
                    "leave data and build products out of it (see "
                    "[tool.hatch.build]), or ask PyPI for a larger limit",
                    name,
                )
            )
    total = sum(sizes.values())
    if total > warn_total:
        warnings.append(
            f"dist/ totals {human_size(total)}, above {human_size(warn_total)}: "
            "check that nothing unintended was packaged"
        )
    return Checked(warnings, problems)


@dataclass
class SanityResult:
    problems: List[Problem] = field(default_factory=list)
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
        result.problems.append(
            Problem(
                f"{dist_dir} does not exist", "build it with make dist", str(dist_dir)
            )
        )
        return result
    found = find_dists(dist_dir)
    result.problems += check_dist_dir(found, dist_dir)
    dists = [
        read_dist(p, _version_members(expected)) for p in found.sdists + found.wheels
    ]
    for dist in dists:
        result.problems += dist.problems
        result.problems += check_name(dist, expected)
        result.problems += check_forbidden(dist)
        if dist.metadata_path is None:
            continue
        if dist.kind == "wheel":
            result.problems += check_wheel_contents(dist, expected)
        else:
            result.problems += check_license_files(dist, expected)
        version_file = check_version_file(dist, expected, head)
        result.problems += version_file.problems
        result.notes += version_file.value
    result.problems += check_versions(dists)
    paths = found.sdists + found.wheels
    sizes = {f"{dist_dir.name}/{p.name}": p.stat().st_size for p in paths}
    checked = check_sizes(sizes, warn_total, max_file)
    result.problems += checked.problems
    result.warnings += checked.value
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
    guard = dev_version.run_guard(
        ROOT, args.dist_dir, args.tag, args.dev, report_dist=False
    )
    guard_notes = guard.value
    problems = result.problems + guard.problems
    notices("sanity", NoticeKind.WARNING, result.warnings)
    print(f"sanity: {', '.join(result.notes) or 'no files'}")
    for note in guard_notes:
        print(f"guard: {note}")
    if report(problems, "sanity"):
        return 1
    skipped = [n for n in result.notes if n.endswith("skipped")]
    said = f" ({skipped[0]})" if skipped else ""  # the last line: release-check's
    print(f"sanity: passed: {'; '.join(guard_notes)}{said}")
    return 0


if __name__ == "__main__":
    run_main(main)
