"""Mutation cases of the rules on trust, shape and data flow.

Each removes one protection from a copy of the files; the rule named must
report the text given. Pins are read from the workflows, never written here.
"""

from tests.release.validate_helpers import (
    BUILD,
    PYPI,
    SETUP,
    SMOKE,
    TEST,
    TESTPYPI,
    Edit,
    as_tag,
    case,
    pinned,
)

CHECKOUT = pinned("actions/checkout")
PUBLISH = pinned("pypa/gh-action-pypi-publish")
PUBLISH_BARE = pinned("pypa/gh-action-pypi-publish", comment=False)
SETUP_UV = pinned("astral-sh/setup-uv")

CASES = [
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
        "the mypy hook without a library mypy needs",
        "hook-dependencies",
        "the mypy hook lacks hatchling, which the files mypy checks import",
        Edit(
            ".pre-commit-config.yaml",
            '          - hatchling==1.27.0; python_full_version < "3.10"\n'
            '          - hatchling==1.33.0; python_full_version >= "3.10"\n',
            "",
        ),
    ),
]
