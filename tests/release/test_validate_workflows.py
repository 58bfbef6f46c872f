"""Every rule of the workflow validator catches the protection it stands for.

Each case copies the real workflows, actions, tox.ini and pyproject.toml into
a temporary folder (never the working tree), removes one protection, and
asserts that the validator reports it under its rule, with its message. A
mutation whose text is not in the real files fails the test, so the cases
follow the files as they change. No action SHA or version is written here:
:func:`pinned` reads them from the workflow files.
"""

import re
from typing import Any, Tuple

import pytest

from tests.release.validate_helpers import (
    BUILD,
    PROBLEM_LINE,
    PYPI,
    ROOT,
    SETUP,
    SMOKE,
    TEST,
    TESTPYPI,
    Edit,
    Tree,
    lines,
    pinned,
)
from tools.workflows import validate
from tools.workflows.validate import RULES

CHECKOUT = pinned("actions/checkout")
PUBLISH = pinned("pypa/gh-action-pypi-publish")
PUBLISH_BARE = pinned("pypa/gh-action-pypi-publish", comment=False)
SETUP_UV = pinned("astral-sh/setup-uv")


def as_tag(pin: str) -> str:
    """``owner/repo@vX.Y.Z``: the pinned action by the tag its comment names."""
    name = pin.split("@", 1)[0]
    version = re.search(r"#\s*(v\S+)", pin)
    assert version, f"{pin} has no version comment"
    return f"{name}@{version.group(1)}"


def line_of(path: str, start: str) -> str:
    """The whole line of ``path`` that starts with ``start`` (newline included)."""
    for line in (ROOT / path).read_text(encoding="utf-8").splitlines(True):
        if line.startswith(start):
            return line
    raise AssertionError(f"no line starting {start!r} in {path}")


def case(name: str, rule: str, expect: str, *edits: Edit) -> Any:
    return pytest.param(RULES[rule].name, expect, edits, id=f"{rule}:{name}")


