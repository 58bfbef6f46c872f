"""The workflow validator (and zizmor) catch what they are there to catch.

Each case copies the real workflows, actions, tox.ini and pyproject.toml into
a temporary folder (never the working tree), applies one mutation, and asserts
that the validator reports it under its rule. A mutation whose text is not in
the real files fails the test, so the cases follow the files as they change.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, NamedTuple, Optional

import pytest

from tools.workflows import validator as vw

ROOT = Path(__file__).resolve().parents[2]
TEST = ".github/workflows/test.yml"
PYPI = ".github/workflows/publish-pypi.yml"
TESTPYPI = ".github/workflows/publish-testpypi.yml"
SETUP = ".github/actions/setup/action.yml"
BUILD = ".github/actions/build-verify/action.yml"
SMOKE = ".github/actions/smoke-install/action.yml"
CHECKOUT_PIN = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
PUBLISH_PIN = "pypa/gh-action-pypi-publish@dc37677b2e1c63e2034f94d8a5b11f265b73ba33"
# The publish jobs' check of dist/ against the build job's digests.
BUILT_SUMS_CHECK = 'sha256sum --check --strict "$RUNNER_TEMP/built.sha256"'
PROBLEM_LINE = re.compile(r"^[^:\s]+:\d+: [a-z-]+: .+; .+$")


class Edit(NamedTuple):
    path: str
    old: str
    new: str
    after: Optional[str] = None  # apply to the first `old` after this text


class Tree:
    """A copy of the files the validator reads, to break one thing in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        shutil.copytree(ROOT / ".github", path / ".github")
        for name in ("tox.ini", "pyproject.toml"):
            shutil.copy2(ROOT / name, path / name)

    def apply(self, *edits: Edit) -> "Tree":
        for edit in edits:
            file = self.path / edit.path
            text = file.read_text(encoding="utf-8")
            start = text.index(edit.after) if edit.after is not None else 0
            head, tail = text[:start], text[start:]
            assert edit.old in tail, f"{edit.old!r} is not in {edit.path}"
            file.write_text(head + tail.replace(edit.old, edit.new, 1), "utf-8")
        return self

    def problems(self) -> List[vw.Problem]:
        return vw.check_all(self.path)


@pytest.fixture
def tree(tmp_path) -> Tree:
    return Tree(tmp_path / "repo")


def case(name, rule, *edits):
    return pytest.param(rule, edits, id=f"{rule}:{name}")


