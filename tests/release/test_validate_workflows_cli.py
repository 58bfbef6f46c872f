"""The validator's command line, its YAML model, zizmor's share of the checks,
`make validate`, and RELEASING.md's trusted publisher table."""

import json
import re
import subprocess
import sys

import pytest

from tests.release.validate_helpers import (
    BUILT_SUMS_CHECK,
    PROBLEM_LINE,
    PYPI,
    ROOT,
    TEST,
    Edit,
    Tree,
    pinned,
    zizmor,
)
from tools import project
from tools.workflows import validator
from tools.workflows.validator import RULES
from tools.workflows.validator.model import load_yaml
from tools.workflows.validator.rules import publish, versions

CHECKOUT = pinned("actions/checkout")
CHECKOUT_BRANCH = CHECKOUT.split("@")[0] + "@main"


@pytest.fixture
def tree(tmp_path) -> Tree:
    return Tree(tmp_path / "repo")


def test_validate_points_at_the_line(tree):
    tree.apply(Edit(TEST, CHECKOUT, CHECKOUT_BRANCH))
    lines = (tree.path / TEST).read_text().splitlines()
    expected = next(i for i, t in enumerate(lines, 1) if CHECKOUT_BRANCH in t)
    (problem,) = tree.problems()
    assert (problem.path, problem.line, problem.rule) == (TEST, expected, "pinned-uses")
    assert "`uses: actions/checkout@<sha> # vX.Y.Z`" in problem.fix
    assert "git ls-remote https://github.com/actions/checkout refs/tags/" in problem.fix
    assert "RELEASING.md" in problem.fix


def test_validate_the_pin_help_exists():
    """The fix text of pinned-uses points at a section that is there."""
    text = (ROOT / "RELEASING.md").read_text(encoding="utf-8")
    assert "\n## Pinned actions\n" in text
    assert "git ls-remote https://github.com/OWNER/REPO refs/tags/vX.Y.Z" in text
    assert "ACTION_PINS" not in (ROOT / ".github" / "zizmor.yml").read_text()


def test_validate_lists_every_problem_and_exits_1(tree, capsys):
    tree.apply(
        Edit(TEST, CHECKOUT, CHECKOUT_BRANCH),
        Edit(PYPI, "    needs: [build]\n", "", after="  publish:"),
    )
    assert validator.main(["--root", str(tree.path)]) == 1
    out, err = capsys.readouterr()
    assert any(": pinned-uses: " in line for line in out.splitlines())
    assert any(": publish-chain: " in line for line in out.splitlines())
    assert all(PROBLEM_LINE.match(line) for line in out.splitlines())
    assert "--rules` lists the rules" in err


def test_validate_passes_and_says_so(capsys):
    assert validator.main(["--root", str(ROOT)]) == 0
    assert f"follow the {len(RULES)} rules" in capsys.readouterr().out


def test_validate_lists_its_rules_from_the_registry(capsys):
    assert validator.main(["--rules"]) == 0
    out = capsys.readouterr().out
    names = re.findall(r"^(\S+)", out, re.M)
    assert sorted(names) == sorted(RULES) and names[0] == "pinned-uses"
    for each in RULES.values():
        assert each.description in out


def test_validate_usage_errors_exit_2(tmp_path, capsys):
    assert validator.main(["--root", str(tmp_path)]) == 2
    assert "has no .github/ folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        validator.main(["--no-such-option"])
    assert exc.value.code == 2


