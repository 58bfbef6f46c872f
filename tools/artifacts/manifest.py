"""The exact manifest of each archive: what it must hold, member by member.

Modelled on pypa/build's ``tests/test_self_packaging.py``: the sdist and the
wheel are opened and their member lists compared, both ways, with the list
the project's own files and build configuration give.

- **sdist**: the files hatchling's sdist target selects (``include``,
  ``exclude``, ``only-include``, ``force-include`` of ``[tool.hatch.build]``
  and its ``targets.sdist`` table, the root ``.gitignore``, and what it always
  adds: ``pyproject.toml``, the readme, the license files, ``hatch_build.py``,
  the ``.gitignore`` itself), kept only when git tracks them, plus what the
  build generates: ``PKG-INFO`` and the version file
  (:attr:`tools.project.Project.version_file`).
- **wheel**: the files hatchling's wheel target selects (every tracked file of
  the packages, data files too), plus the version file and ``.dist-info``:
  ``METADATA``, ``WHEEL``, ``RECORD``, ``entry_points.txt`` when there are
  entry points, ``licenses/<each license file>``.

Why ask hatchling and intersect with git, rather than either alone: hatchling
is the one that decides what goes in, so its own selection code
(``recurse_included_files``, the same walk its build runs) gives the
configuration's answer without a second implementation of its pattern rules,
which differ from git's (it reads only the root ``.gitignore``, not nested
ones nor ``.git/info/exclude``). Git says what is *meant* to exist: a file
hatchling selects that git does not track (a scratch file, a file a nested
``.gitignore`` hides, a ``force-include`` from outside the tree) would ship
from this machine only, and never from a clean checkout; it is reported as
"not tracked by git". A tracked, selected file the archive lacks is reported
as missing (usually a stale ``dist/``; the wheel is built from the sdist, so a
file the sdist leaves out is missing from the wheel too); so is a tracked file
that only the root ``.gitignore`` keeps out (force-added with ``git add -f``:
hatchling drops it silently, a lost data file breaks the package), until the
configuration says ``artifacts`` or ``exclude`` for it. Hatchling is asked in
an environment made from the build lock (``requirements/build.txt``, as
``make dist`` makes it): the very hatchling of the build, with the project's
build plugins installed (a metadata hook such as hatch-fancy-pypi-readme, a
version source such as hatch-vcs), which hatchling's plugin manager loads as
the build does; the tool environment's hatchling knows none of them.

The forbidden-name list of :mod:`tools.artifacts.sanity` stays as a second net.
"""

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from tools.artifacts.archives import SDIST, WHEEL, Archive
from tools.common import GitError, Problem, git, last_line, remove_tree
from tools.project import load as load_project


class ManifestError(Exception):
    """The expected members cannot be worked out; the message says why."""


@dataclass
class Expected:
    """What one archive must hold, and what it must not."""

    kind: str
    files: Dict[str, str]  # member -> where it comes from (for the messages)
    untracked: Dict[str, str]  # member -> source path hatchling selects, git lacks


def tracked_files(root: Path) -> Set[str]:
    """The files git tracks under ``root``, relative to it."""
    try:
        out = git("ls-files", "-z", "--cached", root=root)
    except GitError as exc:
        raise ManifestError(
            f"cannot list the files git tracks ({exc}): run from a git clone"
        ) from None
    return {name for name in out.split("\0") if name}


