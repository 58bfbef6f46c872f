"""Fixtures for the release tooling tests.

Every broken case is built in a temporary copy of the project (never in the
working tree): ``project`` copies the files git knows of (tracked, and new
files not ignored, so work in progress is tested too) into a fresh
repository with one commit.

Every test gets a TMPDIR of its own under its ``tmp_path`` (``own_tmpdir``),
passed on to what it runs, so that nothing a test or its scripts leave is
left in the system's temporary folder.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


class Project:
    """A temporary git repository holding a copy of the project."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str) -> str:
        env = {**os.environ, **GIT_ENV}
        out = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, ref: str = "HEAD") -> None:
        self.git("tag", "-a", name, "-m", name, ref)

    def run(self, *cmd: str, check: bool = False, **kwargs):
        """Run a command in the copy; ``python`` means this interpreter."""
        argv = [sys.executable if c == "python" else c for c in cmd]
        env = {**os.environ, **GIT_ENV, **kwargs.pop("env", {})}
        return subprocess.run(
            argv,
            cwd=self.path,
            env=env,
            check=check,
            capture_output=True,
            text=True,
            **kwargs,
        )

    def make(self, *targets: str, **kwargs):
        """Run make in the copy with this interpreter's tools (no .venv made)."""
        return self.run("make", f"TOOLS_PYTHON={sys.executable}", *targets, **kwargs)


def stop_midway(
    cwd: Path,
    argv: List[str],
    tmp: Path,
    signum: int,
    ready: Callable[[subprocess.Popen], str],
) -> Tuple[int, str, str]:
    """Run ``python <argv>`` in ``cwd`` with TMPDIR ``tmp``, in its own process
    group; once ``ready(proc)`` returns (what it read of the output), send
    ``signum`` to the group, as Ctrl-C or ``make release-check`` does.
    Returns the exit code, what ``ready`` read and the rest of the output.
    """
    proc = subprocess.Popen(
        [sys.executable, *argv],
        cwd=cwd,
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        seen = ready(proc)
        os.killpg(proc.pid, signum)
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, seen, rest


def project_files(root: Path = ROOT):
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    for name in out.stdout.decode().split("\0"):
        if name and (root / name).is_file():
            yield name


def new_project(tmp_path_factory, name: str = "project") -> Project:
    """A fresh repository with a copy of the project, committed, untagged."""
    dest = tmp_path_factory.mktemp(name)
    for name in project_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    proj = Project(dest)
    proj.git("init", "-q", "-b", "main")
    proj.commit("initial")
    return proj


def built(proj: Project) -> Project:
    """``make dist`` in the copy (what a release builds), which must pass."""
    out = proj.make("dist")
    assert out.returncode == 0, out.stdout + out.stderr
    return proj


@pytest.fixture(autouse=True)
def own_tmpdir(tmp_path_factory, monkeypatch) -> Path:
    """A TMPDIR of the test's own (for it, and for everything it runs)."""
    tmp = tmp_path_factory.mktemp("TMPDIR")
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


@pytest.fixture
def project(tmp_path_factory) -> Project:
    """A fresh repository with a copy of the project, committed, untagged."""
    return new_project(tmp_path_factory)


@pytest.fixture
def tagged_project(project: Project) -> Project:
    """The copy with tag v1.2.3 on HEAD."""
    project.tag("v1.2.3")
    return project


def add_dependency(path: Path, requirement: str, module: str = "") -> None:
    """Make the copy at ``path`` depend on ``requirement`` and (if given) import
    ``module`` when the package is imported (a runtime dependency)."""
    pyproject = path / "pyproject.toml"
    text = pyproject.read_text()
    old = 'requires-python = ">=3.8"\n'
    assert old in text
    pyproject.write_text(text.replace(old, f"{old}dependencies = [{requirement!r}]\n"))
    if module:
        init = path / "src" / "glyph_phase_engine" / "__init__.py"
        init.write_text(init.read_text() + f"\nimport {module}  # noqa: E402,F401\n")


@pytest.fixture(scope="session")
def with_dependency(tmp_path_factory) -> Project:
    """A copy tagged v1.2.3 that needs packaging at run time, built once."""
    proj = new_project(tmp_path_factory, "with-dependency")
    add_dependency(proj.path, "packaging>=21", "packaging.version")
    proj.commit("depend on packaging")
    proj.tag("v1.2.3")
    return built(proj)


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> Project:
    """A copy tagged v1.2.3 whose dist/ was built once (make dist) for the session.

    Shared by many tests: never change it; copy its dist/ (see ``dist_copy``
    in the tests) to break things.
    """
    proj = new_project(tmp_path_factory, "released")
    proj.tag("v1.2.3")
    return built(proj)
