"""``make validate``: every check of ``.github/``, one command.

    python -m tools.workflows.validate [--zizmor-args "--offline"]

Runs, in order, and reports each:

- zizmor, ``--persona pedantic`` (config: ``.github/zizmor.yml``), offline by
  default (its online audits need GitHub's API and a token; CI passes
  ``--zizmor-args=`` with ``GH_TOKEN`` for them);
- check-jsonschema with the GitHub schemas it ships, for the workflows, the
  composite actions and ``dependabot.yml``;
- our own rules (:mod:`tools.workflows.validator`).

Every check runs even when one before it failed, so that one run shows every
problem; the exit code is 1 if any failed. check-jsonschema and our rules run
in this process (the same command line, through their own entry points): a
Python started for each costs more than the checks themselves, and
``make release-check`` is bound by the CPU.
"""

import argparse
import shlex
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from tools.common import EXIT_PROBLEMS, ROOT, run_main
from tools.project import load

VALIDATOR = "tools.workflows.validator"


def _bin(name: str) -> str:
    """A tool installed beside this interpreter (the tool environment)."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


def commands(root: Path, zizmor_args: Sequence[str]) -> List[Tuple[str, List[str]]]:
    github = root / ".github"
    workflows = sorted(
        str(p)
        for ext in ("yml", "yaml")
        for p in (github / "workflows").glob(f"*.{ext}")
    )
    actions = sorted(
        str(p)
        for ext in ("yml", "yaml")
        for p in (github / "actions").glob(f"*/action.{ext}")
    )
    schema = [_bin("check-jsonschema"), "--builtin-schema"]
    out = [
        (
            f"zizmor {' '.join(zizmor_args)} --persona pedantic".replace("  ", " "),
            [
                _bin("zizmor"),
                *zizmor_args,
                "--persona",
                "pedantic",
                "--no-progress",
                "--quiet",
                str(root),
            ],
        ),
    ]
    # check-jsonschema without a file to check fails with a traceback: a kind of
    # file the repository does not have is not checked.
    if workflows:
        out.append(
            (
                "check-jsonschema: workflows",
                [*schema, "vendor.github-workflows", *workflows],
            )
        )
    if actions:
        out.append(
            ("check-jsonschema: actions", [*schema, "vendor.github-actions", *actions])
        )
    dependabot = github / "dependabot.yml"
    if dependabot.exists():
        out.append(
            (
                "check-jsonschema: dependabot",
                [*schema, "vendor.dependabot", str(dependabot)],
            )
        )
    out.append(("our rules", [sys.executable, "-m", VALIDATOR]))
    return out


def run(argv: Sequence[str]) -> int:
    """Run one check's command: check-jsonschema and our rules in process."""
    if Path(argv[0]).name == "check-jsonschema":
        from check_jsonschema.cli.main_command import main as check_jsonschema

        code = check_jsonschema(list(argv[1:]), standalone_mode=False)
        return int(code or 0)
    if list(argv[:3]) == [sys.executable, "-m", VALIDATOR]:
        from tools.workflows.validator import main as validate

        return validate(list(argv[3:]))
    return subprocess.run(argv, cwd=ROOT).returncode


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.workflows.validate")
    parser.add_argument(
        "--zizmor-args",
        default="--offline",
        help='options for zizmor (default "--offline"; "" for its online audits)',
    )
    args = parser.parse_args(argv)
    load(ROOT)  # our rules read the facts: a broken pyproject.toml stops here
    failed = []
    for what, argv_ in commands(ROOT, shlex.split(args.zizmor_args)):
        print(f"==> {what}", flush=True)
        try:
            code = run(argv_)
        except OSError as exc:
            print(f"error: {what} could not run ({exc}): make tools", file=sys.stderr)
            code = 127
        if code != 0:
            failed.append(what)
    if failed:
        print(f"error: validate failed: {', '.join(failed)}", file=sys.stderr)
        return EXIT_PROBLEMS
    print("validate: passed")
    return 0


if __name__ == "__main__":
    run_main(main)
