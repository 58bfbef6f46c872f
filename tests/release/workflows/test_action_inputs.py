"""The composite actions' input checks fail up front, one ::error:: each."""

import pytest

from tools.workflows import action_inputs as ai


def test_setup_defaults_pass():
    assert ai.check_setup("", "false", "3.13", "true") == []
    assert ai.check_setup("3.15", "true", "3.13", "false") == []


@pytest.mark.parametrize(
    "args, words",
    [
        (("3.12", "yes", "3.13", "true"), 'allow-prereleases is "yes"'),
        (("3.12", "false", "3.13", "off"), 'cache is "off"'),
        (("3.12", "false", "", "true"), "tools-python-version is empty"),
        (("", "true", "3.13", "true"), "python-version is empty"),
    ],
)
def test_setup_rejects(args, words):
    (problem,) = ai.check_setup(*args)
    assert words in str(problem)
    assert problem.where and problem.where in str(problem)


def test_build_verify_defaults_pass():
    assert ai.check_build_verify("", "false", "dist", "14") == []
    assert ai.check_build_verify("v1.2.3", "false", "dist", "1") == []
    assert ai.check_build_verify("", "true", "dist", "14") == []
    pypi, testpypi = "https://pypi.org/simple/", "https://test.pypi.org/simple/"
    assert ai.check_build_verify("v1.2.3", "false", "dist", "14", pypi) == []
    assert ai.check_build_verify("", "true", "dist", "14", testpypi) == []


@pytest.mark.parametrize(
    "args, words",
    [
        (("v1.2.3", "true", "dist", "14"), "a development build has no release tag"),
        (("1.2.3", "false", "dist", "14"), "release tags are v + the version"),
        (("", "maybe", "dist", "14"), 'dev-version is "maybe"'),
        (("", "false", "", "14"), "artifact-name is empty"),
        (("", "false", "dist/x", "14"), "cannot hold"),
        (("", "false", "dist", "0"), 'retention-days is "0"'),
        (("", "false", "dist", "two"), 'retention-days is "two"'),
        (("", "false", "dist", "14", "pypi.org"), 'index-url is "pypi.org"'),
    ],
)
def test_build_verify_rejects(args, words):
    (problem,) = ai.check_build_verify(*args)
    assert words in str(problem)
    assert problem.where and problem.where in str(problem)


def test_smoke_install_passes_one_source():
    assert ai.check_smoke_install("https://pypi.org/simple/", "", "1.2.3", "600") == []
    assert ai.check_smoke_install("", "dist", "", "600") == []


@pytest.mark.parametrize(
    "args, words",
    [
        (("https://x/simple/", "dist", "1", "60"), "both given"),
        (("", "", "", "60"), "neither index-url nor dist-dir"),
        (("pypi.org/simple", "", "1", "60"), "give the URL of a simple index"),
        (("https://x/simple/", "", "", "60"), "without version"),
        (("", "dist", "1.2.3", "60"), "give version only with index-url"),
        (("", "dist", "", "-5"), 'timeout is "-5"'),
    ],
)
def test_smoke_install_rejects(args, words):
    (problem,) = ai.check_smoke_install(*args)
    assert words in str(problem)
    assert problem.where and problem.where in str(problem)


def test_main_prints_one_error_per_problem(capsys):
    code = ai.main(["build-verify", "--expected-tag", "1.0", "--dev-version", "true"])
    assert code == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert all(line.startswith("::error title=build-verify inputs::") for line in out)


def test_main_says_ok(capsys):
    assert ai.main(["smoke-install", "--dist-dir", "dist"]) == 0
    assert capsys.readouterr().out == "smoke-install: inputs ok\n"
