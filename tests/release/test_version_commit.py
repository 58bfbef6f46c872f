"""tests/test_version.py requires the commit of a build from git: a copy whose
build hook records none fails it, under tox as ``make test`` runs it."""

OLD = "commit = git_commit(self.root) or recorded_commit(path, version_number)"


def test_a_build_from_git_without_its_commit_fails_the_version_test(project):
    hook = project.path / "hatch_build.py"
    text = hook.read_text()
    assert text.count(OLD) == 1
    hook.write_text(text.replace(OLD, "commit = None"))
    project.commit("the build hook forgets the commit")
    head = project.git("rev-parse", "HEAD")

    out = project.run(
        "python", "-m", "tox", "run", "-q", "-e", "py", "--",
        "-p", "no:cacheprovider", "tests/test_version.py",
    )  # fmt: skip

    output = out.stdout + out.stderr
    assert out.returncode != 0, output
    assert "1 failed" in output, output
    assert (
        f"built from the git checkout {project.path} (HEAD {head}), but "
        "__commit_id__ is None: hatch_build.py must record HEAD"
    ) in output, output
