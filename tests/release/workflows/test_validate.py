"""RELEASING.md's table of the publish path's protections, proven row by row.

Each row names what in `make validate` fails when the protection is removed:
one of our rules, ``zizmor:<audit>`` or ``schema:<name>``. For each row, the
case of the same name in protection_cases.py removes the protection from a
copy of the files (never the working tree) and the component named must fail
with its message: our rules through check_all, zizmor and check-jsonschema
with the very commands `make validate` runs. The table is checked against the
cases and the registry, so neither can drift from it.
"""

import re
import subprocess
from typing import Dict, List

import pytest

from tests.release.protection_cases import CASES, NEUTRALISED, Mutation
from tests.release.validate_helpers import ROOT, Tree, lines
from tools.workflows import validate
from tools.workflows.validator import RULES
from tools.workflows.validator.rules import (
    ci,
    digests,
    publish,
    publishers,
    release,
    security,
    triggers,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")
HEADING = "## Protections of the publish path"
COLUMNS = ["protection", "what it prevents", "where it lives", "what fails without it"]
# The themes whose every rule guards the publish path.
PUBLISH_PATH = {
    module.__name__
    for module in (security, publish, publishers, digests, triggers, release, ci)
}


def table() -> Dict[str, str]:
    """{protection: what fails (the first `code` of the last cell)}."""
    text = (ROOT / "RELEASING.md").read_text(encoding="utf-8")
    assert HEADING in text, f"RELEASING.md has no section {HEADING!r}"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows: List[List[str]] = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    assert rows[0] == COLUMNS, rows[0]
    out: Dict[str, str] = {}
    for cells in rows[2:]:
        assert len(cells) == 4, cells
        assert cells[0] not in out, f"row {cells[0]!r} twice"
        fails = re.match(r"`([^`]+)`", cells[3])
        assert fails, f"row {cells[0]!r} names no check in its last cell"
        out[cells[0]] = fails.group(1)
    return out


ROWS = table()


def test_every_row_has_a_mutation_naming_the_same_check():
    assert sorted(ROWS) == sorted(CASES)
    for protection, fails in ROWS.items():
        assert CASES[protection].fails == fails, protection


def test_every_row_has_both_kinds_of_mutation():
    """A removal (CASES) and a neutralisation (NEUTRALISED): the protection kept
    in the text, its effect taken away."""
    for protection in ROWS:
        kinds = [
            kind
            for kind, cases in (("removal", CASES), ("neutralisation", NEUTRALISED))
            if protection not in cases
        ]
        assert not kinds, (
            f"RELEASING.md's row {protection!r} has no {' and no '.join(kinds)} "
            "mutation in tests/release/protection_cases.py"
        )
    extra = sorted(set(NEUTRALISED) - set(ROWS))
    assert not extra, f"neutralisations of no row of the table: {extra}"


def test_every_row_names_a_check_that_exists():
    labels = [label for label, _ in validate.commands(ROOT, ["--offline"])]
    for protection, fails in ROWS.items():
        kind, _, name = fails.partition(":")
        if kind == "zizmor":
            assert re.fullmatch(r"[a-z0-9-]+", name), protection
        elif kind == "schema":
            assert f"check-jsonschema: {name}" in labels, protection
        else:
            assert fails in RULES, f"{protection}: no rule {fails}"


def test_every_publish_path_rule_is_in_the_table():
    mine = {name for name, r in RULES.items() if r.check.__module__ in PUBLISH_PATH}
    missing = mine - set(ROWS.values())
    assert not missing, f"rules of the publish path missing from the table: {missing}"


def run_check(root, label_start: str) -> "subprocess.CompletedProcess[str]":
    """The command `make validate` runs for that component, on ``root``."""
    (command,) = [
        argv
        for label, argv in validate.commands(root, ["--offline"])
        if label.startswith(label_start)
    ]
    out = subprocess.run(command, cwd=root, capture_output=True, text=True)
    for stream in ("stdout", "stderr"):  # zizmor colours its output on CI
        setattr(out, stream, ANSI.sub("", getattr(out, stream)))
    return out


@pytest.mark.parametrize("protection", sorted(CASES))
def test_removing_the_protection_fails_validate(tmp_path, protection):
    assert_fails(tmp_path, CASES[protection])


@pytest.mark.parametrize("protection", sorted(NEUTRALISED))
def test_neutralising_the_protection_fails_validate(tmp_path, protection):
    assert_fails(tmp_path, NEUTRALISED[protection])


def assert_fails(tmp_path, case: Mutation) -> None:
    """The component ``case`` names fails on the mutated copy, with its message."""
    tree = Tree(tmp_path / "repo").apply(*case.edits)
    kind, _, name = case.fails.partition(":")
    if kind == "zizmor":
        out = run_check(tree.path, "zizmor")
        said = out.stdout + out.stderr
        assert out.returncode != 0, said
        assert f"[{name}]: {case.expect}" in said, said
    elif kind == "schema":
        out = run_check(tree.path, f"check-jsonschema: {name}")
        said = out.stdout + out.stderr
        assert out.returncode != 0 and case.expect in said, said
    else:
        problems = tree.problems()
        assert any(
            p.rule == case.fails and case.expect in str(p) for p in problems
        ), lines(problems)
