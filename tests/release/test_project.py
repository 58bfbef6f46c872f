"""The facts of the project, read from pyproject.toml (tools.project), and the
one reader of SHA256SUMS (tools.artifacts.checksums)."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.release.helpers import texts
from tools import project
from tools.artifacts import checksums


def write(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    return root


def test_facts_of_this_project_come_from_pyproject():
    facts = project.load()
    data = facts.pyproject
    assert facts.name == data["project"]["name"]
    wheel_packages = data["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert [p.source for p in facts.packages] == wheel_packages
    assert facts.scripts == data["project"]["scripts"]
    hook = data["tool"]["hatch"]["build"]["hooks"]["custom"]
    assert facts.version_file == hook["version-file"]
    assert (
        facts.tag_regex == data["tool"]["hatch"]["version"]["raw-options"]["tag_regex"]
    )


def test_a_renamed_project_has_new_facts(tmp_path):
    root = write(
        tmp_path,
        """
[project]
name = "Other.Thing_here"
requires-python = ">=3.9"
[project.scripts]
other = "other_pkg.cli:main"
two = "other_pkg.cli:second"
[tool.hatch.version.raw-options]
dist_name = "Other.Thing_here"
tag_regex = "^release-(?P<version>[0-9].*)$"
[tool.hatch.build.hooks.custom]
version-file = "/src/other_pkg/_v.py"
[tool.hatch.build.targets.wheel]
packages = ["src/other_pkg", "src/second"]
""",
    )
    facts = project.load(root)
    assert facts.name == "Other.Thing_here"
    assert facts.normalized_name == "other-thing-here"
    assert [p.name for p in facts.packages] == ["other_pkg", "second"]
    assert facts.import_name == "other_pkg"
    assert facts.scripts == {
        "other": "other_pkg.cli:main",
        "two": "other_pkg.cli:second",
    }
    assert facts.version_file == "src/other_pkg/_v.py"
    # normalized as setuptools-scm does it
    assert facts.pretend_env == "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_OTHER_THING_HERE"
    assert str(facts.tag_version("release-2.0rc1")) == "2.0rc1"
    assert facts.tag_version("v2.0") is None
    assert facts.tag_version("release-x") is None


def test_pretend_env_is_the_one_setuptools_scm_reads(tmp_path, monkeypatch):
    """setuptools-scm, given the dist name, takes the version from our variable."""
    from setuptools_scm import get_version

    root = write(
        tmp_path,
        '[project]\nname = "Other.Thing_here"\n'
        '[tool.hatch.version.raw-options]\ndist_name = "Other.Thing_here"\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["src/o"]\n',
    )
    facts = project.load(root)
    monkeypatch.setenv(facts.pretend_env, "7.7.7.dev3")
    assert get_version(root=str(root), dist_name="Other.Thing_here") == "7.7.7.dev3"


def test_without_dist_name_only_the_plain_variable_works(tmp_path):
    root = write(tmp_path, '[project]\nname = "x"\n')
    (root / "x").mkdir()
    (root / "x" / "__init__.py").write_text("")
    facts = project.load(root)
    assert facts.pretend_env == "SETUPTOOLS_SCM_PRETEND_VERSION"
    assert facts.packages == (project.Package("x", "x"),)
    assert facts.version_file is None
    assert facts.tag_version("v1.0") is not None  # setuptools-scm's default


def test_missing_facts_say_what_to_add(tmp_path):
    with pytest.raises(project.ConfigError, match="no \\[project\\] name"):
        project.load(write(tmp_path / "a", "[tool.x]\ny = 1\n"))
    with pytest.raises(project.ConfigError, match="packages = "):
        project.load(write(tmp_path / "b", '[project]\nname = "nothing-here"\n'))
    with pytest.raises(project.ConfigError, match="not valid TOML"):
        project.load(write(tmp_path / "c", "[project\n"))


def test_cli_prints_the_facts(capsys):
    assert project.main([]) == 0
    out = capsys.readouterr().out
    assert f"name: {project.load().name}" in out
    assert "pretend-version variable: SETUPTOOLS_SCM_PRETEND_VERSION" in out


# -- SHA256SUMS ----------------------------------------------------------------


def dist_dir(tmp_path: Path) -> Path:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "a-1.0-py3-none-any.whl").write_bytes(b"wheel")
    (tmp_path / "dist" / "a-1.0.tar.gz").write_bytes(b"sdist")
    sums = checksums.compute_sums(sorted((tmp_path / "dist").iterdir()))
    (tmp_path / "SHA256SUMS").write_text(checksums.format_sums(sums))
    return tmp_path / "dist"


def test_sums_are_sha256sum_format(tmp_path):
    dist = dist_dir(tmp_path)
    text = (tmp_path / "SHA256SUMS").read_text()
    assert text.splitlines()[0].endswith("  dist/a-1.0-py3-none-any.whl")
    assert checksums.verify(dist, tmp_path / "SHA256SUMS") == []
    if shutil.which("sha256sum"):
        out = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True
        )
        assert out.returncode == 0, out


def test_verify_names_each_changed_added_or_missing_file(tmp_path):
    dist = dist_dir(tmp_path)
    (dist / "a-1.0-py3-none-any.whl").write_bytes(b"tampered")
    (dist / "a-1.0.tar.gz").unlink()
    (dist / "extra-1.0.tar.gz").write_bytes(b"x")
    problems = checksums.verify(dist, tmp_path / "SHA256SUMS")
    assert len(problems) == 3, problems
    text = "\n".join(texts(problems))
    assert {p.where for p in problems} == {
        "dist/a-1.0-py3-none-any.whl",
        "dist/a-1.0.tar.gz",
        "dist/extra-1.0.tar.gz",
    }
    assert "dist/a-1.0-py3-none-any.whl has SHA-256" in text
    assert "the file changed after the build" in text
    assert "dist/a-1.0.tar.gz is listed in SHA256SUMS but missing" in text
    assert "dist/extra-1.0.tar.gz is in" in text and "not listed" in text


def test_verify_missing_or_malformed_sums(tmp_path):
    dist = dist_dir(tmp_path)
    (tmp_path / "SHA256SUMS").write_text("not a digest  dist/x\n")
    (problem,) = checksums.verify(dist, tmp_path / "SHA256SUMS")
    assert "is not a SHA256SUMS file (line 1" in str(problem)
    assert problem.fix == "rebuild with make dist"
    (tmp_path / "SHA256SUMS").unlink()
    (problem,) = checksums.verify(dist, tmp_path / "SHA256SUMS")
    assert "is missing: make dist writes it" in str(problem)


WHEEL = '[tool.hatch.build.targets.wheel]\npackages = ["src/x"]\n'


@pytest.mark.parametrize(
    "source, repository",
    [
        ("https://github.com/someone/some-thing", "someone/some-thing"),
        ("https://github.com/someone/some.thing.git", "someone/some.thing"),
        ("https://github.com/someone/some-thing/", "someone/some-thing"),
        ("https://gitlab.com/someone/some-thing", None),
        ("https://github.com/someone", None),
    ],
)
def test_the_repository_comes_from_the_source_url(tmp_path, source, repository):
    root = write(
        tmp_path, f'[project]\nname = "x"\n{WHEEL}[project.urls]\nSource = "{source}"\n'
    )
    assert project.load(root).repository == repository


def test_no_source_url_means_no_repository(tmp_path):
    assert (
        project.load(write(tmp_path, '[project]\nname = "x"\n' + WHEEL)).repository
        is None
    )


def test_trusted_publishers_are_read_from_release_check_config(tmp_path):
    root = write(
        tmp_path,
        """
