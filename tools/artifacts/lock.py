"""The locks in ``requirements/``: read them, and check that they hold together.

    python -m tools.artifacts.lock          check the locks
    python -m tools.artifacts.lock --write  re-pin the three, then check (make lock)

Three hash-pinned files, all written by ``make lock`` (``uv pip compile
--generate-hashes --universal``) from their ``.in`` files:

* ``build.txt``: the build environment of ``make dist`` and of the
  reproducibility rebuild (PyPA build and the build backend), for every Python
  a build runs on: every Python from the lower bound of the project's
  ``requires-python`` up (:func:`python_floor`; a build backend that dropped
  an older Python locks as long as the project did too); it must pin every
  requirement of pyproject.toml's
  ``[build-system] requires`` at a version that requirement allows
  (:func:`check_build_lock`, run before every build);
* ``tools.txt``: the tool environment (Python 3.9+);
* ``bootstrap.txt``: the uv that ``make tools`` installs first, which must be
  the uv of ``tools.txt`` (:func:`check_bootstrap`).

A lock is a requirements file: one ``name==version ; marker`` line per pin
(a universal lock pins a name once per set of Pythons), each with its
``--hash`` options. :func:`parse_lock` reads it with packaging.
"""

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from tools.common import ROOT, Problem, find_uv, last_line, report, run_main
from tools.project import ConfigError, load, load_pyproject
from tools.pythons import lower_bound

BUILD_LOCK = "requirements/build.txt"
TOOLS_LOCK = "requirements/tools.txt"
BOOTSTRAP_LOCK = "requirements/bootstrap.txt"
FIX = "make lock"
TOOLS_PYTHON_FLOOR = "3.9"  # the tool environment's oldest Python


class LockError(Exception):
    """A lock is missing or cannot be read; the message says how to fix it."""


@dataclass(frozen=True)
class Pin:
    """One ``name==version`` line of a lock, with its marker and hashes."""

    name: str  # canonical (PEP 503)
    version: Version
    marker: Optional[Marker]
    hashes: Tuple[str, ...]
    line: int

    def __str__(self) -> str:
        where = f" ; {self.marker}" if self.marker else ""
        return f"{self.name}=={self.version}{where}"


_HASH = re.compile(r"\s--hash[= ](\S+)")


def parse_lock(text: str, where: str = "lock") -> List[Pin]:
    """The pins of a requirements lock; a line that is no ``==`` pin raises."""
    pins = []
    logical, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = (
            raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        )
        if not logical:
            start = number
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        if logical.strip():
            pins.append(_pin(logical, start, where))
        logical = ""
    if logical.strip():
        pins.append(_pin(logical, start, where))
    return pins


def _pin(logical: str, line: int, where: str) -> Pin:
    hashes = tuple(_HASH.findall(" " + logical))
    spec = _HASH.sub("", " " + logical).strip()
    try:
        req = Requirement(spec)
        (only,) = req.specifier
        if only.operator != "==" or "*" in only.version:
            raise ValueError
        version = Version(only.version)
    except (InvalidRequirement, InvalidVersion, ValueError):
        raise LockError(
            f"{where}:{line}: {spec!r} is not a pin (name==version): {FIX}"
        ) from None
    return Pin(canonicalize_name(req.name), version, req.marker, hashes, line)


def read_lock(root: Path, name: str) -> List[Pin]:
    path = root / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise LockError(f"{name} does not exist: {FIX} writes it") from None
    return parse_lock(text, name)


def pins_of(pins: List[Pin], name: str) -> List[Pin]:
    return [p for p in pins if p.name == canonicalize_name(name)]


def pin_for_this_python(pins: List[Pin], name: str) -> Optional[Pin]:
    """The pin of ``name`` whose marker this interpreter satisfies."""
    for pin in pins_of(pins, name):
        if pin.marker is None or pin.marker.evaluate():
            return pin
    return None


