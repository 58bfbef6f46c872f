"""Check the inputs of the composite actions before they do anything.

Each composite action under ``.github/actions/`` calls this as its first step,
with its inputs passed through ``env:`` and then as arguments. An invalid value
or an invalid combination of inputs fails the step at once, with one
``::error::`` line per problem (GitHub shows them on the run's page), rather
than half-way through a build.

    python -m tools.workflows.action_inputs setup --cache true ...
    python -m tools.workflows.action_inputs build-verify --expected-tag v1.2.3 ...
    python -m tools.workflows.action_inputs smoke-install --index-url URL ...
"""

import argparse
import re
from typing import Callable, Dict, List, Optional

from tools.common import Problem, run_main

BOOLEANS = ("true", "false")
# Characters upload-artifact refuses in an artifact name.
_BAD_ARTIFACT_CHARS = re.compile(r'[":<>|*?\\/\r\n]')


def _boolean(name: str, value: str) -> List[Problem]:
    if value in BOOLEANS:
        return []
    return [Problem(f'{name} is "{value}"', 'give "true" or "false"', name)]


def _positive_int(name: str, value: str) -> List[Problem]:
    if value.isdigit() and int(value) > 0:
        return []
    return [Problem(f'{name} is "{value}"', "give a whole number of at least 1", name)]


def check_setup(
    python_version: str, allow_prereleases: str, tools_python_version: str, cache: str
) -> List[Problem]:
    """Problems with the setup action's inputs (``where``: the input)."""
    problems = _boolean("allow-prereleases", allow_prereleases)
    problems += _boolean("cache", cache)
    if not tools_python_version:
        problems.append(
            Problem(
                "tools-python-version is empty",
                'give the Python that runs the tools (e.g. "3.13"), or leave the '
                "input out for its default",
                "tools-python-version",
            )
        )
    if allow_prereleases == "true" and not python_version:
        problems.append(
            Problem(
                "allow-prereleases is true but python-version is empty",
                "give the python-version that may be a pre-release",
                "python-version",
            )
        )
    return problems


def check_build_verify(
    expected_tag: str,
    dev_version: str,
    artifact_name: str,
    retention_days: str,
    index_url: str = "",
) -> List[Problem]:
    """Problems with the build-verify action's inputs (``where``: the input)."""
    problems = _boolean("dev-version", dev_version)
    if index_url and not re.match(r"https?://", index_url):
        problems.append(
            Problem(
                f'index-url is "{index_url}"',
                "give the URL of the simple index to publish to (e.g. "
                "https://pypi.org/simple/)",
                "index-url",
            )
        )
    problems += _positive_int("retention-days", retention_days)
    if expected_tag and dev_version == "true":
        problems.append(
            Problem(
                f'expected-tag is "{expected_tag}" and dev-version is true',
                "a development build has no release tag; give one or the other",
                "expected-tag",
            )
        )
    if expected_tag and not re.fullmatch(r"v\S+", expected_tag):
        problems.append(
            Problem(
                f'expected-tag is "{expected_tag}"',
                "release tags are v + the version (e.g. v1.2.3)",
                "expected-tag",
            )
        )
    if not artifact_name:
        problems.append(
            Problem(
                "artifact-name is empty",
                'give the name of the artifact to upload (e.g. "dist")',
                "artifact-name",
            )
        )
    elif _BAD_ARTIFACT_CHARS.search(artifact_name):
        problems.append(
            Problem(
                f'artifact-name is "{artifact_name}"',
                'an artifact name cannot hold " : < > | * ? \\ / or a line break',
                "artifact-name",
            )
        )
    return problems


def check_smoke_install(
    index_url: str, dist_dir: str, version: str, timeout: str
) -> List[Problem]:
    """Problems with the smoke-install action's inputs (``where``: the input)."""
    problems = _positive_int("timeout", timeout)
    if index_url and dist_dir:
        problems.append(
            Problem(
                "index-url and dist-dir are both given",
                "install from an index or from local files, not both",
                "index-url",
            )
        )
    elif not index_url and not dist_dir:
        problems.append(
            Problem(
                "neither index-url nor dist-dir is given",
                "give the index to install from, or the folder of built files",
                "index-url",
            )
        )
    if index_url and not re.match(r"https?://", index_url):
        problems.append(
            Problem(
                f'index-url is "{index_url}"',
                "give the URL of a simple index (e.g. https://pypi.org/simple/)",
                "index-url",
            )
        )
    if index_url and not version:
        problems.append(
            Problem(
                "index-url is given without version",
                "give the version to wait for and install",
                "version",
            )
        )
    if dist_dir and version and not index_url:
        problems.append(
            Problem(
                "version is given with dist-dir",
                "the files in dist-dir carry their version; give version only with "
                "index-url",
                "version",
            )
        )
    return problems


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.workflows.action_inputs",
        description="Check a composite action's inputs; ::error:: per problem.",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    setup = sub.add_parser("setup")
    setup.add_argument("--python-version", default="")
    setup.add_argument("--allow-prereleases", default="false")
    setup.add_argument("--tools-python-version", default="3.13")
    setup.add_argument("--cache", default="true")
    build = sub.add_parser("build-verify")
    build.add_argument("--expected-tag", default="")
    build.add_argument("--dev-version", default="false")
    build.add_argument("--artifact-name", default="dist")
    build.add_argument("--retention-days", default="14")
    build.add_argument("--index-url", default="")
    smoke = sub.add_parser("smoke-install")
    smoke.add_argument("--index-url", default="")
    smoke.add_argument("--dist-dir", default="")
    smoke.add_argument("--version", default="")
    smoke.add_argument("--timeout", default="600")
    return parser


CHECKS: Dict[str, Callable[..., List[Problem]]] = {
    "setup": check_setup,
    "build-verify": check_build_verify,
    "smoke-install": check_smoke_install,
}


def main(argv: Optional[List[str]] = None) -> int:
    args = vars(_parser().parse_args(argv))
    action = args.pop("action")
    problems = CHECKS[action](**args)
    for problem in problems:
        print(f"::error title={action} inputs::{problem}")
    if problems:
        return 1
    print(f"{action}: inputs ok")
    return 0


if __name__ == "__main__":
    run_main(main)
