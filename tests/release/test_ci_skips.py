"""With CI=true a skipped release test fails the session, with its reason."""

import os
import subprocess
import sys

import pytest

from tests.release.ci_skips import on_ci
from tests.release.helpers import ROOT

TESTS = """
import pytest

def test_runs():
    pass

def test_needs_something():
    pytest.skip("Python 3.8 is not installed: cannot build on it here")
"""


def run_pytest(tmp_path, ci: str, *args: str):
    (tmp_path / "conftest.py").write_text(
        "from tests.release.ci_skips import pytest_sessionfinish  # noqa: F401\n"
    )
    (tmp_path / "test_tiny.py").write_text(TESTS)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(PYTHONPATH=str(ROOT), **({"CI": ci} if ci else {}))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args, "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("args", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_skip_fails_on_ci(tmp_path, args):
    out = run_pytest(tmp_path, "true", *args)
    assert out.returncode == 1, out.stdout + out.stderr
    assert (
        "error: CI=true but test_tiny.py::test_needs_something was skipped (Python "
        "3.8 is not installed: cannot build on it here): CI must run every release "
        "test; set up what it needs"
    ) in out.stdout


def test_a_skip_passes_off_ci(tmp_path):
    out = run_pytest(tmp_path, "")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 passed, 1 skipped" in out.stdout and "CI=true" not in out.stdout


def test_ci_is_read_as_github_sets_it():
    assert on_ci({"CI": "true"}) and on_ci({"CI": "1"})
    assert not on_ci({}) and not on_ci({"CI": "false"}) and not on_ci({"CI": ""})
