"""Check that the published files' attestations are visible and verify.

Run by the publish workflows' smoke job, after the install from the index,
with the verified files (dist/ and SHA256SUMS, the build job's artifact) in
the working folder:

- the build provenance that the publish job made for each file verifies
  against this repository and the workflow that signed it
  (``gh attestation verify``);
- on PyPI, each file's PEP 740 publish attestation verifies against this
  repository's identity (``pypi-attestations verify pypi``, the one pinned in
  requirements/tools.txt and installed in the tool environment). That tool
  reads PyPI only, so a TestPyPI run says so and checks the provenance alone.

    python -m tools.publish.attestations --index pypi \\
        --repository OWNER/REPO --workflow-ref OWNER/REPO/.github/workflows/F@REF
    python -m tools.publish.attestations ... --dry-run   # print the commands
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from tools.artifacts.checksums import parse_sums
from tools.common import Problem, run_main

# The PEP 740 verifier: a console script of the tool environment (.venv), pinned
# in requirements/tools.txt with the other tools.
PYPI_ATTESTATIONS = "pypi-attestations"
INDEXES = ("pypi", "testpypi")


def files_from_checksums(text: str) -> List[str]:
    """The file paths that a ``sha256sum -c`` file lists, in its order
    (:func:`tools.artifacts.checksums.parse_sums`: ValueError on a bad line)."""
    return list(parse_sums(text))


def compute_commands(
    files: Sequence[str],
    repository: str,
    workflow_ref: str,
    index: str,
    verifier: str,
) -> List[List[str]]:
    """The commands that verify each file's attestations."""
    workflow = workflow_ref.split("@", 1)[0]
    commands = []
    for path in files:
        commands.append(
            [
                "gh",
                "attestation",
                "verify",
                path,
                "--repo",
                repository,
                "--signer-workflow",
                workflow,
            ]
        )
        if index == "pypi":
            commands.append(
                [
                    verifier,
                    "verify",
                    "pypi",
                    "--repository",
                    f"https://github.com/{repository}",
                    f"pypi:{Path(path).name}",
                ]
            )
    return commands


def check_arguments(
    files: Sequence[str], repository: str, workflow_ref: str
) -> List[Problem]:
    """Problems with the arguments, before anything runs (``where``: which)."""
    problems = []
    if not files:
        problems.append(
            Problem(
                "SHA256SUMS lists no files", "download the build artifact", "SHA256SUMS"
            )
        )
    if repository.count("/") != 1:
        what = f'--repository "{repository}" is not OWNER/REPO'
        problems.append(Problem(what, "", "--repository"))
    if not workflow_ref.startswith(f"{repository}/.github/workflows/"):
        what = f'--workflow-ref "{workflow_ref}" is not a workflow of {repository}'
        problems.append(Problem(what, "", "--workflow-ref"))
    return problems


def _verifier() -> str:
    """pypi-attestations of the tool environment (beside this Python)."""
    beside = Path(sys.executable).parent / PYPI_ATTESTATIONS
    if beside.exists():
        return str(beside)
    return shutil.which(PYPI_ATTESTATIONS) or PYPI_ATTESTATIONS


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.publish.attestations")
    parser.add_argument("--index", choices=INDEXES, required=True)
    parser.add_argument("--repository", required=True, help="OWNER/REPO")
    parser.add_argument(
        "--workflow-ref", required=True, help="github.workflow_ref of the publish run"
    )
    parser.add_argument("--checksums", default="SHA256SUMS")
    parser.add_argument("--dry-run", action="store_true", help="print, run nothing")
    args = parser.parse_args(argv)

    checksums = Path(args.checksums)
    text = checksums.read_text(encoding="utf-8") if checksums.is_file() else ""
    try:
        files = files_from_checksums(text)
    except ValueError as exc:
        print(
            f"error: {checksums} is not a sha256sum file ({exc}): download the "
            "build artifact's SHA256SUMS again",
            file=sys.stderr,
        )
        return 1
    problems = check_arguments(files, args.repository, args.workflow_ref)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    if args.index == "testpypi":
        print(
            "note: pypi-attestations verifies files on PyPI only; on TestPyPI "
            "the build provenance is checked alone"
        )
    failed = []
    for command in compute_commands(
        files, args.repository, args.workflow_ref, args.index, _verifier()
    ):
        print("$ " + " ".join(command), flush=True)
        if not args.dry_run and subprocess.run(command).returncode != 0:
            failed.append(command)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and not args.dry_run:
        with open(summary, "a", encoding="utf-8") as out:
            out.write("### Attestations\n\n")
            for name in files:
                bad = any(name in c or f"pypi:{Path(name).name}" in c for c in failed)
                out.write(f"- `{Path(name).name}`: {'FAILED' if bad else 'verified'}\n")
    if failed:
        print(
            f"error: {len(failed)} verification(s) failed (above): the files on "
            f"{args.index} are not attested by {args.repository}'s publish workflow",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    run_main(main)
