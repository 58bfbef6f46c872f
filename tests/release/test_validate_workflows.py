"""Every rule of the workflow validator catches the protection it stands for.

Each case (in validate_cases_repo.py and validate_cases_publish.py) copies the
real workflows, actions, tox.ini and pyproject.toml into a temporary folder
(never the working tree), removes one protection, and asserts that the
validator reports it under its rule, with its message. A mutation whose text
is not in the real files fails the test, so the cases follow the files as they
change. No action SHA or version is written here: the pins are read from the
workflow files.
"""

import re
from typing import Tuple

import pytest

from tests.release import (
    protection_cases,
    validate_cases_publish,
    validate_cases_repo,
    validate_cases_schedule,
)
from tests.release.validate_helpers import (
    PROBLEM_LINE,
    PYPI,
    ROOT,
    TEST,
    TESTPYPI,
    Edit,
    Tree,
    lines,
    pinned,
)
from tools.workflows import validator
from tools.workflows.validator import RULES

MUTATIONS = validate_cases_repo.CASES + validate_cases_publish.CASES
MUTATIONS += validate_cases_schedule.CASES  # the index audit's schedule
CHECKOUT = pinned("actions/checkout")


@pytest.fixture
def tree(tmp_path) -> Tree:
    return Tree(tmp_path / "repo")


def test_the_real_files_pass():
    problems = validator.check_all(ROOT)
    assert problems == [], lines(problems)


def test_the_copy_passes_unchanged(tree):
    assert tree.problems() == []


@pytest.mark.parametrize("rule, expect, edits", MUTATIONS)
def test_validate_catches_the_mutation(
    tree, rule: str, expect: str, edits: Tuple[Edit, ...]
):
    problems = tree.apply(*edits).problems()
    assert any(p.rule == rule and expect in str(p) for p in problems), lines(problems)
    for problem in problems:
        assert PROBLEM_LINE.match(str(problem)), str(problem)
        assert problem.rule in RULES, f"{problem.rule} is not a registered rule"


def test_validate_every_registered_rule_has_a_mutation():
    """Here, or as a row of RELEASING.md's protection table
    (tests/release/workflows/test_validate.py)."""
    covered = {param.values[0] for param in MUTATIONS}
    covered |= {case.fails for case in protection_cases.CASES.values()} & set(RULES)
    assert covered == set(RULES), f"no mutation for: {sorted(set(RULES) - covered)}"


def test_validate_problems_are_made_only_through_the_registry():
    """Only a Rule makes a Problem, so every problem names a registered rule."""
    package = ROOT / "tools" / "workflows" / "validator"
    paths = list(package.rglob("*.py"))
    assert paths, package
    for path in paths:
        if path.name != "registry.py":
            assert "Problem(" not in path.read_text(encoding="utf-8"), path


def test_validate_a_rule_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        validator.rule("yaml", "again")(lambda repo, this: [])


def test_validate_a_pin_follows_the_files(tree):
    """A Dependabot bump (another SHA, the next major version) is still a pin."""
    match = re.fullmatch(r"(?P<name>[^@]+)@(?P<sha>\w+) # v(?P<major>\d+)\S*", CHECKOUT)
    assert match, CHECKOUT
    sha, major = match["sha"][::-1], int(match["major"]) + 1
    bumped = f"{match['name']}@{sha} # v{major}.0.0"
    for path in (TEST, PYPI, TESTPYPI):
        file = tree.path / path
        file.write_text(file.read_text().replace(CHECKOUT, bumped), "utf-8")
    assert tree.problems() == []


def test_validate_accepts_fromjson_of_a_string_dry_run(tree):
    """`!fromJSON(inputs.dry_run)` is false on a dry run: the publish job stays off."""
    tree.apply(Edit(PYPI, "&& !inputs.dry_run)\n", "&& !fromJSON(inputs.dry_run))\n"))
    assert tree.problems() == []
