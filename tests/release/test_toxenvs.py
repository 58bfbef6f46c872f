"""tox's configuration as tools/workflows/validator/toxenvs.py reads it."""

import shutil
from pathlib import Path

from tools.workflows.validator import toxenvs


def test_reading_toxs_configuration_writes_nothing_in_the_project(
    tmp_path, monkeypatch
):
    """tox's loader makes the package env's .tox/.pkg/file.lock where it works:
    validate (and make adopt, which reads a target's tox envs before writing
    anything) must leave the project as it was."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no cached answer
    project = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "projects" / "shapes", project)
    envs = toxenvs.load(project)
    assert not envs.error and "typing" in envs.every, envs
    assert envs.commands["typing"] == ["mypy src"]
    assert not (project / ".tox").exists()
