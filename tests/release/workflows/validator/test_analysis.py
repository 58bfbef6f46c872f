"""The validator's analysis of the publish path, and the shapes of real projects.

- :func:`masked` reads a script's exit status as the shell GitHub runs reads it
  (``bash -e {0}`` by default, ``-eo pipefail`` for ``shell: bash``);
- tox's environments come from tox itself: tox.toml, ``3.10``-style names and
  ``{8-15}`` ranges are read as tox reads them;
- ``.yaml`` workflows are checked like ``.yml`` ones, and a repository without
  workflows or actions gets no schema run (check-jsonschema would crash);
- the project's policy applies to the workflows that publish and those they
  call: a workflow shaped like tox-dev/filelock's or hynek/structlog's own CI
  (emoji job names, no per-job permissions, an environment, a remote action
  that uploads the artifact a later job downloads) raises nothing of ours.
"""

import re
import subprocess
from pathlib import Path

import pytest

from tests.release.validate_helpers import (
    PYPI,
    TEST,
    TESTPYPI,
    Edit,
    Tree,
    lines,
    pinned,
    zizmor,
)
from tools.workflows import validate
from tools.workflows.validator.analysis import masked
from tools.workflows.validator.rules import ci

CHECK = re.compile(r"sha256sum\s+--check")


@pytest.mark.parametrize(
    "script, shell, why",
    [
        ("sha256sum --check f", None, None),
        ('printf x > f\nsha256sum --check --strict f\necho "ok"', None, None),
        ("sha256sum --check f || exit 1", None, None),
        ('sha256sum --check f || { echo "::error::bad"; exit 1; }', None, None),
        ("printf x | sha256sum --check", None, None),
        ("sha256sum --check f | tee log", "bash", None),
        ("set -o pipefail\nsha256sum --check f | tee log", None, None),
        # under errexit, what follows never runs after a failure
        ("sha256sum --check f; true", None, None),
        ("sha256sum --check f\nexit 0", "bash", None),
        ("if ! sha256sum --check f; then\n  exit 1\nfi", None, None),
        ("sha256sum --check f || true", None, "`|| true` after it"),
        ("sha256sum --check f || :", None, "`|| :` after it"),
        ("sha256sum --check f || echo failed", None, "`|| echo failed` after it"),
        ("sha256sum --check f | tee log", None, "piped into another command"),
        ("sha256sum --check f && echo ok\necho more", None, "`&&` after it"),
        ("sha256sum --check f &", None, "in the background"),
        ("set +e\nsha256sum --check f\necho done", "bash", "without errexit"),
        ("sha256sum --check f; true", "bash {0}", "without errexit"),
        ("sha256sum --check f\nexit 0", "sh {0}", "without errexit"),
        ("if ! sha256sum --check f; then\n  echo bad\nfi", None, "a condition"),
        ("sha256sum --check f", "pwsh", "shell 'pwsh'"),
        ("ls dist", None, "does not run the command"),
    ],
)
def test_masked_reads_the_exit_status_as_the_shell_does(script, shell, why):
    found = masked(script, CHECK, shell)
    if why is None:
        assert found is None, found
    else:
        assert found is not None and why in found, found


def test_continue_on_error_on_the_job_weakens_its_steps(tmp_path):
    tree = Tree(tmp_path / "repo").apply(
        Edit(
            PYPI,
            "    timeout-minutes: 15\n    environment:",
            "    timeout-minutes: 15\n    continue-on-error: true\n    environment:",
        )
    )
    said = lines(tree.problems())
    assert "its job has `continue-on-error: true`" in said, said
    assert "job publish is on the way to a publish and its failure does not" in said


def test_a_skipping_condition_on_a_check_is_reported(tmp_path):
    tree = Tree(tmp_path / "repo").apply(
        Edit(
            PYPI,
            "      - name: Attest the build provenance of the files\n",
            "      - name: Attest the build provenance of the files\n"
            "        if: github.event_name == 'workflow_dispatch'\n",
        )
    )
    said = lines(tree.problems())
    assert (
        "attest-build-provenance) does not stop the release when it fails: its "
        "`if:` skips it on a release" in said
    ), said


# ---- tox, as tox reads it ---------------------------------------------------------

TOX_TOML = """\
env_list = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "release",
            "lint", "coverage"]

[env_run_base]
commands = [["pytest", "tests"]]

[env.release]
commands = [["pytest", "tests/release"]]

[env.lint]
commands = [["mypy"], ["make", "validate"]]

[env.coverage]
commands = [["coverage", "report"]]
"""


def test_tox_toml_with_version_names(tmp_path):
    tree = Tree(tmp_path / "repo")
    (tree.path / "tox.ini").unlink()
    (tree.path / "tox.toml").write_text(TOX_TOML, "utf-8")
    problems = tree.problems()
    assert problems == [], lines(problems)


def test_tox_toml_missing_a_python_points_at_tox_toml(tmp_path):
    tree = Tree(tmp_path / "repo")
    (tree.path / "tox.ini").unlink()
    (tree.path / "tox.toml").write_text(TOX_TOML.replace('"3.9", ', ""), "utf-8")
    said = lines(tree.problems())
    assert (
        "tox.toml:1: python-versions: Python 3.9 is missing from tox's env_list" in said
    )