def check_build_lock(root: Path = ROOT, lock: str = BUILD_LOCK) -> List[Problem]:
    """The lock pins PyPA build and every [build-system] requirement, with hashes.

    Every pin of a required name (one per set of Pythons) must be a version
    the requirement allows: a build on any Python gets an allowed version.
    """
    try:
        pins = read_lock(root, lock)
    except LockError as exc:
        return [Problem(str(exc), "", lock)]
    try:
        requires = load_pyproject(root).get("build-system", {}).get("requires", [])
    except ConfigError:
        requires = []  # the build itself says what is wrong with pyproject.toml
    problems = []
    frontend = "build"  # PyPA build runs the build inside the locked environment
    for text in [*requires, frontend]:
        try:
            req = Requirement(str(text))
        except InvalidRequirement:
            continue  # the build (and validate-pyproject) say what is wrong
        pinned = pins_of(pins, req.name)
        what = (
            "PyPA build (which runs the build)"
            if text == frontend
            else f"{text!r} of pyproject.toml's [build-system] requires"
        )
        if not pinned:
            problems.append(
                Problem(
                    f"{lock} does not pin {canonicalize_name(req.name)}, needed by "
                    f"{what}",
                    f"add it to {lock[:-4]}.in, then {FIX}",
                    lock,
                )
            )
        for pin in pinned:
            if not req.specifier.contains(pin.version, prereleases=True):
                problems.append(
                    Problem(
                        f"{lock} pins {pin} (line {pin.line}), which {what} does "
                        "not allow",
                        f"make {lock[:-4]}.in ask for what [build-system] requires, "
                        f"then {FIX}",
                        f"{lock}:{pin.line}",
                    )
                )
    problems += [
        Problem(
            f"{lock} pins {pin} without a hash (line {pin.line})",
            f"{FIX} adds them",
            f"{lock}:{pin.line}",
        )
        for pin in pins
        if not pin.hashes
    ]
    return problems


def check_tools_lock(root: Path = ROOT) -> List[Problem]:
    """tools.txt pins every requirement of tools.in at a version it allows
    (make adopt copies the pair: an edited tools.in that was never re-pinned
    would bring tools the pipeline's tests never ran)."""
    source = f"{TOOLS_LOCK[:-4]}.in"
    try:
        pins = read_lock(root, TOOLS_LOCK)
        lines = (root / source).read_text(encoding="utf-8").splitlines()
    except (LockError, OSError) as exc:
        return [Problem(str(exc), "", TOOLS_LOCK)]
    problems = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text or text.startswith("-"):
            continue
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue  # uv says what is wrong when it pins
        pinned = pins_of(pins, req.name)
        if not pinned or not all(
            req.specifier.contains(pin.version, prereleases=True) for pin in pinned
        ):
            have = ", ".join(str(pin) for pin in pinned) or "nothing"
            problems.append(
                Problem(
                    f"{TOOLS_LOCK} pins {have} for {text!r} of {source} (line "
                    f"{number})",
                    f"{FIX} re-pins it from {source}",
                    f"{source}:{number}",
                )
            )
    return problems


def check_bootstrap(root: Path = ROOT) -> List[Problem]:
    """bootstrap.txt installs the uv of tools.txt, hash-pinned."""
    try:
        tools, boot = read_lock(root, TOOLS_LOCK), read_lock(root, BOOTSTRAP_LOCK)
    except LockError as exc:
        return [Problem(str(exc))]
    want = {str(p.version) for p in pins_of(tools, "uv")}
    have = {str(p.version) for p in pins_of(boot, "uv")}
    if not have or have != want or not all(p.hashes for p in boot):
        return [
            Problem(
                f"{BOOTSTRAP_LOCK} pins uv {', '.join(sorted(have)) or 'not at all'} "
                f"but {TOOLS_LOCK} pins uv {', '.join(sorted(want)) or 'not at all'} "
                "(each with hashes)",
                FIX,
                BOOTSTRAP_LOCK,
            )
        ]
    return []


