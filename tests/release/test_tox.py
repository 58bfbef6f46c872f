"""tox's configuration does what its comments say (checked with tox itself)."""

import shutil
import subprocess
import sys
from pathlib import Path

from tools import project

TOX = str(Path(sys.executable).with_name("tox"))


def pkg_pass_env(root: Path) -> list:
    out = subprocess.run(
        [TOX, "config", "-e", ".pkg", "-k", "pass_env"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.strip() for line in out.stdout.splitlines()[2:]]


def test_the_pretend_version_reaches_the_package_env(tmp_path):
    """The .pkg env builds the wheel: the pretend version must reach it there."""
    assert "SETUPTOOLS_SCM_PRETEND_VERSION*" in pkg_pass_env(project.ROOT)
    # The old place, [testenv], does not reach it: the check can fail.
    for name in ("tox.ini", "pyproject.toml"):
        shutil.copy(project.ROOT / name, tmp_path / name)
    text = (tmp_path / "tox.ini").read_text()
    start = text.index("[pkgenv]")
    end = text.index("\n[", start + 1)
    (tmp_path / "tox.ini").write_text(
        text[:start]
        + text[end + 1 :].replace(
            "[testenv]\n", "[testenv]\npass_env = SETUPTOOLS_SCM_PRETEND_VERSION*\n", 1
        )
    )
    assert "SETUPTOOLS_SCM_PRETEND_VERSION*" not in pkg_pass_env(tmp_path)
