"""The wheel installs only what the project declares, under names every OS can hold.

- **Top level**: each name a wheel puts at the top of site-packages (from
  its root, or from ``<name>.data/purelib/`` and ``<name>.data/platlib/``) is
  one of the project's import packages (all of them:
  :attr:`tools.project.Project.packages`, from the wheel target's build
  configuration), its ``.dist-info`` or its ``.data``, or a start-up file the
  start-up check reports on its own (:mod:`tools.artifacts.startup`). Any
  other name fails: installing it writes into a namespace the project does
  not own, and may overwrite another distribution's files.
- **Whose name is it**: for an undeclared name, the message says which
  distribution it would overwrite when that can be known offline: the
  distributions installed in the tool environment that ship that top-level
  name (their ``top_level.txt``, or the first folder of the files in their
  ``RECORD``), and the standard library (``sys.stdlib_module_names``, Python
  3.10+; a module there is shadowed rather than overwritten). No offline list
  of every PyPI project's import names exists, so a name found nowhere is
  reported as undeclared only.
- **Portable names**: a member (of the wheel or the sdist) whose path
  another member's equals on a case-insensitive file system (macOS and
  Windows by default: one overwrites the other, or a file and a folder
  clash), or that Windows cannot create: a reserved device name (``CON``,
  ``PRN``, ``AUX``, ``NUL``, ``COM0-9``, ``LPT0-9``, with any extension), a
  forbidden character (``<>:"|?*\\`` and controls), or a trailing dot or
  space in a path component.
"""

import re
import sys
from importlib import metadata
from typing import Dict, Iterable, List, Optional, Sequence, Set

from tools.artifacts.archives import Archive
from tools.common import Problem
from tools.project import Project

WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{device}{n}"
    for device in ("com", "lpt")
    for n in [str(i) for i in range(10)] + ["¹", "²", "³"]
}
WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*\\\x00-\x1f]')


def top_name(member: str) -> Optional[str]:
    """The top-level site-packages entry a wheel member creates (None: the
    member lands elsewhere: .dist-info, scripts, headers, data)."""
    parts = member.split("/")
    if parts[0].endswith(".dist-info"):
        return None
    if parts[0].endswith(".data"):
        if len(parts) > 2 and parts[1] in ("purelib", "platlib"):
            return parts[2]
        return None
    return parts[0]


def import_name(entry: str) -> str:
    """``mod.py`` / ``mod.cpython-312-x86_64-linux-gnu.so`` / ``pkg`` -> the name."""
    return entry.split(".", 1)[0]


def owners(name: str) -> List[str]:
    """Who else has import name ``name``: installed distributions, the stdlib."""
    found: Set[str] = set()
    for dist in metadata.distributions():
        tops: Iterable[str] = ()
        text = dist.read_text("top_level.txt")
        if text:
            tops = text.split()
        else:
            tops = (
                import_name(str(path).split("/")[0])
                for path in (dist.files or [])
                if not str(path).split("/")[0].endswith((".dist-info", ".data"))
                and not str(path).startswith("..")
            )
        if name in tops:
            found.add(f"{dist.metadata['Name']} (installed in the tool environment)")
    stdlib = getattr(sys, "stdlib_module_names", ())
    if name in stdlib:
        found.add("the standard library's module (it would shadow it)")
    return sorted(found)


def check_toplevel(
    archive: Archive, project: Project, startup: Sequence[str] = ()
) -> List[Problem]:
    """Undeclared top-level names of a wheel, and whose they are."""
    declared = {p.name for p in project.packages}
    entries: Dict[str, List[str]] = {}
    for member in archive.members:
        if member.name in startup:
            continue
        entry = top_name(member.name)
        if entry is not None and import_name(entry) not in declared:
            entries.setdefault(entry, []).append(member.name)
    problems = []
    for entry, members in sorted(entries.items()):
        name = import_name(entry)
        whose = owners(name)
        clash = (
            f"; it is the import name of {', '.join(whose)}: installing this wheel "
            "would overwrite it"
            if whose
            else ""
        )
        problems.append(
            Problem(
                f"{archive.label}: installs {entry!r} ({len(members)} file"
                f"{'s' if len(members) > 1 else ''}, e.g. {members[0]}) at the top "
                f"of site-packages, which is not one of the project's import "
                f"packages ({', '.join(sorted(declared))}){clash}",
                "remove it from the build (it comes from "
                "[tool.hatch.build.targets.wheel]: packages, force-include, "
                "sources), or, if it is the project's, list it in "
                "[tool.hatch.build.targets.wheel] packages; then make dist",
                f"{archive.path.name}:{entry}",
            )
        )
    return problems


def windows_problem(path: str) -> Optional[str]:
    """Why Windows cannot create ``path`` (None: it can)."""
    for part in path.split("/"):
        if not part:
            continue
        if WINDOWS_FORBIDDEN.search(part):
            return f'{part!r} has a character Windows forbids (<>:"|?*\\ or a control)'
        if part.endswith((".", " ")):
            return f"{part!r} ends with a dot or a space, which Windows drops"
        if part.split(".", 1)[0].rstrip(" ").lower() in WINDOWS_RESERVED:
            return f"{part!r} is a reserved device name on Windows"
    return None


def check_names(archive: Archive) -> List[Problem]:
    """Members that clash on a case-insensitive file system or that Windows
    cannot create."""
    problems = []
    names = [m.name for m in archive.members]
    target = f"[tool.hatch.build.targets.{archive.kind}]"
    for name in names:
        why = windows_problem(name)
        if why:
            problems.append(
                Problem(
                    f"{archive.label}: {name}: {why}",
                    f"rename it (git mv) or exclude it in {target}, then make dist",
                    f"{archive.path.name}:{name}",
                )
            )
    files: Dict[str, str] = {}  # casefolded -> the first spelling
    for name in sorted(names):
        key = name.casefold()
        if key in files:
            problems.append(
                Problem(
                    f"{archive.label}: {name} and {files[key]} are the same file on "
                    "a case-insensitive file system (macOS, Windows)",
                    "one would overwrite the other; rename one (git mv), then "
                    "make dist",
                    f"{archive.path.name}:{name}",
                )
            )
        else:
            files[key] = name
    spellings: Dict[str, Set[str]] = {}  # casefolded folder -> its spellings
    for name in names:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            spellings.setdefault(folder.casefold(), set()).add(folder)
    reported: List[str] = []
    for key, found in sorted(spellings.items()):
        if len(found) > 1 and not any(key.startswith(f"{r}/") for r in reported):
            reported.append(key)
            problems.append(
                Problem(
                    f"{archive.label}: the folders {', '.join(sorted(found))} are "
                    "one folder on a case-insensitive file system (macOS, Windows)",
                    "their files mix, and imports of one spelling fail there; use "
                    "one spelling (git mv), then make dist",
                    f"{archive.path.name}:{sorted(found)[0]}",
                )
            )
    for key, name in sorted(files.items()):
        if key in spellings:
            folder = sorted(spellings[key])[0]
            problems.append(
                Problem(
                    f"{archive.label}: the file {name} and the folder {folder}/ "
                    "clash on a case-insensitive file system (macOS, Windows)",
                    "rename one (git mv), then make dist",
                    f"{archive.path.name}:{name}",
                )
            )
    return problems
