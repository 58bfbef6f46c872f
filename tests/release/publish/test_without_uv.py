"""Without uv, the build uses pip and the smoke installer venv and pip.

Tested where uv really is absent: a Python made with ``python -m venv`` (no uv
package; packaging, which the tooling needs, installed into it) and a PATH
without any folder holding a ``uv``. The same run with uv's folder on PATH is
the control: it must pick uv.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tools import common
from tools.common import ROOT
from tools.publish import smoke

pytestmark = pytest.mark.e2e


CHOICES = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
from tools.artifacts import dist
from tools.artifacts import environments
try:
    forced = environments.pick_installer("uv").name
except environments.SmokeFailure as exc:
    forced = exc.message
print(json.dumps([dist.installer(), environments.pick_installer().name, forced]))
"""


def path_without_uv() -> str:
    """PATH without every folder that holds a uv."""
    dirs = os.environ["PATH"].split(os.pathsep)
    kept = [d for d in dirs if not shutil.which("uv", path=d)]
    path = os.pathsep.join(kept)
    assert shutil.which("uv", path=path) is None
    return path


@pytest.fixture(scope="module")
def no_uv_python(tmp_path_factory) -> Path:
    """A venv of this Python without uv, with the tooling's one dependency."""
    venv = tmp_path_factory.mktemp("no-uv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    uv = common.find_uv()
    assert uv, "the tool environment has uv (to install packaging quickly)"
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(python)]
        + [f"packaging=={version('packaging')}"],
        check=True,
    )
    gone = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print(u.find_spec('uv'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert gone.stdout.strip() == "None"
    return python


def choices(python: Path, path: str):
    env = {**os.environ, "PATH": path}
    out = subprocess.run(
        [str(python), "-c", CHOICES], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_without_uv_the_build_and_the_smoke_use_pip(no_uv_python):
    build, smoke_auto, smoke_forced = choices(no_uv_python, path_without_uv())
    assert build == "pip"
    assert smoke_auto == "pip"
    assert smoke_forced == "uv is not installed: make tools, or pass --installer pip"


def test_with_uv_on_path_they_use_uv(no_uv_python):
    """The control: the same Python, with uv's folder on PATH."""
    uv_dir = os.path.dirname(common.find_uv())
    path = os.pathsep.join([uv_dir, path_without_uv()])
    assert choices(no_uv_python, path) == ["uv", "uv", "uv"]


def test_the_smoke_without_uv_installs_both_files_with_pip(no_uv_python, good_dist):
    """The whole smoke with pip: the running Python through the tools' pip,
    the oldest claimed one with its own (every Python: with uv, in
    test_smoke_install.py; the pip path is the same on each)."""
    env = {**os.environ, "PATH": path_without_uv()}
    found, _ = smoke.find_pythons()
    oldest, running = found[0].minor, f"{sys.version_info[0]}.{sys.version_info[1]}"
    out = subprocess.run(
        [
            str(no_uv_python),
            "-m",
            "tools.publish.smoke",
            "--dist-dir",
            str(good_dist),
            "--pythons",
            ",".join(dict.fromkeys([oldest, running])),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    first = out.stdout.splitlines()[0]
    assert f"each file of {good_dist}/ into fresh environments of Python" in first
    assert first.endswith("(pip)"), first
    assert re.search(r"^smoke: (\d+) of \1 passed", out.stdout, re.M), out.stdout
    assert re.search(
        rf"^  ok    wheel  {re.escape(oldest)} +\S+\.whl: imports", out.stdout, re.M
    ), out.stdout
