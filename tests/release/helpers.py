"""Helpers shared by the release tooling tests (the fixtures are in conftest.py).

``Project`` is a temporary git repository holding a copy of the project:
``new_project`` copies the files git knows of (tracked, and new files not
ignored, so work in progress is tested too) into a fresh repository with one
commit; ``built`` runs ``make dist`` in it.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterable, List, Tuple

from tools.common import ROOT, Problem

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def texts(problems: Iterable[Problem]) -> List[str]:
    """The lines a maintainer reads: ``str`` of each problem."""
    return [str(problem) for problem in problems]


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
        # Not the outer tox's settings: TOX_WORK_DIR and the like would make a
        # tox run in the copy use (and write coverage data into) our .tox.
        outer = {k: v for k, v in os.environ.items() if not k.startswith("TOX_")}
        env = {**outer, **GIT_ENV, **kwargs.pop("env", {})}
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

    A process started in the background by a non-interactive shell (a CI
    runner's, or ``make test &``) inherits SIGINT ignored, and Python then
    installs no KeyboardInterrupt: Ctrl-C in a terminal is what is tested, so
    the child gets SIGINT's default back (a handler is reset at exec, an
    ignored signal is not).
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
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
        if proc.stdout is not None:
            proc.stdout.close()
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


def compiled_tools(root: Path = ROOT):
    """The tooling's bytecode for this interpreter (git ignores it): each
    copy's ``python -m tools...`` would compile the same sources again."""
    tag = sys.implementation.cache_tag
    for path in (root / "tools").rglob(f"__pycache__/*.{tag}.pyc"):
        yield str(path.relative_to(root))


def new_project(tmp_path_factory, name: str = "project") -> Project:
    """A fresh repository with a copy of the project, committed, untagged.

    The tooling's bytecode comes along (with the sources' times, which is
    what Python checks a ``.pyc`` against: a source edited in the copy is
    compiled again); git ignores it, so the commit and the builds never see it.
    """
    dest = tmp_path_factory.mktemp(name)
    for name in [*project_files(), *compiled_tools()]:
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


def output(result: "subprocess.CompletedProcess[str]") -> str:
    """What a command printed, stdout then stderr."""
    return result.stdout + result.stderr


def failed(result: "subprocess.CompletedProcess[str]", *words: str) -> str:
    """Assert the command failed and said each of ``words``; return its output."""
    text = output(result)
    assert result.returncode != 0, text
    for word in words:
        assert word in text, text
    return text


def passed(result: "subprocess.CompletedProcess[str]") -> str:
    """Assert the command passed; return its output."""
    text = output(result)
    assert result.returncode == 0, text
    return text


def add_to_release_check(pyproject: Path, lines: str) -> None:
    """Add ``lines`` to pyproject.toml's [tool.release-check] (made if missing)."""
    text = pyproject.read_text()
    header = "[tool.release-check]\n"
    if header in text:
        text = text.replace(header, header + lines, 1)
    else:
        text += "\n" + header + lines
    pyproject.write_text(text)
