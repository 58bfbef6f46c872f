import os
import re
import subprocess
import sysconfig
import types
from pathlib import Path
from typing import Optional

import pytest
from packaging.version import Version

import glyph_phase_engine
from glyph_phase_engine import _meta


def test_version_is_pep440_and_matches_metadata():
    from importlib.metadata import version

    assert Version(glyph_phase_engine.__version__)
    assert glyph_phase_engine.__version__ == version("glyph-phase-engine")


#: The tree the installed package was built from: tox sets it ({tox_root},
#: where its .pkg env builds the wheel); else the tree holding these tests.
SOURCE_TREE = Path(os.environ.get("PACKAGE_SOURCE_TREE") or Path(__file__).parents[1])


def source_commit(tree: Path) -> Optional[str]:
    """HEAD of ``tree`` when it is a git checkout (a build from it must record
    that commit), None when it is not (an unpacked sdist: no git there)."""
    if not (tree / ".git").exists():
        return None
    out = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=tree,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )
    assert out.returncode == 0, f"{tree} has .git but no HEAD: {out.stderr}"
    return out.stdout.strip()


def test_commit_recorded_by_build():
    commit = glyph_phase_engine.__commit_id__
    expected = source_commit(SOURCE_TREE)
    if expected is not None:
        assert commit == expected, (
            f"built from the git checkout {SOURCE_TREE} (HEAD {expected}), but "
            f"__commit_id__ is {commit!r}: hatch_build.py must record HEAD"
        )
    assert commit is None or re.fullmatch(r"[0-9a-f]{7,40}", commit)


def _git(tree: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(
        ["git", *args], cwd=tree, env=env, check=True, stdout=subprocess.PIPE
    )


def test_source_commit_of_a_checkout_and_of_an_unpacked_sdist(tmp_path):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    _git(checkout, "init", "-q")
    _git(checkout, "commit", "-q", "--allow-empty", "-m", "one")
    head = (
        subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=checkout, stdout=subprocess.PIPE
        )
        .stdout.decode()
        .strip()
    )
    assert re.fullmatch(r"[0-9a-f]{40}", head)
    assert source_commit(checkout) == head
    # An sdist unpacked inside a checkout is no build from git.
    sdist = checkout / "project-1.0"
    sdist.mkdir()
    assert source_commit(sdist) is None


def test_resolve_from_generated_file():
    fake = types.SimpleNamespace(__version__="2.0.1", __commit_id__="abc1234")
    assert _meta.resolve_version(import_module=lambda name: fake) == (
        "2.0.1",
        "abc1234",
    )


def test_resolve_generated_file_without_commit():
    fake = types.SimpleNamespace(__version__="2.0.1")
    assert _meta.resolve_version(import_module=lambda name: fake) == ("2.0.1", None)


def _missing(name):
    raise ImportError(name)


def test_resolve_falls_back_to_installed_metadata():
    assert _meta.resolve_version(
        import_module=_missing, installed_version=lambda name: "3.1.4"
    ) == ("3.1.4", None)


def test_resolve_neither_built_nor_installed():
    def not_installed(name):
        from importlib.metadata import PackageNotFoundError

        raise PackageNotFoundError(name)

    assert _meta.resolve_version(
        import_module=_missing, installed_version=not_installed
    ) == ("0+unknown", None)


def test_installed_version_reads_metadata():
    assert _meta._installed_version("glyph-phase-engine") == (
        glyph_phase_engine.__version__
    )


@pytest.mark.parametrize("name", ["py.typed", "_version.py"])
def test_shipped_files(name):
    import os

    assert os.path.exists(
        os.path.join(os.path.dirname(glyph_phase_engine.__file__), name)
    )


def test_the_tests_import_the_installed_package():
    """tox installs the built wheel: the tests must use it, not src/."""
    here = os.path.realpath(glyph_phase_engine.__file__)
    installed = [
        os.path.realpath(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")
    ]
    assert any(here.startswith(path + os.sep) for path in installed), (
        "glyph_phase_engine was imported from {}, not from the installed wheel "
        "in {}: run the tests with tox (or install the wheel)".format(
            here, installed[0]
        )
    )
    assert os.sep + "src" + os.sep not in here
