"""Unit tests of the tag/version guard and the dev version (no build)."""

import pytest
from packaging.version import Version

from tests.release.helpers import texts
from tools.artifacts import dev_version
from tools.artifacts.dev_version import GitState, check_guard

HEAD = "a" * 40
OTHER = "b" * 40


def released(**changes) -> GitState:
    """A clean, full clone with v1.2.3 on HEAD."""
    state = GitState(head=HEAD, head_tags=["v1.2.3"], tag_commit=HEAD)
    for key, value in changes.items():
        setattr(state, key, value)
    return state


def guard(tag="", dev=False, built="1.2.3", state=None, dev_version=None):
    return check_guard(
        tag or None,
        dev,
        Version(built) if built else None,
        state or released(),
        dev_version,
    )


def only(problems, *words):
    problems = texts(problems)
    assert len(problems) == 1, problems
    for word in words:
        assert word in problems[0], problems[0]


@pytest.mark.parametrize(
    "tag, version",
    [("v1.2.3", "1.2.3"), ("v1.2.3rc1", "1.2.3rc1"), ("v2.0.0.post1", "2.0.0.post1")],
)
def test_good_tags(tag, version):
    parsed = dev_version.parse_tag(tag)
    assert parsed.ok and parsed.value == Version(version)


@pytest.mark.parametrize(
    "tag, words",
    [
        ("1.2.3", "is not a release tag"),
        ("release-1.2.3", "is not a release tag"),
        ("v1.2.x", "'1.2.x' is not a PEP 440 version"),
        ("vfoo", "is not a release tag"),
        ("v", "is not a release tag"),
        ("vv1.2.3", "is not a release tag"),
    ],
)
def test_bad_tags(tag, words):
    parsed = dev_version.parse_tag(tag)
    (problem,) = parsed.problems
    assert (
        parsed.value is None and words in str(problem) and "tag_regex" in str(problem)
    )
    assert words in problem.what and "tag_regex" in problem.fix and problem.where == tag


def test_release_passes():
    result = guard()
    assert result.problems == []
    assert "release build 1.2.3 of tag v1.2.3" in result.notes[0]


def test_release_with_explicit_tag_passes():
    assert guard(tag="v1.2.3").problems == []


def test_release_versions_compared_as_pep440():
    assert guard(tag="v1.2.3", built="1.2.3.0").problems == []


def test_tag_on_another_commit():
    state = released(head_tags=[], tag_commit=OTHER)
    only(guard(tag="v1.2.3", state=state).problems, "is on commit bbbb", "not on HEAD")


def test_commit_after_the_tag():
    state = released(head_tags=[], tag_commit=OTHER, commits_after_tag=2)
    problems = guard(tag="v1.2.3", built="1.2.4.dev2", state=state).problems
    problems = texts(problems)
    assert len(problems) == 2, problems
    assert "is 2 commits after tag v1.2.3" in problems[0]
    assert "tag v1.2.3 does not match built version 1.2.4.dev2" in problems[1]


def test_tag_missing():
    state = released(head_tags=[], tag_commit=None)
    only(guard(tag="v9.9.9", built="9.9.9", state=state).problems, "does not exist")


def test_dirty_tree():
    state = released(dirty=[" M README.md", "?? notes.txt"])
    only(guard(state=state).problems, "not clean", "M README.md", "?? notes.txt")


def test_shallow_clone_without_tags():
    state = released(shallow=True, head_tags=[], tag_commit=None)
    problems = guard(tag="v1.2.3", built="0.1.dev1", state=state).problems
    problems = texts(problems)
    assert "shallow" in problems[0] and "--unshallow" in problems[0]
    assert "does not exist" in problems[1] and "git fetch --tags" in problems[1]
    assert "does not match built version 0.1.dev1" in problems[2]


def test_shallow_clone_fails_even_without_a_tag():
    state = released(shallow=True, head_tags=[], tag_commit=None)
    only(guard(built="0.1.dev1", state=state).problems, "shallow")


def test_tag_not_pep440():
    state = released(head_tags=["v1.2.x"])
    problems = guard(state=state).problems
    problems = texts(problems)
    assert any("is not a PEP 440 version" in p for p in problems), problems


def test_tag_does_not_match_built_version():
    only(
        guard(tag="v1.2.0", built="1.2.1.dev3").problems,
        "tag v1.2.0 does not match built version 1.2.1.dev3",
    )


def test_local_version_of_a_release():
    problems = guard(built="1.2.3+g1234").problems
    problems = texts(problems)
    assert any("local part (+g1234)" in p and "PyPI" in p for p in problems), problems


def test_several_tags_on_head():
    only(
        guard(state=released(head_tags=["v1.2.3", "v1.2.4"])).problems,
        "several release tags",
    )


def test_development_build_passes_and_says_so():
    state = released(head_tags=[], tag_commit=None)
    result = guard(built="0.1.dev3+gabc", state=state)
    assert result.problems == []
    assert "development build 0.1.dev3+gabc" in result.notes[0]


def test_dev_build_for_testpypi_passes():
    state = released(head_tags=[], tag_commit=None)
    result = guard(dev=True, built="1.2.4.dev2", state=state, dev_version="1.2.4.dev2")
    assert result.problems == []
    assert "TestPyPI development build 1.2.4.dev2" in result.notes[0]


def test_local_version_meant_for_testpypi():
    state = released(head_tags=[], tag_commit=None)
    problems = guard(
        dev=True, built="1.2.4.dev2+gabc", state=state, dev_version="1.2.4.dev2"
    ).problems
    problems = texts(problems)
    only(problems, "local part (+gabc)", "TestPyPI rejects it (HTTP 400)")


def test_dev_build_of_another_commit():
    state = released(head_tags=[], tag_commit=None)
    problems = guard(
        dev=True, built="1.2.4.dev1", state=state, dev_version="1.2.4.dev2"
    ).problems
    problems = texts(problems)
    only(problems, "not HEAD's dev version 1.2.4.dev2", "make dist DEV=1")


def test_dev_build_needs_a_clean_full_clone():
    state = released(head_tags=[], tag_commit=None, dirty=["?? x"], shallow=True)
    problems = guard(
        dev=True, built="1.2.4.dev2", state=state, dev_version="1.2.4.dev2"
    ).problems
    problems = texts(problems)
    assert len(problems) == 2 and "shallow" in problems[0] and "clean" in problems[1]


def test_tag_and_dev_together():
    only(guard(tag="v1.2.3", dev=True).problems, "TAG=v1.2.3 and DEV=1")


def test_not_a_git_checkout():
    only(guard(state=GitState(error="git rev-parse HEAD failed")).problems, "git")


def test_dev_version_of_this_checkout_is_public():
    version = Version(dev_version.compute_dev_version())
    assert version.local is None
