"""PyPI's rules for the built files themselves: names, archives, RECORD, entry points.

The file-level half of :mod:`tools.artifacts.pypi_rules` (whose docstring
lists every rule with its warehouse source): each built file is opened as
warehouse's ``_is_valid_dist_file`` opens it, and the members the rules need
are read into a :class:`Built`. Every problem reads "PyPI would reject this
upload: <why>; <fix>" (:func:`reject`).
"""

import configparser
import csv
import os
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from packaging.metadata import Metadata
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion

from tools.common import Checked, Problem, Refusal

PREFIX = "PyPI would reject this upload"
ENTRY_POINT_NAME_RE = re.compile(r"[\w.-]+")
COMPRESSION_RATIO_MIN_SIZE = 64 * 1024 * 1024
COMPRESSION_RATIO_THRESHOLD = 50

# legacy _allowed_platforms and the patterns of _valid_platform_tag
_PLATFORMS = {
    "any",
    "win32",
    "win_arm64",
    "win_amd64",
    "win_ia64",
    "manylinux1_x86_64",
    "manylinux1_i686",
    "manylinux2010_x86_64",
    "manylinux2010_i686",
    "manylinux2014_x86_64",
    "manylinux2014_i686",
    "manylinux2014_aarch64",
    "manylinux2014_armv7l",
    "manylinux2014_ppc64",
    "manylinux2014_ppc64le",
    "manylinux2014_s390x",
    "linux_armv6l",
    "linux_armv7l",
}
_MACOSX = re.compile(r"macosx_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.*)")
_MACOSX_ARCHES = set(
    "ppc ppc64 i386 x86_64 arm64 intel fat fat3 fat64 universal universal2".split()
)
_MACOSX_MAJORS = {"11", "12", "13", "14", "15", "26"}
_IOS = re.compile(r"ios_(\d+)_(\d+)_(?P<arch>.*)_(iphoneos|iphonesimulator)")
_ANDROID = re.compile(r"android_(\d+)_(?P<arch>.*)")
_ANDROID_ARCHES = {"armeabi_v7a", "arm64_v8a", "x86", "x86_64"}
_LINUX = re.compile(r"(?P<libc>(many|musl))linux_(\d+)_(\d+)_(?P<arch>.*)")
_LINUX_ARCHES = {"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64"}
_EMSCRIPTEN = re.compile(r"pyemscripten_(?P<major>\d+)_(?P<minor>\d+)_wasm32")


def valid_platform_tag(tag: str) -> bool:
    """Whether PyPI takes a wheel with this platform tag (legacy L199-231)."""
    if tag in _PLATFORMS:
        return True
    m = _MACOSX.match(tag)
    if m and m.group("arch") in _MACOSX_ARCHES:
        if m.group("major") == "10" or (
            m.group("major") in _MACOSX_MAJORS and m.group("minor") == "0"
        ):
            return True
    m = _LINUX.match(tag)
    if m:
        extra = {"ppc64"} if m.group("libc") == "many" else set()
        return m.group("arch") in _LINUX_ARCHES | extra
    m = _IOS.match(tag)
    if m and m.group("arch") in {"arm64", "x86_64"}:
        return True
    m = _ANDROID.match(tag)
    if m and m.group("arch") in _ANDROID_ARCHES:
        return True
    return bool(_EMSCRIPTEN.match(tag))


@dataclass
class Built:
    """What the rules read of one file: its kind, members and metadata bytes."""

    path: Path
    kind: str  # "sdist" or "wheel"
    names: List[str] = field(default_factory=list)  # every member, as stored
    files: Dict[str, bytes] = field(default_factory=dict)  # the few rules read
    top: str = ""  # the sdist's top folder
    metadata_name: str = ""  # the member holding the core metadata

    @property
    def label(self) -> str:
        return f"{self.kind} {self.path.name}"


def reject(built: Optional[Built], why: str, fix: str) -> Problem:
    """PyPI's refusal, in its words, then the fix: ``<what>; <fix>``."""
    label = f"{built.label}: " if built else ""
    return Refusal(f"{label}{PREFIX}: {why}", fix, built.path.name if built else "")


REBUILD = "rebuild with make dist, and do not rename or repack built files"


# -- the file and the archive ----------------------------------------------


def check_filename(path: Path) -> List[Problem]:
    """legacy ``_validate_filename``."""
    name = path.name
    fix = "rename nothing by hand: " + REBUILD
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return [reject(None, f"{name!r} has a control character in its name", fix)]
    if "/" in name or "\\" in name:
        return [reject(None, f"{name!r} has '/' or '\\' in its name", fix)]
    if not re.match(r".+?\.(tar\.gz|whl)$", name):
        return [
            reject(
                None,
                f"{name!r} has an invalid extension (PEP 527, PEP 715: .tar.gz "
                "for an sdist, .whl for a wheel)",
                fix,
            )
        ]
    return []


