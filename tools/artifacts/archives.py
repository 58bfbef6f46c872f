"""Read what ``dist/`` holds: which files, their names, members and metadata.

The distribution-files layer, below every check: it knows the project's facts
and the process helpers only.

Nothing here judges; :mod:`tools.artifacts.sanity` does. The exceptions are
:func:`check_versions` (every place a built file states its version agrees)
and :func:`compute_version`, the version of a consistent ``dist/`` (used by
``python -m tools.artifacts.dist --show-version``, by the tag/version guard and, with
:func:`dist_files`/:func:`dist_version`, by the upload guard).
"""

import tarfile
import zipfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from packaging.metadata import parse_email
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from tools.common import Checked, Problem, human_size

SDIST_SUFFIX = ".tar.gz"
WHEEL_SUFFIX = ".whl"


class DistKind(Enum):
    """What a distribution file is, from its name."""

    SDIST = "sdist"
    WHEEL = "wheel"

    @classmethod
    def of(cls, path: Path) -> "DistKind":
        return cls.WHEEL if path.name.endswith(WHEEL_SUFFIX) else cls.SDIST


@dataclass
class Dist:
    """One built file and what can be read from it."""

    path: Path
    kind: str  # "sdist" or "wheel"
    name: Optional[str] = None  # from the file name
    version: Optional[Version] = None  # from the file name
    tags: Tuple[str, ...] = ()  # wheel tags from the file name, e.g. py3-none-any
    members: List[str] = field(default_factory=list)
    metadata: Dict[str, object] = field(default_factory=dict)  # PKG-INFO / METADATA
    metadata_path: Optional[str] = None
    files: Dict[str, bytes] = field(default_factory=dict)  # small members read
    problems: List[Problem] = field(default_factory=list)  # unreadable, bad name

    @property
    def label(self) -> str:
        return f"{self.kind} {self.path.name}"

    @property
    def metadata_version(self) -> Optional[Version]:
        raw = self.metadata.get("version")
        try:
            return Version(str(raw)) if raw else None
        except InvalidVersion:
            return None


@dataclass
class DistDir:
    sdists: List[Path]
    wheels: List[Path]
    others: List[Path]


def find_dists(dist_dir: Path) -> DistDir:
    """Sort the entries of ``dist_dir`` into sdists, wheels and anything else."""
    sdists, wheels, others = [], [], []
    for entry in sorted(dist_dir.iterdir()):
        if entry.is_file() and entry.name.endswith(SDIST_SUFFIX):
            sdists.append(entry)
        elif entry.is_file() and entry.name.endswith(WHEEL_SUFFIX):
            wheels.append(entry)
        else:
            others.append(entry)
    return DistDir(sdists, wheels, others)


@dataclass
class Pair:
    """The one sdist and the one wheel of a release."""

    sdist: Path
    wheel: Path


def one_of_each(dist_dir: Path) -> Checked[Optional[Pair]]:
    """The one sdist and one wheel in ``dist_dir``, and nothing else; or problems.

    This is the only place that decides what a release folder may hold.
    """
    if not dist_dir.is_dir():
        missing = Problem(
            f"{dist_dir} does not exist", "build it with make dist", str(dist_dir)
        )
        return Checked(None, [missing])
    found = find_dists(dist_dir)
    problems = []
    for other in found.others:
        kind = "a folder" if other.is_dir() else "not a wheel or an sdist (.tar.gz)"
        problems.append(
            Problem(
                f"{dist_dir.name}/{other.name} is {kind}",
                "an upload of dist/* fails on it; remove it (make dist rebuilds "
                "dist/ clean; checksums go to SHA256SUMS)",
                str(other),
            )
        )
    for kind, paths in (("sdist", found.sdists), ("wheel", found.wheels)):
        if not paths:
            problems.append(
                Problem(
                    f"{dist_dir.name}/ has no {kind}",
                    "build it with make dist",
                    str(dist_dir),
                )
            )
        elif len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            problems.append(
                Problem(
                    f"{dist_dir.name}/ has {len(paths)} {kind}s ({names}), not one",
                    "remove the stale ones (make dist rebuilds dist/ clean)",
                    str(dist_dir),
                )
            )
    if problems:
        return Checked(None, problems)
    return Checked(Pair(found.sdists[0], found.wheels[0]))


