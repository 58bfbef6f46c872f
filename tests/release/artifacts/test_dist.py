"""The build's guards: the offline-first build environment (an optimisation
only: any failure is retried online), dev versions outside git."""

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.artifacts import dist

DATA = Path(__file__).parents[1] / "data"
# What uv 0.13.9 really says offline with an empty cache, and on a bad hash.
COLD_CACHE = (DATA / "uv-0.13.9-offline-cold-cache.txt").read_text()
HASH_MISMATCH = (DATA / "uv-0.13.9-hash-mismatch.txt").read_text()
REAL_ERROR = "SyntaxError: invalid syntax\nERROR Backend subprocess exited\n"


@pytest.fixture
def fake_build(monkeypatch):
    """The build environment's install (``uv pip sync``) answering each call in
    turn (output, or None for success); then ``python -m build`` (its output,
    or success). Returns the environments of the installs and of the build."""
    installs, builds = [], []
    kept = None

    def use(*answers, build=None, keep=None, unmet=(), check=None):
        nonlocal kept
        kept = keep

        def run(cmd, cwd, env, verbose=False):
            if str(dist.BUILD_REQUIRES) in cmd:
                if check is not None:  # the check itself fails
                    return subprocess.CompletedProcess(cmd, 1, check)
                report = {"sdist": [list(chain) for chain in unmet], "wheel": []}
                return subprocess.CompletedProcess(cmd, 0, json.dumps(report))
            if "--outdir" in cmd:
                builds.append(env)
                if build is not None:
                    return subprocess.CompletedProcess(cmd, 1, build)
                outdir = Path(cmd[cmd.index("--outdir") + 1])
                outdir.mkdir(parents=True, exist_ok=True)
                (outdir / "glyph_phase_engine-1.2.3.tar.gz").write_bytes(b"s")
                (outdir / "glyph_phase_engine-1.2.3-py3-none-any.whl").write_bytes(b"w")
                return subprocess.CompletedProcess(cmd, 0, "built")
            if cmd[1:2] != ["venv"] and "sync" not in cmd:
                raise AssertionError(f"a command the fake does not know: {cmd}")
            if "sync" not in cmd:  # uv venv
                env_dir = Path(cmd[-1])
                (env_dir / "bin").mkdir(parents=True, exist_ok=True)
                (env_dir / "bin" / "python").write_text("")
                return subprocess.CompletedProcess(cmd, 0, "")
            installs.append(env)
            answer = answers[len(installs) - 1]
            return subprocess.CompletedProcess(cmd, answer is not None, answer or "")

        monkeypatch.setattr(dist, "_run", run)
        monkeypatch.setattr(dist, "installer", lambda: "uv")
        monkeypatch.setattr(dist, "kept_envs_dir", lambda: kept)
        monkeypatch.delenv("UV_OFFLINE", raising=False)
        return installs, builds

    return use


def test_a_warm_cache_installs_once_offline(fake_build, tmp_path, capsys):
    installs, builds = fake_build(None)
    paths = dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(paths) == 2 and len(builds) == 1
    assert [env.get("UV_OFFLINE") for env in installs] == ["1"]
    assert not (tmp_path / "out" / "build-tmp").exists()


def test_any_offline_failure_installs_again_online(fake_build, tmp_path, capsys):
    installs, builds = fake_build(COLD_CACHE, None)
    paths = dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(paths) == 2 and len(builds) == 1
    assert [env.get("UV_OFFLINE") for env in installs] == ["1", None]
    assert "installing again, online" in capsys.readouterr().err


def test_only_the_online_failure_is_reported(fake_build, tmp_path, capsys):
    installs, builds = fake_build(COLD_CACHE, HASH_MISMATCH)
    with pytest.raises(dist.BuildError) as info:
        dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert [env.get("UV_OFFLINE") for env in installs] == ["1", None]
    assert builds == []
    assert str(info.value) == (
        "requirements/build.txt: the hash of packaging==25.0 is not the hash of "
        "the file the index serves (the lock was edited, or the file changed): "
        "re-pin with make lock and review the diff"
    )
    assert info.value.output == HASH_MISMATCH


def test_a_users_uv_offline_is_kept(fake_build, tmp_path, monkeypatch):
    installs, _builds = fake_build(COLD_CACHE)
    monkeypatch.setenv("UV_OFFLINE", "1")
    with pytest.raises(dist.BuildError) as info:
        dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(installs) == 1
    assert "no version of build==1.6.1" in str(info.value)


