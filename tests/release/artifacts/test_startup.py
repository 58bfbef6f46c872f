"""Nothing runs at start-up unless allowed; only declared top-level names;
portable member names; check-wheel-contents gets every package
(tools.artifacts.startup and .toplevel, in make contents; tools.artifacts.check).

The broken wheels are real builds in a copy of the project: hatchling puts
files at the top of the wheel with ``force-include`` and into the data scheme
with ``shared-data``, as a project's configuration (or a compromised one)
would.
"""

import sys
from pathlib import Path

import pytest

from tests.release.helpers import failed, output, passed, texts
from tools.artifacts import check, startup, toplevel
from tools.artifacts.archives import Archive, Member

PKG = "glyph_phase_engine"
WHEEL = f"wheel {PKG}-1.2.3-py3-none-any.whl"
SDIST = f"sdist {PKG}-1.2.3.tar.gz"
DATA = f"{PKG}-1.2.3.data"

e2e = pytest.mark.e2e


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def configure(root: Path, toml: str, before: str = "[tool.release-check]\n") -> None:
    """Insert ``toml`` into pyproject.toml before the table ``before``."""
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    assert before in text
    pyproject.write_text(text.replace(before, toml + "\n" + before, 1))


def include_in_sdist(root: Path, path: str) -> None:
    """Add ``path`` to the sdist's include list (the wheel is built from it)."""
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    old = '  "/pyproject.toml",\n]'
    assert old in text
    pyproject.write_text(text.replace(old, f'  "/pyproject.toml",\n  "{path}",\n]', 1))


def build(proj) -> None:
    proj.commit("change")
    proj.git("tag", "-f", "-a", "v1.2.3", "-m", "v1.2.3")
    passed(proj.make("dist"))


BROKEN = {
    "extras/glyph_init.pth": "import os; os.system('echo owned')\n",
    "extras/sitecustomize.py": "print('at every start')\n",
    "extras/yaml/__init__.py": "# not ours\n",
    "extras/helpers.py": "# not declared\n",
    "extras/evil.pth": "import glyph_phase_engine\n",
}
BROKEN_CONFIG = """[tool.hatch.build.targets.wheel.force-include]
"extras/glyph_init.pth" = "glyph_init.pth"
"extras/sitecustomize.py" = "sitecustomize.py"
"extras/yaml/__init__.py" = "yaml/__init__.py"
"extras/helpers.py" = "helpers.py"

[tool.hatch.build.targets.wheel.shared-data]
"extras/evil.pth" = "lib/python3.12/site-packages/evil.pth"
"""


@e2e
def test_a_wheel_that_runs_code_at_start_and_installs_names_not_its_own(
    tagged_project,
):
    """The litellm 1.82.8 shape, and more: a .pth at the root and one through
    the data scheme, a sitecustomize, another distribution's package (yaml:
    PyYAML, installed in the tool environment) and an undeclared module."""
    write(tagged_project.path, BROKEN)
    configure(tagged_project.path, BROKEN_CONFIG)
    include_in_sdist(tagged_project.path, "/extras")
    build(tagged_project)
    text = failed(tagged_project.make("contents"))
    print(text)  # the report quotes this output
    assert (
        f"{WHEEL}: glyph_init.pth: a .pth file: site-packages runs its import lines "
        "(and adds its paths to sys.path) at every start of Python: remove it from "
        "the build ([tool.hatch.build.targets.wheel] exclude, or the build "
        "configuration that adds it), then make dist; if it must run, add "
        '{ member = "glyph_init.pth", kind = "pth file", reason = "..." } to '
        "[tool.release-check] allow-startup"
    ) in text
    assert f"{WHEEL}: {DATA}/data/lib/python3.12/site-packages/evil.pth: a .pth" in text
    assert (
        f"{WHEEL}: sitecustomize.py: sitecustomize: the site module imports it at "
        "every start of Python"
    ) in text
    assert (
        f"{WHEEL}: installs 'yaml' (1 file, e.g. yaml/__init__.py) at the top of "
        "site-packages, which is not one of the project's import packages "
        f"({PKG}); it is the import name of PyYAML (installed in the tool "
        "environment): installing this wheel would overwrite it"
    ) in text
    assert f"{WHEEL}: installs 'helpers.py' (1 file, e.g. helpers.py)" in text
    # the start-up files are reported once, as start-up files
    assert "installs 'glyph_init.pth'" not in text
    assert "installs 'sitecustomize.py'" not in text


