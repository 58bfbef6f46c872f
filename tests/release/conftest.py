"""Fixtures for the release tooling tests.

Every broken case is built in a temporary copy of the project (never in the
working tree): ``project`` copies the files git knows of (tracked, and new
files not ignored, so work in progress is tested too) into a fresh
repository with one commit (``tests/release/helpers.py``, which also has
the helpers the tests import).

With ``CI=true`` a skipped test fails the session (:mod:`.ci_skips`).

Two tiers (:mod:`.tiers`): a test that builds distributions, starts an index
server or runs make in a copy is marked ``e2e``; the rest, the fast tier
(``make test-fast``), must do none of that, and a test that does it unmarked
fails saying so.

Every test gets a TMPDIR of its own under its ``tmp_path`` (``own_tmpdir``),
passed on to what it runs, so that nothing a test or its scripts leave is
left in the system's temporary folder.
"""

import tempfile
from pathlib import Path

import pytest

from tests.release.ci_skips import pytest_sessionfinish  # noqa: F401 (the hook)
from tests.release.helpers import Project, add_dependency, built, new_project
from tests.release.tiers import (  # noqa: F401 (the hooks)
    pytest_configure,
    pytest_runtest_setup,
    pytest_runtest_teardown,
    pytest_unconfigure,
)

# What an outer make hands its children: a test runs make in a copy as a user
# does from a shell (an inherited MAKELEVEL makes make print "make[1]:
# Entering directory" lines, which the one-line error tests would count).
OUTER_MAKE = ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")


@pytest.fixture(autouse=True)
def not_under_an_outer_make(monkeypatch) -> None:
    for name in OUTER_MAKE:
        monkeypatch.delenv(name, raising=False)


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
