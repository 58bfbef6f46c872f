"""The failure scenarios of the release guard, each in a temporary copy.

Each test builds the broken case in a copy of the project (the ``project``
fixture, or a copy of the session's built ``released`` dist/), never in the
working tree, and asserts that the guard fails with its message. The good
case runs ``make release-check`` end to end.
"""

import io
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.release.helpers import failed, output, passed

pytestmark = pytest.mark.e2e

PKG = "glyph_phase_engine"


@pytest.fixture
def dist_copy(released, tmp_path) -> Path:
    """A copy of the session's built dist/ (tagged v1.2.3), free to break."""
    dest = tmp_path / "dist"
    shutil.copytree(released.path / "dist", dest)
    return dest


def sanity(released, dist_dir: Path, *args: str):
    """tools.artifacts.sanity in the tagged copy, on another dist/ folder."""
    return released.run(
        "python", "-m", "tools.artifacts.sanity", "--dist-dir", str(dist_dir), *args
    )


def only_file(dist_dir: Path, pattern: str) -> Path:
    (path,) = dist_dir.glob(pattern)
    return path


def rewrite_wheel(path: Path, add=None, drop=()) -> None:
    members = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename not in drop:
                members[info.filename] = archive.read(info)
    members.update(add or {})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def rewrite_sdist(path: Path, add=None, drop=()) -> None:
    members = []
    with tarfile.open(path, "r:gz") as archive:
        top = archive.getmembers()[0].name.split("/")[0]
        for member in archive.getmembers():
            if member.name.split("/", 1)[-1] in drop:
                continue
            data = archive.extractfile(member).read() if member.isfile() else None
            members.append((member, data))
    for name, data in (add or {}).items():
        info = tarfile.TarInfo(f"{top}/{name}")
        info.size = len(data)
        members.append((info, data))
    with tarfile.open(path, "w:gz") as archive:
        for member, data in members:
            archive.addfile(member, io.BytesIO(data) if data is not None else None)


def use_dist(project, released) -> None:
    """Put the session's built dist/ (1.2.3) into ``project`` (dist/ is ignored)."""
    shutil.copytree(released.path / "dist", project.path / "dist")


# -- the good case ------------------------------------------------------------


def test_clean_tagged_copy_passes_release_check(tagged_project):
    """make release-check, end to end, through make, on a clean tagged copy."""
    result = tagged_project.make("release-check")
    text = output(result)
    stages = [
        "dist",
        "check",
        "sanity",
        "contents",
        "reproducibility",
        "smoke",
        "publish-dry-run",
        "validate",
    ]
    passed(result)
    for name in stages:
        assert re.search(rf"^✓ {name} ", text, re.M), text
    assert "release build 1.2.3 of tag v1.2.3" in text
    assert re.search(r"release-check passed: \d+ stages in [0-9.]+ s", text), text
    sums = tagged_project.run("sha256sum", "-c", "SHA256SUMS")
    assert passed(sums).count(": OK") == 2


def test_released_copy_passes_the_guard_and_checks(released):
    text = passed(released.make("sanity", "check"))
    assert "release build 1.2.3 of tag v1.2.3" in text
    assert "sanity: passed" in text and "check: passed" in text
    assert passed(
        released.run("python", "-m", "tools.artifacts.dist", "--show-version")
    ) == ("1.2.3\n")
    summary = passed(released.run("python", "-m", "tools.artifacts.dist", "--summary"))
    assert "| File | Size | SHA-256 |" in summary and "`1.2.3`" in summary
    assert f"`{PKG}-1.2.3.tar.gz`" in summary


def test_dist_holds_one_sdist_one_wheel_and_sums_sit_outside(released):
    names = sorted(p.name for p in (released.path / "dist").iterdir())
    assert names == [f"{PKG}-1.2.3-py3-none-any.whl", f"{PKG}-1.2.3.tar.gz"]
    sums = (released.path / "SHA256SUMS").read_text()
    assert sorted(line.split("  ")[1] for line in sums.splitlines()) == [
        f"dist/{n}" for n in names
    ]
    assert released.git("status", "--porcelain") == ""


# -- tag and git state --------------------------------------------------------


def test_tag_on_another_commit_than_head(project, released):
    project.tag("v1.2.3")
    project.commit("unrelated")  # HEAD moves on...
    project.git("checkout", "-q", "-b", "side", "HEAD~1")
    project.commit("side work")  # ...and a branch off the tag's commit
    project.git("checkout", "-q", "main")
    project.git("tag", "-f", "-a", "v1.2.3", "-m", "moved", "side")
    use_dist(project, released)
    failed(
        project.make("sanity", "TAG=v1.2.3"), "tag v1.2.3 is on commit", "not on HEAD"
    )


