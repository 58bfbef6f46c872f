"""One mutation per row of RELEASING.md's table of the publish path's protections.

Keyed by the row's first cell: each removes that protection from a copy of the
files and names what in `make validate` fails (our rule, ``zizmor:<audit>`` or
``schema:<name>``) and the message it must print.
tests/release/workflows/test_validate.py checks these against the table and
the registry. Pins are read from the workflows.
"""

from typing import Dict, NamedTuple, Optional, Tuple

from tests.release.validate_helpers import (
    BUILD,
    BUILT_SUMS_CHECK,
    PYPI,
    SMOKE,
    TEST,
    TESTPYPI,
    Edit,
    as_tag,
    pinned,
)

CHECKOUT = pinned("actions/checkout")
PUBLISH = pinned("pypa/gh-action-pypi-publish")
GUARD = "    if: github.repository == 'glyph-phase-engine/glyph-phase-engine'\n"
DRY_RUN_JOB = "  dry-run:"


class Mutation(NamedTuple):
    fails: str  # a rule name, zizmor:<audit> or schema:<name>
    expect: str  # in the message of that component
    edits: Tuple[Edit, ...]


def mutation(fails: str, expect: str, *edits: Edit) -> Mutation:
    return Mutation(fails, expect, edits)


CASES: Dict[str, Mutation] = {
    "Actions pinned to a commit, with the release in a comment": mutation(
        "pinned-uses",
        f"{as_tag(CHECKOUT)} is not pinned to a commit",
        Edit(PYPI, CHECKOUT, as_tag(CHECKOUT)),
    ),
    "No permissions at the top of a workflow": mutation(
        "zizmor:excessive-permissions",
        "overly broad permissions",
        Edit(PYPI, "permissions: {}\n\n", ""),
    ),
    "Every job declares its permissions": mutation(
        "job-permissions",
        "job dry-run declares no permissions",
        Edit(
            PYPI,
            "    permissions:\n      contents: read # check out the publish dry run "
            "(Makefile, tools/)\n",
            "",
        ),
    ),
    "Every grant says why": mutation(
        "permissions-comment",
        "job build is granted contents: read without saying why",
        Edit(
            TESTPYPI,
            "contents: read # check out the code, with its full history and tags",
            "contents: read",
        ),
    ),
    "`id-token: write` only in the publish job": mutation(
        "publish-permissions",
        "job build gets id-token: write but neither publishes nor attests",
        Edit(
            PYPI,
            "contents: read # check out the code, with its full history and tags\n",
            "contents: read # check out the code, with its full history and tags\n"
            "      id-token: write # mint a token\n",
        ),
    ),
    "`persist-credentials: false` on every checkout": mutation(
        "persist-credentials",
        "a checkout in job build leaves the token in .git/config",
        Edit(
            PYPI,
            "persist-credentials: false",
            "persist-credentials: true",
            after="  build:",
        ),
    ),
    "Event data and inputs reach `run:` only through `env:`": mutation(
        "zizmor:template-injection",
        "code injection via template expansion",
        Edit(
            PYPI,
            BUILT_SUMS_CHECK,
            'echo "${{ github.event.release.tag_name }}"',
        ),
    ),
    "Trusted publishing, no API token": mutation(
        "zizmor:use-trusted-publishing",
        "prefer trusted publishing for authentication",
        Edit(
            PYPI,
            "          attestations: true\n",
            "          attestations: true\n"
            "          password: ${{ secrets.PYPI_API_TOKEN }}\n",
        ),
    ),
    "Publish only in the project's own repository": mutation(
        "own-repository",
        "publish job publish also runs in a fork, where it fails",
        Edit(TESTPYPI, GUARD, ""),
    ),
    "The repository is named once, in pyproject.toml": mutation(
        "own-repository",
        "job tests runs only in glyph-phase-engine/a-fork, but pyproject.toml's "
        "[project.urls] Source is the repository glyph-phase-engine/glyph-phase-engine",
        Edit(PYPI, GUARD, GUARD.replace("/glyph-phase-engine'", "/a-fork'")),
    ),
    "A real PyPI publish only from a release tag": mutation(
        "pypi-from-tag",
        "publish job publish publishes to PyPI from a branch when run by hand",
        Edit(
            PYPI,
            "        if: github.event_name == 'workflow_dispatch' && !inputs.dry_run "
            "&& github.ref_type != 'tag'\n",
            "        if: github.event_name == 'never'\n",
        ),
    ),
    "A manual run is a dry run unless asked otherwise": mutation(
        "dry-run",
        "input dry_run is not a boolean that defaults to true",
        Edit(PYPI, "        default: true\n", "        default: false\n"),
    ),
    "The publish job never runs on a dry run": mutation(
        "dry-run",
        "publish job publish runs on a dry run",
        Edit(
            TESTPYPI,
            "(github.event_name == 'workflow_dispatch' && !inputs.dry_run)",
            "github.event_name == 'workflow_dispatch'",
        ),
    ),
    "The dry run publishes the verified files": mutation(
        "dry-run",
        "dry-run job dry-run does not publish the verified files: it builds its own",
        Edit(
            PYPI,
            "run: make publish-dry-run",
            "run: make dist && make publish-dry-run",
            after=DRY_RUN_JOB,
        ),
    ),
    "One publish per ref, never cancelled half-way": mutation(
        "publish-concurrency",
        "a newer run cancels a release run in progress, half-way through a publish",
        Edit(PYPI, "cancel-in-progress: false", "cancel-in-progress: true"),
    ),
    "The tests a publish calls are never cancelled either": mutation(
        "publish-concurrency",
        "a newer run cancels a push run in progress (called by "
        ".github/workflows/publish-testpypi.yml)",
        Edit(
            TEST,
            "cancel-in-progress: ${{ github.event_name == 'pull_request' }}",
            "cancel-in-progress: ${{ github.event_name != 'workflow_dispatch' }}",
        ),
    ),
    "The called tests have a concurrency group of their own": mutation(
        "concurrency",
        ".github/workflows/test.yml's concurrency group is the same as its "
        "caller's (Publish to PyPI-${{ github.ref }})",
        Edit(
            TEST,
            "group: tests-${{ github.workflow }}-${{ github.ref }}",
            "group: ${{ github.workflow }}-${{ github.ref }}",
        ),
        Edit(
            PYPI,
            "group: publish-pypi-${{ github.ref }}",
            "group: ${{ github.workflow }}-${{ github.ref }}",
        ),
    ),
    "Tests, then build, then publish, then smoke": mutation(
        "publish-chain",
        "build job build does not need the tests",
        Edit(PYPI, "    needs: [tests]\n", "", after="  build:"),
    ),
    "No cache in a release": mutation(
        "release-cache",
        "job build of a publish workflow sets up the tools with uv's cache",
        Edit(PYPI, '          cache: "false"\n', "", after="  build:"),
    ),
    "Full history and tags where a release is built": mutation(
        "full-history",
        "job build builds a release from a shallow checkout",
        Edit(TESTPYPI, "          fetch-depth: 0\n", "", after="  build:"),
    ),
    "The build runs the stages of `make release-check`": mutation(
        "build-stages",
        "build-verify does not run `make sanity`",
        Edit(
            BUILD, 'run: make sanity TAG="$TAG" DEV="$DEV"', "run: echo skipped sanity"
        ),
    ),
    "The tag/version guard gets the release tag": mutation(
        "build-stages",
        "build-verify's `make sanity` does not get the expected tag",
        Edit(
            BUILD,
            'run: make sanity TAG="$TAG" DEV="$DEV"',
            'run: make sanity DEV="$DEV"',
        ),
    ),
    "PyPI gets the release tag's version, TestPyPI a development version": mutation(
        "release-build",
        "build job build builds a development version on a release",
        Edit(
            PYPI,
            "dev-version: ${{ github.ref_type != 'tag' }}",
            'dev-version: "true"',
        ),
    ),
    "The version is not on the index yet": mutation(
        "index-check",
        "nothing checks, before publish job publish, that the version is not on pypi",
        Edit(
            PYPI,
            "          index-url: https://pypi.org/simple/\n",
            "",
            after="  build:",
        ),
    ),
    "Local actions get exactly the inputs they declare": mutation(
        "action-inputs",
        "passes input index_url to ./.github/actions/build-verify, which declares no "
        "such input",
        Edit(
            PYPI,
            "          index-url: https://pypi.org/simple/\n",
            "          index_url: https://pypi.org/simple/\n",
            after="  build:",
        ),
    ),
    "The publish job publishes what the build job uploaded": mutation(
        "artifacts",
        "job publish downloads artifact dists, which no job of this workflow uploads",
        Edit(
            TESTPYPI,
            "          name: dist\n",
            "          name: dists\n",
            after="  publish:",
        ),
    ),
    "The version flows from the build job to the publish and smoke jobs": mutation(
        "step-outputs",
        "job smoke uses output versions of job build, which declares no such output",
        Edit(
            PYPI,
            "version: ${{ needs.build.outputs.version }}",
            "version: ${{ needs.build.outputs.versions }}",
            after="  smoke:",
        ),
    ),
    "The publish job runs no project code": mutation(
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
    "Checksums checked before the attestations and the upload": mutation(
        "publish-job",
        "does not check it against the build job's digests (`sha256sum --check`) "
        "before "
        "publishing",
        Edit(PYPI, BUILT_SUMS_CHECK, "ls dist", after="  publish:"),
    ),
    "Digests by a second channel: the publish and dry-run jobs check `dist/` "
    "against the build job's `sha256sums` output, not the artifact's own "
    "`SHA256SUMS`": mutation(
        "built-digests",
        "publish job publish checks the downloaded files against the SHA256SUMS in "
        "the artifact, which travels with the files it checks",
        Edit(
            TESTPYPI,
            "BUILT_SHA256SUMS: ${{ needs.build.outputs.sha256sums }}",
            "BUILT_SHA256SUMS: ${{ needs.build.outputs.version }}",
            after="  publish:",
        ),
        Edit(
            TESTPYPI,
            BUILT_SUMS_CHECK,
            "sha256sum --check SHA256SUMS",
            after="  publish:",
        ),
    ),
    "Build provenance attested": mutation(
        "publish-job",
        "publish job publish does not attest dist/*",
        Edit(TESTPYPI, "subject-path: dist/*", "subject-path: SHA256SUMS"),
    ),
    "The publish action is a direct step, once per job": mutation(
        "publish-direct",
        "runs inside a composite action, which it does not support",
        Edit(
            SMOKE,
            "  steps:\n",
            f"  steps:\n    - name: Publish\n      uses: {PUBLISH}\n",
        ),
    ),
    "Environments `pypi` and `testpypi`, with their URLs": mutation(
        "environments",
        "publish job publish uses environment release; an upload to pypi needs "
        "environment pypi",
        Edit(PYPI, "      name: pypi\n", "      name: release\n"),
    ),
    "Only the publish jobs name an environment": mutation(
        "environments",
        "job dry-run names environment testpypi but does not publish",
        Edit(
            TESTPYPI,
            "    timeout-minutes: 15\n    permissions:\n      contents: read",
            "    timeout-minutes: 15\n    environment: testpypi\n    permissions:\n"
            "      contents: read",
            after=DRY_RUN_JOB,
        ),
    ),
    "TestPyPI uploads go to TestPyPI, skipping existing files": mutation(
        "upload-url",
        "the TestPyPI upload of job publish goes to PyPI (no repository-url)",
        Edit(TESTPYPI, "          repository-url: https://test.pypi.org/legacy/\n", ""),
    ),
    "PEP 740 attestations on": mutation(
        "attestations",
        "the publish step of job publish turns the PEP 740 attestations off",
        Edit(PYPI, "attestations: true", "attestations: false"),
    ),
    "A failed publish names the trusted publisher it needs": mutation(
        "publisher-summary",
        "publish job publish does not say, when it fails, which trusted publisher",
        Edit(PYPI, "        if: failure()\n", "", after="  publish:"),
    ),
    "The smoke job installs from the index just published to": mutation(
        "smoke-index",
        "smoke job smoke installs from https://pypi.org/simple/, but job publish "
        "publishes to testpypi",
        Edit(
            TESTPYPI,
            "          index-url: https://test.pypi.org/simple/\n",
            "          index-url: https://pypi.org/simple/\n",
            after="  smoke:",
        ),
    ),
    "The smoke job verifies the attestations on the index": mutation(
        "smoke-attestations",
        "no job after publish job publish verifies the attestations of the files "
        "on pypi",
        Edit(
            PYPI,
            "-m tools.publish.attestations --index pypi",
            "-m tools.publish.smoke",
        ),
    ),
    "Updates wait a week": mutation(
        "cooldown",
        "the github-actions updates' cooldown has default-days: 1, less than 7 days",
        Edit(".github/dependabot.yml", "default-days: 7", "default-days: 1"),
    ),
    "The Dependabot configuration is valid": mutation(
        "schema:dependabot",
        "Additional properties are not allowed ('default_days' was unexpected)",
        Edit(".github/dependabot.yml", "default-days: 7", "default_days: 7"),
    ),
}

# The rows of the checks this branch added, each with its removal.
CASES.update(
    {
        "A publish never runs after a job it needs failed": mutation(
            "after-failure",
            "publish job publish runs after a job it needs failed",
            Edit(
                TESTPYPI,
                "    if: github.event_name == 'push' ||",
                "    if: ${{ !cancelled() }} && github.event_name == 'push' ||",
            ),
        ),
        "The trusted publishers are written once, in pyproject.toml": mutation(
            "trusted-publisher",
            "PyPI's trusted publisher names the workflow release.yml, but "
            ".github/workflows/release.yml does not exist (the PyPI upload is in "
            "publish-pypi.yml)",
            Edit(
                "pyproject.toml",
                'workflow = "publish-pypi.yml"',
                'workflow = "release.yml"',
            ),
        ),
        "PyPI only from a published release, TestPyPI only from main": mutation(
            "publish-triggers",
            "the PyPI workflow starts from push",
            Edit(PYPI, "on:\n  release:", "on:\n  push:\n    tags: ['v*']\n  release:"),
        ),
        "No tool installed outside the locked environments on the publish path": (
            mutation(
                "locked-tools",
                "job build is on the way to a publish and installs `pip install "
                "--upgrade build twine`",
                Edit(
                    PYPI,
                    "      - name: Check out the code with its full history and tags\n",
                    "      - name: Install the tools\n"
                    "        run: pip install --upgrade build twine\n"
                    "      - name: Check out the code with its full history and tags\n",
                    after="  build:",
                ),
            )
        ),
        "CI runs every check the protections rely on": mutation(
            "ci-runs",
            "the test workflow does not run lint with the type checker",
            Edit(TEST, "run: .venv/bin/tox run -e lint", 'run: "true"'),
        ),
        "Every tox env and make target a workflow calls exists": mutation(
            "ci-names",
            "job release-tooling runs tox environment releases, which tox.ini does "
            "not define",
            Edit(
                TEST,
                "run: .venv/bin/tox run -e release",
                "run: .venv/bin/tox run -e releases",
            ),
        ),
    }
)
# The environments row: removing the environment (a rename is trusted-publisher's).
CASES["Environments `pypi` and `testpypi`, with their URLs"] = mutation(
    "environments",
    "publish job publish names no environment",
    Edit(
        TESTPYPI,
        "    environment:\n      name: testpypi\n",
        "    environment:\n",
    ),
    Edit(
        TESTPYPI,
        "      url: https://test.pypi.org/project/",
        "    # https://test.pypi.org/project/",
    ),
)

COE = "        continue-on-error: true\n"


def step_coe(path: str, step_name: str, after: Optional[str] = None) -> Edit:
    """continue-on-error: true on the step named ``step_name``."""
    line = f"      - name: {step_name}\n"
    return Edit(path, line, line + COE, after=after)


def action_coe(path: str, step_name: str) -> Edit:
    line = f"    - name: {step_name}\n"
    return Edit(path, line, line + "      continue-on-error: true\n")


# Each row's protection kept in the text and made ineffective: a failure that no
# longer fails (continue-on-error, a masked exit status), a condition that skips
# it or runs past it, or a value that keeps the words and loses the meaning.
NEUTRALISED: Dict[str, Mutation] = {
    "Actions pinned to a commit, with the release in a comment": mutation(
        "pinned-uses",
        f"{as_tag(CHECKOUT)} is not pinned to a commit",
        Edit(PYPI, CHECKOUT, f"{as_tag(CHECKOUT)} # was {CHECKOUT.split(' ')[0]}"),
    ),
    "No permissions at the top of a workflow": mutation(
        "publish-permissions",
        "job build is granted write-all",
        Edit(
            PYPI,
            "    permissions:\n      contents: read # check out the code, with its "
            "full history and tags\n",
            "    permissions: write-all # everything\n",
            after="  build:",
        ),
    ),
    "Every job declares its permissions": mutation(
        "publish-permissions",
        "job dry-run is granted write-all",
        Edit(
            PYPI,
            "    permissions:\n      contents: read # check out the publish dry run "
            "(Makefile, tools/)\n",
            "    permissions: write-all # declared\n",
        ),
    ),
    "Every grant says why": mutation(
        "permissions-comment",
        "job build is granted contents: read without saying why",
        Edit(
            TESTPYPI,
            "      contents: read # check out the code, with its full history and tags",
            "      # check out the code, with its full history and tags\n"
            "      contents: read",
        ),
    ),
    "`id-token: write` only in the publish job": mutation(
        "publish-permissions",
        "job publish holds id-token: write on runs-on 'self-hosted', a self-hosted "
        "runner",
        Edit(
            PYPI,
            "    runs-on: ubuntu-latest\n",
            "    runs-on: self-hosted\n",
            after="  publish:",
        ),
    ),
    "`persist-credentials: false` on every checkout": mutation(
        "persist-credentials",
        "a checkout in job build leaves the token in .git/config",
        Edit(
            PYPI,
            "persist-credentials: false",
            "persist-credentials: ${{ github.event_name != 'false' }}",
            after="  build:",
        ),
    ),
    "Event data and inputs reach `run:` only through `env:`": mutation(
        "zizmor:template-injection",
        "code injection via template expansion",
        Edit(
            BUILD, "run: make check", 'run: make check INDEX="${{ inputs.index-url }}"'
        ),
    ),
    "Trusted publishing, no API token": mutation(
        "zizmor:use-trusted-publishing",
        "prefer trusted publishing for authentication",
        Edit(
            PYPI,
            "          attestations: true\n",
            "          attestations: true\n          user: __token__\n"
            "          password: ${{ secrets.PYPI_TOKEN || '' }}\n",
        ),
    ),
    "Publish only in the project's own repository": mutation(
        "own-repository",
        "publish job publish also runs in a fork, where it fails",
        Edit(TESTPYPI, GUARD, GUARD.rstrip("\n") + " || true\n"),
    ),
    "The repository is named once, in pyproject.toml": mutation(
        "own-repository",
        "publish job publish also runs in a fork, where it fails",
        Edit(
            PYPI,
            GUARD,
            "    if: github.repository != 'someone/glyph-phase-engine'\n",
        ),
    ),
    "A real PyPI publish only from a release tag": mutation(
        "pypi-from-tag",
        "does not stop the release when it fails: the step has `continue-on-error: "
        "true`",
        step_coe(PYPI, "Refuse a real publish from a branch"),
    ),
    "A manual run is a dry run unless asked otherwise": mutation(
        "dry-run",
        "publish job publish runs on a dry run",
        Edit(PYPI, "&& !inputs.dry_run)\n", "&& inputs.dry_run != 'true')\n"),
    ),
    "The publish job never runs on a dry run": mutation(
        "dry-run",
        "publish job publish runs on a dry run",
        Edit(TESTPYPI, "&& !inputs.dry_run)", "&& inputs.dry_run != 'true')"),
    ),
    "The dry run publishes the verified files": mutation(
        "dry-run",
        "dry-run job dry-run's step does not stop the release when it fails: "
        "`|| true` after it ignores its failure",
        Edit(PYPI, "run: make publish-dry-run", "run: make publish-dry-run || true"),
    ),
    "One publish per ref, never cancelled half-way": mutation(
        "publish-concurrency",
        "the concurrency group of a publish workflow is keyed on github.run_id",
        Edit(
            PYPI,
            "group: publish-pypi-${{ github.ref }}",
            "group: publish-pypi-${{ github.ref }}-${{ github.run_id }}",
        ),
    ),
    "The tests a publish calls are never cancelled either": mutation(
        "publish-concurrency",
        "a newer run cancels a push run in progress (called by "
        ".github/workflows/publish-testpypi.yml)",
        Edit(
            TEST,
            "cancel-in-progress: ${{ github.event_name == 'pull_request' }}",
            "cancel-in-progress: ${{ github.event_name == 'pull_request' || "
            "github.event_name == 'push' }}",
        ),
    ),
    "The called tests have a concurrency group of their own": mutation(
        "concurrency",
        ".github/workflows/test.yml's concurrency group is the same as its caller's",
        Edit(
            PYPI,
            "group: publish-pypi-${{ github.ref }}",
            "group: tests-${{ github.workflow }}-${{ github.ref }}",
        ),
    ),
    "Tests, then build, then publish, then smoke": mutation(
        "after-failure",
        "publish job publish runs after a job it needs failed",
        Edit(
            PYPI,
            "    if: github.event_name == 'release' ||",
            "    if: ${{ !cancelled() }} && github.event_name == 'release' ||",
        ),
    ),
    "No cache in a release": mutation(
        "release-cache",
        "job build of a publish workflow sets up the tools with uv's cache",
        Edit(
            PYPI,
            '          cache: "false"\n',
            "          cache: ${{ github.event_name == 'release' && 'false' || "
            "'true' }}\n",
            after="  build:",
        ),
    ),
    "Full history and tags where a release is built": mutation(
        "full-history",
        "job build builds a release from a shallow checkout",
        Edit(
            TESTPYPI,
            "          fetch-depth: 0\n",
            "          fetch-depth: 1 # fetch-depth: 0\n",
            after="  build:",
        ),
    ),
    "The build runs the stages of `make release-check`": mutation(
        "build-stages",
        "build-verify's `make check` does not stop the release when it fails: the "
        "step has `continue-on-error: true`",
        action_coe(BUILD, "Check the metadata and the wheel contents (make check)"),
    ),
    "The tag/version guard gets the release tag": mutation(
        "release-build",
        "build job build does not pass the release tag to build-verify on a release",
        Edit(
            PYPI,
            "expected-tag: ${{ github.ref_type == 'tag' && github.ref_name || '' }}",
            "expected-tag: ${{ github.ref_type == 'branch' && github.ref_name || '' }}",
        ),
    ),
    "PyPI gets the release tag's version, TestPyPI a development version": mutation(
        "release-build",
        "build job build builds a development version on a release",
        Edit(
            PYPI,
            "dev-version: ${{ github.ref_type != 'tag' }}",
            "dev-version: ${{ github.ref_type != 'branch' }}",
        ),
    ),
    "The version is not on the index yet": mutation(
        "index-check",
        "build-verify's index check does not stop the release when it fails: its "
        "`if:` skips it",
        Edit(BUILD, "if: inputs.index-url != ''", "if: inputs.index-url == 'none'"),
    ),
    "Local actions get exactly the inputs they declare": mutation(
        "action-inputs",
        "the action refers to input index_url, which it does not declare",
        Edit(
            BUILD,
            "        INDEX_URL: ${{ inputs.index-url }}\n      run: make index-check",
            "        INDEX_URL: ${{ inputs.index_url }}\n      run: make index-check",
        ),
    ),
    "The publish job publishes what the build job uploaded": mutation(
        "artifacts",
        "job publish is on the way to a publish and downloads every artifact "
        "matching '*'",
        Edit(
            TESTPYPI,
            "          name: dist\n",
            '          pattern: "*"\n          merge-multiple: true\n',
            after="  publish:",
        ),
    ),
    "The version flows from the build job to the publish and smoke jobs": mutation(
        "step-outputs",
        "job build uses output versions of step build, which sets no such output",
        Edit(
            PYPI,
            "version: ${{ steps.build.outputs.version }}",
            "version: ${{ steps.build.outputs.versions }}",
        ),
    ),
    "The publish job runs no project code": mutation(
        "publish-job",
        "publish job publish runs a build or project code (python)",
        Edit(
            PYPI,
            BUILT_SUMS_CHECK,
            BUILT_SUMS_CHECK + "\n          python -c 'import glyph_phase_engine'",
            after="  publish:",
        ),
    ),
    "Checksums checked before the attestations and the upload": mutation(
        "publish-job",
        "publish job publish's step to check it against the build job's digests "
        "(`sha256sum --check`) does not stop the release when it fails: `|| true`",
        Edit(
            TESTPYPI,
            BUILT_SUMS_CHECK,
            BUILT_SUMS_CHECK + " || true",
            after="  publish:",
        ),
    ),
    "Digests by a second channel: the publish and dry-run jobs check `dist/` "
    "against the build job's `sha256sums` output, not the artifact's own "
    "`SHA256SUMS`": mutation(
        "built-digests",
        "dry-run job dry-run's digest check does not stop the release when it fails:"
        " the step has `continue-on-error: true`",
        step_coe(
            PYPI,
            "Check the files against the digests the build job output",
            DRY_RUN_JOB,
        ),
    ),
    "Build provenance attested": mutation(
        "publish-job",
        "publish job publish's step to attest dist/* (actions/attest-build-provenance)"
        " does not stop the release when it fails",
        step_coe(TESTPYPI, "Attest the build provenance of the files"),
    ),
    "The publish action is a direct step, once per job": mutation(
        "publish-job",
        "publish job publish's step to publish does not stop the release when it "
        "fails",
        step_coe(PYPI, "Publish to PyPI (with PEP 740 attestations)"),
    ),
    "Environments `pypi` and `testpypi`, with their URLs": mutation(
        "trusted-publisher",
        "publish job publish uses environment release, but PyPI's trusted publisher "
        "names environment pypi",
        Edit(PYPI, "      name: pypi\n", "      name: release\n"),
    ),
    "Only the publish jobs name an environment": mutation(
        "environments",
        "job build names environment testpypi but does not publish",
        Edit(
            TESTPYPI,
            "    timeout-minutes: 20\n    permissions:\n",
            "    timeout-minutes: 20\n    environment:\n      name: testpypi\n"
            "    permissions:\n",
            after="  build:",
        ),
    ),
    "TestPyPI uploads go to TestPyPI, skipping existing files": mutation(
        "upload-url",
        "the TestPyPI upload of job publish fails when a re-run finds its files there",
        Edit(
            TESTPYPI,
            "          skip-existing: true\n",
            "          skip-existing: false\n",
        ),
    ),
    "PEP 740 attestations on": mutation(
        "attestations",
        "the publish step of job publish turns the PEP 740 attestations off",
        Edit(
            PYPI,
            "attestations: true",
            "attestations: ${{ github.event_name == 'true' }}",
        ),
    ),
    "A failed publish names the trusted publisher it needs": mutation(
        "publisher-summary",
        "publish job publish does not say, when it fails, which trusted publisher",
        Edit(
            PYPI,
            "        if: failure()\n",
            "        if: success()\n",
            after="  publish:",
        ),
    ),
    "The smoke job installs from the index just published to": mutation(
        "smoke-index",
        "the smoke install of job smoke does not stop the release when it fails: the "
        "step has `continue-on-error: true`",
        step_coe(PYPI, "Install the release from PyPI and use it"),
    ),
    "The smoke job verifies the attestations on the index": mutation(
        "smoke-attestations",
        "the attestation check of job smoke does not stop the release when it fails: "
        "`|| true`",
        Edit(
            PYPI,
            '--repository "$REPOSITORY" --workflow-ref "$WORKFLOW_REF"',
            '--repository "$REPOSITORY" --workflow-ref "$WORKFLOW_REF" || true',
        ),
    ),
    "Updates wait a week": mutation(
        "cooldown",
        "the github-actions updates' cooldown has semver-patch-days: 0, less than 7",
        Edit(
            ".github/dependabot.yml",
            "    cooldown:\n      default-days: 7\n    groups:",
            "    cooldown:\n      default-days: 7\n      semver-patch-days: 0\n"
            "    groups:",
        ),
    ),
    "The Dependabot configuration is valid": mutation(
        "schema:dependabot",
        "Additional properties are not allowed",
        Edit(
            ".github/dependabot.yml",
            "    cooldown:\n      default-days: 7\n    groups:",
            "    cooldown:\n      default-days: 7\n      default_days: 7\n    groups:",
        ),
    ),
    "A publish never runs after a job it needs failed": mutation(
        "after-failure",
        "job build runs after a job it needs failed",
        Edit(
            TESTPYPI,
            "    needs: [tests]\n",
            "    needs: [tests]\n    if: always()\n",
            after="  build:",
        ),
    ),
    "The trusted publishers are written once, in pyproject.toml": mutation(
        "trusted-publisher",
        "the environment URL of publish job publish is "
        "https://pypi.org/project/other/",
        Edit(
            PYPI,
            "url: https://pypi.org/project/glyph-phase-engine/",
            "url: https://pypi.org/project/other/",
        ),
    ),
    "PyPI only from a published release, TestPyPI only from main": mutation(
        "publish-triggers",
        "the PyPI workflow's release trigger has types ['created'], not ['published']",
        Edit(PYPI, "    types: [published]", "    types: [created]"),
    ),
    "No tool installed outside the locked environments on the publish path": (
        mutation(
            "locked-tools",
            "job dry-run is on the way to a publish and installs `uvx twine check",
            Edit(
                PYPI,
                "run: make publish-dry-run",
                "run: uvx twine check dist/* && make publish-dry-run",
            ),
        )
    ),
    "CI runs every check the protections rely on": mutation(
        "ci-runs",
        "the test workflow runs lint with the type checker, but its failure does not "
        "fail the run: tox ignores the exit code of `mypy`",
        Edit("tox.ini", "    mypy\n", "    - mypy\n"),
    ),
    "Every tox env and make target a workflow calls exists": mutation(
        "ci-names",
        "job workflows runs `make actionlints`, which the Makefile does not have",
        Edit(TEST, "run: make actionlint", "run: make actionlints"),
    ),
}
