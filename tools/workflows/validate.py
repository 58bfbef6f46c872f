"""``make validate``: every check of ``.github/``, one command.

    python -m tools.workflows.validate [--zizmor-args "--offline"]

Runs, in order, and reports each:

- zizmor (config: ``.github/zizmor.yml``), offline by default (GitHub is not
  reachable from every machine; CI passes ``--zizmor-args=`` with
  ``GH_TOKEN`` for the online audits too), with two personas:

  - ``--persona pedantic`` for what the pipeline brings: its workflows (the
    publishing ones, those they call and the index audit's:
    :meth:`tools.workflows.validator.analysis.Analysis.pipeline_workflows`),
    the composite actions and ``dependabot.yml`` (which keeps their pins
    current). Zero code smells is this pipeline's policy, as its job names
    and permission comments are;
  - zizmor's default persona (``regular``) for the project's other workflows
    (its CI, docs, CodeQL ...): every security finding of zizmor still fails
    there (template injection into a ``run:``, excessive permissions, an
    unpinned action ...), but a project that adopts the pipeline is not made
    to rewrite its own CI to the pipeline's taste (pedantic's "an
    undocumented permission", "a constant expression in a run:"). Both
    commands run only when they have files to check;
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
from tools.workflows.validator import analysis
from tools.workflows.validator.repo import Repo

VALIDATOR = "tools.workflows.validator"
PEDANTIC = "pedantic"  # the persona of the pipeline's own files


def _bin(name: str) -> str:
    """A tool installed beside this interpreter (the tool environment)."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


def split_workflows(root: Path, workflows: List[str]) -> Tuple[List[str], List[str]]:
    """``(the pipeline's workflows, the project's others)`` among ``workflows``;
    one that cannot be read is the pipeline's (pedantic: zizmor reports it)."""
    repo = Repo(root)
    theirs = {
        str(root / path)
        for path in repo.workflows
        if path not in {d.path for d in analysis.of(repo).pipeline_workflows()}
    }
    return (
        [w for w in workflows if w not in theirs],
        [w for w in workflows if w in theirs],
    )


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
    dependabot = github / "dependabot.yml"
    pipeline, others = split_workflows(root, workflows)
    config = github / "zizmor.yml"
    zizmor = [_bin("zizmor"), *zizmor_args, "--no-progress", "--quiet"]
    if config.is_file():  # one configuration for both: the repository's
        zizmor += ["--config", str(config)]
    own = pipeline + actions + ([str(dependabot)] if dependabot.exists() else [])
    shown = " ".join(zizmor_args)
    out = []
    if own:
        out.append(
            (
                f"zizmor {shown} --persona {PEDANTIC}".replace("  ", " "),
                [*zizmor, "--persona", PEDANTIC, *own],
            )
        )
    if others:
        out.append(
            (
                f"zizmor {shown} (the project's other workflows)".replace("  ", " "),
                [*zizmor, "--persona", "regular", *others],
            )
        )
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