def test_tox_ini_ranges_and_factors(tmp_path):
    tree = Tree(tmp_path / "repo")
    ini = tree.path / "tox.ini"
    text = ini.read_text("utf-8")
    old = re.search(r"env_list =\n    py3\{[^}]*\}\n", text)
    assert old, "tox.ini's env_list changed shape"
    ini.write_text(
        text.replace(old.group(0), "env_list =\n    3.{8-15}-tests\n"), "utf-8"
    )
    problems = [p for p in tree.problems() if p.rule == "python-versions"]
    assert problems == [], lines(problems)


def test_a_tox_configuration_tox_cannot_read_is_one_problem(tmp_path):
    tree = Tree(tmp_path / "repo")
    (tree.path / "tox.ini").unlink()
    (tree.path / "tox.toml").write_text("env_list = [\n", "utf-8")
    said = [str(p) for p in tree.problems() if p.rule == "python-versions"]
    assert len(said) == 1 and "tox cannot read its configuration" in said[0], said


# ---- .yaml workflows, and none ------------------------------------------------------


def test_yaml_workflows_are_read_and_checked(tmp_path):
    tree = Tree(tmp_path / "repo")
    workflows = tree.path / ".github" / "workflows"
    (workflows / "test.yml").rename(workflows / "test.yaml")
    for name in ("publish-pypi.yml", "publish-testpypi.yml"):
        path = workflows / name
        path.write_text(
            path.read_text("utf-8").replace(
                "workflows/test.yml", "workflows/test.yaml"
            ),
            "utf-8",
        )
    assert tree.problems() == [], lines(tree.problems())
    (command,) = [
        argv
        for label, argv in validate.commands(tree.path, [])
        if label == "check-jsonschema: workflows"
    ]
    assert str(workflows / "test.yaml") in command
    assert validate.run(command) == 0
    (workflows / "test.yaml").write_text(
        (workflows / "test.yaml").read_text("utf-8").replace("runs-on:", "runs_on:"),
        "utf-8",
    )
    assert validate.run(command) != 0


def test_no_workflows_and_no_actions_run_no_schema(tmp_path, capsys):
    github = tmp_path / ".github"
    github.mkdir()
    (github / "dependabot.yml").write_text(
        (Path(validate.ROOT) / ".github" / "dependabot.yml").read_text("utf-8"), "utf-8"
    )
    labels = [label for label, _ in validate.commands(tmp_path, [])]
    assert "check-jsonschema: workflows" not in labels
    assert "check-jsonschema: actions" not in labels
    for label, argv in validate.commands(tmp_path, []):
        if label.startswith("check-jsonschema"):
            assert validate.run(argv) == 0
    assert "Traceback" not in capsys.readouterr().err


# ---- what validate owns -----------------------------------------------------

CHECKOUT = pinned("actions/checkout")
SETUP_PYTHON = pinned("actions/setup-python")
DOWNLOAD = pinned("actions/download-artifact")
# A remote action that uploads an artifact under a name of its own, as
# hynek/build-and-inspect-python-package uploads "Packages".
BUILDER = "someone/build-and-inspect@" + "a" * 40 + " # v2.0.0"

OTHER_CI = f"""\
name: Checks
on:
  push:
permissions: {{}}
jobs:
  build:
    name: 📦 build
    runs-on: ubuntu-latest
    steps:
      - uses: {CHECKOUT}
      - uses: {BUILDER}
  test:
    name: 🧪 ${{{{ matrix.py }}}}
    needs: [build]
    runs-on: ubuntu-latest
    environment: ci
    strategy:
      matrix:
        py: ["3.12"]
    steps:
      - uses: {DOWNLOAD}
        with:
          name: Packages
          path: dist
      - uses: {SETUP_PYTHON}
        with:
          python-version: ${{{{ matrix.py }}}}
"""


def test_a_workflow_that_does_not_publish_gets_no_policy(tmp_path):
    tree = Tree(tmp_path / "repo")
    (tree.path / ".github" / "workflows" / "check.yaml").write_text(OTHER_CI, "utf-8")
    problems = tree.problems()
    assert problems == [], lines(problems)


def test_a_workflow_that_does_not_publish_still_gets_the_correctness_rules(tmp_path):
    tree = Tree(tmp_path / "repo")
    broken = OTHER_CI.replace("needs: [build]", "needs: [compile]").replace(
        "- uses: " + BUILDER, "- uses: ./.github/actions/missing"
    )
    (tree.path / ".github" / "workflows" / "check.yaml").write_text(broken, "utf-8")
    rules = {p.rule for p in tree.problems()}
    assert {"local-uses", "artifacts"} <= rules, rules


def test_permissions_empty_at_the_top_is_read_as_none(tmp_path):
    tree = Tree(tmp_path / "repo").apply(
        Edit(
            PYPI,
            "    permissions:\n      contents: read # check out the publish dry run "
            "(Makefile, tools/)\n",
            "",
        )
    )
    said = lines(tree.problems())
    assert (
        "job dry-run declares no permissions (it gets none: the workflow's are {}"
        in said
    )


