"""Nothing runs at install or at interpreter start unless the project says so.

Importing a package runs its code when a program asks for it. A few files run
code *without* being imported, in every environment that installs the
distribution, on every start of Python or on installation: that is how
litellm 1.82.8 (March 2026) stole credentials, with a ``litellm_init.pth``
that ran before any import of the package. Each such member of the built
files fails the contents stage unless ``pyproject.toml`` allows it, with a
reason (the format of ``allow-secrets``, :mod:`tools.artifacts.secrets`)::

    [tool.release-check]
    allow-startup = [
      { member = "hatch_build.py", kind = "build hook", reason = "..." },
    ]

``member`` is the path in the archive (without the sdist's top folder; shell
wildcards allowed), ``kind`` the kind as printed. Allowed ones are printed
(``contents: allowed: ...``), so ``make release-check`` and the build job's
step summary show them.

What runs, and where it comes from (researched in CPython's ``Lib/site.py``,
the wheel spec and pip's installer):

- ``*.pth`` files (kind ``pth file``): ``site.addsitedir`` reads every
  ``.pth`` in a site-packages folder at start-up and executes each line that
  starts with ``import``; the other lines put folders on ``sys.path`` (which
  can shadow any module). A wheel puts one there from its root, from
  ``<name>.data/purelib/`` or ``<name>.data/platlib/``, or from
  ``<name>.data/data/`` under a ``site-packages``/``dist-packages`` path (the
  data scheme is the environment's prefix).
- ``sitecustomize`` and ``usercustomize`` (kind ``customize``): ``site``
  imports them at start-up when they are importable; as a module, a
  package, compiled ``.pyc`` or an extension module, at the top of the wheel
  or of its purelib/platlib data.
- the build hooks of an sdist (kind ``build hook``): ``pip install`` of the
  sdist (pip falls back to it when no wheel fits) builds it, running the
  project's own code: ``setup.py``; hatchling's custom build and metadata
  hooks (``hatch_build.py`` or the ``path`` of ``[tool.hatch.build.hooks.custom]``,
  of each target's and of ``[tool.hatch.metadata.hooks.custom]``); an in-tree
  backend (the ``build-backend`` module under ``[build-system]
  backend-path``). They are read from the sdist's
  own ``pyproject.toml``, the one a build uses.

Not failed here, since they run only when called: console and GUI scripts
(``entry_points.txt``) and ``<name>.data/scripts/``. A wheel runs nothing at
installation: installers only copy files and byte-compile them (compiling
does not execute). Entry points that a host program loads when *it* starts
(``pytest11`` plugins and the like) run in that program only; the top-level
check (:mod:`tools.artifacts.toplevel`) fails a module the project does not
declare.
"""

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from tools.artifacts.archives import SDIST, Archive
from tools.common import Checked, Problem
from tools.project import Allowance as Allow
from tools.project import entries_with_reason
from tools.project import load as load_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python < 3.11: build depends on tomli there
    import tomli as tomllib

CONFIG_TABLE = "release-check"
CONFIG_KEY = "allow-startup"
PTH = "pth file"
CUSTOMIZE = "customize"
BUILD_HOOK = "build hook"
CUSTOMIZE_NAMES = ("sitecustomize", "usercustomize")
SITE_FOLDERS = ("site-packages", "dist-packages")


@dataclass(frozen=True)
class Finding:
    member: str
    kind: str
    what: str  # what it does, for the message


def site_path(member: str) -> Optional[str]:
    """Where a wheel member lands relative to site-packages (None: elsewhere).

    ``pkg/x.py`` -> ``pkg/x.py``; ``n-1.data/purelib/x.pth`` -> ``x.pth``;
    ``n-1.data/data/lib/python3.12/site-packages/x.pth`` -> ``x.pth``.
    """
    parts = member.split("/")
    if parts[0].endswith(".data") and len(parts) > 2:
        if parts[1] in ("purelib", "platlib"):
            return "/".join(parts[2:])
        if parts[1] == "data":
            for index, part in enumerate(parts[:-1]):
                if part in SITE_FOLDERS:
                    return "/".join(parts[index + 1 :])
        return None
    if parts[0].endswith(".dist-info"):
        return None
    return member


def _module_name(name: str) -> str:
    """``sitecustomize.cpython-312-x86_64-linux-gnu.so`` -> ``sitecustomize``."""
    return name.split(".", 1)[0]


def wheel_findings(archive: Archive) -> List[Finding]:
    """The members of a wheel that run at interpreter start."""
    found = []
    for member in archive.members:
        where = site_path(member.name)
        if where is None:
            continue
        parts = where.split("/")
        if len(parts) == 1 and parts[0].endswith(".pth"):
            found.append(
                Finding(
                    member.name,
                    PTH,
                    "a .pth file: site-packages runs its import lines (and adds "
                    "its paths to sys.path) at every start of Python",
                )
            )
        elif _module_name(parts[0]) in CUSTOMIZE_NAMES and (
            len(parts) > 1 or parts[0].endswith((".py", ".pyc", ".so", ".pyd"))
        ):
            found.append(
                Finding(
                    member.name,
                    CUSTOMIZE,
                    f"{_module_name(parts[0])}: the site module imports it at "
                    "every start of Python",
                )
            )
    return found


def _table(data: Dict[str, Any], *keys: str) -> Dict[str, Any]:
    for key in keys:
        value = data.get(key)
        if not isinstance(value, dict):
            return {}
        data = value
    return data


