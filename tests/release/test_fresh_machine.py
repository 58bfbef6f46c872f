"""A fresh machine: a clone, every cache empty, nothing configured.

A new contributor, or a GitHub runner (where release builds run without a
cache), has no uv, pip or XDG cache and no pip configuration of this
machine's (its find-links and extra indexes). Each test here points
``UV_CACHE_DIR``, ``PIP_CACHE_DIR`` and ``XDG_CACHE_HOME`` at a new empty
folder and ``PIP_CONFIG_FILE`` at nothing, in a ``git clone`` of a copy of
the project, and runs the real make targets: everything is downloaded from
PyPI (``-m network``), so the offline-first attempts
(:mod:`tools.offline_first`) fail and are made again online.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from tests.release.helpers import GIT_ENV, Project, passed
from tools import release_check

pytestmark = [pytest.mark.e2e, pytest.mark.network]


def empty_caches(folder: Path) -> Dict[str, str]:
    """The environment of a machine with nothing cached and nothing configured
    (no build environment kept from an earlier build either)."""
    folder.mkdir(parents=True)
    return {
        "RELEASE_BUILD_ENVS": str(folder / "build-envs"),
        "UV_CACHE_DIR": str(folder / "uv"),
        "PIP_CACHE_DIR": str(folder / "pip"),
        "XDG_CACHE_HOME": str(folder / "xdg"),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_FIND_LINKS": "",
        "UV_OFFLINE": "",
    }


def without_overrides(env: Dict[str, str]) -> Dict[str, str]:
    """os.environ with ``env`` applied; empty values remove the variable."""
    merged = {**os.environ, **GIT_ENV, **env}
    return {k: v for k, v in merged.items() if v != "" and not k.startswith("TOX_")}


def clone(project: Project, where: Path) -> Project:
    """A ``git clone`` of the copy (tags and all), as a checkout makes."""
    subprocess.run(
        ["git", "clone", "-q", str(project.path), str(where)],
        check=True,
        env=without_overrides({}),
    )
    return Project(where)


def run_make(project: Project, env: Dict[str, str], *args: str, tools: bool = True):
    """make in the clone; with ``tools``, this interpreter's tool environment
    (TOOLS_PYTHON), else the clone's own .venv, made from nothing."""
    argv = ["make", *([f"TOOLS_PYTHON={sys.executable}"] if tools else []), *args]
    return subprocess.run(
        argv,
        cwd=project.path,
        env=without_overrides(env),
        capture_output=True,
        text=True,
    )


def assert_filled(env: Dict[str, str]) -> None:
    """The run used the empty cache (so nothing came from a warm one)."""
    assert any(Path(env["UV_CACHE_DIR"]).iterdir())


def test_make_dist_and_the_smokes_sdist_build_on_empty_caches(project, tmp_path):
    project.tag("v1.2.3")
    fresh = clone(project, tmp_path / "clone")
    env = empty_caches(tmp_path / "caches-dist")
    out = run_make(fresh, env, "dist")
    text = passed(out)
    assert "installing again, online" in text  # the offline attempt failed
    assert "glyph_phase_engine-1.2.3-py3-none-any.whl" in text
    assert_filled(env)

    # The smoke builds the sdist on the oldest and newest Pythons with uv
    # build (offline first): with its own empty cache, online.
    env = empty_caches(tmp_path / "caches-smoke")
    text = passed(run_make(fresh, env, "smoke"))
    assert "ok    sdist" in text and "FAIL" not in text
    assert_filled(env)


def test_release_check_on_a_tagged_fresh_clone_and_with_dev(project, tmp_path):
    """make release-check from nothing: make's own .venv (pip and uv, every
    file downloaded), then every stage; then DEV=1 on an untagged commit, with
    the caches the first run filled (an empty cache is the first run's case;
    DEV=1's own stages are the same commands)."""
    project.tag("v9.9.9")
    fresh = clone(project, tmp_path / "clone")
    env = empty_caches(tmp_path / "caches")
    text = passed(run_make(fresh, env, "release-check", tools=False))
    assert "creating the tool environment .venv" in text
    assert f"release-check passed: {len(release_check.stages())} stages" in text
    assert "sanity: passed: release build 9.9.9 of tag v9.9.9" in text

    fresh.git("commit", "-q", "--allow-empty", "-m", "after the release")
    text = passed(run_make(fresh, env, "release-check", "DEV=1", tools=False))
    assert f"release-check passed: {len(release_check.stages())} stages" in text
    assert ".dev" in text