def test_validate_runs_as_a_module():
    out = subprocess.run(
        [sys.executable, "-m", "tools.workflows.validator", "--rules"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "pinned-uses" in out.stdout


def test_validate_reads_on_as_a_key_not_true():
    data = load_yaml("on:\n  push:\nyes: no\nflag: true\nversion: 3.10\n")
    assert set(data) == {"on", "yes", "flag", "version"} and data["yes"] == "no"
    assert data["flag"] is True and data["version"] == 3.1
    assert data.kline("yes") == 3 and data["yes"].line == 3


def test_validate_reads_the_classifiers_with_tools_pythons(tree, monkeypatch):
    """One reading of the classifiers: tools.pythons.supported_versions."""
    calls = []

    def fake(path):
        calls.append(path)
        return ["3.7"]

    monkeypatch.setattr(versions, "supported_versions", fake)
    problems = tree.problems()
    assert calls == [tree.path]
    assert any(
        p.rule == "python-versions" and "Python 3.7 is missing" in p.what
        for p in problems
    ), "\n".join(map(str, problems))


def test_validate_reports_a_file_that_is_not_a_workflow(tree):
    (tree.path / ".github/workflows/notes.yml").write_text("just: text\n")
    (problem,) = tree.problems()
    assert (problem.path, problem.rule) == (".github/workflows/notes.yml", "yaml")
    assert "has no top-level `jobs:`" in problem.what


# ---- what zizmor checks instead of the validator ---------------------------------
# The validator has no rule of its own for these: each mutation must fail zizmor.

ZIZMOR_CASES = [
    pytest.param(
        "unpinned-uses", [Edit(TEST, CHECKOUT, CHECKOUT_BRANCH)], id="unpinned"
    ),
    pytest.param(
        "template-injection",
        [
            Edit(
                PYPI,
                BUILT_SUMS_CHECK,
                'echo "${{ github.event.release.tag_name }}"',
            )
        ],
        id="template-injection",
    ),
    pytest.param(
        "template-injection",
        [Edit(PYPI, BUILT_SUMS_CHECK, "echo ${{ github.sha }}")],
        id="template-injection-of-a-safe-value",
    ),
    pytest.param(
        "excessive-permissions",
        [
            Edit(
                TEST,
                "permissions: {}\n\nconcurrency",
                "permissions: write-all\n\nconcurrency",
            )
        ],
        id="write-all-at-the-top",
    ),
    pytest.param(
        "excessive-permissions",
        [
            Edit(
                TEST,
                "permissions: {}\n\nconcurrency",
                "permissions:\n  contents: write\n\nconcurrency",
            )
        ],
        id="contents-write-at-the-top",
    ),
    pytest.param(
        "excessive-permissions",
        [Edit(".github/workflows/publish-testpypi.yml", "permissions: {}\n\n", "")],
        id="no-permissions-at-the-top",
    ),
    pytest.param(
        "artipacked",
        [
            Edit(
                TEST,
                "        with:\n          persist-credentials: false\n",
                "",
                after="  lint:",
            )
        ],
        id="persisted-credentials",
    ),
]


def test_validate_zizmor_finds_nothing_in_the_real_files(tree):
    out = zizmor(tree.path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout) == []


@pytest.mark.parametrize("audit, edits", ZIZMOR_CASES)
def test_validate_zizmor_flags_the_mutation(tree, audit, edits):
    out = zizmor(tree.apply(*edits).path)
    assert out.returncode != 0
    assert audit in {finding["ident"] for finding in json.loads(out.stdout)}


# ---- make validate, on a fresh copy of the project ------------------------------


@pytest.mark.e2e
def test_validate_make_target_passes_on_a_fresh_copy(project):
    out = project.make("validate")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No findings" in out.stdout + out.stderr
    assert "follow the" in out.stdout


@pytest.mark.e2e
def test_validate_make_target_fails_on_a_broken_workflow(project):
    path = project.path / PYPI
    path.write_text(path.read_text().replace("persist-credentials: false", "x: y", 1))
    out = project.make("validate")
    assert out.returncode != 0
    assert "artipacked" in out.stdout + out.stderr


# ---- RELEASING.md's trusted publisher table matches the workflows ---------------


SETUP_ROWS = ("PyPI project name", "Owner", "Repository name", "Workflow name")
SETUP_ROWS += ("Environment name", "upload URL (in the workflow)")


def releasing_table(root=ROOT):
    rows = {}
    text = (root / "RELEASING.md").read_text(encoding="utf-8")
    section = text.split("## One-time setup", 1)[-1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3:
            values = [re.sub(r"`([^`]*)`.*", r"\1", c) for c in cells[1:]]
            rows[cells[0]] = dict(zip(("pypi", "testpypi"), values))
    return rows


def setup_table_problems(root=ROOT):
    """One line per cell of RELEASING.md's setup table that differs from
    pyproject.toml (name, [project.urls] Source, the trusted publishers) and
    the workflows."""
    facts = project.load(root)
    owner, _, name = (facts.repository or "/").partition("/")
    rows = releasing_table(root)
    repository = validator.Repo(root)
    problems = []
    for index, publisher in sorted(facts.publishers.items()):
        doc = repository.workflows.get(f".github/workflows/{publisher.workflow}")
        jobs = list(publish.publish_jobs(doc).values()) if doc else []
        step = publish.publish_step(jobs[0])[1] if jobs else None
        url = (publish.upload_url(step) or publish.PYPI_UPLOAD) if step else "?"
        wanted = {
            "PyPI project name": facts.name,
            "Owner": owner,
            "Repository name": name,
            "Workflow name": publisher.workflow,
            "Environment name": publisher.environment,
            "upload URL (in the workflow)": url,
        }
        for row in SETUP_ROWS:
            said = rows.get(row, {}).get(index)
            if said != wanted[row]:
                problems.append(
                    f"RELEASING.md's setup table says {row} = {said!r} for {index}, "
                    f"but pyproject.toml and the workflows say {wanted[row]!r}: "
                    "write that value in the table"
                )
    return problems


def test_validate_releasing_table_matches_the_workflows():
    assert setup_table_problems() == []


def test_validate_releasing_table_drift_is_one_line(tmp_path):
    tree = Tree(tmp_path / "repo")
    text = (ROOT / "RELEASING.md").read_text(encoding="utf-8")
    (tree.path / "RELEASING.md").write_text(
        text.replace("| Workflow name | `publish-pypi.yml` |", "| Workflow name | |"),
        "utf-8",
    )
    (problem,) = setup_table_problems(tree.path)
    assert problem == (
        "RELEASING.md's setup table says Workflow name = '' for pypi, but "
        "pyproject.toml and the workflows say 'publish-pypi.yml': write that "
        "value in the table"
    )