def test_commit_after_the_tag(tagged_project):
    tagged_project.commit("after the release")
    text = failed(tagged_project.make("release-check", "TAG=v1.2.3"), "✗ sanity")
    assert "is 1 commit after tag v1.2.3" in text
    assert "tag v1.2.3 does not match built version 1.2.4.dev1" in text
    assert "✓ dist" in text and "smoke" not in text.split("✗ sanity")[1]
    assert "release-check failed at stage sanity" in text


def test_dirty_tree(tagged_project, released):
    use_dist(tagged_project, released)
    with open(tagged_project.path / "README.md", "a") as handle:
        handle.write("\nan uncommitted line\n")
    failed(tagged_project.make("sanity"), "not clean", "M README.md", "git stash")


def test_shallow_clone_without_tags(tagged_project, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--no-tags"]
        + [f"file://{tagged_project.path}", str(clone)],
        check=True,
    )
    shallow = type(tagged_project)(clone)
    passed(shallow.make("dist"))
    text = failed(shallow.make("sanity", "TAG=v1.2.3"), "shallow", "--unshallow")
    assert "tag v1.2.3 does not exist" in text
    failed(shallow.make("sanity"), "shallow")  # without TAG: still not trusted


def test_tag_not_v_pep440(project, released):
    project.tag("v1.2.x")
    use_dist(project, released)
    failed(project.make("sanity"), "tag 'v1.2.x': '1.2.x' is not a PEP 440 version")
    failed(project.make("sanity", "TAG=release-1.2.3"), "is not a release tag")


def test_local_version_meant_for_an_index(project, released):
    """An untagged build has a local part: not for TestPyPI."""
    passed(project.make("dist"))
    version = passed(
        project.run("python", "-m", "tools.artifacts.dist", "--show-version")
    )
    assert "+" in version
    text = passed(project.make("sanity"))  # a local dev build is fine...
    assert "development build" in text
    failed(project.make("sanity", "DEV=1"), "has a local part", "HTTP 400")


# -- dev versions -------------------------------------------------------------


def dev_version(project) -> str:
    return passed(project.make("dev-version")).strip()


def test_dev_version_public_unique_increasing_deterministic(project):
    assert dev_version(project) == "0.1.dev1"
    project.tag("v1.2.3")
    assert dev_version(project) == "1.2.3"
    project.commit("one")
    first = dev_version(project)
    assert first == "1.2.4.dev1" and dev_version(project) == first
    project.commit("two")
    assert dev_version(project) == "1.2.4.dev2"
    with open(project.path / "README.md", "a") as handle:
        handle.write("dirty\n")
    assert "+" not in dev_version(project)