def _commonpath(names: Sequence[str]) -> str:
    try:
        return os.path.commonpath(names)
    except ValueError:
        return ""


def read_wheel(path: Path) -> Checked[Optional[Built]]:
    """legacy ``_is_valid_dist_file`` for a wheel, and what the rules read."""
    built = Built(path, "wheel")
    if tarfile.is_tarfile(path):
        both = reject(built, "the file is both a zip and a tar file", REBUILD)
        return Checked(None, [both])
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            problems: List[Problem] = []
            total = sum(info.file_size for info in infos)
            size = path.stat().st_size
            if total > COMPRESSION_RATIO_MIN_SIZE and total / max(size, 1) > (
                COMPRESSION_RATIO_THRESHOLD
            ):
                problems.append(
                    reject(
                        built,
                        f"it exceeds the compression ratio of "
                        f"{COMPRESSION_RATIO_THRESHOLD} ({total}/{size})",
                        "ship less or less compressible data in the wheel",
                    )
                )
            for info in infos:
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    problems.append(
                        reject(
                            built,
                            f"{info.filename} does not use a supported compression "
                            "type (stored or deflated only)",
                            REBUILD,
                        )
                    )
                    break
            problems += zip_framing(built, infos)
            built.names = [info.filename for info in infos]
            try:
                name, version, _rest = path.name.split("-", 2)
            except ValueError:
                problems.append(
                    reject(
                        built,
                        "the name and version cannot be read from the file name",
                        REBUILD,
                    )
                )
                return Checked(built, problems)
            info_dir = f"{name}-{version}.dist-info"
            built.metadata_name = f"{info_dir}/METADATA"
            for wanted in ("WHEEL", "METADATA", "RECORD", "entry_points.txt"):
                member = f"{info_dir}/{wanted}"
                if member in built.names:
                    built.files[member] = archive.read(member)
            if f"{info_dir}/WHEEL" not in built.files:
                problems.append(
                    reject(built, f"WHEEL not found at {info_dir}/WHEEL", REBUILD)
                )
            return Checked(built, problems)
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        unread = reject(built, f"the file is not a zip file ({exc})", REBUILD)
        return Checked(None, [unread])


def zip_framing(built: Built, infos: Sequence[zipfile.ZipInfo]) -> List[Problem]:
    """The parts of ``warehouse/utils/zipfiles.py`` that zipfile exposes."""
    for info in infos:
        why = ""
        if info.flag_bits & 0x08:
            why = f"{info.filename} has a data descriptor"
        elif info.comment:
            why = f"{info.filename} has a comment in the central directory"
        elif any(ord(c) < 32 or ord(c) == 127 for c in info.filename):
            why = f"{info.filename!r} has a control character in its name"
        elif not info.flag_bits & 0x800 and any(ord(c) > 127 for c in info.filename):
            why = f"{info.filename!r} is not stored as UTF-8"
        if why:
            return [
                reject(
                    built,
                    f"ZIP archive not accepted: {why} (https://docs.pypi.org/archives)",
                    REBUILD,
                )
            ]
    return []


def read_sdist(path: Path) -> Checked[Optional[Built]]:
    """legacy ``_is_valid_dist_file`` for an sdist, and what the rules read."""
    built = Built(path, "sdist")
    if zipfile.is_zipfile(path):
        both = reject(built, "the file is both a zip and a tar file", REBUILD)
        return Checked(None, [both])
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = archive.getmembers()
            built.names = [m.name for m in members]
            problems: List[Problem] = []
            if any(m.issparse() for m in members):
                problems.append(
                    reject(
                        built,
                        "tar archive not accepted: sparse members are not allowed "
                        "(https://docs.pypi.org/archives)",
                        REBUILD,
                    )
                )
            built.top = _commonpath(built.names)
            if built.top in (".", "/", ""):
                problems.append(
                    reject(
                        built,
                        "incorrect number of top-level directories in sdist",
                        REBUILD,
                    )
                )
                return Checked(built, problems)
            built.metadata_name = f"{built.top}/PKG-INFO"
            try:
                handle = archive.extractfile(built.metadata_name)
            except KeyError:
                handle = None
            if handle is None:
                problems.append(
                    reject(
                        built, f"PKG-INFO not found at {built.metadata_name}", REBUILD
                    )
                )
            else:
                built.files[built.metadata_name] = handle.read()
            return Checked(built, problems)
    except (OSError, tarfile.TarError, EOFError) as exc:
        unread = reject(built, f"the file is not a tar file ({exc})", REBUILD)
        return Checked(None, [unread])


# -- names, versions, files ----------------------------------------------------