@pytest.mark.e2e
@pytest.mark.network
def test_an_empty_uv_cache_makes_the_build_environment_online(tmp_path, capsys):
    """The real path: uv 0.13.9, offline on an empty cache, fails in its own
    words (nothing about the network); the environment is made online."""
    cache = tmp_path / "uv-cache"
    env = {**os.environ, "UV_CACHE_DIR": str(cache), "TMPDIR": str(tmp_path)}
    env.pop("UV_OFFLINE", None)
    (tmp_path / "work").mkdir()
    python = dist.make_build_env(
        dist.ROOT / dist.BUILD_LOCK, tmp_path / "work" / "env", environ=env
    )
    assert "installing again, online" in capsys.readouterr().err
    out = subprocess.run(
        [python, "-c", "import build, hatchling, hatch_vcs"], capture_output=True
    )
    assert out.returncode == 0, out.stderr


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
        ["python", "-m", "tools.artifacts.reproducibility", "--dev"],
        ["python", "-m", "tools.artifacts.dev_version", "dev-version"],
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


def test_a_kept_build_environment_is_made_once(fake_build, tmp_path):
    installs, builds = fake_build(None, None, keep=tmp_path / "kept")
    for n in range(2):
        paths = dist.build_into(dist.ROOT, tmp_path / f"out{n}" / "dist", None)
        assert len(paths) == 2
    assert len(installs) == 1 and len(builds) == 2
    (kept,) = [p for p in (tmp_path / "kept").iterdir() if p.is_dir()]
    assert (kept / ".complete").read_text().strip() == kept.name


def test_a_half_made_kept_environment_is_made_again(fake_build, tmp_path):
    installs, _builds = fake_build(None, None, keep=tmp_path / "kept")
    first = dist.kept_build_env(dist.ROOT / dist.BUILD_LOCK)
    assert first is not None
    (Path(first).parents[1] / ".complete").unlink()  # stopped before the end
    assert dist.kept_build_env(dist.ROOT / dist.BUILD_LOCK) == first
    assert len(installs) == 2


def test_a_changed_lock_gets_its_own_environment(fake_build, tmp_path):
    installs, _builds = fake_build(None, None, keep=tmp_path / "kept")
    lock = tmp_path / "build.txt"
    shutil.copy(dist.ROOT / dist.BUILD_LOCK, lock)
    first = dist.kept_build_env(lock)
    lock.write_text(lock.read_text() + "\n")
    second = dist.kept_build_env(lock)
    assert first != second and len(installs) == 2


def test_a_failed_install_keeps_nothing(fake_build, tmp_path):
    _installs, _builds = fake_build(HASH_MISMATCH, HASH_MISMATCH, keep=tmp_path / "k")
    with pytest.raises(dist.BuildError):
        dist.kept_build_env(dist.ROOT / dist.BUILD_LOCK)
    assert [p for p in (tmp_path / "k").iterdir() if p.is_dir()] == []


