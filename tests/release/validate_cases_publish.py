"""Mutation cases of the rules on publishing, the release build and the Pythons.

Each removes one protection from a copy of the files; the rule named must
report the text given. Pins are read from the workflows, never written here.
"""

import re

from tests.release.validate_helpers import (
    BUILD,
    BUILT_SUMS_CHECK,
    PYPI,
    ROOT,
    SMOKE,
    TEST,
    TESTPYPI,
    Edit,
    case,
    line_of,
    pinned,
)

CHECKOUT = pinned("actions/checkout")
BLACK_PIN = re.search(
    r'"black==([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8")
).group(1)
COMPUTED_MATRIX = "matrix: ${{ fromJSON(needs.matrix.outputs.matrix) }}\n"
WRITTEN_MATRIX = (
    "matrix:\n        python-version: "
    '["3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]\n'
)
PUBLISH = pinned("pypa/gh-action-pypi-publish")

CASES = [
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
            BUILT_SUMS_CHECK,
            "make dist && " + BUILT_SUMS_CHECK,
        ),
    ),
    case(
        "build-verify skips the rebuild from a fresh clone",
        "build-stages",
        "build-verify does not run `make reproducibility`",
        Edit(BUILD, 'run: make reproducibility DEV="$DEV"', 'run: echo "$DEV"'),
    ),
    case(
        "build-verify skips the contents of the archives",
        "build-stages",
        "build-verify does not run `make contents`",
        Edit(BUILD, "run: make contents", "run: ls dist"),
    ),
    case(
        "build-verify skips PyPI's upload rules",
        "build-stages",
        "build-verify does not run `make pypi-rules`",
        Edit(
            BUILD, 'run: make pypi-rules TAG="$TAG" DEV="$DEV"', 'run: echo "$TAG$DEV"'
        ),
    ),
    case(
        "the build job does not hand its digests on",
        "built-digests",
        "build job build does not output the digests of the files it built",
        Edit(
            PYPI,
            "      sha256sums: ${{ steps.build.outputs.sha256sums }}\n",
            "",
        ),
    ),
    case(
        "the dry run checks the artifact's own SHA256SUMS",
        "built-digests",
        "dry-run job dry-run checks the downloaded files against the SHA256SUMS in "
        "the artifact, which travels with the files it checks",
        Edit(
            PYPI,
            BUILT_SUMS_CHECK,
            "sha256sum -c SHA256SUMS",
            after="  dry-run:",
        ),
    ),
    case(
        "the digests checked only after the attestations",
        "built-digests",
        "publish job publish checks the downloaded files only after it attests or "
        "uploads them",
        Edit(
            PYPI,
            "      - name: Check the files against the digests the build job output\n",
            "      - name: Attest first\n"
            f"        uses: {pinned('actions/attest-build-provenance')}\n"
            "        with:\n"
            "          subject-path: dist/*\n"
            "      - name: Check the files against the digests the build job output\n",
            after="  publish:",
        ),
    ),
    case(
        "the digests written to a file that is not the one checked",
        "built-digests",
        "publish job publish checks the downloaded files against a file not written "
        "from the build job's digests",
        Edit(
            PYPI,
            BUILT_SUMS_CHECK,
            'sha256sum --check --strict "$RUNNER_TEMP/other.sha256"',
            after="  publish:",
        ),
    ),
    case(
        "the publish job checks nothing before it attests",
        "built-digests",
        "publish job publish checks the downloaded files against nothing",
        Edit(TESTPYPI, BUILT_SUMS_CHECK, "ls dist", after="  publish:"),
    ),
    case(
        "the digests checked only under a condition",
        "built-digests",
        "publish job publish's digest check does not stop the release when it "
        "fails: its `if:` skips it on a push to main",
        Edit(
            TESTPYPI,
            "      - name: Check the files against the digests the build job output\n",
            "      - name: Check the files against the digests the build job output\n"
            "        if: false\n",
            after="  publish:",
        ),
    ),
    case(
        "the checksums not checked before publishing",
        "publish-job",
        "does not check it against the build job's digests (`sha256sum --check`) "
        "before "
        "publishing",
        Edit(TESTPYPI, BUILT_SUMS_CHECK, "ls dist"),
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
        "trusted-publisher",
        "publish job publish uses environment production, but PyPI's trusted "
        "publisher names environment pypi",
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
        "the upload of job publish goes to https://pypi.example.org/legacy/",
        Edit(
            PYPI,
            "          packages-dir: dist/\n",
            "          repository-url: https://pypi.example.org/legacy/\n"
            "          packages-dir: dist/\n",
        ),
    ),
    case(
        "the PyPI workflow uploading to TestPyPI",
        "upload-url",
        ".github/workflows/publish-pypi.yml is the PyPI workflow (PyPI's trusted "
        "publisher names it), but the upload of job publish goes to TestPyPI "
        "(https://test.pypi.org/legacy/); remove repository-url",
        Edit(
            PYPI,
            "          packages-dir: dist/\n",
            "          repository-url: https://test.pypi.org/legacy/\n"
            "          packages-dir: dist/\n",
        ),
    ),
    case(
        "the publish job downloading the tests' wheel instead of the verified files",
        "artifacts",
        "job publish is on the way to a publish and downloads artifact wheel, not "
        "the build job's (dist), the files that were verified",
        Edit(
            TESTPYPI,
            "          name: dist\n",
            "          name: wheel\n",
            after="  publish:",
        ),
    ),
    case(
        "a job of the called tests whose failure is ignored",
        "after-failure",
        "job release-tooling is on the way to a publish and its failure does not "
        "stop it: the job has `continue-on-error: true`",
        Edit(
            TEST,
            "    needs: [matrix]\n    runs-on: ubuntu-latest\n",
            "    needs: [matrix]\n    continue-on-error: true\n"
            "    runs-on: ubuntu-latest\n",
            after="  release-tooling:",
        ),
    ),
    case(
        "skip-existing on the PyPI upload",
        "upload-url",
        "the PyPI upload of job publish has skip-existing: true: a file already on "
        "PyPI with other bytes would be skipped silently",
        Edit(
            PYPI,
            "          attestations: true\n",
            "          attestations: true\n          skip-existing: true\n",
        ),
    ),
    case(
        "a publish job on a runner that is not known to be GitHub-hosted",
        "publish-permissions",
        "job publish holds id-token: write on runs-on 'my-runner', which is not "
        "known to be GitHub-hosted",
        Edit(
            TESTPYPI,
            "    runs-on: ubuntu-latest\n",
            "    runs-on: my-runner\n",
            after="  publish:",
        ),
    ),
    case(
        "the TestPyPI workflow on a tag push",
        "publish-triggers",
        "the TestPyPI workflow's push trigger filters on tags",
        Edit(
            TESTPYPI,
            "    branches: [main]\n",
            "    branches: [main]\n    tags: ['v*']\n",
        ),
    ),
    case(
        "a concurrency group without the ref",
        "publish-concurrency",
        "the concurrency group of a publish workflow is not keyed on the ref",
        Edit(PYPI, "group: publish-pypi-${{ github.ref }}", "group: publish-pypi"),
    ),
    case(
        "the digest check piped without pipefail",
        "publish-job",
        "it is piped into another command without pipefail",
        Edit(
            TESTPYPI,
            "        shell: bash\n        env:\n          BUILT_SHA256SUMS",
            "        env:\n          BUILT_SHA256SUMS",
            after="  publish:",
        ),
        Edit(
            TESTPYPI,
            BUILT_SUMS_CHECK,
            BUILT_SUMS_CHECK + " | tee check.log",
            after="  publish:",
        ),
    ),
    case(
        "the digest check under set +e",
        "built-digests",
        "the script runs without errexit",
        Edit(
            PYPI,
            BUILT_SUMS_CHECK,
            "set +e\n          " + BUILT_SUMS_CHECK,
            after="  publish:",
        ),
    ),
    case(
        "a publish job that runs after a failed need, whatever else is wrong",
        "after-failure",
        "publish job publish runs after a job it needs failed",
        Edit(
            TESTPYPI,
            "    if: github.event_name == 'push' ||",
            "    if: always() || github.event_name == 'push' ||",
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
        "build-verify ignores its index-url",
        "index-check",
        "build-verify does not run `make index-check`",
        Edit(
            BUILD,
            "      run: make index-check\n",
            '      run: echo "$INDEX_URL"\n',
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
        "a matrix written out without a Python",
        "python-versions",
        "Python 3.12 is missing from the test matrix",
        Edit(TEST, COMPUTED_MATRIX, WRITTEN_MATRIX.replace('"3.12", ', "")),
    ),
    case(
        "3.10 unquoted in a written-out matrix",
        "python-versions",
        "has the number 3.1, not a string",
        Edit(TEST, COMPUTED_MATRIX, WRITTEN_MATRIX.replace('"3.10"', "3.10")),
    ),
    case(
        "a matrix not computed from the classifiers",
        "python-versions",
        "the matrix of job tests comes from needs.matrix.outputs.matrix, not from "
        "the classifiers",
        Edit(
            TEST,
            "run: .venv/bin/python -m tools.matrix --github-output " '"$GITHUB_OUTPUT"',
            'run: echo \'matrix={"include":[]}\' >> "$GITHUB_OUTPUT"',
        ),
    ),
    case(
        "pre-releases allowed for every Python",
        "python-versions",
        "job tests lets every Python it sets up be a pre-release",
        Edit(
            TEST,
            "allow-prereleases: ${{ matrix.allow-prereleases }}",
            'allow-prereleases: "true"',
        ),
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
    case(
        "a pre-commit hook behind the lint group",
        "lint-versions",
        "the black hook is at 0.0.1, the lint group pins black==",
        Edit(".pre-commit-config.yaml", f"rev: {BLACK_PIN}\n", "rev: 0.0.1\n"),
    ),
    case(
        "a lint tool not pinned exactly",
        "lint-versions",
        "the lint group has isort>=",
        Edit("pyproject.toml", '"isort==', '"isort>='),
    ),
    case(
        "no repository named in pyproject.toml",
        "own-repository",
        "[project.urls] has no Source on github.com",
        Edit(
            "pyproject.toml",
            'Source = "https://github.com/',
            'Source = "https://example.org/',
        ),
    ),
    case(
        "a refusal that fails a release tag too",
        "pypi-from-tag",
        "of job build fails a publish from a release tag too",
        Edit(PYPI, " && github.ref_type != 'tag'\n", "\n", after="  build:"),
    ),
]
