"""What other tools say in words: the one module that reads their human output.

The tooling decides by exit codes and machine-readable output: an
offline-first attempt is judged by its exit code alone
(:mod:`tools.offline_first`); whether an upload's files are on the index is
read from the index's simple API (:mod:`tools.publish.index_check`); twine check,
check-wheel-contents and validate-pyproject pass or fail by their exit codes
(:mod:`tools.artifacts.check`). What is left is telling the user *which*
package and *what* to do when a tool failed, and for that the tools have
nothing but prose. Every such reading is here, and nowhere else, so that a
new release of uv, pip, build or twine can break one module, whose tests say
which sentence moved.

Named for what it reads (another tool's output), not for who calls it: the
callers are in several layers (the build, the smoke, the checks, publish),
and this module, which imports nothing of the tooling, sits below them all.

Every pattern is tested (``tests/release/test_tool_output.py``) against
output captured from the pinned versions (``requirements/tools.txt`` and
``build.txt``), kept in ``tests/release/data/<tool>-<version>-<case>.txt``.
When ``make lock`` moves one of these tools, capture its output again under
the new version's name; a pattern that no longer matches fails there.

A recogniser that finds nothing returns None: the caller then reports the
tool's last line and its output, never a guess.
"""

import re
from dataclasses import dataclass
from typing import Optional, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# ---- uv (0.13.9) and pip (26.3) installing a hash-pinned lock, build (1.6.1) --

# A file whose hash is not the lock's: uv's "Hash mismatch for `pin`", pip's
# "DO NOT MATCH THE HASHES" followed by the pin on the next line.
_MISMATCH = re.compile(
    r"Hash mismatch for `([^`]+)`|DO NOT MATCH THE HASHES.*?\n\s*(\S+==\S+)", re.S
)
# A pin without a hash: uv's "none were provided for: pin", pip's list of
# "pin --hash=..." lines under "Hashes are required in --require-hashes mode".
_NO_HASH = (
    re.compile(r"must have a hash, but none were provided for: ([\w.\-]+)"),
    re.compile(
        r"Hashes are required in --require-hashes mode.*?\n\s*([\w.\-]+)==", re.S
    ),
)
# build's "Unmet dependencies (checked against ...):" and the next line.
_MISSING = re.compile(r"(?:Missing|Unmet) dependencies[^\n]*:[ \t]*\n\s*(\S[^\n]*)")


def lock_error(output: str, lock: str) -> Optional[str]:
    """One line naming the package when an environment could not be made
    as ``lock`` says (or lacks what the build needs), with the fix."""
    found = _MISMATCH.search(output)
    if found:
        pin = found.group(1) or found.group(2)
        return (
            f"{lock}: the hash of {pin} is not the hash of the file the index "
            f"serves (the lock was edited, or the file changed): re-pin with "
            f"make lock and review the diff"
        )
    for pattern in _NO_HASH:
        found = pattern.search(output)
        if found:
            return f"{lock} pins {found.group(1)} without a hash: re-pin with make lock"
    found = _MISSING.search(output)
    if found:
        return (
            f"the build needs {found.group(1).strip()}, which {lock} does not "
            f"provide: add it to {lock[:-4]}.in, then make lock"
        )
    return None


_ERROR_LINE = re.compile(r"^\s*(?:[\w.]+(?:Error|Exception)\b|ERROR\b)")


def build_error(output: Optional[str]) -> str:
    """The line of a failed build's (or install's) output that says what went
    wrong: the last exception line, else build's last ``ERROR`` line, else
    the last line."""
    lines = [line.strip() for line in (output or "").splitlines() if line.strip()]
    errors = [line for line in lines if _ERROR_LINE.match(line)]
    exceptions = [line for line in errors if not line.startswith("ERROR")]
    return (exceptions or errors or lines or ["no output"])[-1]


# ---- uv and pip resolving a project's dependencies (the smoke) ---------------


def unwrap(output: str) -> str:
    """uv wraps its explanation to the terminal's width (``COLUMNS``): its
    indented continuation lines are read as one."""
    return re.sub(r"\n[ \t]+", " ", output)


_NAME = r"([A-Za-z0-9][A-Za-z0-9._-]*)"
MISSING_DEPENDENCY = (
    re.compile(
        rf"Because {_NAME}\S* was not found in the (?:package registry|provided)"
    ),
    re.compile(rf"Because there (?:is|are) no versions? of {_NAME}"),
    re.compile(rf"Because only {_NAME}\S* (?:is|are) available and"),
    re.compile(rf"No matching distribution found for {_NAME}"),
)