@e2e
def test_allowed_start_up_files_pass_and_are_shown_everywhere(tagged_project, tmp_path):
    """An allowed .pth passes; make release-check shows it under the stage and
    a GitHub job's step summary gets it."""
    write(tagged_project.path, {"extras/glyph_init.pth": "extras\n"})
    include_in_sdist(tagged_project.path, "/extras")
    configure(
        tagged_project.path,
        "[tool.hatch.build.targets.wheel.force-include]\n"
        '"extras/glyph_init.pth" = "glyph_init.pth"\n',
    )
    pyproject = tagged_project.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "allow-startup = [\n",
            'allow-startup = [\n  { member = "glyph_init.pth", kind = "pth file", '
            'reason = "puts extras/ on sys.path, no import line" },\n',
        )
    )
    tagged_project.commit("an allowed .pth")
    tagged_project.git("tag", "-f", "-a", "v1.2.3", "-m", "v1.2.3")
    summary = tmp_path / "summary.md"
    result = tagged_project.make(
        "release-check",
        "STAGES=dist,contents",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    text = passed(result)
    allowed = (
        f"contents: allowed: {WHEEL}: glyph_init.pth: a .pth file: site-packages "
        "runs its import lines (and adds its paths to sys.path) at every start of "
        "Python (allowed by [tool.release-check] allow-startup: puts extras/ on "
        "sys.path, no import line)"
    )
    lines = text.splitlines()
    contents_line = next(i for i, line in enumerate(lines) if " contents " in line)
    assert lines[contents_line + 1].strip() == allowed or allowed in "\n".join(
        line.strip() for line in lines[contents_line + 1 :]
    ), text
    assert f"contents: allowed: {SDIST}: hatch_build.py: hatchling's custom" in text
    written = summary.read_text()
    assert "**contents: allowed**" in written
    assert f"- {WHEEL}: glyph_init.pth: a .pth file" in written


@e2e
def test_two_import_packages_are_declared_and_checked(tagged_project):
    """check-wheel-contents gets both (no W202), the top-level check takes
    both; the project's own check-wheel-contents toplevel is respected."""
    write(tagged_project.path, {"src/glyph_extra/__init__.py": '"""Extra."""\n'})
    include_in_sdist(tagged_project.path, "/src/glyph_extra")
    pyproject = tagged_project.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'packages = ["src/glyph_phase_engine"]',
            'packages = ["src/glyph_phase_engine", "src/glyph_extra"]',
        )
    )
    build(tagged_project)
    passed(tagged_project.make("check"))
    passed(tagged_project.make("contents"))
    configure(
        tagged_project.path,
        '[tool.check-wheel-contents]\ntoplevel = ["glyph_phase_engine"]\n',
    )
    tagged_project.commit("the project's own check-wheel-contents settings")
    result = tagged_project.make("check")
    failed(result, "check-wheel-contents failed", "W202")
    assert "glyph_extra" in output(result)


def drop_allow_startup(root: Path) -> None:
    """Take the project's allow-startup entries (hatch_build.py's) out."""
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    start = text.index("allow-startup = [")
    end = text.index("]\n", start) + 2
    pyproject.write_text(text[:start] + text[end:])


@e2e
def test_names_that_clash_or_that_windows_cannot_create(tagged_project):
    """Names one file system cannot hold, and (in the same build: each its own
    finding) the sdist's build code without its allow entry: hatch_build.py
    runs when pip builds the sdist; contents fails and says how to allow it."""
    drop_allow_startup(tagged_project.path)
    write(
        tagged_project.path,
        {
            f"src/{PKG}/data/Notes.txt": "a\n",
            f"src/{PKG}/data/notes.txt": "b\n",
            f"src/{PKG}/Data/more.txt": "c\n",
            f"src/{PKG}/aux.py": "",
            f"src/{PKG}/data/tail.": "",
            f"src/{PKG}/data/what?.txt": "",
        },
    )
    build(tagged_project)
    text = failed(tagged_project.make("contents"))
    for archive, prefix in ((WHEEL, ""), (SDIST, "src/")):
        assert (
            f"{archive}: {prefix}{PKG}/data/notes.txt and {prefix}{PKG}/data/Notes.txt "
            "are the same file on a case-insensitive file system"
        ) in text
        assert (
            f"{archive}: the folders {prefix}{PKG}/Data, {prefix}{PKG}/data are one "
            "folder on a case-insensitive file system"
        ) in text
        assert f"{archive}: {prefix}{PKG}/aux.py: 'aux.py' is a reserved device" in text
        assert f"{prefix}{PKG}/data/tail.: 'tail.' ends with a dot or a space" in text
        assert "'what?.txt' has a character Windows forbids" in text
    assert (
        f"{SDIST}: hatch_build.py: hatchling's custom build hook: runs when the "
        "sdist is built (pip installs from the sdist when no wheel fits): if it "
        'must run, add { member = "hatch_build.py", kind = "build hook", reason = '
        '"..." } to [tool.release-check] allow-startup in pyproject.toml'
    ) in text