MUTATIONS = [
    case(
        "broken YAML", "yaml", "not valid YAML", Edit(TEST, "jobs:\n", "jobs:\n  - [\n")
    ),
    case(
        "a tag instead of a SHA",
        "pinned-uses",
        f"{as_tag(CHECKOUT)} is not pinned to a commit",
        Edit(TEST, CHECKOUT, as_tag(CHECKOUT)),
    ),
    case(
        "a SHA without its version comment",
        "pinned-uses",
        "without saying which release",
        Edit(PYPI, PUBLISH, PUBLISH_BARE),
    ),
    case(
        "a branch in a composite action",
        "pinned-uses",
        "astral-sh/setup-uv@main is not pinned to a commit",
        Edit(SETUP, SETUP_UV, "astral-sh/setup-uv@main"),
    ),
    case(
        "a local action that does not exist",
        "local-uses",
        "uses ./.github/actions/set-up, which does not exist",
        Edit(
            TEST, "uses: ./.github/actions/setup\n", "uses: ./.github/actions/set-up\n"
        ),
    ),
    case(
        "a called workflow that does not exist",
        "local-uses",
        "uses ./.github/workflows/tests.yml, which does not exist",
        Edit(PYPI, "./.github/workflows/test.yml", "./.github/workflows/tests.yml"),
    ),
    case(
        "a job without permissions",
        "job-permissions",
        "job lint declares no permissions",
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
        "is granted contents: read without saying why",
        Edit(TEST, "contents: read # check out the code\n", "contents: read\n"),
    ),
    case(
        "id-token: write moved to the top",
        "publish-permissions",
        "job publish publishes without id-token: write",
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
        "job build gets id-token: write but neither publishes nor attests",
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
        "job smoke gets attestations: write but makes no attestation",
        Edit(
            TESTPYPI,
            "attestations: read # gh attestation verify",
            "attestations: write # gh attestation verify",
        ),
    ),
    case(
        "persist-credentials removed",
        "persist-credentials",
        "a checkout in job lint leaves the token in .git/config",
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
        "a checkout in job smoke leaves the token in .git/config",
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
        "job build builds a release from a shallow checkout",
        Edit(PYPI, "          fetch-depth: 0\n", "", after="  build:"),
    ),
    case(
        "fetch-depth removed from the dry run's checkout",
        "full-history",
        "job dry-run builds a release from a shallow checkout",
        Edit(TESTPYPI, "          fetch-depth: 0\n", "", after="  dry-run:"),
    ),
    case(
        "double quotes in an if:",
        "expression-syntax",
        "cannot read the expression",
        Edit(PYPI, "github.ref_type != 'tag'", 'github.ref_type != "tag"'),
    ),
    case(
        "a context that does not exist",
        "expression-syntax",
        "unrecognized named-value 'input'",
        Edit(
            SMOKE, "DIST_DIR: ${{ inputs.dist-dir }}", "DIST_DIR: ${{ input.dist-dir }}"
        ),
    ),
    case(
        "an expression left open",
        "expression-syntax",
        "without its '}}'",
        Edit(
            SMOKE, "DIST_DIR: ${{ inputs.dist-dir }}", "DIST_DIR: ${{ inputs.dist-dir"
        ),
    ),
    case(
        "a composite run step without shell",
        "composite-shell",
        "of a composite action declares no shell",
        Edit(BUILD, "(make check)\n      shell: bash\n", "(make check)\n"),
    ),
    case(
        "a number as an input default",
        "action-metadata",
        "input retention-days has no string default",
        Edit(BUILD, 'default: "14"', "default: 14"),
    ),
    case(
        "an input without description",
        "action-metadata",
        "input version has no description",
        Edit(
            SMOKE,
            "    description: The version to install from index-url",
            "    x-description: The version to install from index-url",
        ),
    ),
    case(
        "a snake_case input",
        "action-metadata",
        "input tools_python_version is not kebab-case",
        Edit(SETUP, "  tools-python-version:\n", "  tools_python_version:\n"),
    ),
    case(
        "an output not bound to a step",
        "action-metadata",
        "output version is not bound to a step",
        Edit(
            BUILD,
            "value: ${{ steps.built.outputs.version }}",
            "value: ${{ inputs.expected-tag }}",
        ),
    ),
    case(
        "a misspelled action input",
        "action-inputs",
        "passes input artifact-nme to ./.github/actions/build-verify, which declares "
        "no such input; did you mean artifact-name?",
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
        "without its required input project",
        Edit(
            SMOKE,
            "inputs:\n",
            "inputs:\n  project:\n    description: x\n    required: true\n",
        ),
    ),
    case(
        "a secret the called workflow does not declare",
        "action-inputs",
        "passes secret PYPI_TOKEN to ./.github/workflows/test.yml",
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
        "which has no workflow_call trigger",
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
        "the action refers to step built, which it does not have",
        Edit(BUILD, "      id: built\n", "      id: recorded\n"),
    ),
    case(
        "an output the step does not set",
        "step-outputs",
        "uses output artifact-name of step built, which sets no such output",
        Edit(
            BUILD,
            'echo "artifact-name=${ARTIFACT_NAME}"',
            'echo "artifact=${ARTIFACT_NAME}"',
        ),
    ),
    case(
        "a misspelled job output",
        "step-outputs",
        "uses output versoin of job build, which declares no such output",
        Edit(
            PYPI, "needs.build.outputs.version }}/", "needs.build.outputs.versoin }}/"
        ),
    ),
    case(
        "a job output from a step that is not there",
        "step-outputs",
        "job build refers to step verify, which it does not have",
        Edit(
            PYPI,
            "${{ steps.build.outputs.version }}",
            "${{ steps.verify.outputs.version }}",
        ),
    ),
    case(
        "a step output used before the step",
        "step-outputs",
        "refers to step install before it has run",
        Edit(
            SMOKE,
            "        DIST_DIR: ${{ inputs.dist-dir }}\n        VERSION",
            "        DIST_DIR: ${{ steps.install.outcome }}\n        VERSION",
        ),
    ),
    case(
        "a downloaded artifact name never uploaded",
        "artifacts",
        "job publish downloads artifact dists, which no job of this workflow uploads",
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
        "downloads artifact dist, which no job of this workflow uploads",
        Edit(
            TESTPYPI,
            "          artifact-name: dist\n",
            "          artifact-name: wheels\n",
        ),
    ),
    case(
        "a download pattern that matches no upload",
        "artifacts",
        "downloads artifacts matching cov-*",
        Edit(TEST, "pattern: coverage-*", "pattern: cov-*"),
    ),
    case(
        "a download from a job not needed",
        "artifacts",
        "which it does not need (it may not exist yet)",
        Edit(TEST, "    needs: [tests]\n", "", after="  coverage:"),
    ),
    case(
        "the publish action inside a composite action",
        "publish-direct",
        "runs inside a composite action, which it does not support",
        Edit(
            SMOKE,
            "  steps:\n",
            f"  steps:\n    - name: Publish\n      uses: {PUBLISH}\n",
        ),
    ),
    case(
        "needs dropped from the publish job",
        "publish-chain",
        "publish job publish does not need the build job",
        Edit(PYPI, "    needs: [build]\n", "", after="  publish:"),
    ),
    case(
        "a build that does not wait for the tests",
        "publish-chain",
        "build job build does not need the tests",
        Edit(TESTPYPI, "    needs: [tests]\n", "", after="  build:"),
    ),
    case(
        "a smoke job that does not wait for the publish",
        "publish-chain",
        "no smoke job after publish job publish",
        Edit(PYPI, "    needs: [build, publish]\n", "    needs: [build]\n"),
    ),
    case(
        "a checkout in the publish job",
        "publish-job",
        "publish job publish runs project code (actions/checkout@",
        Edit(
            PYPI,
            "    steps:\n      - name: Download the verified files\n",
            f"    steps:\n      - name: Check out\n        uses: {CHECKOUT}\n"
            "        with:\n          persist-credentials: false\n"
            "      - name: Download the verified files\n",
            after="  publish:",
        ),
    ),
    case(
        "a build in the publish job",
        "publish-job",
        "publish job publish runs a build or project code (make)",
        Edit(
            PYPI,
            "run: sha256sum -c SHA256SUMS",
            "run: make dist && sha256sum -c SHA256SUMS",
        ),
    ),
    case(
        "the checksums not checked before publishing",
        "publish-job",
        "does not check it with `sha256sum -c SHA256SUMS` before publishing",
        Edit(TESTPYPI, "run: sha256sum -c SHA256SUMS", "run: ls dist"),
    ),
    case(
        "no provenance for dist/*",
        "publish-job",
        "does not attest dist/*",
        Edit(PYPI, "subject-path: dist/*", "subject-path: SHA256SUMS"),
    ),
    case(
        "dry_run removed from the publish condition",
        "dry-run",
        "publish job publish runs on a dry run",
        Edit(
            PYPI,
            "(github.event_name == 'workflow_dispatch' && !inputs.dry_run)",
            "github.event_name == 'workflow_dispatch'",
        ),
    ),
    case(
        "dry_run compared as a string that is never equal",
        "dry-run",
        "publish job publish runs on a dry run",
        Edit(
            PYPI,
            "(github.event_name == 'workflow_dispatch' && !inputs.dry_run)",
            "(github.event_name == 'workflow_dispatch' && inputs.dry_run != 'true')",
        ),
    ),
    case(
        "the publish condition removed",
        "dry-run",
        "publish job publish runs on a dry run",
        Edit(
            TESTPYPI,
            "    if: github.event_name == 'push' || (github.event_name == "
            "'workflow_dispatch' && !inputs.dry_run)\n",
            "",
        ),
    ),
    case(
        "a publish condition on a value not known before the run",
        "dry-run",
        "cannot tell whether publish job publish runs on a dry run: it depends on "
        "vars.DRY_RUN",
        Edit(PYPI, "&& !inputs.dry_run)\n", "&& !vars.DRY_RUN)\n"),
    ),
    case(
        "a publish condition that cannot be read",
        "dry-run",
        "cannot read the expression",
        Edit(PYPI, "&& !inputs.dry_run)\n", "&& !inputs.dry_run\n"),
    ),
    case(
        "a publish that never runs on release",
        "dry-run",
        "publish job publish never runs on release",
        Edit(
            PYPI, "github.event_name == 'release' ||", "github.event_name == 'push' ||"
        ),
    ),
    case(
        "dry_run defaulting to false",
        "dry-run",
        "input dry_run is not a boolean that defaults to true",
        Edit(PYPI, "        default: true\n", "        default: false\n"),
    ),
    case(
        "no dry_run input",
        "dry-run",
        "no workflow_dispatch input dry_run",
        Edit(TESTPYPI, "    inputs:\n      dry_run:\n", "    inputs:\n      dryrun:\n"),
    ),
    case(
        "a dry-run job that runs on a real publish",
        "dry-run",
        "dry-run job dry-run does not run exactly on a dry run",
        Edit(
            PYPI,
            "    if: github.event_name == 'workflow_dispatch' && inputs.dry_run\n",
            "",
        ),
    ),
    case(
        "no dry-run job",
        "dry-run",
        "no job runs `make publish-dry-run`",
        Edit(TESTPYPI, "run: make publish-dry-run\n", "run: make smoke\n"),
    ),
    case(
        "another environment name",
        "environments",
        "uses environment production; an upload to pypi needs environment pypi",
        Edit(PYPI, "      name: pypi\n", "      name: production\n"),
    ),
    case(
        "an environment without its URL",
        "environments",
        "environment testpypi of job publish has no URL on https://test.pypi.org/",
        Edit(
            TESTPYPI, line_of(TESTPYPI, "      url: https://test.pypi.org/project/"), ""
        ),
    ),
    case(
        "TestPyPI's upload sent to PyPI",
        "upload-url",
        "the TestPyPI upload of job publish goes to https://upload.pypi.org/legacy/",
        Edit(
            TESTPYPI, "https://test.pypi.org/legacy/", "https://upload.pypi.org/legacy/"
        ),
    ),
    case(
        "skip-existing removed from TestPyPI",
        "upload-url",
        "fails when a re-run finds its files there",
        Edit(TESTPYPI, "          skip-existing: true\n", ""),
    ),
    case(
        "PyPI's upload sent elsewhere",
        "upload-url",
        "the PyPI upload of job publish goes to https://pypi.example.org/legacy/",
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
        "turns the PEP 740 attestations off (False)",
        Edit(PYPI, "          attestations: true\n", "          attestations: false\n"),
    ),
    case(
        "TestPyPI's attestations turned off",
        "attestations",
        "turns the PEP 740 attestations off (False)",
        Edit(
            TESTPYPI,
            "          attestations: true\n",
            "          attestations: false\n",
        ),
    ),
    case(
        "no index check before the PyPI publish",
        "index-check",
        "nothing checks, before publish job publish, that the version is not on pypi",
        Edit(PYPI, "          index-url: https://pypi.org/simple/\n", ""),
    ),
    case(
        "no index check before the TestPyPI publish",
        "index-check",
        "that the version is not on testpypi yet",
        Edit(TESTPYPI, "          index-url: https://test.pypi.org/simple/\n", ""),
    ),
    case(
        "the PyPI build checks TestPyPI",
        "index-check",
        "reads https://test.pypi.org/simple/, not pypi",
        Edit(
            PYPI,
            "index-url: https://pypi.org/simple/\n",
            "index-url: https://test.pypi.org/simple/\n",
            after="  build:",
        ),
    ),
    case(
        "the PyPI index check skips an existing version",
        "index-check",
        "lets a version already on PyPI through",
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
        "fails a re-run of the same commit",
        Edit(TESTPYPI, '          skip-existing: "true"\n', ""),
    ),
    case(
        "build-verify ignores its index-url",
        "index-check",
        "build-verify does not run `python -m tools.publish.index check`",
        Edit(
            BUILD,
            '        .venv/bin/python -m tools.publish.index check "${args[@]}"\n',
            '        echo "${args[@]}"\n',
        ),
    ),
    case(
        "the release build without its tag",
        "release-build",
        "build job build does not pass the release tag to build-verify on a release "
        "(expected-tag is ''",
        Edit(
            PYPI,
            "expected-tag: ${{ github.ref_type == 'tag' && github.ref_name || '' }}",
            "expected-tag: ''",
        ),
    ),
    case(
        "the release build as a development version",
        "release-build",
        "build job build builds a development version on a release",
        Edit(
            PYPI, "dev-version: ${{ github.ref_type != 'tag' }}", 'dev-version: "true"'
        ),
    ),
    case(
        "the release build's dev-version decided by a variable",
        "release-build",
        "cannot tell what build-verify's dev-version is on a release: it depends on "
        "vars.DEV",
        Edit(
            PYPI,
            "dev-version: ${{ github.ref_type != 'tag' }}",
            "dev-version: ${{ vars.DEV }}",
        ),
    ),
    case(
        "TestPyPI's build not the development version",
        "release-build",
        "build job build does not build the development version for TestPyPI",
        Edit(TESTPYPI, 'dev-version: "true"', 'dev-version: "false"'),
    ),
    case(
        "PyPI's smoke job installs from TestPyPI",
        "smoke-index",
        "smoke job smoke installs from https://test.pypi.org/simple/, but job publish "
        "publishes to pypi",
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
        "installs from https://pypi.org/simple/, but job publish publishes to testpypi",
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
        "publish job publish does not say, when it fails, which trusted publisher",
        Edit(PYPI, "          ENVIRONMENT: pypi\n", "          ENVIRONMENT: release\n"),
    ),
    case(
        "a called workflow sharing its caller's group",
        "concurrency",
        "concurrency group is the same as its caller's",
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
        "the workflow has no concurrency group",
        Edit(TESTPYPI, "  group: publish-testpypi-${{ github.ref }}\n", ""),
    ),
    case(
        "a second concurrency block in a job",
        "concurrency",
        "job lint has a concurrency block of its own",
        Edit(
            TEST,
            "    timeout-minutes: 15\n",
            "    timeout-minutes: 15\n    concurrency: lint\n",
        ),
    ),
    case(
        "a job name that is not a sentence",
        "job-name",
        "job all-green is named 'all-green', not a sentence",
        Edit(TEST, "    name: All the checks passed\n", "    name: all-green\n"),
    ),
    case(
        "a job without a name",
        "job-name",
        "job coverage has no name",
        Edit(
            TEST, "    name: Combine the coverage of every Python and upload it\n", ""
        ),
    ),
    case(
        "a Python dropped from the matrix",
        "python-versions",
        "Python 3.12 is missing from the test matrix",
        Edit(TEST, '"3.11", "3.12", "3.13"', '"3.11", "3.13"'),
    ),
    case(
        "Python 3.8's runner dropped from the matrix",
        "python-versions",
        "Python 3.8 is missing from the test matrix",
        Edit(
            TEST,
            '          - os: ubuntu-22.04\n            python-version: "3.8"\n',
            "",
        ),
    ),
    case(
        "3.10 unquoted in the matrix",
        "python-versions",
        "has the number 3.1, not a string",
        Edit(TEST, '"3.10"', "3.10"),
    ),
    case(
        "a classifier dropped",
        "python-versions",
        "Python 3.14 is missing from the classifiers",
        Edit("pyproject.toml", '  "Programming Language :: Python :: 3.14",\n', ""),
    ),
    case(
        "requires-python raised",
        "python-versions",
        "requires-python's lower bound is 3.9, the oldest Python tested is 3.8",
        Edit(
            "pyproject.toml", 'requires-python = ">=3.8"', 'requires-python = ">=3.9"'
        ),
    ),
    case(
        "a Python dropped from tox's env_list",
        "python-versions",
        "Python 3.15 is missing from tox's env_list",
        Edit("tox.ini", "py3{8,9,10,11,12,13,14,15}", "py3{8,9,10,11,12,13,14}"),
    ),
]