MUTATIONS = [
    case("broken YAML", "yaml", Edit(TEST, "jobs:\n", "jobs:\n  - [\n")),
    case(
        "a tag instead of a SHA",
        "pinned-uses",
        Edit(TEST, CHECKOUT_PIN, "actions/checkout@v4"),
    ),
    case(
        "a SHA without its version comment",
        "pinned-uses",
        Edit(PYPI, f"{PUBLISH_PIN} # v1.14.2", PUBLISH_PIN),
    ),
    case(
        "a tag in a composite action",
        "pinned-uses",
        Edit(
            SETUP,
            "astral-sh/setup-uv@20cfd1bf945f4377ade1205e4dbc17946fc9a30d # v10.0.1",
            "astral-sh/setup-uv@v10",
        ),
    ),
    case(
        "a local action that does not exist",
        "local-uses",
        Edit(
            TEST, "uses: ./.github/actions/setup\n", "uses: ./.github/actions/set-up\n"
        ),
    ),
    case(
        "a called workflow that does not exist",
        "local-uses",
        Edit(PYPI, "./.github/workflows/test.yml", "./.github/workflows/tests.yml"),
    ),
    case(
        "write-all at the top",
        "top-permissions",
        Edit(
            TEST,
            "permissions: {}\n\nconcurrency",
            "permissions: write-all\n\nconcurrency",
        ),
    ),
    case(
        "contents: write at the top",
        "top-permissions",
        Edit(
            TEST,
            "permissions: {}\n\nconcurrency",
            "permissions:\n  contents: write\n\nconcurrency",
        ),
    ),
    case(
        "no permissions at the top",
        "top-permissions",
        Edit(TESTPYPI, "permissions: {}\n\n", ""),
    ),
    case(
        "a job without permissions",
        "job-permissions",
        Edit(
            TEST,
            "    permissions:\n      contents: read # check out the code\n    steps:",
            "    steps:",
            after="  lint:",
        ),
    ),
    case(
        "a grant without its why",
        "permissions-comment",
        Edit(TEST, "contents: read # check out the code\n", "contents: read\n"),
    ),
    case(
        "id-token: write moved to the top",
        "publish-permissions",
        Edit(
            PYPI,
            "permissions: {}\n\nconcurrency",
            "permissions:\n  id-token: write\n\nconcurrency",
        ),
        Edit(
            PYPI,
            "      id-token: write # trusted publishing",
            "      # trusted publishing",
        ),
    ),
    case(
        "id-token: write on the build job",
        "publish-permissions",
        Edit(
            PYPI,
            "      contents: read # check out the code, with its full history",
            "      id-token: write # for nothing\n"
            "      contents: read # check out the code, with its full history",
            after="  build:",
        ),
    ),
    case(
        "attestations: write on the smoke job",
        "publish-permissions",
        Edit(
            TESTPYPI,
            "attestations: read # gh attestation verify",
            "attestations: write # gh attestation verify",
        ),
    ),
    case(
        "persist-credentials removed",
        "persist-credentials",
        Edit(
            TEST,
            "        with:\n          persist-credentials: false\n",
            "",
            after="  lint:",
        ),
    ),
    case(
        "persist-credentials: true",
        "persist-credentials",
        Edit(
            PYPI,
            "persist-credentials: false",
            "persist-credentials: true",
            after="  smoke:",
        ),
    ),
    case(
        "fetch-depth removed from the release build's checkout",
        "full-history",
        Edit(PYPI, "          fetch-depth: 0\n", "", after="  build:"),
    ),
    case(
        "fetch-depth removed from the dry run's checkout",
        "full-history",
        Edit(TESTPYPI, "          fetch-depth: 0\n", "", after="  dry-run:"),
    ),
    case(
        "the release tag expanded in a run:",
        "expression-in-run",
        Edit(
            PYPI,
            BUILT_SUMS_CHECK,
            'echo "${{ github.event.release.tag_name }}" && sha256sum -c x',
        ),
    ),
    case(
        "an input expanded in a composite run:",
        "expression-in-run",
        Edit(
            SMOKE,
            '--timeout "$TIMEOUT"\n        else',
            "--timeout ${{ inputs.timeout }}\n        else",
        ),
    ),
    case(
        "a composite run step without shell",
        "composite-shell",
        Edit(BUILD, "(make check)\n      shell: bash\n", "(make check)\n"),
    ),
    case(
        "a number as an input default",
        "action-metadata",
        Edit(BUILD, 'default: "14"', "default: 14"),
    ),
    case(
        "an input without description",
        "action-metadata",
        Edit(
            SMOKE,
            "    description: The version to install from index-url",
            "    x-description: The version to install from index-url",
        ),
    ),
    case(
        "a snake_case input",
        "action-metadata",
        Edit(SETUP, "  tools-python-version:\n", "  tools_python_version:\n"),
    ),
    case(
        "an output not bound to a step",
        "action-metadata",
        Edit(
            BUILD,
            "value: ${{ steps.built.outputs.version }}",
            "value: ${{ inputs.expected-tag }}",
        ),
    ),
    case(
        "a misspelled action input",
        "action-inputs",
        Edit(
            PYPI,
            "          artifact-name: dist\n",
            "          artifact-nme: dist\n",
            after="  build:",
        ),
    ),
    case(
        "a required input left out",
        "action-inputs",
        Edit(
            SMOKE,
            "inputs:\n",
            "inputs:\n  project:\n    description: x\n    required: true\n",
        ),
    ),
    case(
        "a secret the called workflow does not declare",
        "action-inputs",
        Edit(
            PYPI,
            "    uses: ./.github/workflows/test.yml\n",
            "    uses: ./.github/workflows/test.yml\n"
            "    secrets:\n      PYPI_TOKEN: ${{ secrets.PYPI_TOKEN }}\n",
        ),
    ),
    case(
        "a called workflow without workflow_call",
        "action-inputs",
        Edit(TEST, "  workflow_call:\n", "  workflow_run:\n    workflows: [x]\n"),
        Edit(
            TEST,
            "    secrets:\n      CODECOV_TOKEN:\n",
            "    x:\n      CODECOV_TOKEN:\n",
        ),
    ),
    case(
        "an action output bound to a step id that is gone",
        "step-outputs",
        Edit(BUILD, "      id: built\n", "      id: recorded\n"),
    ),
    case(
        "an output the step does not set",
        "step-outputs",
        Edit(
            BUILD,
            'echo "artifact-name=${ARTIFACT_NAME}"',
            'echo "artifact=${ARTIFACT_NAME}"',
        ),
    ),
    case(
        "a misspelled job output",
        "step-outputs",
        Edit(
            PYPI, "needs.build.outputs.version }}/", "needs.build.outputs.versoin }}/"
        ),
    ),
    case(
        "a job output from a step that is not there",
        "step-outputs",
        Edit(
            PYPI,
            "${{ steps.build.outputs.version }}",
            "${{ steps.verify.outputs.version }}",
        ),
    ),
    case(
        "a step output used before the step",
        "step-outputs",
        Edit(
            SMOKE,
            "        DIST_DIR: ${{ inputs.dist-dir }}\n        VERSION",
            "        DIST_DIR: ${{ steps.install.outcome }}\n        VERSION",
        ),
    ),
    case(
        "a downloaded artifact name never uploaded",
        "artifacts",
        Edit(
            PYPI,
            "name: dist\n          path: .\n",
            "name: dists\n          path: .\n",
            after="  publish:",
        ),
    ),
    case(
        "the build uploads under another name",
        "artifacts",
        Edit(
            TESTPYPI,
            "          artifact-name: dist\n",
            "          artifact-name: wheels\n",
        ),
    ),
    case(
        "a download pattern that matches no upload",
        "artifacts",
        Edit(TEST, "pattern: coverage-*", "pattern: cov-*"),
    ),
    case(
        "a download from a job not needed",
        "artifacts",
        Edit(TEST, "    needs: [tests]\n", "", after="  coverage:"),
    ),
    case(
        "the publish action inside a composite action",
        "publish-direct",
        Edit(
            SMOKE,
            "  steps:\n",
            f"  steps:\n    - name: Publish\n      uses: {PUBLISH_PIN} # v1.14.2\n",
        ),
    ),
    case(
        "needs dropped from the publish job",
        "publish-chain",
        Edit(PYPI, "    needs: [build]\n", "", after="  publish:"),
    ),
    case(
        "a build that does not wait for the tests",
        "publish-chain",
        Edit(TESTPYPI, "    needs: [tests]\n", "", after="  build:"),
    ),
    case(
        "a smoke job that does not wait for the publish",
        "publish-chain",
        Edit(PYPI, "    needs: [build, publish]\n", "    needs: [build]\n"),
    ),
    case(
        "a checkout in the publish job",
        "publish-job",
        Edit(
            PYPI,
            "    steps:\n      - name: Download the verified files\n",
            f"    steps:\n      - name: Check out\n        uses: {CHECKOUT_PIN}\n"
            "        with:\n          persist-credentials: false\n"
            "      - name: Download the verified files\n",
            after="  publish:",
        ),
    ),
    case(
        "a build in the publish job",
        "publish-job",
        Edit(
            PYPI,
            BUILT_SUMS_CHECK,
            "make dist && " + BUILT_SUMS_CHECK,
        ),
    ),
    case(
        "the checksums not checked before publishing",
        "publish-job",
        Edit(TESTPYPI, BUILT_SUMS_CHECK, "ls dist"),
    ),
    case(
        "no provenance for dist/*",
        "publish-job",
        Edit(PYPI, "subject-path: dist/*", "subject-path: SHA256SUMS"),
    ),
    case(
        "dry_run removed from the publish condition",
        "dry-run",
        Edit(
            PYPI,
            "(github.event_name == 'workflow_dispatch' && !inputs.dry_run)",
            "github.event_name == 'workflow_dispatch'",
        ),
    ),
    case(
        "the publish condition removed",
        "dry-run",
        Edit(
            TESTPYPI,
            "    if: github.event_name == 'push' || (github.event_name == "
            "'workflow_dispatch' && !inputs.dry_run)\n",
            "",
        ),
    ),
    case(
        "a publish that never runs on release",
        "dry-run",
        Edit(
            PYPI, "github.event_name == 'release' ||", "github.event_name == 'push' ||"
        ),
    ),
    case(
        "dry_run defaulting to false",
        "dry-run",
        Edit(PYPI, "        default: true\n", "        default: false\n"),
    ),
    case(
        "no dry_run input",
        "dry-run",
        Edit(TESTPYPI, "    inputs:\n      dry_run:\n", "    inputs:\n      dryrun:\n"),
    ),
    case(
        "a dry-run job that runs on a real publish",
        "dry-run",
        Edit(
            PYPI,
            "    if: github.event_name == 'workflow_dispatch' && inputs.dry_run\n",
            "",
        ),
    ),
    case(
        "no dry-run job",
        "dry-run",
        Edit(TESTPYPI, "run: make publish-dry-run\n", "run: make smoke\n"),
    ),
    case(
        "another environment name",
        "environments",
        Edit(PYPI, "      name: pypi\n", "      name: production\n"),
    ),
    case(
        "an environment without its URL",
        "environments",
        Edit(
            TESTPYPI,
            "      url: https://test.pypi.org/project/glyph-phase-engine/"
            "${{ needs.build.outputs.version }}/\n",
            "",
        ),
    ),
    case(
        "TestPyPI's upload sent to PyPI",
        "upload-url",
        Edit(
            TESTPYPI, "https://test.pypi.org/legacy/", "https://upload.pypi.org/legacy/"
        ),
    ),
    case(
        "skip-existing removed from TestPyPI",
        "upload-url",
        Edit(TESTPYPI, "          skip-existing: true\n", ""),
    ),
    case(
        "PyPI's upload sent elsewhere",
        "upload-url",
        Edit(
            PYPI,
            "          packages-dir: dist/\n",
            "          repository-url: https://pypi.example.org/legacy/\n"
            "          packages-dir: dist/\n",
        ),
    ),
    case(
        "PEP 740 attestations turned off",
        "attestations",
        Edit(PYPI, "          attestations: true\n", "          attestations: false\n"),
    ),
    case(
        "TestPyPI's attestations turned off",
        "attestations",
        Edit(
            TESTPYPI,
            "          attestations: true\n",
            "          attestations: false\n",
        ),
    ),
    case(
        "no index check before the PyPI publish",
        "index-check",
        Edit(PYPI, "          index-url: https://pypi.org/simple/\n", ""),
    ),
    case(
        "no index check before the TestPyPI publish",
        "index-check",
        Edit(TESTPYPI, "          index-url: https://test.pypi.org/simple/\n", ""),
    ),
    case(
        "the PyPI build checks TestPyPI",
        "index-check",
        Edit(
            PYPI,
            "index-url: https://pypi.org/simple/\n",
            "index-url: " "https://test.pypi.org/simple/\n",
            after="  build:",
        ),
    ),
    case(
        "the PyPI index check skips an existing version",
        "index-check",
        Edit(
            PYPI,
            "          index-url: https://pypi.org/simple/\n",
            "          index-url: https://pypi.org/simple/\n"
            '          skip-existing: "true"\n',
        ),
    ),
    case(
        "the TestPyPI index check fails a re-run",
        "index-check",
        Edit(TESTPYPI, '          skip-existing: "true"\n', ""),
    ),
    case(
        "build-verify ignores its index-url",
        "index-check",
        Edit(
            BUILD,
            "      run: make index-check\n",
            '      run: echo "$INDEX_URL"\n',
        ),
    ),
    case(
        "the release build without its tag",
        "release-build",
        Edit(
            PYPI,
            "expected-tag: ${{ github.ref_type == 'tag' && github.ref_name || '' }}",
            "expected-tag: ''",
        ),
    ),
    case(
        "the release build as a development version",
        "release-build",
        Edit(
            PYPI,
            "dev-version: ${{ github.ref_type != 'tag' }}",
            'dev-version: "true"',
        ),
    ),
    case(
        "TestPyPI's build not the development version",
        "release-build",
        Edit(TESTPYPI, 'dev-version: "true"', 'dev-version: "false"'),
    ),
    case(
        "PyPI's smoke job installs from TestPyPI",
        "smoke-index",
        Edit(
            PYPI,
            "index-url: https://pypi.org/simple/\n",
            "index-url: https://test.pypi.org/simple/\n",
            after="  smoke:",
        ),
    ),
    case(
        "TestPyPI's smoke job installs from PyPI",
        "smoke-index",
        Edit(
            TESTPYPI,
            "index-url: https://test.pypi.org/simple/\n",
            "index-url: https://pypi.org/simple/\n",
            after="  smoke:",
        ),
    ),
    case(
        "the failure summary names another environment",
        "publisher-summary",
        Edit(PYPI, "          ENVIRONMENT: pypi\n", "          ENVIRONMENT: release\n"),
    ),
    case(
        "a called workflow sharing its caller's group",
        "concurrency",
        Edit(
            TEST,
            "group: tests-${{ github.workflow }}-",
            "group: ${{ github.workflow }}-",
        ),
        Edit(
            PYPI,
            "group: publish-pypi-${{ github.ref }}",
            "group: ${{ github.workflow }}-${{ github.ref }}",
        ),
    ),
    case(
        "no concurrency block",
        "concurrency",
        Edit(
            TESTPYPI,
            "  group: publish-testpypi-${{ github.ref }}\n",
            "",
        ),
    ),
    case(
        "a second concurrency block in a job",
        "concurrency",
        Edit(
            TEST,
            "    timeout-minutes: 15\n",
            "    timeout-minutes: 15\n    concurrency: lint\n",
        ),
    ),
    case(
        "a job name that is not a sentence",
        "job-name",
        Edit(TEST, "    name: All the checks passed\n", "    name: all-green\n"),
    ),
    case(
        "a job without a name",
        "job-name",
        Edit(
            TEST, "    name: Combine the coverage of every Python and upload it\n", ""
        ),
    ),
    case(
        "a Python dropped from the matrix",
        "python-versions",
        Edit(TEST, '"3.11", "3.12", "3.13"', '"3.11", "3.13"'),
    ),
    case(
        "Python 3.8's runner dropped from the matrix",
        "python-versions",
        Edit(
            TEST,
            '          - os: ubuntu-22.04\n            python-version: "3.8"\n',
            "",
        ),
    ),
    case(
        "3.10 unquoted in the matrix",
        "python-versions",
        Edit(TEST, '"3.10"', "3.10"),
    ),
    case(
        "a classifier dropped",
        "python-versions",
        Edit("pyproject.toml", '  "Programming Language :: Python :: 3.14",\n', ""),
    ),
    case(
        "requires-python raised",
        "python-versions",
        Edit(
            "pyproject.toml", 'requires-python = ">=3.8"', 'requires-python = ">=3.9"'
        ),
    ),
    case(
        "a Python dropped from tox's env_list",
        "python-versions",
        Edit("tox.ini", "py3{8,9,10,11,12,13,14,15}", "py3{8,9,10,11,12,13,14}"),
    ),
]


