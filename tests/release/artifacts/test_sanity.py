"""Unit tests of the dist/ checks, on small synthetic archives (no build)."""

import io
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, Optional

import pytest
from packaging.version import Version

from tests.release.helpers import texts
from tools.artifacts import sanity
from tools.artifacts.archives import compute_version
from tools.common import Checked

PROJECT = "glyph-phase-engine"
PKG = "glyph_phase_engine"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
EXPECTED = sanity.Expected(
    project=PROJECT,
    import_name=PKG,
    license_files=["LICENSE"],
    scripts={PROJECT: f"{PKG}.cli:main"},
    version_file=f"src/{PKG}/_version.py",
    version_member=f"{PKG}/_version.py",
)


def version_py(version: str, commit: Optional[str] = COMMIT) -> bytes:
    return (
        f"__version__ = version = {version!r}\n"
        f"__commit_id__ = commit_id = {commit!r}\n"
    ).encode()


def metadata(version: str, license_file: bool = True) -> bytes:
    text = f"Metadata-Version: 2.4\nName: {PROJECT}\nVersion: {version}\n"
    if license_file:
        text += "License-File: LICENSE\n"
    return (text + "\nThe README.\n").encode()


def wheel_members(version: str = "1.2.3") -> Dict[str, bytes]:
    info = f"{PKG}-{version}.dist-info"
    return {
        f"{PKG}/__init__.py": b"",
        f"{PKG}/_version.py": version_py(version),
        f"{PKG}/cli.py": b"def main(): pass\n",
        f"{PKG}/py.typed": b"",
        f"{info}/METADATA": metadata(version),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{info}/entry_points.txt": (
            f"[console_scripts]\n{PROJECT} = {PKG}.cli:main\n".encode()
        ),
        f"{info}/licenses/LICENSE": b"MIT\n",
        f"{info}/RECORD": b"",
    }


def sdist_members(version: str = "1.2.3") -> Dict[str, bytes]:
    return {
        "PKG-INFO": metadata(version),
        "pyproject.toml": b"[project]\n",
        "README.md": b"# readme\n",
        "LICENSE": b"MIT\n",
        ".gitignore": b"/dist/\n",
        f"src/{PKG}/__init__.py": b"",
        f"src/{PKG}/_version.py": version_py(version),
        f"src/{PKG}/cli.py": b"def main(): pass\n",
        f"src/{PKG}/py.typed": b"",
        "tests/test_cli.py": b"def test(): pass\n",
    }