@pytest.fixture
def tree(tmp_path) -> Tree:
    return Tree(tmp_path / "repo")


def test_the_real_files_pass():
    problems = validate.check_all(ROOT)
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
    covered = {param.values[0] for param in MUTATIONS}
    assert covered == set(RULES), f"no mutation for: {sorted(set(RULES) - covered)}"


def test_validate_problems_are_made_only_through_the_registry():
    """Only a Rule makes a Problem, so every problem names a registered rule."""
    package = ROOT / "tools" / "workflows" / "validate"
    for path in package.rglob("*.py"):
        if path.name != "registry.py":
            assert "Problem(" not in path.read_text(encoding="utf-8"), path


def test_validate_a_rule_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        validate.rule("yaml", "again")(lambda repo, this: [])


def test_validate_a_pin_follows_the_files(tree):
    """A Dependabot bump (another SHA and version) is still a valid pin."""
    sha = "0" * 40
    bumped = f"{CHECKOUT.split('@')[0]}@{sha} # v99.0.0"
    for path in (TEST, PYPI, TESTPYPI):
        file = tree.path / path
        file.write_text(file.read_text().replace(CHECKOUT, bumped), "utf-8")
    assert tree.problems() == []


def test_validate_accepts_fromjson_of_a_string_dry_run(tree):
    """`!fromJSON(inputs.dry_run)` is false on a dry run: the publish job stays off."""
    tree.apply(Edit(PYPI, "&& !inputs.dry_run)\n", "&& !fromJSON(inputs.dry_run))\n"))
    assert tree.problems() == []