def test_dev_build_tells_its_commit_from_wheel_and_sdist(tagged_project, tmp_path):
    proj = tagged_project
    proj.commit("after")
    head = proj.git("rev-parse", "HEAD")
    passed(proj.make("dist", "DEV=1"))
    version = passed(proj.run("python", "-m", "tools.artifacts.dist", "--show-version"))
    assert version.strip() == "1.2.4.dev1"
    passed(proj.make("sanity", "DEV=1"))
    expected = f"glyph-phase-engine 1.2.4.dev1 (commit {head})"

    def cli_version(site: Path) -> str:
        out = subprocess.run(
            [sys.executable, "-m", PKG, "--version"],
            cwd=tmp_path,
            env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    wheel_site = tmp_path / "wheel"
    with zipfile.ZipFile(only_file(proj.path / "dist", "*.whl")) as archive:
        archive.extractall(wheel_site)
    assert cli_version(wheel_site) == expected

    # The sdist as a user gets it: unpacked outside git, built without the
    # version override; the wheel it gives keeps the version and the commit.
    with tarfile.open(only_file(proj.path / "dist", "*.tar.gz")) as archive:
        archive.extractall(tmp_path / "sdist")
    (source,) = (tmp_path / "sdist").iterdir()
    out = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--installer", "uv"]
        + ["--outdir", str(tmp_path / "out"), str(source)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    sdist_site = tmp_path / "from-sdist"
    with zipfile.ZipFile(only_file(tmp_path / "out", "*.whl")) as archive:
        archive.extractall(sdist_site)
    assert cli_version(sdist_site) == expected


def test_dev_build_of_a_dirty_tree_is_refused(project, tmp_path):
    passed(project.make("dist", "DEV=1"))
    (project.path / "notes.txt").write_text("draft")
    failed(project.make("sanity", "DEV=1"), "not clean", "?? notes.txt")


# -- check --------------------------------------------------------------------


BAD_RST = """glyph-phase-engine
==================

A phase-state engine. `an unclosed link <https://example.invalid
"""


def test_readme_that_twine_check_rejects(tagged_project):
    """A README twine check --strict rejects fails make check; in the same
    build (sanity's own finding), a merge leftover committed next to the tests
    lands in the sdist and fails make sanity."""
    proj = tagged_project
    (proj.path / "README.md").unlink()
    (proj.path / "README.rst").write_text(BAD_RST)
    pyproject = proj.path / "pyproject.toml"
    text = pyproject.read_text().replace('"README.md"', '"README.rst"')
    pyproject.write_text(text)
    (proj.path / "tests" / "test_cli.py.orig").write_text("<<<<<<< HEAD\n")
    proj.commit("rst readme, and oops")
    proj.git("tag", "-f", "-a", "v1.2.3", "-m", "v1.2.3")
    passed(proj.make("dist"))
    result = proj.make("check")
    failed(result, "twine check --strict failed", "README")
    assert "long_description" in output(result)
    assert "test_cli.py.orig" not in output(result)  # each stage its own
    failed(proj.make("sanity"), "sdist", "forbidden", "tests/test_cli.py.orig")


# -- sanity on a broken dist/ -------------------------------------------------


def test_forbidden_file_in_the_wheel(released, dist_copy):
    wheel = only_file(dist_copy, "*.whl")
    rewrite_wheel(wheel, add={f"{PKG}/__pycache__/cli.cpython-311.pyc": b"\0"})
    failed(
        sanity(released, dist_copy),
        f"wheel {wheel.name} contains forbidden files",
        "__pycache__",
    )


def test_extra_file_in_dist(released, dist_copy):
    (dist_copy / "SHA256SUMS").write_text("copied by hand\n")
    failed(sanity(released, dist_copy), "dist/SHA256SUMS is not a wheel or an sdist")


def test_total_over_lowered_size_thresholds(released, dist_copy):
    text = passed(sanity(released, dist_copy, "--warn-total", "10KB"))
    assert "warning: dist/ totals" in text and "above 10.0 KB" in text
    failed(
        sanity(released, dist_copy, "--max-file", "9KB"),
        "above the 9.0 KB per-file upload limit",
    )
    failed(released.make("sanity", "MAX_FILE=1KB"), "per-file upload limit")


def test_file_name_and_metadata_versions_disagree(released, dist_copy):
    wheel = only_file(dist_copy, "*.whl")
    wheel.rename(dist_copy / f"{PKG}-1.2.4-py3-none-any.whl")
    failed(
        sanity(released, dist_copy),
        "the version in the file name (1.2.4) is not the version in its metadata "
        "(1.2.3)",
    )
    failed(
        released.run(
            "python",
            "-m",
            "tools.artifacts.dist",
            "--show-version",
            "--dist-dir",
            dist_copy,
        ),
        "the version in the file name (1.2.4) is not the version in its metadata",
    )


def test_show_version_without_dist(project):
    failed(
        project.run("python", "-m", "tools.artifacts.dist", "--show-version"),
        "does not exist: build it with make dist",
    )


# -- dist and reproducibility -------------------------------------------------


def test_failed_build_leaves_no_dist(project, released):
    use_dist(project, released)
    (project.path / "SHA256SUMS").write_text("stale\n")
    pyproject = project.path / "pyproject.toml"
    # Valid TOML the backend refuses (invalid TOML stops every target before
    # anything runs: test_config_errors.py).
    pyproject.write_text(
        pyproject.read_text().replace('license = "MIT"', 'license = "Not-A-License"')
    )
    failed(project.make("dist"), "python -m build", "failed", "Unknown license")
    assert not (project.path / "dist").exists()
    assert not (project.path / "SHA256SUMS").exists()


def test_same_commit_builds_byte_identical_files(released, tmp_path):
    passed(released.run("python", "-m", "tools.artifacts.reproducibility"))


def test_reproducibility_catches_a_changed_file(tagged_project):
    proj = tagged_project
    passed(proj.make("dist"))
    wheel = only_file(proj.path / "dist", "*.whl")
    rewrite_wheel(wheel, add={f"{PKG}/extra.txt": b"built at 12:00"})
    sums = proj.path / "SHA256SUMS"
    failed(
        proj.run("python", "-m", "tools.artifacts.reproducibility"),
        f"dist/{wheel.name} has SHA-256",
        "but SHA256SUMS says",
    )
    passed(proj.run("python", "-m", "tools.artifacts.dist", "--show-version"))
    from tools.artifacts.checksums import compute_sums, format_sums

    sums.write_text(format_sums(compute_sums(sorted((proj.path / "dist").iterdir()))))
    failed(
        proj.run("python", "-m", "tools.artifacts.reproducibility"),
        f"{wheel.name} is not reproducible",
    )
