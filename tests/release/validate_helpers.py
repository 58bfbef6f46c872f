"""Helpers for the validator's tests: a copy of the files it reads, edits, pins.

No action SHA or version is written in a test: :func:`pinned` reads the
``uses:`` of an action from the workflow files, so a Dependabot bump changes
nothing here.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, List, NamedTuple, Optional

import pytest

from tools.common import ROOT
from tools.workflows import validator
from tools.workflows.validator import RULES

TEST = ".github/workflows/test.yml"
PYPI = ".github/workflows/publish-pypi.yml"
TESTPYPI = ".github/workflows/publish-testpypi.yml"
SETUP = ".github/actions/setup/action.yml"
BUILD = ".github/actions/build-verify/action.yml"
TOOLS_LOCK = "requirements/tools.txt"
SMOKE = ".github/actions/smoke-install/action.yml"
# The publish jobs' check of dist/ against the build job's digests.
BUILT_SUMS_CHECK = 'sha256sum --check --strict "$RUNNER_TEMP/built.sha256"'
PROBLEM_LINE = re.compile(r"^[^:\s]+:\d+: [a-z-]+: .+; .+$")
_USES = re.compile(
    r"^\s*(?:-\s+)?uses:\s*(?P<uses>(?P<name>[^@\s]+)@\S+)(?P<comment>\s+#.*)?$"
)


def pinned(name: str, comment: bool = True) -> str:
    """The ``uses:`` value of action ``name`` as the files pin it (with its comment).

    ``pinned("actions/checkout")`` is ``actions/checkout@<sha> # vX.Y.Z``.
    """
    files = sorted((ROOT / ".github").rglob("*.yml"))
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _USES.match(line)
            if match and match.group("name") == name:
                tail = (match.group("comment") or "") if comment else ""
                return match.group("uses") + tail
    raise AssertionError(f"no `uses: {name}@...` in .github/")


class Edit(NamedTuple):
    path: str
    old: str
    new: str
    after: Optional[str] = None  # apply to the first `old` after this text


class Tree:
    """A copy of the files the validator reads, to break one thing in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        shutil.copytree(ROOT / ".github", path / ".github")
        for name in (
            "tox.ini",
            "pyproject.toml",
            ".pre-commit-config.yaml",
            "Makefile",
        ):
            shutil.copy2(ROOT / name, path / name)
        (path / "requirements").mkdir()
        shutil.copy2(ROOT / TOOLS_LOCK, path / TOOLS_LOCK)
        # The files [tool.mypy] checks, read (never written) by hook-dependencies;
        # tests/release: its presence asks ci-runs for the release tooling's tests.
        for name in ("src", "tools", "tests/typing", "tests/release"):
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).symlink_to(ROOT / name, target_is_directory=True)

    def apply(self, *edits: Edit) -> "Tree":
        for edit in edits:
            file = self.path / edit.path
            text = file.read_text(encoding="utf-8")
            start = text.index(edit.after) if edit.after is not None else 0
            head, tail = text[:start], text[start:]
            assert edit.old in tail, f"{edit.old!r} is not in {edit.path}"
            file.write_text(head + tail.replace(edit.old, edit.new, 1), "utf-8")
        return self

    def problems(self) -> List[validator.Problem]:
        return validator.check_all(self.path)


def zizmor(path: Path) -> "subprocess.CompletedProcess[str]":
    """zizmor as `make validate` runs it (offline, pedantic), with JSON output."""
    exe = Path(sys.executable).parent / "zizmor"
    command = [str(exe if exe.exists() else "zizmor"), "--offline", "--persona"]
    command += ["pedantic", "--format", "json", "--no-progress", str(path)]
    return subprocess.run(command, capture_output=True, text=True)


def lines(problems: List[Any]) -> str:
    return "\n".join(map(str, problems)) or "no problem found"


def as_tag(pin: str) -> str:
    """``owner/repo@vX.Y.Z``: the pinned action by the tag its comment names."""
    name = pin.split("@", 1)[0]
    version = re.search(r"#\s*(v\S+)", pin)
    assert version, f"{pin} has no version comment"
    return f"{name}@{version.group(1)}"


def line_of(path: str, start: str) -> str:
    """The whole line of ``path`` that starts with ``start`` (newline included)."""
    for line in (ROOT / path).read_text(encoding="utf-8").splitlines(True):
        if line.startswith(start):
            return line
    raise AssertionError(f"no line starting {start!r} in {path}")


def case(name: str, rule: str, expect: str, *edits: Edit) -> Any:
    """A mutation: ``rule`` (registered) must report ``expect`` after ``edits``."""
    return pytest.param(RULES[rule].name, expect, edits, id=f"{rule}:{name}")
