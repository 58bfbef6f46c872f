"""Fixtures for the smoke installer, upload guard and publish dry run tests.

Distributions are built once per session (in temporary copies of the project,
never the working tree); each test gets its own TMPDIR and, afterwards, must
have left nothing in it and no index server running.
"""

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from scripts.publish_dry_run import LocalIndex
from tests.release.conftest import Project, project_files
from tests.release.publish.helpers import assert_server_gone

ROOT = Path(__file__).resolve().parents[3]


def copy_project(tmp_path_factory, name: str) -> Project:
    dest = tmp_path_factory.mktemp(name)
    for rel in project_files(ROOT):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    proj = Project(dest)
    proj.git("init", "-q", "-b", "main")
    proj.commit("initial")
    return proj


def build(proj: Project) -> Path:
    """Build the sdist and the wheel (from the sdist) into the copy's dist/."""
    out = proj.run("python", "-m", "build", "--installer", "uv", "--outdir", "dist")
    assert out.returncode == 0, out.stdout + out.stderr
    return proj.path / "dist"


def tagged_build(tmp_path_factory, name: str, change=None) -> Project:
    proj = copy_project(tmp_path_factory, name)
    if change:
        change(proj.path)
        proj.commit("break it")
    proj.tag("v1.2.3")
    build(proj)
    return proj


@pytest.fixture(scope="session")
def good(tmp_path_factory) -> Project:
    """A tagged copy (v1.2.3) with dist/ built: the good case."""
    return tagged_build(tmp_path_factory, "good")


@pytest.fixture(scope="session")
def good_dist(good) -> Path:
    return good.path / "dist"


@pytest.fixture(scope="session")
def no_import(tmp_path_factory) -> Project:
    """A copy whose wheel leaves a module out: it installs, but does not import."""

    def change(path: Path) -> None:
        pyproject = path / "pyproject.toml"
        text = pyproject.read_text()
        old = (
            '[tool.hatch.build.targets.wheel]\npackages = ["src/glyph_phase_engine"]\n'
        )
        assert old in text
        exclude = 'exclude = ["src/glyph_phase_engine/engine.py"]\n'
        pyproject.write_text(text.replace(old, old + exclude))

    return tagged_build(tmp_path_factory, "no-import", change)


@pytest.fixture(scope="session")
def wrong_version(tmp_path_factory) -> Project:
    """A copy whose package says it is another version than its files."""

    def change(path: Path) -> None:
        init = path / "src" / "glyph_phase_engine" / "__init__.py"
        init.write_text(init.read_text() + '\n__version__ = "9.9.9"\n')

    return tagged_build(tmp_path_factory, "wrong-version", change)


@pytest.fixture(autouse=True)
def tmpdir_left_empty(tmp_path_factory, monkeypatch):
    """A TMPDIR of the test's own, which must be empty afterwards."""
    tmp = tmp_path_factory.mktemp("TMPDIR")
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    yield tmp
    left = sorted(os.listdir(tmp))
    assert left == [], f"temporary folders left behind: {left}"


@pytest.fixture
def start_index():
    """Start LocalIndex servers; each is stopped, and checked gone, afterwards."""
    started = []

    def start(**kwargs) -> LocalIndex:
        server = LocalIndex(**kwargs).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        pid, port = server.pid, server.port
        server.stop()
        assert_server_gone(pid, port)


@pytest.fixture
def later():
    """Run a function in a thread after a delay; joined after the test."""
    threads = []

    def schedule(seconds: float, func, *args) -> None:
        timer = threading.Timer(seconds, func, args)
        timer.start()
        threads.append(timer)

    yield schedule
    for timer in threads:
        timer.cancel()
        timer.join()
