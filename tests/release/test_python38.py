"""The oldest supported Python builds and installs the package.

A build on Python 3.8 gets older hatchling and hatch-vcs (the newest ones
need a newer Python; requirements/build.txt pins them for 3.8), and the custom
build hook must work with them. The tox matrix installs one wheel built on
tox's own Python, so this is the test that builds on 3.8 itself: the wheel
from the sdist (what pip does on a 3.8 machine without a matching wheel), in
the hash-checked build environment of the lock, then an install and a run. The install
takes the project from that wheel and its dependencies from the regular index
(a copy with a runtime dependency shows they resolve for 3.8).
"""

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tools import pythons
from tools.artifacts import dist, lock

OLDEST = pythons.supported_versions()[0]


def oldest_python():
    path = pythons.compute_path(os.environ, [OLDEST])
    exe = shutil.which(f"python{OLDEST}", path=path)
    if not exe or subprocess.run([exe, "-c", ""]).returncode != 0:
        pytest.skip(f"Python {OLDEST} is not installed: cannot build on it here")
    return exe


def uv():
    return str(Path(sys.executable).with_name("uv"))


@pytest.mark.e2e
@pytest.mark.parametrize("copy", ["released", "with_dependency"])
def test_sdist_builds_and_installs_on_the_oldest_python(copy, request, tmp_path):
    exe = oldest_python()
    released = request.getfixturevalue(copy)
    sdist = next((released.path / "dist").glob("*.tar.gz"))
    out = tmp_path / "wheel"
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "sdist", **safe)
    (source,) = (tmp_path / "sdist").iterdir()
    # The build environment of the lock, made with that Python (its pins for
    # 3.8): the one make dist keeps for this lock and Python, or a new one.
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    build_lock = released.path / lock.BUILD_LOCK
    python = dist.build_python(build_lock, tmp_path / "env", env, exe)
    built = subprocess.run(
        dist.build_command(source, out, python, "--wheel"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next(out.glob("*.whl"))
    assert wheel.name == "glyph_phase_engine-1.2.3-py3-none-any.whl"

    venv = tmp_path / "venv"
    subprocess.run([uv(), "venv", "-q", "--python", exe, str(venv)], check=True)
    python = venv / "bin" / "python"
    # The wheel just built, its dependencies from the regular index (the
    # user's configuration, untouched).
    installed = subprocess.run(
        [uv(), "pip", "install", "--python", str(python), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    ran = subprocess.run(
        [str(venv / "bin" / "glyph-phase-engine"), "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    commit = released.git("rev-parse", "HEAD")
    assert ran.stdout == f"glyph-phase-engine 1.2.3 (commit {commit})\n"
    version = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    assert version.stdout.strip() == str(tuple(int(p) for p in OLDEST.split(".")))
