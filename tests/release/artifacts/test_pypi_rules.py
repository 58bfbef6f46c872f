"""PyPI's upload rules, offline (tools.artifacts.pypi_rules, make pypi-rules).

Each rule has a built file it refuses. Where hatchling builds the broken file,
it is built for real in a copy of the project (``make dist``, then ``make
pypi-rules``). Where hatchling refuses to build it (an unknown or deprecated
classifier, a missing licence file, a wheel without RECORD, ...) or a file
is broken after the build (renamed, repacked), the test rewrites a copy of
the session's built files (``released``, tagged v1.2.3) and runs the stage's
command on them; each such test says so.
"""

import io
import shutil
import tarfile
import zipfile
from pathlib import Path
from typing import Callable, Dict, Optional

import pytest

from tests.release.helpers import failed, passed
from tools.artifacts import pypi_files

PKG = "glyph_phase_engine"
VERSION = "1.2.3"
WHEEL = f"{PKG}-{VERSION}-py3-none-any.whl"
SDIST = f"{PKG}-{VERSION}.tar.gz"
INFO = f"{PKG}-{VERSION}.dist-info"
REJECT = "PyPI would reject this upload: "

# Every test here builds (the session's ``released`` copy, or its own).
pytestmark = pytest.mark.e2e


# -- rewriting built files (hatchling would not build these) ------------------


def rewrite_wheel(
    path: Path,
    dest: Optional[Path] = None,
    metadata: Optional[Callable[[str], str]] = None,
    add: Optional[Dict[str, bytes]] = None,
    drop: tuple = (),
    compression: int = zipfile.ZIP_DEFLATED,
    streamed: bool = False,
) -> Path:
    """Rewrite a wheel: change METADATA, add or drop members; RECORD is
    rewritten to list the members (unless dropped). ``streamed`` writes to an
    unseekable stream, so that zipfile adds data descriptors."""
    dest = dest or path
    members: Dict[str, bytes] = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename not in drop:
                members[info.filename] = archive.read(info)
    if metadata is not None:
        text = members[f"{INFO}/METADATA"].decode()
        members[f"{INFO}/METADATA"] = metadata(text).encode()
    members.update(add or {})
    record = f"{INFO}/RECORD"
    if record in members:
        members[record] = "".join(f"{n},,\n" for n in members).encode()
    buffer = io.BytesIO()

    class Unseekable(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data) -> int:  # type: ignore[override]
            return buffer.write(data)

    target = Unseekable() if streamed else buffer
    with zipfile.ZipFile(target, "w", compression) as archive:  # type: ignore[arg-type]
        for name, data in members.items():
            archive.writestr(name, data)
    if path != dest:
        path.unlink()
    dest.write_bytes(buffer.getvalue())
    return dest


def rewrite_sdist(
    path: Path,
    dest: Optional[Path] = None,
    pkg_info: Optional[Callable[[str], str]] = None,
    add: Optional[Dict[str, bytes]] = None,
    drop: tuple = (),
) -> Path:
    """Rewrite an sdist: change PKG-INFO, add or drop members (full names)."""
    dest = dest or path
    members = []
    with tarfile.open(path, "r:gz") as archive:
        for info in archive.getmembers():
            if info.name in drop:
                continue
            handle = archive.extractfile(info) if info.isfile() else None
            data = handle.read() if handle else b""
            if pkg_info is not None and info.name.endswith("/PKG-INFO"):
                data = pkg_info(data.decode()).encode()
            members.append((info, data))
    for name, data in (add or {}).items():
        members.append((tarfile.TarInfo(name), data))
    if path != dest:
        path.unlink()
    with tarfile.open(dest, "w:gz") as archive:
        for info, data in members:
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return dest


@pytest.fixture
def dist_copy(released, tmp_path) -> Path:
    """A copy of the session's built dist/ (tagged v1.2.3), free to break."""
    dest = tmp_path / "dist"
    shutil.copytree(released.path / "dist", dest)
    return dest


def stage(released, dist_dir: Path, *args: str):
    """The pypi-rules stage's command, in the tagged copy, on ``dist_dir``."""
    return released.run(
        "python", "-m", "tools.artifacts.pypi_rules", "--dist-dir", str(dist_dir), *args
    )


def refused(result, *words: str) -> str:
    text = failed(result, REJECT, *words)
    assert "Traceback" not in text, text
    return text


def add_header(header: str) -> Callable[[str], str]:
    """Insert a header line before the metadata's body."""

    def change(text: str) -> str:
        head, sep, body = text.partition("\n\n")
        return f"{head}\n{header}{sep}{body}"

    return change