def check_sdist_name(built: Built, meta: Metadata) -> List[Problem]:
    """legacy L1318-1400 (PEP 625)."""
    name = built.path.name
    try:
        from_name, _version = parse_sdist_filename(name)
    except (InvalidSdistFilename, InvalidVersion):
        return [reject(built, f"invalid source distribution filename: {name}", REBUILD)]
    expected_name = canonicalize_name(meta.name).replace("-", "_")
    if canonicalize_name(from_name) != canonicalize_name(meta.name):
        return [reject(built, f"start the file name with {expected_name!r}", REBUILD)]
    expected = f"{expected_name}-{meta.version}.tar.gz"
    if name != expected:
        return [
            reject(
                built,
                f"filename {name!r} is invalid, should be {expected!r} (PEP 625)",
                REBUILD + " (hatchling 1.27 or later names sdists so)",
            )
        ]
    return []


def check_wheel_name(built: Built, meta: Metadata) -> List[Problem]:
    """legacy L1429-1509."""
    name = built.path.name
    try:
        canonical, version, _build, tags = parse_wheel_filename(name)
    except (InvalidWheelFilename, InvalidVersion) as exc:
        return [reject(built, str(exc), REBUILD)]
    problems = [
        reject(
            built,
            f"unsupported platform tag {tag.platform!r}",
            "build the wheel for a platform PyPI accepts (see "
            "https://packaging.python.org/specifications/platform-compatibility-tags/)",
        )
        for tag in sorted(tags, key=str)
        if not valid_platform_tag(tag.platform)
    ]
    normalized = canonicalize_name(meta.name).replace("-", "_")
    if canonicalize_name(meta.name) != canonical:
        problems.append(
            reject(built, f"start the file name with {normalized!r}", REBUILD)
        )
    elif name.split("-", 1)[0] != normalized:
        problems.append(
            reject(
                built,
                f"the file name should contain the normalized project name "
                f"{normalized!r}, not {name.split('-', 1)[0]!r}",
                REBUILD,
            )
        )
    if meta.version != version:
        problems.append(
            reject(
                built,
                f"the version in the file name should be {str(meta.version)!r} not "
                f"{str(version)!r}",
                REBUILD,
            )
        )
    return problems


def check_license_files(built: Built, meta: Metadata) -> List[Problem]:
    """legacy L1402-1426 (sdist) and L1518-1541 (wheel), PEP 639."""
    if built.kind == "sdist":
        where = built.top
    else:
        name, version = built.path.name.split("-")[:2]
        where = f"{name}-{version}.dist-info/licenses"
    names = set(built.names)
    return [
        reject(
            built,
            f"License-File {license_file} does not exist in it at "
            f"{where}/{license_file}",
            "list in [project] license-files only files that exist (paths from "
            "the project root), then make dist",
        )
        for license_file in meta.license_files or []
        if f"{where}/{license_file}" not in names
    ]


def check_wheel_files(built: Built) -> Checked[List[str]]:
    """The warnings (the value) and problems of RECORD, the entry points and
    METADATA (legacy L1543-1607, ``warehouse/utils/wheel.py``)."""
    name, version = built.path.name.split("-")[:2]
    info = f"{name}-{version}.dist-info"
    problems: List[Problem] = []
    warnings: List[str] = []
    record = built.files.get(f"{info}/RECORD")
    if record is None:
        problems.append(
            reject(
                built,
                f"it does not contain the required RECORD file {info}/RECORD",
                REBUILD,
            )
        )
    else:
        try:
            listed = {
                row[0].replace("\\", "/")
                for row in csv.reader(record.decode().splitlines())
                if row
            }
        except (UnicodeError, csv.Error):
            listed = set()
            problems.append(reject(built, f"{info}/RECORD cannot be read", REBUILD))
        exempt = {f"{info}/RECORD.jws", f"{info}/RECORD.p7s"}
        present = {
            n for n in built.names if not n.endswith(("/", "\\")) and n not in exempt
        }
        if listed and listed != present:
            missing = sorted(present - listed)
            extra = sorted(listed - present)
            warnings.append(
                f"{built.label}: RECORD does not match the members (PyPI takes it "
                f"but e-mails the owners): not in RECORD {missing}, not in the "
                f"wheel {extra}; " + REBUILD
            )
    entry_points = built.files.get(f"{info}/entry_points.txt")
    if entry_points is not None:
        problems += _check_entry_points(built, entry_points)
    if built.metadata_name not in built.files:
        problems.append(
            reject(
                built,
                f"it does not contain the required METADATA file {built.metadata_name}",
                REBUILD,
            )
        )
    return Checked(warnings, problems)


def _check_entry_points(built: Built, data: bytes) -> List[Problem]:
    fix = "fix [project.scripts] / [project.gui-scripts] in pyproject.toml"
    try:
        text = data.decode()
    except UnicodeError:
        return [reject(built, "entry_points.txt is not decodable as UTF-8", fix)]
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        why = str(exc).splitlines()[0]
        return [reject(built, f"entry_points.txt is not a valid INI file ({why})", fix)]
    return [
        reject(built, f"invalid entry point name {name!r} in [{section}]", fix)
        for section in ("console_scripts", "gui_scripts")
        if parser.has_section(section)
        for name in parser[section]
        if not ENTRY_POINT_NAME_RE.fullmatch(name)
    ]