FileKey = Tuple[Any, ...]


def file_key(filename: str) -> Optional[FileKey]:
    """What identifies a distribution file (None: not a wheel or an sdist).

    Names are compared normalized, as an index compares them: ``Foo_Bar-1.0``
    and ``foo-bar-1.0`` are the same file to PyPI.
    """
    try:
        if filename.endswith(".whl"):
            name, version, build, tags = parse_wheel_filename(filename)
            return ("wheel", name, version, build, tuple(sorted(map(str, tags))))
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return ("sdist", name, version)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return None


def file_version(filename: str, project: str) -> Optional[Version]:
    """The version in a file name of ``project``, or None."""
    key = file_key(filename)
    if key is None or key[1] != canonicalize_name(project):
        return None
    version: Version = key[2]
    return version


def dist_files(dist_dir: Path) -> Checked[List[Path]]:
    """The wheels and sdists an upload of ``dist_dir`` takes, and its problems."""
    if not dist_dir.is_dir():
        missing = Problem(
            f"{dist_dir}/ does not exist", "build it first (make dist)", str(dist_dir)
        )
        return Checked([], [missing])
    found = find_dists(dist_dir)
    files = sorted(found.sdists + found.wheels)
    problems = [
        Problem(
            f"{path} is neither a wheel nor an sdist",
            f"an index upload of {dist_dir}/ fails on it; rebuild with make dist",
            str(path),
        )
        for path in found.others
    ]
    if not files and not problems:
        problems.append(
            Problem(
                f"{dist_dir}/ is empty", "build it first (make dist)", str(dist_dir)
            )
        )
    return Checked(files, problems)


def dist_version(files: Sequence[Path], project: str) -> Checked[Optional[Version]]:
    """The one version the files are of, or problems saying why there is none."""
    versions: Dict[Version, List[str]] = {}
    problems = []
    for path in files:
        version = file_version(path.name, project)
        if version is None:
            problems.append(
                Problem(
                    f"{path.name} is not a distribution of {project}", "", path.name
                )
            )
        else:
            versions.setdefault(version, []).append(path.name)
    if len(versions) > 1:
        problems.append(
            Problem(
                "the files are of different versions",
                "; ".join(f"{v}: {', '.join(n)}" for v, n in sorted(versions.items())),
            )
        )
    if problems or not versions:
        return Checked(None, problems or [Problem("no distribution files")])
    return Checked(next(iter(versions)))


def _members_and_reader(
    path: Path, kind: str, wanted: Callable[[str], bool]
) -> Tuple[List[str], Dict[str, bytes]]:
    """All member names, and the bytes of those ``wanted(name)`` accepts."""
    names: List[str] = []
    files: Dict[str, bytes] = {}
    if kind == "wheel":
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                names.append(info.filename)
                if not info.is_dir() and wanted(info.filename):
                    files[info.filename] = archive.read(info)
    else:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive.getmembers():
                name = member.name + ("/" if member.isdir() else "")
                names.append(name)
                if member.isfile() and wanted(member.name):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        files[member.name] = handle.read()
    return names, files


def _wanted(kind: str, extra: Sequence[str]) -> Callable[[str], bool]:
    def wanted(name: str) -> bool:
        parts = name.split("/")
        if kind == "wheel":
            return (len(parts) == 2 and parts[0].endswith(".dist-info")) or (
                name in extra
            )
        return (len(parts) == 2 and parts[1] == "PKG-INFO") or (
            len(parts) > 1 and "/".join(parts[1:]) in extra
        )

    return wanted