def python_floor(requires_python: str) -> str:
    """The oldest Python ``requires-python`` admits, as ``X.Y``
    (:func:`tools.pythons.lower_bound`); ValueError says what to fix."""
    where = f"requires-python {requires_python!r}" if requires_python else ""
    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier:
        raise ValueError(
            f"pyproject.toml's {where} is not a version specifier: "
            'fix it (e.g. ">=3.9")'
        ) from None
    oldest = lower_bound(spec)
    if oldest is None:
        raise ValueError(
            "pyproject.toml's [project] requires-python gives no oldest Python "
            f"({where or 'not set'}): set one, e.g. \">=3.9\", so that "
            f"{BUILD_LOCK} is locked for the Pythons the project claims"
        )
    return ".".join(str(part) for part in (oldest.release + (0,))[:2])


def _uv() -> str:
    return find_uv() or "uv"


def lock_commands(
    root: Path,
    floor: str,
    tools: str = TOOLS_LOCK,
    bootstrap: str = BOOTSTRAP_LOCK,
    build: str = BUILD_LOCK,
) -> List[Tuple[str, List[str]]]:
    """``(what, uv pip compile command)`` for each lock, in order."""
    compile_ = [_uv(), "pip", "compile", "--quiet", "--universal", "--no-header"]
    compile_.append("--generate-hashes")
    return [
        (f"{tools} (Python {TOOLS_PYTHON_FLOOR}+)",
         compile_ + ["--python-version", TOOLS_PYTHON_FLOOR, "requirements/tools.in",
                     "-o", tools]),
        (f"{bootstrap} (the uv of {tools})",
         compile_ + ["--python-version", TOOLS_PYTHON_FLOOR, "-c", tools,
                     "requirements/bootstrap.in", "-o", bootstrap]),
        (f"{build} (Python {floor}+, from requires-python)",
         compile_ + ["--python-version", floor, "requirements/build.in", "-o", build]),
    ]  # fmt: skip


def write_locks(root: Path = ROOT, build_only: bool = False) -> List[Problem]:
    """Re-pin the three locks (make lock), or only the build's (``build_only``:
    make adopt, which brings the pipeline's own tool locks); problems, one
    line each."""
    try:
        floor = python_floor(project_requires_python(root))
    except (ValueError, ConfigError) as exc:
        return [Problem(str(exc), "", "pyproject.toml")]
    commands = lock_commands(root, floor)
    for what, cmd in commands[-1:] if build_only else commands:
        print(f"locks: pinning {what}", flush=True)
        out = subprocess.run(
            cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        if out.returncode != 0:
            for line in out.stdout.strip().splitlines()[-20:]:
                print(f"  | {line}", file=sys.stderr)
            return [
                Problem(
                    f"could not pin {what} ({last_line(out.stdout) or out.returncode})",
                    f"fix {cmd[-3]} as the output above says, then {FIX}",
                    cmd[-1],
                )
            ]
    return []


def project_requires_python(root: Path) -> str:
    return load(root).requires_python


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.artifacts.lock")
    parser.add_argument(
        "--write",
        action="store_true",
        help="re-pin requirements/{tools,bootstrap,build}.txt first (make lock)",
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help=f"with --write, re-pin only {BUILD_LOCK} (make lock BUILD_ONLY=1)",
    )
    args = parser.parse_args(argv)
    if args.build_only and not args.write:
        parser.error("--build-only re-pins a lock: use it with --write")
    if args.write and report(write_locks(ROOT, args.build_only), "lock"):
        return 1
    problems = check_build_lock(ROOT) + check_tools_lock(ROOT) + check_bootstrap(ROOT)
    if report(problems, "locks"):
        return 1
    print(
        f"locks: passed: {BUILD_LOCK} pins [build-system] requires; "
        f"{TOOLS_LOCK} pins {TOOLS_LOCK[:-4]}.in; "
        f"{BOOTSTRAP_LOCK} pins the uv of {TOOLS_LOCK}"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
