"""``python -m tools.workflows.validator``: run every rule, print every problem."""

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from tools.common import ROOT

from .registry import RULES, Problem, Rule
from .repo import Repo
from .rules import THEMES  # importing the rules registers them

PROG = "python -m tools.workflows.validator"


def by_theme() -> List[Rule]:
    """The rules, theme by theme (security, structure, data flow, publish ...)."""
    order = [module.__name__ for module in THEMES]
    return sorted(RULES.values(), key=lambda r: order.index(r.check.__module__))


def check_repo(repo: Repo) -> List[Problem]:
    """Every problem every rule finds in ``repo``, sorted, each once."""
    found = {p for each in RULES.values() for p in each(repo)}
    return sorted(found, key=Problem.sort_key)


def check_all(root: Path) -> List[Problem]:
    """Every problem of the repository at ``root``, sorted."""
    return check_repo(Repo(root))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Check .github/ against the project's workflow rules."
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository")
    parser.add_argument("--rules", action="store_true", help="list the rules")
    args = parser.parse_args(argv)
    if args.rules:
        width = max(len(name) for name in RULES)
        for each in by_theme():
            print(f"{each.name:{width}}  {each.description}")
        return 0
    root = args.root.resolve()
    if not (root / ".github").is_dir():
        print(
            f"{PROG}: error: {root} has no .github/ folder: pass --root",
            file=sys.stderr,
        )
        return 2
    repo = Repo(root)
    problems = check_repo(repo)
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"validate: {len(problems)} problem(s) (`{PROG} --rules` lists the rules)",
            file=sys.stderr,
        )
        return 1
    print(
        f"validate: {len(repo.workflows)} workflows and {len(repo.actions)} actions "
        f"follow the {len(RULES)} rules"
    )
    return 0