def test_the_test_workflow_is_owned_because_a_publish_calls_it(tmp_path):
    tree = Tree(tmp_path / "repo").apply(
        Edit(TEST, "    name: Check the formatting, the style and the workflows\n", "")
    )
    assert any(p.rule == "job-name" for p in tree.problems())


def test_testpypi_environment_renamed_names_both_fixes(tmp_path):
    tree = Tree(tmp_path / "repo").apply(
        Edit(TESTPYPI, "      name: testpypi\n", "      name: staging\n")
    )
    said = lines(tree.problems())
    assert (
        "set `environment: name: testpypi`, or change the trusted publisher on "
        "TestPyPI (Environment name: staging) and testpypi.environment in "
        "[tool.release-check.trusted-publishers] together"
    ) in said, said


def test_ci_runs_asks_for_the_type_checker_and_the_tooling_tests_where_they_exist(
    tmp_path,
):
    """A project that adopted the pipeline has no tests/release and may have no
    type checker: its test workflow need not run them; this repository must."""
    ours = Tree(tmp_path / "ours")
    assert ci.claimed_checks(ours.path) == [
        "lint with the type checker",
        "make validate",
        "the release tooling's tests",
        "the tests on every Python",
    ]
    adopted = Tree(tmp_path / "adopted")
    (adopted.path / "tests" / "release").unlink()
    pyproject = adopted.path / "pyproject.toml"
    text = pyproject.read_text("utf-8")
    pyproject.write_text(text.replace("tool.mypy", "tool.not-mypy"), "utf-8")
    assert ci.claimed_checks(adopted.path) == [
        "make validate",
        "the tests on every Python",
    ]
    (adopted.path / "mypy.ini").write_text("[mypy]\n", "utf-8")
    assert "lint with the type checker" in ci.claimed_checks(adopted.path)


# ---- zizmor's personas: pedantic for the pipeline's, default for the others ----

# A workflow of the project's own (its CI on a schedule, as filelock's and a
# CodeQL scan are): nothing publishes, nothing calls it. Its job's permission
# has no comment: zizmor's pedantic persona reports that
# (undocumented-permissions), its default persona does not.
THEIR_CI = f"""\
name: Checks
on:
  pull_request:
  schedule:
    - cron: "0 8 * * 1"
permissions: {{}}
jobs:
  test:
    name: test
    runs-on: ubuntu-latest
    permissions:
      security-events: write
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - run: echo checking
"""


ANSI = re.compile(r"\x1b\[[0-9;]*m")  # zizmor colours its output on CI


def zizmor_runs(root: Path):
    """``{label: (exit code, output)}`` of every zizmor command of make validate."""
    out = {}
    for label, argv in validate.commands(root, ["--offline"]):
        if label.startswith("zizmor"):
            done = subprocess.run(argv, cwd=root, capture_output=True, text=True)
            out[label] = (done.returncode, ANSI.sub("", done.stdout + done.stderr))
    return out


def test_the_projects_own_workflow_gets_zizmors_default_persona(tmp_path):
    tree = Tree(tmp_path / "repo")
    theirs = tree.path / ".github" / "workflows" / "check.yaml"
    theirs.write_text(THEIR_CI, "utf-8")
    # the finding is real: pedantic reports it in that file
    pedantic = zizmor(theirs)
    assert "undocumented-permissions" in pedantic.stdout, pedantic.stdout
    labels = {label: argv for label, argv in validate.commands(tree.path, [])}
    own = labels["zizmor --persona pedantic"]
    other = labels["zizmor (the project's other workflows)"]
    assert str(theirs) in other and str(theirs) not in own
    assert str(tree.path / PYPI) in own and str(tree.path / TEST) in own
    runs = zizmor_runs(tree.path)
    assert [code for code, _ in runs.values()] == [0, 0], runs
    # nor is a project's scheduled CI held to the index audit's rule
    assert tree.problems() == [], lines(tree.problems())


def test_a_real_finding_in_the_projects_own_workflow_still_fails(tmp_path):
    tree = Tree(tmp_path / "repo")
    injected = THEIR_CI.replace(
        "- run: echo checking", '- run: echo "${{ github.event.pull_request.title }}"'
    )
    (tree.path / ".github" / "workflows" / "check.yaml").write_text(injected, "utf-8")
    code, said = zizmor_runs(tree.path)[
        "zizmor --offline (the project's other workflows)"
    ]
    assert code != 0 and "[template-injection]" in said, said
    assert "check.yaml" in said


def test_the_pipelines_workflow_keeps_the_pedantic_persona(tmp_path):
    tree = Tree(tmp_path / "repo").apply(
        Edit(
            TEST,
            "      contents: read # check out the code\n",
            "      statuses: write\n",
        )
    )
    code, said = zizmor_runs(tree.path)["zizmor --offline --persona pedantic"]
    assert code != 0 and "[undocumented-permissions]" in said, said
