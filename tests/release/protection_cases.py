"""One mutation per row of RELEASING.md's table of the publish path's protections.

Keyed by the row's first cell: each removes that protection from a copy of the
files and names what in `make validate` fails (our rule, ``zizmor:<audit>`` or
``schema:<name>``) and the message it must print. test_protections.py checks
these against the table and the registry. Pins are read from the workflows.
"""

from typing import Dict, NamedTuple, Tuple

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
            "-m tools.artifacts.smoke",
        ),
    ),
    "Updates wait a week": mutation(
        "zizmor:dependabot-cooldown",
        "insufficient cooldown in Dependabot updates",
        Edit(".github/dependabot.yml", "default-days: 7", "default-days: 1"),
    ),
    "The Dependabot configuration is valid": mutation(
        "schema:dependabot",
        "Additional properties are not allowed ('default_days' was unexpected)",
        Edit(".github/dependabot.yml", "default-days: 7", "default_days: 7"),
    ),
}
