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
configuration says ``artifacts`` or ``exclude`` for it. The hatchling used
here is the tool environment's (``requirements/tools.txt``), which may differ
from the one the build installs; dependabot keeps both current.

The forbidden-name list of :mod:`tools.artifacts.sanity` stays as a second net.
:func:`member_tree` renders an archive's members as a Markdown ``<details>``
block for the step summary (``python -m tools.artifacts.dist --summary``).
"""

import copy
import os
import posixpath
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from tools.common import GitError, git, human_size
from tools.project import load as load_project

SDIST = "sdist"
WHEEL = "wheel"


class ManifestError(Exception):
    """The expected members cannot be worked out; the message says why."""


@dataclass(frozen=True)
class Member:
    """One file in an archive: its name without the sdist's top folder."""

    name: str
    size: int
    data: bytes


@dataclass
class Archive:
    """The members of one sdist or wheel, read once."""

    path: Path
    kind: str  # SDIST or WHEEL
    top: str  # the sdist's top folder, or the wheel's .dist-info folder
    members: List[Member] = field(default_factory=list)
    outside: List[str] = field(default_factory=list)  # sdist members outside top

    @property
    def label(self) -> str:
        return f"{self.kind} {self.path.name}"


def read_archive(path: Path) -> Archive:
    """Every file member of an sdist (``.tar.gz``) or a wheel, with its bytes.

    Raises ``OSError``, ``tarfile.TarError`` or ``zipfile.BadZipFile`` for an
    unreadable file. Folder entries are left out; sdist member names lose the
    top folder (``name-1.2.3/``), which :attr:`Archive.top` keeps.
    """
    if path.name.endswith(".whl"):
        name, version = path.name.split("-")[:2]
        archive = Archive(path, WHEEL, f"{name}-{version}.dist-info")
        with zipfile.ZipFile(path) as handle:
            for entry in handle.infolist():
                if not entry.is_dir():
                    data = handle.read(entry)
                    archive.members.append(Member(entry.filename, len(data), data))
        return archive
    top = path.name[: -len(".tar.gz")]
    archive = Archive(path, SDIST, top)
    with tarfile.open(path, "r:gz") as handle:
        for info in handle.getmembers():
            if info.isdir():
                continue
            head, _, rest = info.name.partition("/")
            if head != top or not rest:
                archive.outside.append(info.name)
                continue
            stream = handle.extractfile(info) if info.isfile() else None
            data = stream.read() if stream is not None else b""
            archive.members.append(Member(rest, info.size, data))
    return archive


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


def _builder(root: Path, kind: str, ignore_vcs: bool = False) -> Any:
    from hatchling.builders.sdist import SdistBuilder
    from hatchling.builders.wheel import WheelBuilder

    config = None
    if ignore_vcs:  # the same configuration, but for the .gitignore patterns
        config = copy.deepcopy(load_project(root).pyproject)
        tool = config.setdefault("tool", {}).setdefault("hatch", {})
        targets = tool.setdefault("build", {}).setdefault("targets", {})
        targets.setdefault(kind, {})["ignore-vcs"] = True
    return (SdistBuilder if kind == SDIST else WheelBuilder)(str(root), config=config)


def selected_files(
    root: Path, kind: str, ignore_vcs: bool = False
) -> Tuple[Dict[str, str], Any]:
    """``({member: source path}, builder)``: what hatchling's ``kind`` target
    selects, by the walk its build runs, with the files it always adds
    (pyproject.toml, readme, license files, .gitignore). The source path is
    relative to ``root``, or absolute for a file from outside it.
    ``ignore_vcs``: as if the target said ``ignore-vcs = true``.
    """
    try:
        builder = _builder(root, kind, ignore_vcs)
        build_data = builder.get_default_build_data()
        builder.set_build_data_defaults(build_data)
        with builder.config.set_build_data(build_data):
            found = {
                posixpath.normpath(f.distribution_path.replace(os.sep, "/")): (
                    f.relative_path.replace(os.sep, "/") or f.path
                )
                for f in builder.recurse_included_files()
            }
    except (OSError, TypeError, ValueError, KeyError) as exc:
        raise ManifestError(
            f"hatchling cannot read the {kind} target's configuration ({exc}): fix "
            "[tool.hatch.build] in pyproject.toml"
        ) from None
    return found, builder


IGNORED = "tracked, but the root .gitignore keeps the build from taking it"


