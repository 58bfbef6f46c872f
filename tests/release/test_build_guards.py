"""The build's guards: the offline-first build, dev versions outside git."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tools.artifacts import dist

CACHE_MISS = (
    "  x Failed to resolve requirements from `build-system.requires`\n"
    "  help: Packages were unavailable because the network was disabled. When "
    "the network is disabled, registry packages may only be read from the cache.\n"
)
REAL_ERROR = "SyntaxError: invalid syntax\nERROR Backend subprocess exited\n"


@pytest.fixture
def fake_build(monkeypatch):
    """``python -m build`` answering each call in turn: output, or success."""
    calls = []

    def use(*answers):
        def run(cmd, root, env, verbose):
            calls.append(env)
            answer = answers[len(calls) - 1]
            outdir = Path(cmd[cmd.index("--outdir") + 1])
            if answer is None:
                outdir.mkdir(parents=True, exist_ok=True)
                (outdir / "glyph_phase_engine-1.2.3.tar.gz").write_bytes(b"s")
                (outdir / "glyph_phase_engine-1.2.3-py3-none-any.whl").write_bytes(b"w")
                return subprocess.CompletedProcess(cmd, 0, "built")
            return subprocess.CompletedProcess(cmd, 1, answer)

        monkeypatch.setattr(dist, "_run_build", run)
        monkeypatch.setattr(dist, "installer", lambda: "uv")
        monkeypatch.delenv("UV_OFFLINE", raising=False)
        return calls

    return use


def test_a_warm_cache_builds_once_offline(fake_build, tmp_path, capsys):
    calls = fake_build(None)
    paths = dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(paths) == 2
    assert [env.get("UV_OFFLINE") for env in calls] == ["1"]
    assert not (tmp_path / "out" / "build-tmp").exists()


def test_a_cold_cache_builds_again_online(fake_build, tmp_path, capsys):
    calls = fake_build(CACHE_MISS, None)
    paths = dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(paths) == 2
    assert [env.get("UV_OFFLINE") for env in calls] == ["1", None]
    assert "building again, online" in capsys.readouterr().err


def test_a_real_build_error_is_not_built_twice(fake_build, tmp_path, capsys):
    calls = fake_build(REAL_ERROR, None)
    with pytest.raises(dist.BuildError) as info:
        dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(calls) == 1
    assert "SyntaxError: invalid syntax" in str(info.value)
    assert "online" not in capsys.readouterr().err


def test_the_build_keeps_its_temporary_folders_in_ours(fake_build, tmp_path):
    calls = fake_build(None)
    dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert calls[0]["TMPDIR"] == str(tmp_path / "out" / "build-tmp")


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
