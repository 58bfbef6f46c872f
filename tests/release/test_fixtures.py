def test_project_copy_builds_from_the_tag(tagged_project):
    """The copy is a real repository whose version comes from its tag."""
    proj = tagged_project
    assert proj.git("describe", "--tags", "--exact-match") == "v1.2.3"
    assert proj.git("status", "--porcelain") == ""
    assert (proj.path / "pyproject.toml").is_file()
    assert not (proj.path / ".venv").exists()
    out = proj.run("python", "-m", "setuptools_scm", "--strip-dev", check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1.2.3"
