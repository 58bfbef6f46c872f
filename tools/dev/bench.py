"""Time ``make release-check`` against the naive sequence (make bench).

    python -m tools.dev.bench [--runs 5] [--warmup 1]

The naive sequence is what a maintainer would type by hand: ``python -m
build``, ``twine check dist/*``, ``python -m venv`` + ``pip install`` of the
wheel, and an import. It runs in a temporary folder, so ``dist/`` is left to
``make release-check``. Three commands are timed in turn, ``--runs`` times
each, after ``--warmup`` untimed runs (warm caches):

* ``make release-check``, every stage;
* ``make release-check STAGES=...`` with the build stages (all but
  publish-dry-run and validate, what the release workflows' build job runs:
  the build-verify action; the workflow checks require it);
* the naive sequence.

It prints every time, the medians, each release-check's ratio to the naive
sequence and whether the targets hold (at most 0.45x the naive time, and under
5 s), and the median time of each stage (from release-check's own report).
"""

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, TextIO, Tuple

from tools.common import ROOT, mark, run_main
from tools.project import load
from tools.workflows.validator.rules.release import BUILD_STAGES as build_job_stages

TARGET_RATIO = 0.45  # release-check within 0.45x of the naive sequence
TARGET_SECONDS = 5.0


class CommandFailed(Exception):
    pass


def _run(argv: Sequence[str], cwd: Path) -> None:
    _run_output(argv, cwd)


def naive_commands(root: Path, work: Path) -> List[List[str]]:
    """The naive sequence, run in ``work`` (outside the project's dist/)."""
    py = sys.executable
    dist, venv = work / "dist", work / "venv"
    return [
        [py, "-m", "build", "--outdir", str(dist), str(root)],
        ["sh", "-c", f'"{py}" -m twine check "{dist}"/*'],
        [py, "-m", "venv", str(venv)],
        ["sh", "-c", f'"{venv}/bin/pip" install -q "{dist}"/*.whl'],
        [str(venv / "bin" / "python"), "-c", f"import {load(root).import_name}"],
    ]


def time_naive(root: Path) -> float:
    work = Path(tempfile.mkdtemp(prefix="bench-naive-"))
    try:
        start = time.monotonic()
        for argv in naive_commands(root, work):
            _run(argv, root)
        return time.monotonic() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)


# What the release workflows' build job runs: the workflow checks require it.
BUILD_STAGES = ",".join(build_job_stages)
_STAGE_LINE = re.compile(r"^(?:✓|ok) (\S+)\s+([0-9.]+) s\b", re.M)


def _run_output(argv: Sequence[str], cwd: Path) -> str:
    out = subprocess.run(
        list(argv), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if out.returncode != 0:
        lines = out.stdout.strip().splitlines()[-15:]
        raise CommandFailed(
            f"{' '.join(argv)} failed (exit code {out.returncode}):\n    "
            + "\n    ".join(lines)
        )
    return out.stdout


def parse_stage_times(output: str) -> Dict[str, float]:
    """``{stage: seconds}`` from the lines release-check prints for its stages."""
    return {name: float(sec) for name, sec in _STAGE_LINE.findall(output)}


def time_release_check(root: Path, stages: str = "") -> Tuple[float, Dict[str, float]]:
    """Wall time of ``make release-check`` (only ``stages`` if given), and per stage."""
    argv = ["make", "--no-print-directory", "release-check"]
    if stages:
        argv.append(f"STAGES={stages}")
    start = time.monotonic()
    output = _run_output(argv, root)
    return time.monotonic() - start, parse_stage_times(output)


@dataclass
class Stats:
    release_check: float  # median seconds
    naive: float
    ratio: float
    fast_enough: bool  # at most TARGET_RATIO of the naive time
    under_target: bool  # under TARGET_SECONDS


def compute_stats(release_check: Sequence[float], naive: Sequence[float]) -> Stats:
    rc, nv = statistics.median(release_check), statistics.median(naive)
    ratio = rc / nv if nv else float("inf")
    return Stats(rc, nv, ratio, ratio <= TARGET_RATIO, rc < TARGET_SECONDS)


def format_report(
    release_check: Sequence[float],
    naive: Sequence[float],
    stream: Optional[TextIO] = None,
) -> List[str]:
    stats = compute_stats(release_check, naive)

    def times(values: Sequence[float]) -> str:
        return " ".join(f"{v:.2f}" for v in values)

    return [
        f"make release-check  median {stats.release_check:6.2f} s   "
        f"runs: {times(release_check)}",
        f"naive sequence      median {stats.naive:6.2f} s   runs: {times(naive)}",
        f"ratio release-check / naive: {stats.ratio:.2f} "
        f"{mark(stats.fast_enough, stream)} (target <= {TARGET_RATIO:.2f})",
        f"release-check median {stats.release_check:.2f} s "
        f"{mark(stats.under_target, stream)} (target < {TARGET_SECONDS:.0f} s)",
    ]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.dev.bench")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    print(
        f"bench: {args.warmup} warm-up and {args.runs} timed run(s) of make "
        "release-check and of the naive sequence (build, twine check, venv + pip "
        "install of the wheel, import), alternately",
        flush=True,
    )
    full: List[float] = []
    build: List[float] = []
    naive_times: List[float] = []
    per_stage: Dict[str, List[float]] = {}
    try:
        for i in range(args.warmup + args.runs):
            rc, stage_times = time_release_check(ROOT)
            rc_build, _ = time_release_check(ROOT, BUILD_STAGES)
            naive = time_naive(ROOT)
            label = "warm-up" if i < args.warmup else f"run {i - args.warmup + 1}"
            print(
                f"  {label:<8} release-check {rc:6.2f} s   build stages "
                f"{rc_build:6.2f} s   naive {naive:6.2f} s",
                flush=True,
            )
            if i >= args.warmup:
                full.append(rc)
                build.append(rc_build)
                naive_times.append(naive)
                for name, seconds in stage_times.items():
                    per_stage.setdefault(name, []).append(seconds)
    except CommandFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\nevery stage (make release-check):")
    for line in format_report(full, naive_times):
        print("  " + line)
    print(f"\nbuild stages only (STAGES={BUILD_STAGES}):")
    for line in format_report(build, naive_times):
        print("  " + line)
    print("\nmedian time of each stage (they overlap: all but dist run in parallel):")
    for name, values in per_stage.items():
        print(f"  {name:<16} {statistics.median(values):5.2f} s")
    return 0


if __name__ == "__main__":
    run_main(main)
