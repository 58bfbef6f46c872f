"""Run the release check: every stage, in order, and say how each went.

    python -m tools.release_check [--tag vX.Y.Z] [--dev] [--jobs N] [--list]

The stages are the list in :func:`stages`; each is a command run from the
project root. A stage marked ``alone`` runs by itself (``dist`` builds what
the others look at), but for those marked ``independent`` (they read nothing
that dist builds), which start at once; the others run in parallel after it,
at most ``--jobs`` at a time. Results are printed in the list's order, each with
a mark and its time; the check stops at the first stage (in that order) that
fails, prints that stage's output, stops the stages still running, and exits
1. It exits 0 only when every stage passed.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional

from tools.common import ROOT, mark


@dataclass
class Stage:
    name: str
    argv: List[str]
    alone: bool = False  # wait for the stages before it; the ones after wait for it
    independent: bool = False  # needs nothing built: starts at once, with dist


def stages(tag: str = "", dev: bool = False) -> List[Stage]:
    """The stages of ``make release-check``, in order; add new ones at the end.

    Each stage is the make target of the same name, the very command a
    maintainer types and the composite actions run. Variables given to
    ``make release-check`` (``MAX_FILE=``, ``WARN_TOTAL=``, ...) reach these
    sub-makes through ``MAKEFLAGS``; TAG and DEV are passed explicitly so that
    ``python -m tools.release_check --tag ...`` works the same.
    """

    def make(target: str) -> List[str]:
        argv = ["make", "--no-print-directory", f"TOOLS_PYTHON={sys.executable}"]
        return argv + [target, f"TAG={tag}", f"DEV={'1' if dev else ''}"]

    return [
        Stage("dist", make("dist"), alone=True),
        Stage("check", make("check")),
        Stage("sanity", make("sanity")),
        Stage("contents", make("contents")),
        Stage("reproducibility", make("reproducibility")),
        Stage("smoke", make("smoke")),
        Stage("publish-dry-run", make("publish-dry-run")),
        Stage("validate", make("validate"), independent=True),
    ]


@dataclass
class Result:
    returncode: int
    output: str
    seconds: float


class Runner:
    """Start stages in threads; wait for and print them in order."""

    def __init__(self, plan: List[Stage], jobs: int, out=None) -> None:
        self.plan = plan
        self.jobs = max(1, jobs)
        self.out = out or sys.stdout
        self.results: Dict[int, Result] = {}
        self.done = [threading.Event() for _ in plan]
        self.procs: Dict[int, subprocess.Popen] = {}
        self.started: List[int] = []
        self.lock = threading.Lock()
        self.stopping = False
        self.printed = 0
        self.width = max(len(stage.name) for stage in plan) if plan else 0
        self.tty = hasattr(self.out, "isatty") and self.out.isatty()

    # -- running ------------------------------------------------------------
    def _run(self, index: int) -> None:
        stage = self.plan[index]
        start = time.monotonic()
        try:
            with self.lock:
                if self.stopping:
                    raise OSError("stopped")
                proc = subprocess.Popen(
                    stage.argv,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    text=True,
                    start_new_session=True,
                )
                self.procs[index] = proc
            output, _ = proc.communicate()
            code = proc.returncode
        except OSError as exc:
            output, code = f"error: cannot run {' '.join(stage.argv)}: {exc}\n", 127
        self.results[index] = Result(code, output, time.monotonic() - start)
        self.done[index].set()

    def start(self, index: int) -> None:
        """Start stage ``index`` once fewer than ``jobs`` stages are running."""
        running = [i for i in self.started if not self.done[i].is_set()]
        while len(running) >= self.jobs:
            self.done[running[0]].wait()
            running = [i for i in running if not self.done[i].is_set()]
        self.started.append(index)
        threading.Thread(target=self._run, args=(index,), daemon=True).start()

    def stop(self, grace: float = 5.0) -> None:
        """Stop every stage still running (their whole process groups).

        SIGTERM first, so that each stage removes its temporary folders;
        SIGKILL for what is still there after ``grace`` seconds.
        """
        with self.lock:
            self.stopping = True
            live = [
                proc
                for index, proc in self.procs.items()
                if not self.done[index].is_set() and proc.poll() is None
            ]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for proc in live:
                try:
                    os.killpg(proc.pid, sig)
                except OSError:
                    pass
            deadline = time.monotonic() + grace
            for proc in live:
                try:
                    proc.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
            live = [proc for proc in live if proc.poll() is None]
            if not live:
                break

    # -- printing -------------------------------------------------------------
    def _line(self, ok: bool, index: int, result: Result) -> str:
        stage = self.plan[index]
        lines = [line for line in result.output.splitlines() if line.strip()]
        detail = lines[-1].strip() if ok and lines else ""
        return (
            f"{mark(ok, self.out)} {stage.name:<{self.width}}  "
            f"{result.seconds:5.1f} s  {detail}"
        ).rstrip()

    def print_upto(self, end: int) -> bool:
        """Wait for the unprinted stages before ``end``; False on a failure."""
        while self.printed < end:
            index = self.printed
            if self.tty and not self.done[index].is_set():
                self.out.write(f"  {self.plan[index].name} ...")
                self.out.flush()
            self.done[index].wait()
            result = self.results[index]
            ok = result.returncode == 0
            if self.tty:
                self.out.write("\r\033[K")
            print(self._line(ok, index, result), file=self.out, flush=True)
            if ok:
                for line in result.output.splitlines():
                    if line.startswith("warning:"):
                        print(f"    {line}", file=self.out)
            self.printed += 1
            if not ok:
                self.stop()
                print(
                    f"\nstage {self.plan[index].name} failed "
                    f"(exit code {result.returncode}):",
                    file=self.out,
                )
                for line in result.output.rstrip().splitlines():
                    print(f"    {line}", file=self.out)
                return False
        return True

    def run(self) -> bool:
        for index, stage in enumerate(self.plan):
            if stage.independent:
                self.start(index)
        for index, stage in enumerate(self.plan):
            if stage.independent:
                continue
            if stage.alone and not self.print_upto(index):
                return False
            self.start(index)
            if stage.alone and not self.print_upto(index + 1):
                return False
        return self.print_upto(len(self.plan))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.release_check")
    parser.add_argument("--tag", default="", help="the release tag, e.g. v1.2.3")
    parser.add_argument("--dev", action="store_true", help="a TestPyPI dev build")
    parser.add_argument(
        "--jobs",
        type=int,
        default=4,
        help="how many independent stages run at once (default 4)",
    )
    parser.add_argument("--list", action="store_true", help="list the stages")
    parser.add_argument(
        "--only",
        default="",
        metavar="NAMES",
        help="run only these stages (comma-separated, e.g. dist,check,sanity)",
    )
    args = parser.parse_args(argv)
    plan = stages(args.tag, args.dev)
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - {stage.name for stage in plan})
        if unknown:
            parser.error(
                f"no stage named {', '.join(unknown)}: choose from "
                + ", ".join(stage.name for stage in plan)
            )
        plan = [stage for stage in plan if stage.name in wanted]
    if args.list:
        for stage in plan:
            print(f"{stage.name}: {' '.join(stage.argv)}")
        return 0
    kind = f"TAG={args.tag}" if args.tag else "TestPyPI dev build" if args.dev else ""
    print(
        f"release-check: {len(plan)} stages"
        + (f" ({kind})" if kind else "")
        + f": {', '.join(s.name for s in plan)}",
        flush=True,
    )
    start = time.monotonic()
    runner = Runner(plan, args.jobs)

    def terminated(signum, frame):
        raise KeyboardInterrupt

    # The stages run in sessions of their own (to be stopped as a whole): a
    # SIGTERM (a cancelled CI job) must stop them too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, terminated)
    try:
        ok = runner.run()
    except KeyboardInterrupt:
        runner.stop()
        print("\nrelease-check: interrupted", file=sys.stderr)
        return 130
    total = time.monotonic() - start
    if ok:
        print(f"{mark(True)} release-check passed: {len(plan)} stages in {total:.1f} s")
        return 0
    print(
        f"{mark(False)} release-check failed at stage "
        f"{plan[runner.printed - 1].name} after {total:.1f} s"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
