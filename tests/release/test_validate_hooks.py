"""The pre-commit hooks can run: the mypy hook's dependencies, proven by a real run.

The validator's hook-dependencies rule checks that the mypy hook's
additional_dependencies hold every library the files [tool.mypy] checks import,
at requirements/tools.txt's pins. This test does what pre-commit does for that
hook (pre-commit clones mirrors-mypy from GitHub, which not every machine
reaches): a fresh environment with mypy at the hook's rev and exactly the
hook's additional_dependencies, then the hook's command (`mypy` with its args,
no file names) on a copy of the tracked files.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


@pytest.mark.e2e
@pytest.mark.network
def test_the_mypy_hook_runs(tmp_path):
    rev, hook = mypy_hook()
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env["UV_INDEX_URL"] = "https://pypi.org/simple/"
    venv = tmp_path / "hook"
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env
    )
    python = venv / "bin" / "python"
    install = [uv, "pip", "install", "-q", "--python", str(python)]
    install += [f"mypy=={rev.lstrip('v')}", *map(str, hook["additional_dependencies"])]
    subprocess.run(install, check=True, env=env)
    copy = tmp_path / "copy"
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
    args = [str(a) for a in hook.get("args", [])]
    out = subprocess.run(
        [str(venv / "bin" / "mypy"), *args], cwd=copy, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