def _select(
    root: Path, kind: str, tracked: Optional[Set[str]]
) -> Tuple[Dict[str, str], Dict[str, str], Any]:
    """``(files, untracked, builder)`` of :class:`Expected`, before the
    generated files. A tracked file that the target would take but for the
    root ``.gitignore`` (force-added, ``git add -f``) is expected too: hatchling
    drops it silently, and a data file lost that way breaks the package.
    """
    tracked = tracked_files(root) if tracked is None else tracked
    selected, builder = selected_files(root, kind)
    files = {m: f"tracked file {s}" for m, s in selected.items() if s in tracked}
    untracked = {m: s for m, s in selected.items() if s not in tracked}
    unfiltered, _builder_ = selected_files(root, kind, ignore_vcs=True)
    for member, source in unfiltered.items():
        if source in tracked and member not in selected:
            files[member] = f"{IGNORED} ({source})"
    return files, untracked, builder


def expected_sdist(root: Path, tracked: Optional[Set[str]] = None) -> Expected:
    """The sdist's members (relative to its top folder)."""
    files, untracked, builder = _select(root, SDIST, tracked)
    files["PKG-INFO"] = "generated by the build (core metadata)"
    if builder.config.support_legacy:
        files["setup.py"] = "generated by the build (support-legacy)"
    version_file = load_project(root).version_file
    if version_file:
        files[version_file] = "generated by the build (the version file)"
        untracked.pop(version_file, None)
    return Expected(SDIST, files, untracked)


def expected_wheel(
    root: Path, info_dir: str, tracked: Optional[Set[str]] = None
) -> Expected:
    """The wheel's members; ``info_dir`` is its ``name-version.dist-info``."""
    files, untracked, builder = _select(root, WHEEL, tracked)
    version_file = load_project(root).version_file
    if version_file:
        member = builder.config.get_distribution_path(version_file).replace(os.sep, "/")
        files[member] = "generated by the build (the version file)"
        untracked.pop(member, None)
    generated = ["METADATA", "WHEEL", "RECORD"]
    core = builder.metadata.core
    if core.scripts or core.gui_scripts or core.entry_points:
        generated.append("entry_points.txt")
    generated += [f"licenses/{f}" for f in core.license_files or []]
    for name in generated:
        files[f"{info_dir}/{name}"] = "generated by the build (.dist-info)"
    return Expected(WHEEL, files, untracked)


def _target(kind: str) -> str:
    return f"[tool.hatch.build.targets.{kind}]"


def check_members(label: str, members: Iterable[str], expected: Expected) -> List[str]:
    """One problem per unexpected and per missing member of one archive."""
    target = _target(expected.kind)
    present = set(members)
    problems = []
    for member in sorted(present - set(expected.files)):
        source = expected.untracked.get(member)
        if source is not None:
            problems.append(
                f"{label}: {member} is not tracked by git (from {source}): git add "
                "it if it belongs in the release; else delete it or exclude it in "
                f"{target} exclude; then make dist"
            )
        else:
            problems.append(
                f"{label}: {member} is neither a tracked file the build "
                f"configuration selects nor one the build generates: rebuild (make "
                f"dist); if it is still there, exclude it in {target} or remove the "
                "stray file"
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
        problems.append(f"{label} lacks {member} ({origin}): {fix}")
    return problems


def check_archive(
    archive: Archive, root: Path, tracked: Optional[Set[str]] = None
) -> List[str]:
    """The manifest problems of one archive read with :func:`read_archive`."""
    try:
        if archive.kind == SDIST:
            expected = expected_sdist(root, tracked)
        else:
            expected = expected_wheel(root, archive.top, tracked)
    except ManifestError as exc:
        return [f"{archive.label}: {exc}"]
    problems = [
        f"{archive.label}: {name} lies outside its top folder {archive.top}/: "
        "rebuild it with make dist"
        for name in archive.outside
    ]
    return problems + check_members(
        archive.label, [m.name for m in archive.members], expected
    )


def member_tree(archive: Archive) -> str:
    """The members of an archive as a Markdown ``<details>`` block."""
    members = sorted(archive.members, key=lambda m: m.name)
    total = sum(m.size for m in members)
    prefix = f"{archive.top}/" if archive.kind == SDIST else ""
    width = max((len(prefix + m.name) for m in members), default=0)
    lines = [f"{prefix + m.name:<{width}}  {m.size:>9,}" for m in members]
    lines += archive.outside
    count = len(members) + len(archive.outside)
    return "\n".join(
        [
            "<details>",
            f"<summary>{archive.kind} <code>{archive.path.name}</code>: {count} "
            f"files, {human_size(total)} uncompressed</summary>",
            "",
            "```text",
            *lines,
            "```",
            "",
            "</details>",
            "",
        ]
    )


def member_trees(paths: Sequence[Path]) -> str:
    """:func:`member_tree` of each readable archive (the unreadable are named)."""
    blocks = []
    for path in paths:
        try:
            blocks.append(member_tree(read_archive(path)))
        except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
            blocks.append(f"`{path.name}` cannot be read ({exc})\n")
    return "\n".join(blocks)
