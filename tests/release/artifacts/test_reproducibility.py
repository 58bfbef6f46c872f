"""make reproducibility (tools.artifacts.reproducibility): two builds compared.

The end-to-end cases (a changed file, an untracked or ignored file in the
build, a dirty tree, a stop mid-build) build real projects: they live in
test_scenarios.py, test_check.py and test_cleanup.py.
"""

from tools.artifacts.reproducibility import compare_builds


def test_identical_builds_have_no_problem():
    assert compare_builds({"a.whl": "1" * 64}, {"a.whl": "1" * 64}, "/tmp/x") == []


def test_each_difference_is_named_with_its_fix():
    first = {"a.whl": "1" * 64, "stale.tar.gz": "2" * 64}
    second = {"a.whl": "3" * 64, "new.tar.gz": "4" * 64}
    problems = compare_builds(first, second, "/tmp/kept")
    assert [p.where for p in problems] == ["a.whl", "new.tar.gz", "stale.tar.gz"]
    assert [str(p) for p in problems] == [
        "a.whl is not reproducible: a build of the same commit differs "
        "(111111111111 then 333333333333, kept in /tmp/kept): look for timestamps, "
        "random or unsorted content in the build (diffoscope compares the two)",
        "a build of the commit made new.tar.gz, which dist/ does not have: dist/ is "
        "stale or from another commit; rebuild with make dist",
        "stale.tar.gz was not made again by a build of the commit: dist/ is stale, "
        "from another commit or from uncommitted changes; rebuild with make dist",
    ]