# -- the pure parts ------------------------------------------------------------


def archive(kind: str, names) -> Archive:
    found = Archive(Path(f"{PKG}-1.2.3.whl"), kind, f"{PKG}-1.2.3.dist-info")
    found.members = [Member(name, 0, b"") for name in names]
    return found


def test_where_wheel_members_land():
    assert startup.site_path("x.pth") == "x.pth"
    assert startup.site_path(f"{DATA}/platlib/x.pth") == "x.pth"
    assert startup.site_path(f"{DATA}/data/lib/site-packages/x.pth") == "x.pth"
    assert startup.site_path(f"{DATA}/scripts/x.pth") is None
    assert startup.site_path(f"{PKG}-1.2.3.dist-info/x.pth") is None
    assert toplevel.top_name(f"{DATA}/purelib/mod.py") == "mod.py"
    assert toplevel.top_name(f"{DATA}/headers/h.h") is None


def test_sitecustomize_in_every_form_and_pth_only_at_the_top():
    found = startup.wheel_findings(
        archive(
            "wheel",
            [
                "sitecustomize/__init__.py",
                f"{DATA}/platlib/usercustomize.cpython-312-x86_64-linux-gnu.so",
                f"{PKG}/inner.pth",
                f"{PKG}/sitecustomize.py",
            ],
        )
    )
    assert [(f.member, f.kind) for f in found] == [
        ("sitecustomize/__init__.py", "customize"),
        (f"{DATA}/platlib/usercustomize.cpython-312-x86_64-linux-gnu.so", "customize"),
    ]


def test_build_hooks_from_the_sdists_pyproject():
    hooks = startup.build_hook_files(
        {
            "build-system": {
                "backend-path": ["backend"],
                "build-backend": "my_backend.build",
            },
            "tool": {
                "hatch": {
                    "metadata": {"hooks": {"custom": {"path": "meta_hook.py"}}},
                    "build": {"targets": {"wheel": {"hooks": {"custom": {}}}}},
                }
            },
        }
    )
    assert hooks == {
        "meta_hook.py": "hatchling's custom metadata hook",
        "hatch_build.py": "hatchling's custom wheel build hook",
        "backend/my_backend/build.py": "an in-tree build backend",
        "backend/my_backend/build/__init__.py": "an in-tree build backend",
    }


def test_an_allow_entry_needs_a_known_kind_and_a_reason(project):
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "allow-startup = [\n",
            'allow-startup = [\n  { member = "x.pth", kind = "pth", reason = "r" },\n'
            '  { member = "y.pth", kind = "pth file" },\n',
        )
    )
    loaded = startup.load_allowlist(project.path)
    problems = texts(loaded.problems)
    assert [e.member for e in loaded.value] == ["hatch_build.py"]
    assert len(problems) == 2, problems
    assert "allow-startup, entry 2: needs member, kind and reason" in problems[0]
    assert "allow-startup: x.pth: kind 'pth' is none of 'pth file'" in problems[1]


def test_the_owner_of_an_import_name_is_found_offline():
    assert "PyYAML (installed in the tool environment)" in toplevel.owners("yaml")
    assert toplevel.owners("glyph_surely_nobody_ships_this") == []
    if sys.version_info >= (3, 10):  # sys.stdlib_module_names
        shadowed = "the standard library's module (it would shadow it)"
        assert toplevel.owners("json") == [shadowed]


def test_the_check_wheel_contents_config_files_are_its_own():
    from check_wheel_contents.config import CONFIG_FILES

    assert list(check.CWC_CONFIG_FILES) == list(CONFIG_FILES)


def test_the_project_toplevel_setting_is_read_from_its_config(tmp_path):
    (tmp_path / "tox.ini").write_text("[tox]\n")
    (tmp_path / "setup.cfg").write_text(
        "[tool:check-wheel-contents]\ntoplevel = one,two\n"
    )
    assert check.project_toplevel(tmp_path) == ["one", "two"]
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n")
    assert check.project_toplevel(tmp_path) is None
