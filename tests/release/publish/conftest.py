"""Fixtures for the smoke installer, upload guard and publish dry run tests.

Distributions are built once per session with ``make dist`` (in temporary
copies of the project, never the working tree: the fixtures of
``tests/release/conftest.py`` and ``helpers.py``); each test gets its own TMPDIR and,
afterwards, must have left nothing in it and no index server running.
"""

import os
from pathlib import Path

import pytest

from tests.release.helpers import Project, add_dependency, built, new_project
from tests.release.publish.helpers import assert_server_gone
from tests.release.publish.real_assets import (
    RealAssets,
    cache_dir,
    extract,
    pinned_sdist,
)
from tools.publish.dry_run import LocalIndex


def tagged_build(tmp_path_factory, name: str, change) -> Project:
    """A copy broken by ``change``, committed, tagged v1.2.3, built."""
    proj = new_project(tmp_path_factory, name)
    change(proj.path)
    proj.commit("break it")
    proj.tag("v1.2.3")
    return built(proj)


@pytest.fixture(scope="session")
def good(released) -> Project:
    """A tagged copy (v1.2.3) with dist/ built: the good case."""
    return released


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


@pytest.fixture(scope="session")
def second_scripts(tmp_path_factory) -> Project:
    """A copy with two more console scripts: one works, one names no function."""

    def change(path: Path) -> None:
        pyproject = path / "pyproject.toml"
        text = pyproject.read_text()
        old = 'glyph-phase-engine = "glyph_phase_engine.cli:main"\n'
        assert old in text
        more = 'gpe-again = "glyph_phase_engine.cli:main"\n'
        more += 'gpe-broken = "glyph_phase_engine.cli:no_such_function"\n'
        pyproject.write_text(text.replace(old, old + more))

    return tagged_build(tmp_path_factory, "second-scripts", change)


#: A name no index has (PyPI is reachable here: the resolution really happens).
NO_SUCH_DEPENDENCY = "gpe-no-such-dependency-7d1f3a9c2b"


@pytest.fixture(scope="session")
def missing_dependency(tmp_path_factory) -> Project:
    """A copy that depends on a package that exists nowhere."""
    return tagged_build(
        tmp_path_factory,
        "missing-dependency",
        lambda path: add_dependency(path, f"{NO_SUCH_DEPENDENCY}>=1"),
    )


@pytest.fixture(autouse=True)
def tmpdir_left_empty(own_tmpdir):
    """The test's own TMPDIR, which must be empty afterwards."""
    yield own_tmpdir
    left = sorted(os.listdir(own_tmpdir))
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


@pytest.fixture(scope="session")
def real_assets(request, tmp_path_factory) -> RealAssets:
    """A real sdist and its real provenance, read out of a pinned sdist of
    pypi-attestations downloaded from PyPI (``real_assets.py``)."""
    work = tmp_path_factory.mktemp("pypi-attestations")
    cache = cache_dir(request.config, tmp_path_factory.getbasetemp())
    return extract(pinned_sdist(cache, work), work)