# Run by the build environment's Python (requirements/build.txt: hatchling
# with the project's build plugins, loaded by hatchling's own plugin manager
# from that environment's entry points). Prints, as JSON, what each target
# selects (by the walk its build runs), and the same with ``ignore-vcs``; plus
# the facts of the generated files. Python 3.8+.
SELECTION_SCRIPT = """\
import copy, json, os, posixpath, sys
from hatchling.builders.sdist import SdistBuilder
from hatchling.builders.wheel import WheelBuilder

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

root, version_file = sys.argv[1], sys.argv[2] or None
with open(os.path.join(root, "pyproject.toml"), "rb") as handle:
    pyproject = tomllib.load(handle)


def select(builder):
    build_data = builder.get_default_build_data()
    builder.set_build_data_defaults(build_data)
    with builder.config.set_build_data(build_data):
        return {
            posixpath.normpath(f.distribution_path.replace(os.sep, "/")): (
                f.relative_path.replace(os.sep, "/") or f.path
            )
            for f in builder.recurse_included_files()
        }


report = {}
for kind, cls in (("sdist", SdistBuilder), ("wheel", WheelBuilder)):
    builder = cls(root)
    config = copy.deepcopy(pyproject)
    tool = config.setdefault("tool", {}).setdefault("hatch", {})
    targets = tool.setdefault("build", {}).setdefault("targets", {})
    targets.setdefault(kind, {})["ignore-vcs"] = True
    facts = {
        "selected": select(builder),
        "unfiltered": select(cls(root, config=config)),
    }
    if kind == "sdist":
        facts["support_legacy"] = bool(builder.config.support_legacy)
    else:
        core = builder.metadata.core
        facts["entry_points"] = bool(
            core.scripts or core.gui_scripts or core.entry_points
        )
        facts["license_files"] = list(core.license_files or [])
        facts["version_member"] = (
            builder.config.get_distribution_path(version_file).replace(os.sep, "/")
            if version_file else None
        )
    report[kind] = facts
print(json.dumps(report))
"""


@dataclass(frozen=True)
class Selection:
    """What hatchling's targets select and generate, as the build sees it."""

    selected: Dict[str, Dict[str, str]]  # kind -> {member: source path}
    unfiltered: Dict[str, Dict[str, str]]  # the same, as with ignore-vcs = true
    support_legacy: bool  # the sdist adds setup.py
    entry_points: bool  # the wheel has entry_points.txt
    license_files: Tuple[str, ...]  # .dist-info/licenses/<each>
    version_member: Optional[str]  # the version file's path in the wheel


def _build_python(root: Path, work: Path) -> str:
    """A Python of the environment made from ``root``'s build lock
    (:func:`tools.artifacts.dist.make_build_env`, hash-checked): the kept one
    the build uses (:func:`tools.artifacts.dist.kept_build_env`), or one made
    in ``work``."""
    from tools.artifacts.dist import BuildError, build_python
    from tools.artifacts.lock import BUILD_LOCK

    try:
        return build_python(root / BUILD_LOCK, work / "env")
    except BuildError as exc:
        raise ManifestError(
            f"cannot make the build environment to ask hatchling what the build "
            f"selects: {exc}"
        ) from None