[project]
name = "thing"
[tool.release-check.trusted-publishers]
pypi = { workflow = "release.yaml", environment = "release" }
[tool.hatch.build.targets.wheel]
packages = ["src/thing"]
""",
    )
    facts = project.load(root)
    assert facts.publisher("pypi") == project.Publisher(
        index="pypi", workflow="release.yaml", environment="release"
    )
    with pytest.raises(project.ConfigError, match="has no .* testpypi: add testpypi"):
        facts.publisher("testpypi")


@pytest.mark.parametrize(
    "entry, message",
    [
        ('pypy = { workflow = "a.yml", environment = "e" }', "the indexes are"),
        ('pypi = { workflow = "a.yml" }', "needs a workflow file name and an env"),
        (
            'pypi = { workflow = ".github/workflows/a.yml", environment = "e" }',
            "must be a file name under .github/workflows/",
        ),
    ],
)
def test_a_wrong_trusted_publisher_entry_says_what_to_write(tmp_path, entry, message):
    root = write(
        tmp_path,
        f"""
[project]
name = "thing"
[tool.release-check.trusted-publishers]
{entry}
[tool.hatch.build.targets.wheel]
packages = ["src/thing"]
""",
    )
    with pytest.raises(project.ConfigError, match=message):
        project.load(root)


def test_the_one_comparison_of_digests():
    """Missing, extra and changed names, in name order; case does not count."""
    expected = {"a.whl": "AB" * 32, "b.tar.gz": "cd" * 32, "c.whl": "ef" * 32}
    actual = {"a.whl": "ab" * 32, "c.whl": "00" * 32, "d.whl": "11" * 32}
    D = checksums.Difference
    assert checksums.differences(expected, actual) == [
        ("b.tar.gz", D.MISSING),
        ("c.whl", D.CHANGED),
        ("d.whl", D.EXTRA),
    ]
    assert checksums.differences(expected, expected) == []