def test_kept_environments_unused_for_long_are_removed(fake_build, tmp_path):
    fake_build(None, None, keep=tmp_path / "kept")
    old = tmp_path / "kept" / "0123456789abcdef0123"
    old.mkdir(parents=True)
    (old / ".complete").write_text("old\n")
    stale = (dist.KEPT_DAYS + 1) * 86400
    os.utime(old / ".complete", (os.path.getmtime(old) - stale,) * 2)
    recent = tmp_path / "kept" / "fedcba9876543210fedc"
    recent.mkdir()
    (recent / ".complete").write_text("recent\n")
    busy = tmp_path / "kept" / "00000000000000000000"  # old, but in use
    busy.mkdir()
    (busy / ".complete").write_text("busy\n")
    os.utime(busy / ".complete", (os.path.getmtime(busy) - stale,) * 2)
    with open(tmp_path / "kept" / f"{busy.name}.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        dist.kept_build_env(dist.ROOT / dist.BUILD_LOCK)
    assert not old.exists() and recent.exists() and busy.exists()


def test_no_environment_is_kept_outside_a_venv(monkeypatch):
    monkeypatch.delenv("RELEASE_BUILD_ENVS", raising=False)
    monkeypatch.setattr(dist.sys, "prefix", dist.sys.base_prefix)
    assert dist.kept_envs_dir() is None
    assert dist.kept_build_env(dist.ROOT / dist.BUILD_LOCK) is None


def test_the_kept_environments_folder_can_be_chosen(monkeypatch, tmp_path):
    monkeypatch.setenv("RELEASE_BUILD_ENVS", str(tmp_path))
    assert dist.kept_envs_dir() == tmp_path
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RELEASE_BUILD_ENVS", "envs")  # relative: to here
    assert dist.kept_envs_dir() == tmp_path / "envs"
    monkeypatch.setenv("RELEASE_BUILD_ENVS", "")
    assert dist.kept_envs_dir() is None
    monkeypatch.delenv("RELEASE_BUILD_ENVS")
    assert dist.kept_envs_dir() == Path(sys.prefix) / "build-envs"


def test_the_dependency_check_runs_beside_the_build(fake_build, tmp_path):
    """What the backend asks for that the lock lacks fails the build, even
    when the build itself went through (build skips its own check)."""
    _installs, builds = fake_build(None, unmet=[("tomli-w>=1",)])
    with pytest.raises(dist.BuildError) as info:
        dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(builds) == 1
    assert str(info.value) == (
        "the build needs tomli-w>=1, which requirements/build.txt does not "
        "provide: add it to requirements/build.in, then make lock"
    )


def test_a_dependency_check_that_cannot_run_fails_the_build(fake_build, tmp_path):
    fake_build(None, check="ERROR pyproject_hooks.BackendUnavailable: nope\n")
    with pytest.raises(dist.BuildError) as info:
        dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert str(info.value).startswith(
        "cannot check what the build backend asks for (ERROR pyproject_hooks."
    )


def test_a_rebuild_of_a_checked_commit_skips_the_check(fake_build, tmp_path):
    _installs, builds = fake_build(None, unmet=[("tomli-w>=1",)])
    paths = dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None, check=False)
    assert len(paths) == 2 and len(builds) == 1


IN_TREE_BACKEND = """
class impl:
    @staticmethod
    def get_requires_for_build_wheel(config_settings=None):
        return ["wheel-only-missing>=2", "packaging"]
"""


def test_build_requires_asks_the_backend_in_process(tmp_path):
    """PEP 517's in-tree backend (backend-path, module:object), a hook it
    lacks (sdist: nothing more), static requires: what build would refuse."""
    (tmp_path / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["static-missing>=1", "packaging"]\n'
        'build-backend = "backend:impl"\n'
        'backend-path = ["."]\n'
    )
    (tmp_path / "backend.py").write_text(IN_TREE_BACKEND)
    out = subprocess.run(
        [sys.executable, "-I", str(dist.BUILD_REQUIRES), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "sdist": [["static-missing>=1"]],
        "wheel": [["static-missing>=1"], ["wheel-only-missing>=2"]],
    }


def test_a_hook_that_prints_does_not_hide_the_answer(tmp_path):
    """A backend's hook may print (without a newline, even): dist still reads
    the check's answer."""
    (tmp_path / "pyproject.toml").write_text(
        "[build-system]\nrequires = []\n"
        'build-backend = "noisy"\nbackend-path = ["."]\n'
    )
    (tmp_path / "noisy.py").write_text(
        "import sys\n"
        "def get_requires_for_build_wheel(config_settings=None):\n"
        "    sys.stdout.write('running egg_info, no newline')\n"
        "    return ['wheel-only-missing>=2']\n"
    )
    missing, failed = dist.unmet_requirements(
        tmp_path, sys.executable, dict(os.environ)
    )
    assert (missing, failed) == (["wheel-only-missing>=2"], "")


def test_a_build_that_fails_in_a_kept_environment_runs_in_a_new_one(
    fake_build, tmp_path
):
    """The kept environment may be what broke: it is made again, the build
    runs once more, and only that build's error is reported."""
    installs, builds = fake_build(None, None, build=REAL_ERROR, keep=tmp_path / "k")
    with pytest.raises(dist.BuildError) as info:
        dist.build_into(dist.ROOT, tmp_path / "out" / "dist", None)
    assert len(installs) == 2 and len(builds) == 2
    assert "SyntaxError: invalid syntax" in str(info.value)


def test_a_kept_environment_is_made_without_pythonpath_or_a_link_mode(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    monkeypatch.setenv("UV_LINK_MODE", "symlink")
    made = dist._making_env(None)
    assert "PYTHONPATH" not in made and "UV_LINK_MODE" not in made
    assert made["PATH"] == os.environ["PATH"]


def test_nothing_is_kept_without_a_lock_to_read(monkeypatch, tmp_path):
    monkeypatch.setenv("RELEASE_BUILD_ENVS", str(tmp_path / "kept"))
    assert dist.kept_build_env(tmp_path / "no-such-lock.txt") is None