def selection(root: Path) -> Selection:
    """Ask hatchling, in the build environment (the project's build plugins
    installed), what its sdist and wheel targets select (one environment and
    one run for both targets: pass the result on to the checks)."""
    version_file = load_project(root).version_file or ""
    work = Path(tempfile.mkdtemp(prefix="manifest-"))
    try:
        python = _build_python(root, work)
        out = subprocess.run(
            [python, "-I", "-c", SELECTION_SCRIPT, str(root), version_file],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        remove_tree(work)
    if out.returncode != 0:
        raise ManifestError(
            "hatchling, with the build plugins of requirements/build.txt, cannot "
            f"read the build configuration ({last_line(out.stderr)}): fix "
            "[tool.hatch] in pyproject.toml, or add the plugin [build-system] "
            "requires to requirements/build.in and make lock"
        )
    data = json.loads(out.stdout)
    return Selection(
        selected={k: data[k]["selected"] for k in (SDIST, WHEEL)},
        unfiltered={k: data[k]["unfiltered"] for k in (SDIST, WHEEL)},
        support_legacy=data[SDIST]["support_legacy"],
        entry_points=data[WHEEL]["entry_points"],
        license_files=tuple(data[WHEEL]["license_files"]),
        version_member=data[WHEEL]["version_member"],
    )


IGNORED = "tracked, but the root .gitignore keeps the build from taking it"


def _select(
    root: Path, kind: str, tracked: Optional[Set[str]], found: Optional[Selection]
) -> Tuple[Dict[str, str], Dict[str, str], Selection]:
    """``(files, untracked, builder)`` of :class:`Expected`, before the
    generated files. A tracked file that the target would take but for the
    root ``.gitignore`` (force-added, ``git add -f``) is expected too: hatchling
    drops it silently, and a data file lost that way breaks the package.
    """
    tracked = tracked_files(root) if tracked is None else tracked
    found = selection(root.resolve()) if found is None else found
    selected = found.selected[kind]
    files = {m: f"tracked file {s}" for m, s in selected.items() if s in tracked}
    untracked = {m: s for m, s in selected.items() if s not in tracked}
    for member, source in found.unfiltered[kind].items():
        if source in tracked and member not in selected:
            files[member] = f"{IGNORED} ({source})"
    return files, untracked, found


def expected_sdist(
    root: Path, tracked: Optional[Set[str]] = None, found: Optional[Selection] = None
) -> Expected:
    """The sdist's members (relative to its top folder)."""
    files, untracked, builder = _select(root, SDIST, tracked, found)
    files["PKG-INFO"] = "generated by the build (core metadata)"
    if builder.support_legacy:
        files["setup.py"] = "generated by the build (support-legacy)"
    version_file = load_project(root).version_file
    if version_file:
        files[version_file] = "generated by the build (the version file)"
        untracked.pop(version_file, None)
    return Expected(SDIST, files, untracked)


def expected_wheel(
    root: Path,
    info_dir: str,
    tracked: Optional[Set[str]] = None,
    found: Optional[Selection] = None,
) -> Expected:
    """The wheel's members; ``info_dir`` is its ``name-version.dist-info``."""
    files, untracked, builder = _select(root, WHEEL, tracked, found)
    member = builder.version_member
    if member:
        files[member] = "generated by the build (the version file)"
        untracked.pop(member, None)
    generated = ["METADATA", "WHEEL", "RECORD"]
    if builder.entry_points:
        generated.append("entry_points.txt")
    generated += [f"licenses/{f}" for f in builder.license_files]
    for name in generated:
        files[f"{info_dir}/{name}"] = "generated by the build (.dist-info)"
    return Expected(WHEEL, files, untracked)


def _target(kind: str) -> str:
    return f"[tool.hatch.build.targets.{kind}]"


def check_members(
    label: str, members: Iterable[str], expected: Expected, where: str = ""
) -> List[Problem]:
    """One problem per unexpected and per missing member of one archive
    (``where``: the archive's file name, which each problem's ``where`` starts
    with)."""
    at = f"{where}:" if where else ""
    target = _target(expected.kind)
    present = set(members)
    problems = []
    for member in sorted(present - set(expected.files)):
        source = expected.untracked.get(member)
        if source is not None:
            problems.append(
                Problem(
                    f"{label}: {member} is not tracked by git (from {source})",
                    "git add it if it belongs in the release; else delete it or "
                    f"exclude it in {target} exclude; then make dist",
                    f"{at}{member}",
                )
            )
        else:
            problems.append(
                Problem(
                    f"{label}: {member} is neither a tracked file the build "
                    "configuration selects nor one the build generates",
                    "rebuild (make dist); if it is still there, exclude it in "
                    f"{target} or remove the stray file",
                    f"{at}{member}",
                )
            )
    for member in sorted(set(expected.files) - present):
        origin = expected.files[member]
        if origin.startswith(IGNORED):
            fix = (
                "if it belongs in the release, list it in [tool.hatch.build] "
                f"artifacts; if not, exclude it in {target} exclude (or git rm "
                "--cached it); then make dist"
            )
        elif origin.startswith("generated"):
            fix = "rebuild with make dist (a build of this project writes it)"
        else:
            fix = (
                "rebuild with make dist; if it stays missing, check "
                f"{target} include/exclude"
                + (
                    " and that the sdist includes it (the wheel is built from it)"
                    if expected.kind == WHEEL
                    else ""
                )
            )
        problems.append(
            Problem(f"{label} lacks {member} ({origin})", fix, f"{at}{member}")
        )
    return problems


def check_archive(
    archive: Archive,
    root: Path,
    tracked: Optional[Set[str]] = None,
    found: Optional[Selection] = None,
) -> List[Problem]:
    """The manifest problems of one archive read with :func:`read_archive`;
    ``found``: :func:`selection`'s answer, when the caller already has it."""
    try:
        if archive.kind == SDIST:
            expected = expected_sdist(root, tracked, found)
        else:
            expected = expected_wheel(root, archive.top, tracked, found)
    except ManifestError as exc:
        return [Problem(f"{archive.label}: {exc}", "", archive.path.name)]
    problems = [
        Problem(
            f"{archive.label}: {name} lies outside its top folder {archive.top}/",
            "rebuild it with make dist",
            f"{archive.path.name}:{name}",
        )
        for name in archive.outside
    ]
    return problems + check_members(
        archive.label, [m.name for m in archive.members], expected, archive.path.name
    )