def test_the_real_files_pass():
    problems = vw.check_all(ROOT)
    assert problems == [], "\n".join(map(str, problems))


def test_the_copy_passes_unchanged(tree):
    assert tree.problems() == []


@pytest.mark.parametrize("rule, edits", MUTATIONS)
def test_validate_catches_the_mutation(tree, rule, edits):
    problems = tree.apply(*edits).problems()
    assert rule in {p.rule for p in problems}, "\n".join(map(str, problems)) or (
        "no problem found"
    )
    for problem in problems:
        assert PROBLEM_LINE.match(str(problem)), str(problem)


def test_validate_every_rule_has_a_mutation():
    covered = {param.values[0] for param in MUTATIONS}
    assert covered == set(vw.RULES)


def test_validate_points_at_the_line(tree):
    tree.apply(Edit(TEST, CHECKOUT_PIN, "actions/checkout@v4"))
    lines = (tree.path / TEST).read_text().splitlines()
    expected = next(i for i, t in enumerate(lines, 1) if "actions/checkout@v4" in t)
    (problem,) = tree.problems()
    assert (problem.path, problem.line, problem.rule) == (TEST, expected, "pinned-uses")
    assert "`uses: actions/checkout@<sha> # vX.Y.Z`" in problem.fix


def test_validate_lists_every_problem_and_exits_1(tree, capsys):
    tree.apply(
        Edit(TEST, CHECKOUT_PIN, "actions/checkout@v4"),
        Edit(PYPI, "    needs: [build]\n", "", after="  publish:"),
    )
    assert vw.main(["--root", str(tree.path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(": pinned-uses: " in line for line in out)
    assert any(": publish-chain: " in line for line in out)
    assert all(PROBLEM_LINE.match(line) for line in out)


def test_validate_passes_and_says_so(capsys):
    assert vw.main(["--root", str(ROOT)]) == 0
    assert "follow the" in capsys.readouterr().out


def test_validate_lists_its_rules(capsys):
    assert vw.main(["--rules"]) == 0
    assert set(re.findall(r"^(\S+)", capsys.readouterr().out, re.M)) == set(vw.RULES)


def test_validate_reads_on_as_a_key_not_true():
    data = vw.load_yaml("on:\n  push:\nyes: no\n")
    assert set(data) == {"on", "yes"} and data["yes"] == "no"
    assert data.kline("yes") == 3


@pytest.mark.parametrize(
    "condition, context, expected",
    [
        ("!inputs.dry_run", {"inputs.dry_run": True}, False),
        ("${{ !inputs.dry_run }}", {"inputs.dry_run": False}, True),
        ("github.event_name == 'RELEASE'", {"github.event_name": "release"}, True),
        ("a == 'x' || (b && !c)", {"b": True}, True),
        ("a && b", {"a": True, "b": ""}, False),
        ("always()", {}, True),
        ("failure()", {}, False),
        (
            "contains(github.ref, 'tags') && x != 1",
            {"github.ref": "refs/tags/v1"},
            True,
        ),
        ("startsWith(github.ref, 'refs/tags/')", {"github.ref": "refs/heads/x"}, False),
        ("endsWith('ab', 'b') && 2 > 1", {}, True),
        ("1 < 'a'", {}, False),
        ("toJSON(x)", {}, False),
        (None, {}, True),
        (False, {}, False),
    ],
)
def test_validate_evaluates_if_conditions(condition, context, expected):
    assert vw.evaluate(condition, context) is expected


def test_validate_treats_an_unreadable_condition_as_always_true():
    assert vw._holds("a = b", {}) is True


def test_validate_reads_the_classifiers_with_scripts_pythons(tree, monkeypatch):
    """One reading of the classifiers: tools.dev.pythons.supported_versions."""
    calls = []

    def fake(path):
        calls.append(path)
        return ["3.7"]

    monkeypatch.setattr(vw, "supported_versions", fake)
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


# ---- zizmor flags the mutations it covers -------------------------------------

ZIZMOR_CASES = [
    pytest.param(
        "unpinned-uses",
        [Edit(TEST, CHECKOUT_PIN, "actions/checkout@v4")],
        id="unpinned",
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
        "excessive-permissions",
        [
            Edit(
                TEST,
                "permissions: {}\n\nconcurrency",
                "permissions: write-all\n\nconcurrency",
            )
        ],
        id="excessive-permissions",
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


def zizmor(path: Path):
    exe = Path(sys.executable).parent / "zizmor"
    command = [str(exe if exe.exists() else "zizmor"), "--offline", "--persona"]
    command += ["pedantic", "--format", "json", "--no-progress", str(path)]
    return subprocess.run(command, capture_output=True, text=True)


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


def test_validate_make_target_passes_on_a_fresh_copy(project):
    out = project.make("validate")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No findings" in out.stdout + out.stderr
    assert "follow the" in out.stdout


def test_validate_make_target_fails_on_a_broken_workflow(project):
    path = project.path / PYPI
    path.write_text(path.read_text().replace("persist-credentials: false", "x: y", 1))
    out = project.make("validate")
    assert out.returncode != 0
    assert "artipacked" in out.stdout + out.stderr


# ---- RELEASING.md's trusted publisher table matches the workflows ---------------


def releasing_table():
    rows = {}
    text = (ROOT / "RELEASING.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3:
            values = [re.sub(r"`([^`]*)`.*", r"\1", c) for c in cells[1:]]
            rows[cells[0]] = dict(zip(("pypi", "testpypi"), values))
    return rows


def test_validate_releasing_table_matches_the_workflows():
    rows = releasing_table()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    name = re.search(r'^name = "([^"]+)"', pyproject, re.M).group(1)
    owner, repo = re.search(
        r'^Source = "https://github.com/([^/]+)/([^/"]+)"', pyproject, re.M
    ).groups()
    repository = vw.Repo(ROOT)
    for index in ("pypi", "testpypi"):
        assert rows["PyPI project name"][index] == name
        assert rows["Owner"][index] == owner
        assert rows["Repository name"][index] == repo
        doc = repository.workflows[f".github/workflows/{rows['Workflow name'][index]}"]
        (job,) = vw._publish_jobs(doc).values()
        assert vw._environment(job)[0] == rows["Environment name"][index] == index
        _, step = vw._publish_step(job)
        url = vw.with_of(step).get("repository-url", vw.PYPI_UPLOAD)
        assert rows["upload URL (in the workflow)"][index] == url