def missing_dependency(output: str) -> Optional[Tuple[str, str]]:
    """``(name, the sentence saying so)`` when an install failed on a
    requirement that the index could not provide."""
    for line in unwrap(output).splitlines():
        for pattern in MISSING_DEPENDENCY:
            match = pattern.search(line)
            if match:
                return canonicalize_name(match.group(1)), line[match.start() :].strip()
    return None


@dataclass(frozen=True)
class PythonMismatch:
    """A requirement none of whose releases supports the Python at hand."""

    requirement: str  # as uv names it: "iniconfig==2.3.0", "iniconfig>=2.3.0"
    name: str  # canonical
    python: str  # the Python it was installed on: "3.8"
    needs: str  # what the releases require: ">=3.10"


# uv: "Because the current Python version (3.8.18) does not satisfy
# Python>=3.10 and iniconfig==2.3.0 depends on Python>=3.10, ..."
_PYTHON_MISMATCH = re.compile(
    r"Because the (?:current|requested) Python version \((\d+\.\d+)[^)]*\) does "
    rf"not satisfy Python(\S+) and ({_NAME}\S*) depends on Python"
)


# pip: "Ignored the following versions that require a different python
# version: 6.0 Requires-Python >=3.12; 6.0.1 Requires-Python >=3.12; ..."
# and "No matching distribution found for django==6.0 (from pkg)".
_PIP_IGNORED = re.compile(
    r"Ignored the following versions that require a different python version: "
    r"([^\n]*)"
)
_PIP_IGNORED_ONE = re.compile(r"(\S+) Requires-Python (\S+)")
_PIP_NOT_FOUND = re.compile(r"No matching distribution found for (\S+)")


def python_mismatch(output: str, python: str = "") -> Optional[PythonMismatch]:
    """The requirement that has no release for the Python an install ran on,
    when that is why the resolver failed; else None. uv names that Python;
    pip does not, so ``python`` (``"3.8"``) is the caller's."""
    found = _PYTHON_MISMATCH.search(unwrap(output))
    if found:
        minor, needs, requirement, name = found.groups()
        return PythonMismatch(requirement, canonicalize_name(name), minor, needs)
    ignored, wanted = _PIP_IGNORED.search(output), _PIP_NOT_FOUND.search(output)
    if not (ignored and wanted):
        return None
    try:
        requirement = Requirement(wanted.group(1))
    except InvalidRequirement:
        return None
    needs = [
        spec
        for version, spec in _PIP_IGNORED_ONE.findall(ignored.group(1))
        if _allows(requirement, version.rstrip(";"))
    ]
    if not needs:
        return None
    name = canonicalize_name(requirement.name)
    return PythonMismatch(str(requirement), name, python, needs[0].rstrip(";"))


def _allows(requirement: Requirement, version: str) -> bool:
    try:
        return requirement.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


# ---- twine (7.0.0) --------------------------------------------------------------

# twine's last words on a refused upload: "HTTPError: 403 Forbidden from URL".
_TWINE_STATUS = re.compile(r"HTTPError: (\d{3})\b")


def twine_http_status(output: str) -> Optional[int]:
    """The HTTP status with which the index refused a ``twine upload``."""
    found = _TWINE_STATUS.search(output)
    return int(found.group(1)) if found else None


# ---- twine check, check-wheel-contents, validate-pyproject ------------------

# twine check: "ERROR    `long_description` has syntax errors ...";
# check-wheel-contents: "FILE: W202: Wheel library has ...";
# validate-pyproject: "[ERROR] `project.name` must be ..." (after "Invalid
# file: ..."). The first of these, else the first line that says something
# is wrong.
_HEADLINES = (
    re.compile(r"^(?:ERROR\b|\[ERROR\]|.*: [WE]\d{3}:)"),
    re.compile(r"^(?:WARNING\b|.*Invalid|.*error)", re.I),
)


def headline(output: str) -> str:
    """The most telling line of a failed check's output (which failed is its
    exit code's business): its error line, else the last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for pattern in _HEADLINES:
        for line in lines:
            if pattern.match(line) and not line.startswith("Checking "):
                return re.sub(r"\s+", " ", line)
    return lines[-1] if lines else "no output"
