"""The build's guards: the offline-first build environment, dev versions outside git."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tools.artifacts import dist

CACHE_MISS = (
    "  x Failed to download `hatchling==1.33.0`\n"
    "  help: Packages were unavailable because the network was disabled. When "
    "the network is disabled, registry packages may only be read from the cache.\n"
)
HASH_MISMATCH = (
    "error: Failed to download\n  cause: Hash mismatch for `pluggy==1.7.0`\n"
)
REAL_ERROR = "SyntaxError: invalid syntax\nERROR Backend subprocess exited\n"


@pytest.fixture
def fake_build(monkeypatch):
    """The build environment's install (``uv pip sync``) answering each call in
    turn (output, or None for success); then ``python -m build`` (its output,
    or success). Returns the environments of the installs and of the build."""
    installs, builds = [], []

    def use(*answers, build=None):
        def run(cmd, cwd, env, verbose=False):
            if "--outdir" in cmd:
                builds.append(env)
                if build is not None:
                    return subprocess.CompletedProcess(cmd, 1, build)
                outdir = Path(cmd[cmd.index("--outdir") + 1])
                outdir.mkdir(parents=True, exist_ok=True)
                (outdir / "glyph_phase_engine-1.2.3.tar.gz").write_bytes(b"s")
                (outdir / "glyph_phase_engine-1.2.3-py3-none-any.whl").write_bytes(b"w")
                return subprocess.CompletedProcess(cmd, 0, "built")
            if "sync" not in cmd:  # uv venv
                return subprocess.CompletedProcess(cmd, 0, "")
            installs.append(env)
            answer = answers[len(installs) - 1]
            return subprocess.CompletedProcess(cmd, answer is not None, answer or "")

        monkeypatch.setattr(dist, "_run", run)
        monkeypatch.setattr(dist, "installer", lambda: "uv")
        monkeypatch.delenv("UV_OFFLINE", raising=False)
        return installs, builds

    return use


def test_a_warm_cache_installs_once_offline(fake_build, tmp_path, capsys):
    installs, builds = fake_build(None)
    paths = dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(paths) == 2 and len(builds) == 1
    assert [env.get("UV_OFFLINE") for env in installs] == ["1"]
    assert not (tmp_path / "out" / "build-tmp").exists()


def test_a_cold_cache_installs_again_online(fake_build, tmp_path, capsys):
    installs, builds = fake_build(CACHE_MISS, None)
    paths = dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(paths) == 2 and len(builds) == 1
    assert [env.get("UV_OFFLINE") for env in installs] == ["1", None]
    assert "installing again, online" in capsys.readouterr().err


def test_a_hash_mismatch_is_not_installed_twice(fake_build, tmp_path, capsys):
    installs, builds = fake_build(HASH_MISMATCH, None)
    with pytest.raises(dist.BuildError) as info:
        dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(installs) == 1 and builds == []
    assert "the hash of pluggy==1.7.0 is not the hash of the file" in str(info.value)
    assert "online" not in capsys.readouterr().err


def test_a_real_build_error_is_reported(fake_build, tmp_path, capsys):
    installs, builds = fake_build(None, build=REAL_ERROR)
    with pytest.raises(dist.BuildError) as info:
        dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(installs) == 1 and len(builds) == 1
    assert "SyntaxError: invalid syntax" in str(info.value)


def test_the_build_keeps_its_temporary_folders_in_ours(fake_build, tmp_path):
    _installs, builds = fake_build(None)
    dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert builds[0]["TMPDIR"] == str(tmp_path / "out" / "build-tmp")


@pytest.mark.parametrize(
    "cmd",
    [
        ["python", "-m", "tools.artifacts.dist", "--dev"],
        ["python", "-m", "tools.artifacts.reproducible", "--dev"],
        ["python", "-m", "tools.artifacts.versioning", "dev-version"],
    ],
)
def test_a_dev_version_outside_git_is_a_one_line_error(project, cmd):
    shutil.rmtree(project.path / ".git")
    (project.path / "dist").mkdir()
    out = project.run(*cmd)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    assert "cannot compute the dev version of" in out.stdout + out.stderr
    assert "a dev build needs a git checkout" in out.stdout + out.stderr
