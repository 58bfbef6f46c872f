"""The pre-commit hooks can run: the mypy hook's dependencies, proven by a real run.

The validator's hook-dependencies rule checks that the mypy hook's
additional_dependencies hold every library the files [tool.mypy] checks import,
at requirements/tools.txt's pins. This test does what pre-commit does for that
hook (pre-commit clones mirrors-mypy from GitHub, which not every machine
reaches): a fresh environment with mypy at the hook's rev and exactly the
hook's additional_dependencies, then the hook's command (`mypy` with its args,
no file names) on a copy of the tracked files.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.release.validate_helpers import ROOT, Edit, Tree
from tools.workflows.validator.model import as_map, load_yaml


def mypy_hook():
    config = as_map(load_yaml((ROOT / ".pre-commit-config.yaml").read_text("utf-8")))
    for entry in config["repos"]:
        for hook in entry.get("hooks", []):
            if hook.get("id") == "mypy":
                return str(entry["rev"]), hook
    raise AssertionError("no mypy hook in .pre-commit-config.yaml")


def test_the_mypy_hook_lacking_a_library_fails_validate(tmp_path):
    tree = Tree(tmp_path / "repo").apply(
        Edit(".pre-commit-config.yaml", "          - detect-secrets==1.5.0\n", "")
    )
    assert any(
        p.rule == "hook-dependencies" and "the mypy hook lacks detect-secrets" in str(p)
        for p in tree.problems()
    )


def test_the_mypy_hook_taking_the_newest_packaging_fails_validate(tmp_path):
    tree = Tree(tmp_path / "repo").apply(
        Edit(
            ".pre-commit-config.yaml",
            "          - packaging==26.3\n",
            "          - packaging\n",
        )
    )
    assert any(
        p.rule == "hook-dependencies" and "the mypy hook takes packaging;" in str(p)
        for p in tree.problems()
    )


def kept_folder(rev: str, hook, tmp_path: Path) -> Path:
    """Where the hook's environment, copy and mypy cache are kept between
    runs: beside the interpreter running the tests (the tox env), one folder
    per mypy rev, dependency list and day; outside a virtual environment,
    nothing is kept.

    The day is in the key because the hook's dependencies pin the direct
    packages only: pre-commit installs afresh each time, so a new release of
    a transitive one must reach this test within a day, not when the tox env
    happens to be made again. mypy's incremental cache checks every file it
    uses (size, mtime, then hash), so a warm cache changes how fast the hook
    runs, never its verdict; a fresh clone (CI) runs it cold.
    """
    if sys.prefix == sys.base_prefix:
        return tmp_path / "mypy-hook"
    key = json.dumps(
        [rev, sorted(map(str, hook["additional_dependencies"])), time.strftime("%F")]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    home = Path(sys.prefix) / "mypy-hook"
    for old in home.glob("*") if home.is_dir() else []:
        if old.name != digest:  # another day's or another hook's
            shutil.rmtree(old, ignore_errors=True)
    return home / digest


def hook_environment(folder: Path, rev: str, hook, env) -> Path:
    """A venv with mypy at the hook's rev and exactly its dependencies,
    made once (``.complete`` marks it done; a half-made one is made again)."""
    venv, done = folder / "venv", folder / "venv" / ".complete"
    if done.exists():
        return venv / "bin"
    shutil.rmtree(venv, ignore_errors=True)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env
    )
    install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
    install += [f"mypy=={rev.lstrip('v')}", *map(str, hook["additional_dependencies"])]
    subprocess.run(install, check=True, env=env)
    done.touch()
    return venv / "bin"


def copy_of_the_files(copy: Path) -> None:
    """``copy`` holds exactly the tracked and untracked-not-ignored files,
    with their times (what mypy's cache compares first)."""
    shutil.rmtree(copy, ignore_errors=True)
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)


@pytest.mark.e2e
@pytest.mark.network
def test_the_mypy_hook_runs(tmp_path):
    rev, hook = mypy_hook()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env["UV_INDEX_URL"] = "https://pypi.org/simple/"
    folder = kept_folder(rev, hook, tmp_path)
    with open_lock(folder):
        bin_dir = hook_environment(folder, rev, hook, env)
        copy_of_the_files(folder / "copy")
        args = [str(a) for a in hook.get("args", [])]
        out = subprocess.run(
            [str(bin_dir / "mypy"), *args, "--cache-dir", str(folder / "cache")],
            cwd=folder / "copy",
            capture_output=True,
            text=True,
        )
    assert out.returncode == 0, out.stdout + out.stderr


@contextlib.contextmanager
def open_lock(folder: Path) -> Iterator[None]:
    """One run at a time in ``folder`` (two checkouts' suites may share it)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
