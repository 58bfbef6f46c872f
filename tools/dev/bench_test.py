"""Benchmark ``make test`` against plain tox (no tox-uv), cold and warm.

Each run makes two fresh clones of HEAD in a temporary folder:

* ``make test`` in the first: *cold* is the first run (it makes the tool
  environment ``.venv`` and every tox env), *warm* the second run.
* plain tox in the second: *cold* makes a virtual environment with only tox
  (the same version) and runs the same env list with tox's own virtualenv
  runner and pip, a wheel built per environment (tox's default) and no tox-uv;
  *warm* runs it again.

Package caches (pip's, uv's) stay warm across runs, as on a maintainer's
machine. Prints the median of each and the ratio. With ``--matrix`` both run
only the library's Python matrix (py38..py315) and coverage, leaving out the
release tooling's tests and lint.

    python -m tools.dev.bench_test [--runs 3] [--matrix]
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


def timed(cmd: Sequence[str], cwd: Path, env: Dict[str, str]) -> float:
    """Run ``cmd``; return its wall time; raise with its output if it fails."""
    start = time.perf_counter()
    out = subprocess.run(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        tail = out.stdout.decode(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{tail}")
    return elapsed


def clone(dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True)
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


def one_run(workdir: Path, matrix: bool = False) -> Dict[str, float]:
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    ours = clone(workdir / "ours")
    make_test = ["make", "test"]
    if matrix:
        pys = [f"py{v.replace('.', '')}" for v in pythons.supported_versions()]
        make_test.append(f"TOX_ENVS={','.join(pys)}")
    result = {
        "make test, cold": timed(make_test, ours, env),
        "make test, warm": timed(make_test, ours, env),
    }
    plain = clone(workdir / "plain")
    plain_env = dict(env, PATH=pythons.compute_path(env, pythons.supported_versions()))
    result["plain tox, cold"] = plain_tox(plain, plain_env, True, matrix)
    result["plain tox, warm"] = plain_tox(plain, plain_env, False, matrix)
    return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument(
        "--matrix", action="store_true", help="only the library's Python matrix"
    )
    args = parser.parse_args(argv)
    samples: Dict[str, List[float]] = {}
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="bench-tests-") as tmp:
            for name, seconds in one_run(Path(tmp), args.matrix).items():
                samples.setdefault(name, []).append(seconds)
                print(f"run {run}/{args.runs}  {name:<18} {seconds:6.1f} s", flush=True)
    med = {name: statistics.median(values) for name, values in samples.items()}
    what = "the Python matrix and coverage" if args.matrix else "the whole suite"
    print(f"\nmedians of {args.runs} runs of {what} (wall time, 2 cores here):")
    for kind in ("cold", "warm"):
        ours, plain = med[f"make test, {kind}"], med[f"plain tox, {kind}"]
        print(
            f"  {kind}: make test {ours:6.1f} s   plain tox {plain:6.1f} s"
            f"   plain/ours = {plain / ours:4.1f}x"
        )
    return 0


if __name__ == "__main__":
    run_main(main)