def write_wheel(path: Path, members: Dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def write_sdist(path: Path, members: Dict[str, bytes], top: str = "") -> Path:
    top = top or path.name[: -len(".tar.gz")]
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def dist(tmp_path) -> Path:
    """A good dist/: one sdist and one wheel of 1.2.3."""
    dist_dir = tmp_path / "dist"
    dist_dir.mkdir()
    write_sdist(dist_dir / f"{PKG}-1.2.3.tar.gz", sdist_members())
    write_wheel(dist_dir / f"{PKG}-1.2.3-py3-none-any.whl", wheel_members())
    return dist_dir


def problems(dist_dir: Path, **kwargs):
    return texts(sanity.check_dist(dist_dir, EXPECTED, **kwargs).problems)


def only(found, *words):
    """The one problem, which must contain every word."""
    found = texts(found)
    assert len(found) == 1, found
    for word in words:
        assert word in found[0], found[0]
    return found[0]


def test_good_dist_passes(dist):
    result = sanity.check_dist(dist, EXPECTED, head=COMMIT)
    assert result.problems == [] and result.warnings == []
    assert compute_version(dist, PROJECT) == Checked(Version("1.2.3"), [])


def test_missing_dist_dir(tmp_path):
    only(problems(tmp_path / "dist"), "does not exist", "make dist")
    computed = compute_version(tmp_path / "dist", PROJECT)
    assert computed.value is None
    only(computed.problems, "does not exist")
    assert computed.problems[0].where == str(tmp_path / "dist")


# -- dist/ itself -------------------------------------------------------------


def test_extra_file_in_dist(dist):
    (dist / "SHA256SUMS").write_text("x")
    only(problems(dist), "dist/SHA256SUMS", "not a wheel or an sdist", "remove it")


def test_folder_in_dist(dist):
    (dist / "sub").mkdir()
    only(problems(dist), "dist/sub is a folder")


def test_two_wheels(dist):
    write_wheel(dist / f"{PKG}-1.2.2-py3-none-any.whl", wheel_members("1.2.2"))
    found = problems(dist)
    assert any("2 wheels" in p for p in found), found
    assert compute_version(dist, PROJECT).value is None


def test_no_sdist(dist):
    (dist / f"{PKG}-1.2.3.tar.gz").unlink()
    only(problems(dist), "has no sdist", "make dist")


def test_legacy_zip_sdist_is_extra(dist):
    (dist / f"{PKG}-1.2.3.zip").write_bytes(b"")
    only(problems(dist), f"{PKG}-1.2.3.zip", "not a wheel or an sdist")


# -- names and versions -------------------------------------------------------


def test_another_projects_wheel(dist):
    (dist / f"{PKG}-1.2.3-py3-none-any.whl").unlink()
    write_wheel(dist / "other_thing-1.2.3-py3-none-any.whl", wheel_members())
    found = problems(dist)
    assert any("not a distribution of glyph-phase-engine" in p for p in found), found


def test_name_not_normalized(dist):
    (dist / f"{PKG}-1.2.3.tar.gz").rename(dist / "Glyph-Phase-Engine-1.2.3.tar.gz")
    only(problems(dist), "not normalized", f"{PKG}-1.2.3")


def test_version_not_normalized(dist):
    (dist / f"{PKG}-1.2.3.tar.gz").rename(dist / f"{PKG}-1.02.3.tar.gz")
    only(problems(dist), "not normalized")


def test_impure_wheel(dist):
    members = wheel_members()
    members[f"{PKG}-1.2.3.dist-info/WHEEL"] = b"Root-Is-Purelib: false\n"
    (dist / f"{PKG}-1.2.3-py3-none-any.whl").unlink()
    write_wheel(dist / f"{PKG}-1.2.3-cp311-cp311-linux_x86_64.whl", members)
    found = problems(dist)
    assert any("not pure" in p and "cp311" in p for p in found), found
    assert any("Root-Is-Purelib" in p for p in found), found


def test_file_name_and_metadata_versions_disagree(dist):
    (dist / f"{PKG}-1.2.3-py3-none-any.whl").rename(
        dist / f"{PKG}-1.2.4-py3-none-any.whl"
    )
    found = problems(dist)
    only(
        [p for p in found if "file name" in p],
        "wheel",
        "(1.2.4) is not the version in its metadata (1.2.3)",
    )
    computed = compute_version(dist, PROJECT)
    assert computed.value is None
    assert texts(computed.problems) == found


def test_sdist_and_wheel_versions_disagree(dist):
    (dist / f"{PKG}-1.2.3-py3-none-any.whl").unlink()
    write_wheel(dist / f"{PKG}-1.2.4-py3-none-any.whl", wheel_members("1.2.4"))
    only(problems(dist), "different versions", "sdist is 1.2.3", "wheel is 1.2.4")


def test_versions_compared_as_pep440(dist):
    """1.2.3 and 1.2.3.0 are the same version: no problem between them."""
    (dist / f"{PKG}-1.2.3-py3-none-any.whl").unlink()
    members = wheel_members("1.2.3")
    members[f"{PKG}-1.2.3.dist-info/METADATA"] = metadata("1.2.3.0")
    write_wheel(dist / f"{PKG}-1.2.3-py3-none-any.whl", members)
    found = problems(dist)
    assert not any("version in the file name" in p for p in found), found


def test_unreadable_archive(dist):
    (dist / f"{PKG}-1.2.3-py3-none-any.whl").write_bytes(b"not a zip")
    found = problems(dist)
    assert any("cannot be read as a wheel" in p for p in found), found


# -- forbidden files ----------------------------------------------------------


@pytest.mark.parametrize(
    "member",
    [
        f"{PKG}/__pycache__/cli.cpython-311.pyc",
        f"{PKG}/cli.pyc",
        f"{PKG}/.DS_Store",
        f"{PKG}/cli.py.orig",
        f"{PKG}/cli.py.rej",
        f"{PKG}/.cli.py.swp",
        f"{PKG}/cli.py~",
        f"{PKG}/.git/HEAD",
        ".git/config",
        ".tox/py311/x",
        ".venv/bin/python",
        ".pytest_cache/README.md",
    ],
)
def test_forbidden_file_in_wheel(dist, member):
    members = wheel_members()
    members[member] = b"x"
    write_wheel(dist / f"{PKG}-1.2.3-py3-none-any.whl", members)
    only(problems(dist), "wheel", "forbidden", member)


@pytest.mark.parametrize(
    "member", ["tests/test_cli.py.rej", f"src/{PKG}/__pycache__/x.pyc", ".hg/store"]
)
def test_forbidden_file_in_sdist(dist, member):
    members = sdist_members()
    members[member] = b"x"
    write_sdist(dist / f"{PKG}-1.2.3.tar.gz", members)
    only(problems(dist), "sdist", "forbidden", member)


@pytest.mark.parametrize(
    "member",
    [".gitattributes", ".git_archival.txt", ".github/workflows/test.yml", ".gitignore"],
)
def test_tracked_git_files_are_not_vcs_leftovers(dist, member):
    members = sdist_members()
    members[member] = b"x"
    write_sdist(dist / f"{PKG}-1.2.3.tar.gz", members)
    assert problems(dist) == []


def test_many_forbidden_files_in_one_line(dist):
    members = wheel_members()
    for i in range(6):
        members[f"{PKG}/m{i}.pyc"] = b"x"
    write_wheel(dist / f"{PKG}-1.2.3-py3-none-any.whl", members)
    only(problems(dist), "and 3 more")


# -- wheel contents (which members: test_contents.py) ------------------------


def test_wheel_without_entry_points(dist):
    members = wheel_members()
    del members[f"{PKG}-1.2.3.dist-info/entry_points.txt"]
    write_wheel(dist / f"{PKG}-1.2.3-py3-none-any.whl", members)
    only(problems(dist), "wheel", "console script", "nothing")


def test_wheel_metadata_without_license_file(dist):
    members = wheel_members()
    members[f"{PKG}-1.2.3.dist-info/METADATA"] = metadata("1.2.3", license_file=False)
    write_wheel(dist / f"{PKG}-1.2.3-py3-none-any.whl", members)
    only(problems(dist), "no License-File: LICENSE")


def licensed(members: Dict[str, bytes], key: str, names: list) -> None:
    text = members[key].decode().replace("License-File: LICENSE\n", "")
    head, _, body = text.partition("\n\n")
    extra = "".join(f"License-File: {n}\n" for n in names)
    members[key] = f"{head}\n{extra}\n{body}".encode()


LICENSES = ["LICENSE-MIT", "LICENSE-APACHE", "NOTICE"]
GLOBS = sanity.Expected(
    **{**EXPECTED.__dict__, "license_files": ["LICENSE-*", "NOTICE"]}
)


def pep639_dist(dist: Path) -> Dict[str, Dict[str, bytes]]:
    wheel, sdist = wheel_members(), sdist_members()
    info = f"{PKG}-1.2.3.dist-info"
    licensed(wheel, f"{info}/METADATA", LICENSES)
    licensed(sdist, "PKG-INFO", LICENSES)
    del wheel[f"{info}/licenses/LICENSE"], sdist["LICENSE"]
    for name in LICENSES:
        wheel[f"{info}/licenses/{name}"] = sdist[name] = b"text\n"
    return {"wheel": wheel, "sdist": sdist}


def write_pair(dist: Path, pair: Dict[str, Dict[str, bytes]]) -> None:
    write_wheel(dist / f"{PKG}-1.2.3-py3-none-any.whl", pair["wheel"])
    write_sdist(dist / f"{PKG}-1.2.3.tar.gz", pair["sdist"])


def test_several_licence_files_by_glob_pass(dist):
    write_pair(dist, pep639_dist(dist))
    assert sanity.check_dist(dist, GLOBS, COMMIT).problems == []


def test_a_licence_glob_no_file_matches(dist):
    write_pair(dist, pep639_dist(dist))
    expected = sanity.Expected(**{**GLOBS.__dict__, "license_files": ["COPYING*"]})
    found = texts(sanity.check_dist(dist, expected, COMMIT).problems)
    assert len(found) == 2 and all("no License-File: COPYING*" in p for p in found)


def test_a_declared_licence_file_the_archives_lack(dist):
    pair = pep639_dist(dist)
    del pair["wheel"][f"{PKG}-1.2.3.dist-info/licenses/NOTICE"], pair["sdist"]["NOTICE"]
    write_pair(dist, pair)
    problems_ = sanity.check_dist(dist, GLOBS, COMMIT).problems
    found = texts(problems_)
    assert len(found) == 2, found
    assert all(
        "declares License-File: NOTICE, which it does not hold" in p for p in found
    )
    assert all(p.fix == "rebuild with make dist" for p in problems_)
    assert {p.where for p in problems_} == {p.name for p in dist.iterdir()}


def test_wheel_console_script_points_elsewhere(dist):
    members = wheel_members()
    members[f"{PKG}-1.2.3.dist-info/entry_points.txt"] = (
        f"[console_scripts]\n{PROJECT} = {PKG}.old:main\n".encode()
    )
    write_wheel(dist / f"{PKG}-1.2.3-py3-none-any.whl", members)
    only(problems(dist), "should run glyph_phase_engine.cli:main", "old:main")


# -- _version.py --------------------------------------------------------------


def test_version_file_without_commit(dist):
    members = wheel_members()
    members[f"{PKG}/_version.py"] = version_py("1.2.3", commit=None)
    write_wheel(dist / f"{PKG}-1.2.3-py3-none-any.whl", members)
    only(problems(dist), "records no commit")


SCM_TEMPLATE = (
    "# file generated by setuptools-scm\n"
    "__version__ = version = {version!r}\n"
    "__version_tuple__ = version_tuple = (1, 2, 3)\n"
)
OTHER_FILE = sanity.Expected(
    **{
        **EXPECTED.__dict__,
        "version_file": f"src/{PKG}/version.py",
        "version_member": f"{PKG}/version.py",
    }
)


def scm_dist(dist: Path, wheel_text: str, sdist_text: str) -> None:
    wheel, sdist = wheel_members(), sdist_members()
    del wheel[f"{PKG}/_version.py"], sdist[f"src/{PKG}/_version.py"]
    wheel[f"{PKG}/version.py"] = wheel_text.encode()
    sdist[f"src/{PKG}/version.py"] = sdist_text.encode()
    write_pair(dist, {"wheel": wheel, "sdist": sdist})


def test_a_version_file_of_another_name_is_checked(dist):
    scm_dist(dist, version_py("1.2.3").decode(), version_py("1.2.2").decode())
    result = sanity.check_dist(dist, OTHER_FILE, COMMIT)
    only(result.problems, "sdist", f"src/{PKG}/version.py says 1.2.2")


def test_setuptools_scm_short_node_is_a_commit(dist):
    text = version_py("1.2.3").decode().replace(repr(COMMIT), repr("g" + COMMIT[:9]))
    scm_dist(dist, text, text)
    assert sanity.check_dist(dist, OTHER_FILE, COMMIT).problems == []
    stale = texts(sanity.check_dist(dist, OTHER_FILE, "f" * 40).problems)
    assert len(stale) == 2 and all("dist/ is stale" in p for p in stale), stale


def test_a_version_file_without_a_commit_line_says_so(dist):
    scm_dist(
        dist, SCM_TEMPLATE.format(version="1.2.3"), SCM_TEMPLATE.format(version="1.2.4")
    )
    result = sanity.check_dist(dist, OTHER_FILE, COMMIT)
    only(result.problems, f"src/{PKG}/version.py says 1.2.4")
    skipped = [n for n in result.notes if "built-from-HEAD check is skipped" in n]
    assert len(skipped) == 2, result.notes


def test_setuptools_scm_writes_no_commit_on_a_tag_which_is_said(dist):
    text = version_py("1.2.3", commit=None).decode()
    scm_dist(dist, text, text)
    expected = sanity.Expected(**{**OTHER_FILE.__dict__, "commit_required": False})
    result = sanity.check_dist(dist, expected, COMMIT)
    assert result.problems == []
    assert sum("records no commit" in n for n in result.notes) == 2, result.notes
    only(sanity.check_dist(dist, OTHER_FILE, COMMIT).problems[:1], "records no commit")


def test_version_file_with_another_version(dist):
    members = sdist_members()
    members[f"src/{PKG}/_version.py"] = version_py("1.2.2")
    write_sdist(dist / f"{PKG}-1.2.3.tar.gz", members)
    only(problems(dist), "says 1.2.2", "metadata says 1.2.3")


def test_stale_dist_built_from_another_commit(dist):
    found = problems(dist, head="f" * 40)
    assert len(found) == 2 and all("dist/ is stale" in p for p in found), found


# -- sizes --------------------------------------------------------------------


def test_sizes_over_lowered_thresholds(dist):
    result = sanity.check_dist(dist, EXPECTED, warn_total=1000, max_file=10**6)
    assert result.problems == []
    only(result.warnings, "dist/ totals", "above 1.0 KB")
    result = sanity.check_dist(dist, EXPECTED, warn_total=10**9, max_file=500)
    assert len(result.problems) == 2, result.problems
    assert all("per-file upload limit" in p for p in texts(result.problems))


def test_check_sizes_at_the_limits():
    assert sanity.check_sizes({"a": 100}, warn_total=100, max_file=100) == Checked([])
    sizes = sanity.check_sizes({"a": 101}, 100, 100)
    assert len(sizes.problems) == 1 and len(sizes.value) == 1
    assert sizes.problems[0].where == "a"


def test_expected_from_this_project():
    expected = sanity.expected_from_project()
    assert expected.project == PROJECT and expected.import_name == PKG
    assert expected.license_files == ["LICENSE"]
    assert expected.scripts == {PROJECT: f"{PKG}.cli:main"}


def test_an_sdist_folder_of_another_version(dist):
    sdist = next(dist.glob("*.tar.gz"))
    write_sdist(sdist, sdist_members(), top=f"{PKG}-1.2.4")
    only(
        problems(dist),
        f"sdist {sdist.name}: its folder {PKG}-1.2.4 does not carry the metadata "
        "version 1.2.3",
    )


def test_a_dist_info_folder_of_another_version(dist):
    wheel = next(dist.glob("*.whl"))
    members = {
        name.replace("-1.2.3.dist-info/", "-1.2.4.dist-info/"): data
        for name, data in wheel_members().items()
    }
    write_wheel(wheel, members)
    only(
        problems(dist),
        f"wheel {wheel.name}: its folder {PKG}-1.2.4.dist-info does not carry the "
        "metadata version 1.2.3",
    )
