"""Benchmark the test suite by tier, and ``make test`` against plain tox.

Each run makes a fresh clone of HEAD (or ``--rev``) in a temporary folder and
runs ``make test`` once to make its environments (*cold*), then, ``--runs``
times over, with caches and environments warm:

* the fast tier: the release tooling's tests that build, serve and make
  nothing (``-m "not e2e and not network"``, what ``make test-fast`` runs);
* the e2e tier: the rest of them (``-m "e2e or network"``);
* the whole ``make test`` (every tox env, coverage).

Each tier runs as tox's release env runs tests/release (``-n auto``, the
clone's tool environment). Prints every sample, then the medians. ``--rev``
measures an older commit the same way (a commit without the markers has
everything in its fast tier). With ``--plain``, also plain tox in a second
clone, cold and warm: a virtual environment with only tox (the same version),
tox's own virtualenv runner and pip, a wheel built per environment (tox's
default) and no tox-uv. With ``--matrix`` the tox runs take only the library's
Python matrix (py38..py315) and coverage.

    python -m tools.dev.bench_test [--runs 3] [--rev REV] [--plain] [--matrix]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from tools import pythons
from tools.common import ROOT, run_main

PLAIN_OVERRIDES = [
    "-x",
    "tox.requires=tox",
    "-x",
    "testenv.runner=virtualenv",
    "-x",
    "testenv.wheel_build_env=.pkg-{env_name}",
]


def timed(
    cmd: Sequence[str], cwd: Path, env: Dict[str, str], ok: Sequence[int] = (0,)
) -> float:
    """Run ``cmd``; return its wall time; raise with its output if it fails
    (an exit code not in ``ok``: pytest's 5 is "no test selected"; an empty
    ``ok`` takes any exit code, and says so)."""
    start = time.perf_counter()
    out = subprocess.run(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    elapsed = time.perf_counter() - start
    if ok == () and out.returncode != 0:  # timed all the same, and said
        last = out.stdout.decode(errors="replace").splitlines()[-5:]
        print(f"  note: {' '.join(cmd)} exited {out.returncode} in {cwd}:", flush=True)
        print("\n".join(f"    {line}" for line in last), flush=True)
    elif ok and out.returncode not in ok:
        tail = out.stdout.decode(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{tail}")
    return elapsed


def clone(dest: Path, rev: str = "HEAD") -> Path:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True)
    subprocess.run(["git", "checkout", "-q", "--detach", rev], cwd=dest, check=True)
    return dest


def tox_envs(tox: Path, cwd: Path, env: Dict[str, str]) -> List[str]:
    out = subprocess.run(
        [str(tox), "-l"] + PLAIN_OVERRIDES,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in out.stdout.split() if name]


def plain_tox(
    cwd: Path, env: Dict[str, str], create: bool, matrix: bool = False
) -> float:
    """One plain-tox run of the suite (parallel, then coverage), timed."""
    start = time.perf_counter()
    venv = cwd / ".plain-tox"
    if create:
        timed([sys.executable, "-m", "venv", str(venv)], cwd, env)
        pin = f"tox=={version('tox')}"
        timed([str(venv / "bin" / "pip"), "install", "-q", pin], cwd, env)
    tox = venv / "bin" / "tox"
    envs = [e for e in tox_envs(tox, cwd, env) if e != "coverage"]
    if matrix:
        envs = [e for e in envs if e.startswith("py")]
    timed(
        [str(tox), "run-parallel", "-p", "all", "-e", ",".join(envs)] + PLAIN_OVERRIDES,
        cwd,
        env,
    )
    timed([str(tox), "run", "-e", "coverage"] + PLAIN_OVERRIDES, cwd, env)
    return time.perf_counter() - start


TIERS = {
    "fast tier": "not e2e and not network",
    "e2e tier": "e2e or network",
}


def tier_cmd(clone_dir: Path, expr: str) -> List[str]:
    python = str(clone_dir / ".venv" / "bin" / "python")
    return [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "auto"] + [
        "-m",
        expr,
        "tests/release",
    ]


def bench_env() -> Dict[str, str]:
    env = dict(os.environ)
    for name in ("VIRTUAL_ENV", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(name, None)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def make_test_cmd(matrix: bool) -> List[str]:
    cmd = ["make", "test"]
    if matrix:
        pys = [f"py{v.replace('.', '')}" for v in pythons.supported_versions()]
        cmd.append(f"TOX_ENVS={','.join(pys)}")
    return cmd


def ours(workdir: Path, rev: str, runs: int, matrix: bool) -> Dict[str, List[float]]:
    """``make test`` cold once; then, ``runs`` times, each tier and ``make test``."""
    env = bench_env()
    here = clone(workdir / "ours", rev)
    samples: Dict[str, List[float]] = {}

    def record(name: str, seconds: float, run: int) -> None:
        samples.setdefault(name, []).append(seconds)
        print(f"run {run}/{runs}  {name:<18} {seconds:6.1f} s", flush=True)

    record("make test, cold", timed(make_test_cmd(matrix), here, env, ok=()), 1)
    for run in range(1, runs + 1):
        for name, expr in TIERS.items():
            record(name, timed(tier_cmd(here, expr), here, env, ok=()), run)
        record("make test, warm", timed(make_test_cmd(matrix), here, env, ok=()), run)
    return samples


def plain(workdir: Path, rev: str, runs: int, matrix: bool) -> Dict[str, List[float]]:
    env = bench_env()
    samples: Dict[str, List[float]] = {}
    for run in range(1, runs + 1):
        there = clone(workdir / f"plain-{run}", rev)
        plain_env = dict(
            env, PATH=pythons.compute_path(env, pythons.supported_versions())
        )
        for kind, create in (("cold", True), ("warm", False)):
            seconds = plain_tox(there, plain_env, create, matrix)
            samples.setdefault(f"plain tox, {kind}", []).append(seconds)
            print(
                f"run {run}/{runs}  plain tox, {kind:<8} {seconds:6.1f} s", flush=True
            )
    return samples


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--rev", default="HEAD", help="the commit to measure")
    parser.add_argument(
        "--plain", action="store_true", help="also plain tox without tox-uv"
    )
    parser.add_argument(
        "--matrix", action="store_true", help="only the library's Python matrix"
    )
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="bench-tests-") as tmp:
        samples = ours(Path(tmp), args.rev, args.runs, args.matrix)
        if args.plain:
            samples.update(plain(Path(tmp), args.rev, args.runs, args.matrix))
    end_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    what = "the Python matrix and coverage" if args.matrix else "the whole suite"
    print(
        f"\nmedians ({args.rev}, {what}; wall time, {os.cpu_count()} cores, "
        f"load average {load:.1f} at the start, {end_load:.1f} at the end):"
    )
    for name, values in samples.items():
        runs = len(values)
        print(f"  {name:<18} {statistics.median(values):6.1f} s  ({runs} run(s))")
    for kind in ("cold", "warm"):
        mine, theirs = samples.get(f"make test, {kind}"), samples.get(
            f"plain tox, {kind}"
        )
        if mine and theirs:
            ratio = statistics.median(theirs) / statistics.median(mine)
            print(f"  {kind}: plain tox / make test = {ratio:4.1f}x")
    return 0


if __name__ == "__main__":
    run_main(main)
