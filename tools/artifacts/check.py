"""What the PyPA tools say about dist/ and pyproject.toml (make check).

    python -m tools.artifacts.check [--dist-dir dist]

Runs, in parallel, ``twine check --strict`` (the metadata and the README as
PyPI will render them), ``check-wheel-contents`` (the wheel's layout) and
``validate-pyproject`` (pyproject.toml against its schemas). Each tool that
fails gives one line saying what is wrong and how to fix it, followed by the
tool's own output; all are printed before exiting 1.
"""

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

from tools.artifacts.archives import find_dists
from tools.common import (
    DIST_DIR,
    ROOT,
    child_env,
    import_name,
    report,
    run_main,
    tail,
)


@dataclass
class Tool:
    name: str
    argv: List[str]
    fix: str


@dataclass
class Outcome:
    tool: Tool
    returncode: int
    output: str


def tools(root: Path, dist_dir: Path) -> List[Tool]:
    """The tools to run; the dist/ ones only when there is something to check."""
    py = sys.executable
    found = find_dists(dist_dir) if dist_dir.is_dir() else None
    files = [str(p) for p in (found.sdists + found.wheels)] if found else []
    wheels = [str(p) for p in found.wheels] if found else []
    out = []
    if files:
        out.append(
            Tool(
                "twine check --strict",
                [py, "-m", "twine", "--no-color", "check", "--strict", *files],
                "fix the README's markup or the metadata field it names (PyPI "
                "would not render it), then make dist",
            )
        )
    if wheels:
        out.append(
            Tool(
                "check-wheel-contents",
                [
                    py,
                    "-m",
                    "check_wheel_contents",
                    "--toplevel",
                    import_name(root),
                    *wheels,
                ],
                "fix what the check code names (see "
                "https://github.com/jwodder/check-wheel-contents#checks) in the "
                "package or [tool.hatch.build], then make dist",
            )
        )
    out.append(
        Tool(
            "validate-pyproject",
            [py, "-m", "validate_pyproject", str(root / "pyproject.toml")],
            "fix pyproject.toml where it says",
        )
    )
    return out


def run_tools(selected: Sequence[Tool], root: Path) -> List[Outcome]:
    """Run the tools in parallel; the outcomes in the order given."""
    procs = [
        (
            tool,
            subprocess.Popen(
                tool.argv,
                cwd=root,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=child_env({"COLUMNS": "200", "NO_COLOR": "1"}),  # no wrapping
            ),
        )
        for tool in selected
    ]
    outcomes = []
    for tool, proc in procs:
        output, _ = proc.communicate()
        outcomes.append(Outcome(tool, proc.returncode, output))
    return outcomes


_HEADLINE = re.compile(
    r"^(ERROR|WARNING|.*: W\d{3}|.*: E\d{3}|.*Invalid|.*error)", re.I
)


def headline(output: str) -> str:
    """The most telling line of a tool's output."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if _HEADLINE.match(line) and not line.startswith("Checking "):
            return re.sub(r"\s+", " ", line)
    return lines[-1] if lines else "no output"


def check_outcomes(outcomes: Sequence[Outcome], dist_dir: Path) -> List[str]:
    """One problem line per failed tool (and a missing or empty dist/)."""
    problems = []
    ran = {o.tool.name for o in outcomes}
    if "twine check --strict" not in ran:
        problems.append(
            f"{dist_dir} has no sdist or wheel to check: build them with make dist"
        )
    for outcome in outcomes:
        if outcome.returncode != 0:
            problems.append(
                f"{outcome.tool.name} failed ({headline(outcome.output)}): "
                f"{outcome.tool.fix}"
            )
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.artifacts.check")
    parser.add_argument("--dist-dir", type=Path, default=ROOT / DIST_DIR)
    args = parser.parse_args(argv)
    outcomes = run_tools(tools(ROOT, args.dist_dir), ROOT)
    problems = check_outcomes(outcomes, args.dist_dir)
    for outcome in outcomes:
        if outcome.returncode != 0:
            print(f"{outcome.tool.name}:", file=sys.stderr)
            for line in tail(outcome.output, 40):
                print(f"  | {line}", file=sys.stderr)
    if report(problems, "check"):
        return 1
    print(f"check: passed: {', '.join(o.tool.name for o in outcomes)}")
    return 0


if __name__ == "__main__":
    run_main(main)