def replace(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, text[:2000]
        return text.replace(old, new)

    return change


# -- the good case -------------------------------------------------------------


def test_the_release_passes(released):
    text = passed(released.make("pypi-rules"))
    assert "pypi-rules: passed: 2 files meet PyPI's upload rules" in text


# -- real builds -----------------------------------------------------------------


def build(proj) -> None:
    proj.commit("broken")
    proj.git("tag", "-f", "-a", "v1.2.3", "-m", "v1.2.3")
    passed(proj.make("dist"))


def test_a_direct_url_dependency(tagged_project):
    """Issue 16's example: hatchling builds it, twine and pypiserver take it."""
    pyproject = tagged_project.path / "pyproject.toml"
    text = pyproject.read_text().replace(
        'requires-python = ">=3.8"\n',
        'requires-python = ">=3.8"\ndependencies = ["attrs @ '
        'https://example.invalid/attrs-24.2.0-py3-none-any.whl"]\n',
    )
    text += "\n[tool.hatch.metadata]\nallow-direct-references = true\n"
    pyproject.write_text(text)
    build(tagged_project)
    passed(tagged_project.make("check"))  # twine check takes it
    text = refused(
        tagged_project.make("pypi-rules"),
        f"wheel {WHEEL}: {REJECT}requires-dist: Can't have direct dependency: attrs @ "
        "https://example.invalid/attrs-24.2.0-py3-none-any.whl; depend on attrs by "
        "version from an index",
        f"sdist {SDIST}: {REJECT}requires-dist: Can't have direct dependency",
    )
    assert "pypi-rules: 2 problems" in text


def test_metadata_hatchling_builds_and_pypi_refuses(tagged_project):
    """A long summary, an address with no dot in its domain, a long URL label."""
    pyproject = tagged_project.path / "pyproject.toml"
    text = pyproject.read_text()
    authors = 'authors = [{ name = "glyph-phase-engine maintainers" }]'
    assert authors in text
    text = text.replace(
        authors,
        'authors = [{ name = "maintainers", email = "maintainers@localhost" }]',
    )
    text = text.replace(
        'description = "A phase-state engine for symbolic input."',
        'description = "' + "A phase-state engine. " * 30 + '"',
    )
    text = text.replace(
        "Changelog = ",
        'The-changes-of-each-release-in-one-place = "https://example.org/c"\n'
        "Changelog = ",
    )
    pyproject.write_text(text)
    build(tagged_project)
    text = refused(
        tagged_project.make("pypi-rules"),
        f"wheel {WHEEL}: {REJECT}summary: must be 512 characters or less; shorten "
        "[project] description",
        f"{REJECT}author-email: 'maintainers@localhost' is not a valid email address",
        f"{REJECT}project-url: 'The-changes-of-each-release-in-one-place' must be 32 "
        "characters or less; fix [project.urls]",
    )
    assert "pypi-rules: 6 problems" in text  # three rules, two files


def test_relative_links_in_the_long_description(tagged_project):
    readme = tagged_project.path / "README.md"
    readme.write_text(
        readme.read_text()
        + "\nSee [the manual](docs/pipeline.md) and ![logo](./docs/logo.png),"
        " [the top](#install) and [PyPI](https://pypi.org/).\n"
    )
    build(tagged_project)
    text = failed(
        tagged_project.make("pypi-rules"),
        f"wheel {WHEEL}: the long description has a relative link 'docs/pipeline.md': "
        "it is broken on PyPI (relative to pypi.org); make it absolute to the "
        "repository at the release's tag (https://github.com/glyph-phase-engine/"
        "glyph-phase-engine/blob/v1.2.3/docs/pipeline.md)",
        "has a relative image './docs/logo.png'",
    )
    assert "#install" not in text and "'https://pypi.org/'" not in text
    assert "pypi-rules: 4 problems" in text


def test_a_local_version_warns_for_a_dev_build_and_fails_for_testpypi(project):
    """An untagged build has a +g<commit> local part: fine on this machine,
    refused by PyPI and TestPyPI."""
    passed(project.make("dist"))
    text = passed(project.make("pypi-rules"))
    assert "pypi-rules: warning: version 0.1.dev1+g" in text
    assert "has a local part (a development build of this machine): PyPI would " in text
    refused(
        project.make("pypi-rules", "DEV=1"),
        "version: the use of local versions in '0.1.dev1+g",
        "is not allowed; build from a release tag",
    )


# -- rewritten files: what hatchling refuses to build, or a file changed after --


def test_an_unknown_and_a_deprecated_classifier(released, dist_copy):
    """hatchling refuses both (its trove-classifiers); a classifier deprecated
    after the build environment's trove-classifiers was locked passes it."""
    wheel = dist_copy / WHEEL
    rewrite_wheel(
        wheel,
        metadata=add_header(
            "Classifier: Framework :: Glyphs\n"
            "Classifier: Framework :: Django CMS :: 4.2"
        ),
    )
    refused(
        stage(released, dist_copy),
        f"wheel {WHEEL}: {REJECT}classifier: 'Framework :: Glyphs' is not a valid "
        "classifier; fix [project] classifiers in pyproject.toml",
        "classifier: the classifier 'Framework :: Django CMS :: 4.2' has been "
        "deprecated, use one of ['Framework :: Django CMS :: 5.0'] instead",
    )


def test_license_and_license_expression_together(released, dist_copy):
    rewrite_wheel(dist_copy / WHEEL, metadata=add_header("License: MIT License"))
    refused(
        stage(released, dist_copy),
        "license: License is deprecated when License-Expression is present",
    )


def test_metadata_packaging_refuses(released, dist_copy):
    """packaging's validating parser: a malformed Requires-Python."""
    rewrite_wheel(
        dist_copy / WHEEL,
        metadata=replace("Requires-Python: >=3.8", "Requires-Python: =>3.8"),
    )
    refused(stage(released, dist_copy), "requires-python: ", "'=>3.8'")


def test_a_dynamic_field_pypi_does_not_know(released, dist_copy):
    rewrite_sdist(
        dist_copy / SDIST,
        pkg_info=add_header("Dynamic: Requires-Dist\nDynamic: Keywords-Extra"),
    )
    refused(
        stage(released, dist_copy),
        f"sdist {SDIST}: {REJECT}dynamic: 'keywords-extra' is not a valid dynamic",
    )


def test_provides_dist_with_a_url(released, dist_copy):
    rewrite_wheel(
        dist_copy / WHEEL,
        metadata=add_header("Provides-Dist: glyph @ https://example.invalid/g.whl"),
    )
    refused(stage(released, dist_copy), "provides-dist: Can't have direct dependency")


def test_an_unsupported_metadata_version(released, dist_copy):
    rewrite_wheel(
        dist_copy / WHEEL,
        metadata=lambda text: "Metadata-Version: 2.0\n" + text.split("\n", 1)[1],
    )
    refused(stage(released, dist_copy), "metadata-version: ", "'2.0'")


def test_a_home_page_that_is_no_url(released, dist_copy):
    rewrite_wheel(dist_copy / WHEEL, metadata=add_header("Home-page: www.example.org"))
    refused(
        stage(released, dist_copy), "home-page: 'www.example.org' is not a valid url"
    )


def test_a_description_that_does_not_render(released, dist_copy):
    """twine check catches it too; the rule is warehouse's own (no fallback)."""
    bad = "Title\n=====\n\nAn `unclosed link <https://example.invalid\n"
    rewrite_wheel(
        dist_copy / WHEEL,
        metadata=lambda text: text.split("\n\n", 1)[0].replace(
            "Description-Content-Type: text/markdown",
            "Description-Content-Type: text/x-rst",
        )
        + "\n\n"
        + bad,
    )
    refused(
        stage(released, dist_copy), "the description failed to render for 'text/x-rst'"
    )


def test_a_license_file_the_archives_lack(released, dist_copy):
    """hatchling always ships the files License-File names: dropped after."""
    rewrite_wheel(dist_copy / WHEEL, drop=(f"{INFO}/licenses/LICENSE",))
    rewrite_sdist(dist_copy / SDIST, drop=(f"{PKG}-{VERSION}/LICENSE",))
    refused(
        stage(released, dist_copy),
        f"wheel {WHEEL}: {REJECT}License-File LICENSE does not exist in it at "
        f"{INFO}/licenses/LICENSE",
        f"sdist {SDIST}: {REJECT}License-File LICENSE does not exist in it at "
        f"{PKG}-{VERSION}/LICENSE",
    )


def test_a_wheel_without_record_or_metadata(released, dist_copy):
    rewrite_wheel(
        dist_copy / WHEEL,
        drop=(f"{INFO}/RECORD", f"{INFO}/METADATA", f"{INFO}/WHEEL"),
    )
    refused(
        stage(released, dist_copy),
        f"WHEEL not found at {INFO}/WHEEL",
        f"it does not contain the required RECORD file {INFO}/RECORD",
        f"it does not contain the required METADATA file {INFO}/METADATA",
    )


def test_a_record_that_disagrees_is_a_warning(released, dist_copy):
    wheel = dist_copy / WHEEL
    rewrite_wheel(wheel)
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr(f"{PKG}/extra.py", "")
    text = passed(stage(released, dist_copy))
    assert f"pypi-rules: warning: wheel {WHEEL}: RECORD does not match" in text
    assert f"not in RECORD ['{PKG}/extra.py']" in text


def test_an_entry_point_name_pypi_refuses(released, dist_copy):
    rewrite_wheel(
        dist_copy / WHEEL,
        add={
            f"{INFO}/entry_points.txt": b"[console_scripts]\n"
            b"../glyph = glyph_phase_engine.cli:main\n"
        },
    )
    refused(
        stage(released, dist_copy),
        "invalid entry point name '../glyph' in [console_scripts]",
    )


def rename_wheel(dist_dir: Path, prefix: str) -> None:
    """Rename the wheel and its .dist-info folder to ``prefix`` (name-version)."""
    members = {}
    with zipfile.ZipFile(dist_dir / WHEEL) as archive:
        for info in archive.infolist():
            name = info.filename.replace(INFO, f"{prefix}.dist-info")
            members[name] = archive.read(info)
    (dist_dir / WHEEL).unlink()
    with zipfile.ZipFile(dist_dir / f"{prefix}-py3-none-any.whl", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_renamed_files(released, dist_copy):
    """PEP 625 sdist names; a wheel whose name (and .dist-info folder) says
    another version than its METADATA."""
    (dist_copy / SDIST).rename(dist_copy / f"Glyph-Phase-Engine-{VERSION}.tar.gz")
    rename_wheel(dist_copy, f"{PKG}-1.2.4")
    refused(
        stage(released, dist_copy),
        f"filename 'Glyph-Phase-Engine-{VERSION}.tar.gz' is invalid, should be "
        f"'{SDIST}' (PEP 625)",
        "the version in the file name should be '1.2.3' not '1.2.4'",
    )


def test_a_wheel_name_not_normalized(released, dist_copy):
    rename_wheel(dist_copy, f"Glyph_Phase_Engine-{VERSION}")
    refused(
        stage(released, dist_copy),
        "the file name should contain the normalized project name "
        "'glyph_phase_engine', not 'Glyph_Phase_Engine'",
    )


def test_a_decompression_bomb(released, dist_copy):
    """Over 64 MiB unpacked and 50 times its packed size."""
    rewrite_wheel(dist_copy / WHEEL, add={f"{PKG}/zeros.bin": bytes(65 << 20)})
    refused(stage(released, dist_copy), "it exceeds the compression ratio of 50")


def test_an_unsupported_platform_tag(released, dist_copy):
    (dist_copy / WHEEL).rename(dist_copy / f"{PKG}-{VERSION}-py3-none-linux_x86_64.whl")
    refused(stage(released, dist_copy), "unsupported platform tag 'linux_x86_64'")


def test_archives_pypi_does_not_accept(released, dist_copy):
    """bzip2 members, data descriptors (a streamed zip), two top folders in an
    sdist, no PKG-INFO."""
    rewrite_wheel(dist_copy / WHEEL, compression=zipfile.ZIP_BZIP2)
    rewrite_sdist(
        dist_copy / SDIST,
        drop=(f"{PKG}-{VERSION}/PKG-INFO",),
        add={"stray/file.txt": b"x"},
    )
    refused(
        stage(released, dist_copy),
        "does not use a supported compression type",
        "incorrect number of top-level directories in sdist",
    )
    rewrite_wheel(dist_copy / WHEEL, streamed=True)
    rewrite_sdist(dist_copy / SDIST, drop=("stray/file.txt",))
    refused(
        stage(released, dist_copy),
        "ZIP archive not accepted: ",
        "has a data descriptor",
        f"PKG-INFO not found at {PKG}-{VERSION}/PKG-INFO",
    )


def test_a_file_name_pypi_refuses(released, dist_copy):
    bad = f"{PKG}-{VERSION}\x7f.tar.gz"
    (dist_copy / SDIST).rename(dist_copy / bad)
    refused(stage(released, dist_copy), f"{bad!r} has a control character in its name")
    (problem,) = pypi_files.check_filename(Path("x-1.0.zip"))
    assert "invalid extension" in problem.what
    assert str(problem) == (
        "PyPI would reject this upload: 'x-1.0.zip' has an invalid extension "
        "(PEP 527, PEP 715: .tar.gz for an sdist, .whl for a wheel); rename nothing "
        f"by hand: {pypi_files.REBUILD}"
    )


def test_the_platform_tags_pypi_accepts():
    for tag in ("any", "manylinux_2_28_x86_64", "macosx_11_0_arm64", "win_amd64"):
        assert pypi_files.valid_platform_tag(tag), tag
    for tag in ("linux_x86_64", "macosx_11_3_arm64", "musllinux_1_2_ppc64"):
        assert not pypi_files.valid_platform_tag(tag), tag
