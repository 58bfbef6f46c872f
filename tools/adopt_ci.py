"""The test workflow ``make adopt`` writes into the target (:mod:`tools.adopt`).

This repository's ``.github/workflows/test.yml``, which the publish workflows
call before they build, adapted to the target: the jobs the publish
workflows need (the workflow checks, the matrix of Pythons from the
classifiers, the wheel built once and the target's tox envs of each Python
on it), without the jobs that test this repository only.

- Each Python's job runs ``tox run -e pyXY`` (tox makes a ``pyXY`` env of any
  project from its base env), or ``tox run -f X.Y`` where the target names
  its envs by dotted Python factors (``3.12-tests``): there a ``pyXY`` env can
  run no command, and tox passes it (:func:`tests_by_factor`).
- A target that configures a type checker keeps the lint job, running its
  tox envs that run it (:func:`type_check_envs`): validate's ``ci-runs`` rule
  asks the test workflow for it.

The workflow is edited as text (its comments and layout kept); a change of
this repository's workflow that the edits no longer find is
:class:`CannotAdapt`, which adopt reports as a refusal.
"""

import re
import shlex
from pathlib import Path
from typing import List, Optional

from tools.workflows.validator import toxenvs
from tools.workflows.validator.rules import ci

WORKFLOWS = ".github/workflows"


class CannotAdapt(Exception):
    """This repository's test workflow changed: the edits no longer apply."""


TEST_WORKFLOW = f"{WORKFLOWS}/test.yml"
# Jobs of this repository's test workflow that test this repository only: its
# tox lint env (black, mypy... of its own code), the release tooling's tests
# (tests/release is not copied) and its coverage gate (tox's coverage env,
# Codecov). The target's own CI keeps doing its linting and coverage; but a
# target that configures a type checker gets the lint job back, running its
# own type-checking tox envs (:func:`type_check_envs`), because the test
# workflow must then run it (the validator's ci-runs rule).
LINT_JOB = "lint"
OWN_JOBS = (LINT_JOB, "release-tooling", "coverage")
OWN_STEPS = ("Upload the coverage data",)


def _drop_block(text: str, start: str, indent: int) -> str:
    """``text`` without the block whose first line matches ``start`` at
    ``indent`` spaces, up to the next line indented as much or less."""
    pattern = re.compile(
        rf"^{' ' * indent}{start}[^\n]*\n(?:(?:[ ]{{{indent + 1},}}[^\n]*|[ \t]*)\n)*",
        re.M,
    )
    new, count = pattern.subn("", text, count=1)
    if not count:
        raise CannotAdapt(
            f"cannot adapt {TEST_WORKFLOW}: no {start.strip()} in it (the "
            "pipeline's own test workflow changed: update tools/adopt.py)"
        )
    return new


def type_check_envs(target: Path) -> Optional[List[str]]:
    """The target's tox envs that run its type checker, when it configures one
    (None when it does not): those with no Python of their own (a CI job runs
    them on the runner's), else the first; empty when no env runs it."""
    if "lint with the type checker" not in ci.claimed_checks(target):
        return None
    envs = toxenvs.load(target)
    found = [
        name
        for name in [*envs.default, *(e for e in envs.every if e not in envs.default)]
        if any(
            Path(argv[0]).name in ci.TYPE_CHECKERS
            for text in envs.commands.get(name, [])
            if not text.startswith("- ")
            for argv in [shlex.split(text)]
            if argv
        )
    ]
    unpinned = [name for name in found if name not in envs.pythons]
    return unpinned or found[:1]


def _type_check_job(text: str, envs: List[str]) -> str:
    """The lint job, running the target's type-checking tox envs."""
    names = ",".join(envs)
    start = text.index(f"  {LINT_JOB}:\n")
    end = text.index("\n  workflows:\n", start)
    block = text[start:end]
    block = re.sub(
        r"^(    name: ).*$",
        r"\g<1>Check the types (the type checker's tox envs)",
        block,
        count=1,
        flags=re.M,
    )
    block = re.sub(
        r"^(      - name: Run the tox lint env).*$",
        rf"      - name: Run the type checker (tox run -e {names})",
        block,
        count=1,
        flags=re.M,
    )
    block, count = re.subn(
        r"^(        run: \.venv/bin/tox run -e )lint$",
        rf"\g<1>{names}",
        block,
        count=1,
        flags=re.M,
    )
    if not count:
        raise CannotAdapt(
            f"cannot adapt {TEST_WORKFLOW}: its lint job runs no `tox run -e lint` "
            "(the pipeline's own test workflow changed: update tools/adopt.py)"
        )
    return text[:start] + block + text[end:]


PER_PYTHON_ENV = '-e "py${PYTHON_VERSION//./}"'
PER_PYTHON_FACTOR = '-f "$PYTHON_VERSION"'
DOTTED_PYTHON = re.compile(r"^\d+\.\d+t?$")


def tests_by_factor(target: Path) -> bool:
    """Whether the target names its tox envs by dotted Python factors
    (``3.12``, ``3.12-tests``, ``3.12-mypy``). Then each Python's job runs
    ``tox run -f X.Y``, every env of that Python: a ``pyXY`` env (which tox
    makes from the base env) can run nothing where the commands depend on a
    factor (``tests: pytest``), and tox says "congratulations" for it; ``-f``
    with no env of that Python fails."""
    envs = toxenvs.load(target)
    return any(
        DOTTED_PYTHON.match(factor)
        for name in envs.default
        for factor in name.split("-")
    )


def adapt_tests(
    text: str, type_envs: Optional[List[str]] = None, by_factor: bool = False
) -> str:
    """This repository's test workflow, for the target: the jobs the publish
    workflows need (the workflow checks, the matrix, the wheel built once and
    ``tox run -e pyXY`` on it for every Python: tox makes a ``pyXY`` env of
    any project), without the jobs that test this repository only; with
    ``type_envs``, the lint job runs those tox envs (its type checker); with
    ``by_factor``, each Python's job runs ``tox run -f X.Y``."""
    if by_factor:
        if PER_PYTHON_ENV not in text:
            raise CannotAdapt(
                f"cannot adapt {TEST_WORKFLOW}: no `tox run {PER_PYTHON_ENV}` in it "
                "(the pipeline's own test workflow changed: update tools/adopt.py)"
            )
        text = text.replace(PER_PYTHON_ENV, PER_PYTHON_FACTOR)
    kept_own = (LINT_JOB,) if type_envs else ()
    if type_envs:
        text = _type_check_job(text, type_envs)
    for job in OWN_JOBS:
        if job in kept_own:
            continue
        text = _drop_block(text, rf"{re.escape(job)}:", 2)
    for step in OWN_STEPS:
        text = _drop_block(text, rf"- name: {re.escape(step)}$", 6)
    match = re.search(
        r"^(    needs: \[)([^\]]*)(\])", text[text.index("  all-green:") :], re.M
    )
    if match is None:
        raise CannotAdapt(
            f"cannot adapt {TEST_WORKFLOW}: its all-green job needs nothing"
        )
    kept = [
        n.strip()
        for n in match.group(2).split(",")
        if n.strip() not in OWN_JOBS or n.strip() in kept_own
    ]
    return text.replace(match.group(0), f"{match.group(1)}{', '.join(kept)}]", 1)