def build_hook_files(pyproject: Dict[str, Any]) -> Dict[str, str]:
    """``{member or folder/: what}``: the project code a build of the sdist runs."""
    found: Dict[str, str] = {}
    hatch = _table(pyproject, "tool", "hatch")
    hooks = [
        ("build hook", _table(hatch, "build", "hooks")),
        ("metadata hook", _table(hatch, "metadata", "hooks")),
    ]
    for target, config in _table(hatch, "build", "targets").items():
        if isinstance(config, dict):
            hooks.append((f"{target} build hook", _table(config, "hooks")))
    for what, table in hooks:
        custom = table.get("custom")
        if isinstance(custom, dict):
            path = str(custom.get("path") or "hatch_build.py").strip("/")
            found.setdefault(path, f"hatchling's custom {what}")
    backend = _table(pyproject, "build-system")
    module = str(backend.get("build-backend") or "").split(":")[0].replace(".", "/")
    for folder in backend.get("backend-path") or [] if module else []:
        folder = str(folder).strip("/")
        base = f"{folder}/{module}" if folder not in ("", ".") else module
        for path in (f"{base}.py", f"{base}/__init__.py"):
            found[path] = "an in-tree build backend"
    return found


def sdist_findings(archive: Archive) -> Checked[List[Finding]]:
    """The sdist's members a build of it runs, and the problems of reading it."""
    members = {m.name: m for m in archive.members}
    found = []
    problems: List[Problem] = []
    if "setup.py" in members:
        found.append(
            Finding(
                "setup.py", BUILD_HOOK, "setup.py: runs when the sdist is installed"
            )
        )
    pyproject = members.get("pyproject.toml")
    if pyproject is None:
        return Checked(found, problems)
    try:
        data = tomllib.loads(pyproject.data.decode("utf-8"))
    except (UnicodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(
            Problem(
                f"{archive.label}: its pyproject.toml cannot be read ({exc})",
                "fix pyproject.toml, then make dist",
                f"{archive.path.name}:pyproject.toml",
            )
        )
        return Checked(found, problems)
    for path, what in build_hook_files(data).items():
        if path in members:
            found.append(
                Finding(
                    path,
                    BUILD_HOOK,
                    f"{what}: runs when the sdist is built (pip installs from the "
                    "sdist when no wheel fits)",
                )
            )
    return Checked(found, problems)


def load_allowlist(root: Path) -> Checked[List[Allow]]:
    """The entries and problems of ``[tool.release-check] allow-startup``."""
    kinds = (PTH, CUSTOMIZE, BUILD_HOOK)
    entries = entries_with_reason(
        load_project(root),
        CONFIG_KEY,
        ("member", "kind", "reason"),
        '{ member = "hatch_build.py", kind = "build hook", reason = "writes the '
        'version file" }',
    )
    allowed = []
    problems = list(entries.problems)
    where = f"pyproject.toml [tool.{CONFIG_TABLE}] {CONFIG_KEY}"
    for entry in entries.value:
        if entry["kind"].lower() not in kinds:
            problems.append(
                Problem(
                    f"{where}: {entry['member']}: kind {entry['kind']!r} is none of "
                    f"{', '.join(repr(k) for k in kinds)}",
                    "",
                    where,
                )
            )
            continue
        allowed.append(Allow(**entry))
    return Checked(allowed, problems)


def _fix(archive: Archive, finding: Finding) -> str:
    allow = (
        f'if it must run, add {{ member = "{finding.member}", kind = '
        f'"{finding.kind}", reason = "..." }} to [tool.{CONFIG_TABLE}] {CONFIG_KEY}'
    )
    if finding.kind == BUILD_HOOK:
        return f"{allow} in pyproject.toml (it is the project's own build code)"
    return (
        f"remove it from the build ([tool.hatch.build.targets.{archive.kind}] "
        f"exclude, or the build configuration that adds it), then make dist; {allow}"
    )


@dataclass
class StartupResult:
    """What runs at start-up or install: problems, allowed findings, and the
    wheel's start-up members (the top-level check leaves them to this one)."""

    problems: List[Problem] = field(default_factory=list)
    allowed: List[str] = field(default_factory=list)
    members: List[str] = field(default_factory=list)


def check_archives(archives: Sequence[Archive], root: Path) -> StartupResult:
    """The start-up problems, allowed findings and members of the archives."""
    allow = load_allowlist(root)
    problems = list(allow.problems)
    allowed: List[str] = []
    startup: List[str] = []
    for archive in archives:
        if archive.kind == SDIST:
            in_sdist = sdist_findings(archive)
            found = in_sdist.value
            problems += in_sdist.problems
        else:
            found = wheel_findings(archive)
            startup += [f.member for f in found]
        for finding in found:
            text = f"{archive.label}: {finding.member}: {finding.what}"
            entry = next(
                (a for a in allow.value if a.matches(finding.member, finding.kind)),
                None,
            )
            if entry is None:
                problems.append(
                    Problem(
                        text,
                        _fix(archive, finding),
                        f"{archive.path.name}:{finding.member}",
                    )
                )
            else:
                allowed.append(
                    f"{text} (allowed by [tool.{CONFIG_TABLE}] {CONFIG_KEY}: "
                    f"{entry.reason})"
                )
    return StartupResult(problems, allowed, startup)