def read_dist(path: Path, extra: Sequence[str] = ()) -> Dist:
    """Read one sdist or wheel: file name parts, members, metadata; and the
    bytes of the members named in ``extra`` (relative to the sdist's top
    folder; the version file, :attr:`tools.project.Project.version_file`)."""
    kind = "wheel" if path.name.endswith(WHEEL_SUFFIX) else "sdist"
    dist = Dist(path=path, kind=kind)
    try:
        if kind == "wheel":
            name, version, _build, tags = parse_wheel_filename(path.name)
            dist.tags = tuple(sorted(str(tag) for tag in tags))
        else:
            name, version = parse_sdist_filename(path.name)
        dist.name, dist.version = str(name), version
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion) as exc:
        dist.problems.append(
            Problem(
                f"{dist.label}: the file name is not a valid {kind} name ({exc})",
                "rebuild with make dist instead of renaming files",
                path.name,
            )
        )
    try:
        dist.members, dist.files = _members_and_reader(path, kind, _wanted(kind, extra))
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        dist.problems.append(
            Problem(
                f"{dist.label}: cannot be read as a {kind} ({exc})",
                "rebuild it with make dist",
                path.name,
            )
        )
        return dist
    candidates = sorted(
        n
        for n in dist.files
        if (kind == "wheel" and n.endswith(".dist-info/METADATA"))
        or (kind == "sdist" and n.endswith("/PKG-INFO"))
    )
    if not candidates:
        what = "*.dist-info/METADATA" if kind == "wheel" else "PKG-INFO"
        dist.problems.append(
            Problem(
                f"{dist.label}: has no {what}",
                f"it is not a valid {kind}; rebuild it with make dist",
                path.name,
            )
        )
        return dist
    dist.metadata_path = candidates[0]
    raw, _unparsed = parse_email(dist.files[dist.metadata_path])
    dist.metadata = dict(raw)
    return dist


def top_folder(dist: Dist) -> str:
    """The sdist's top folder, or the wheel's .dist-info folder."""
    if dist.metadata_path:
        return dist.metadata_path.split("/")[0]
    return ""


def check_versions(dists: Sequence[Dist]) -> List[Problem]:
    """File name versions equal metadata versions, in every file and across files."""
    problems = []
    for dist in dists:
        meta = dist.metadata_version
        if dist.version is None or dist.metadata_path is None:
            continue
        if meta is None:
            problems.append(
                Problem(
                    f"{dist.label}: its metadata ({dist.metadata_path}) has no valid "
                    "Version",
                    "rebuild it with make dist",
                    dist.path.name,
                )
            )
        elif meta != dist.version:
            problems.append(
                Problem(
                    f"{dist.label}: the version in the file name ({dist.version}) "
                    f"is not the version in its metadata ({meta})",
                    "rebuild with make dist, do not rename built files",
                    dist.path.name,
                )
            )
        top = top_folder(dist)
        suffix = ".dist-info" if dist.kind == "wheel" else ""
        folder_version = top[: len(top) - len(suffix)].rsplit("-", 1)[-1]
        if meta is not None and folder_version != str(meta):
            problems.append(
                Problem(
                    f"{dist.label}: its folder {top} does not carry the metadata "
                    f"version {meta}",
                    "rebuild with make dist",
                    dist.path.name,
                )
            )
    versions = {d.kind: d.metadata_version for d in dists if d.metadata_version}
    if len(set(versions.values())) > 1:
        detail = " and ".join(f"the {k} is {v}" for k, v in sorted(versions.items()))
        problems.append(
            Problem(
                f"the sdist and the wheel have different versions ({detail})",
                "they come from different builds; rebuild both with make dist",
            )
        )
    return problems


def compute_version(dist_dir: Path, project: str) -> Checked[Optional[Version]]:
    """The version of the one sdist and one wheel in ``dist_dir``, or problems.

    The version in both file names and in both metadata files must be equal
    (compared as PEP 440 versions).
    """
    found = one_of_each(dist_dir)
    if found.value is None:
        return Checked(None, found.problems)
    pair, problems = found.value, list(found.problems)
    dists = [read_dist(path) for path in (pair.sdist, pair.wheel)]
    for dist in dists:
        problems.extend(dist.problems)
        if dist.name is not None and canonicalize_name(dist.name) != canonicalize_name(
            project
        ):
            problems.append(
                Problem(
                    f"{dist.label} is not a distribution of {project} "
                    f"(its name is {dist.name})",
                    "remove it (make dist rebuilds dist/)",
                    dist.path.name,
                )
            )
    problems += check_versions(dists)
    if problems:
        return Checked(None, problems)
    return Checked(dists[0].metadata_version)


# ---- every member with its bytes (the contents checks, the summary) --------

SDIST = "sdist"
WHEEL = "wheel"


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
