"""Run the release check: every stage, in order, and say how each went.

    python -m tools.release_check [--tag vX.Y.Z] [--dev] [--only NAMES]
                                  [--warn-total 50MB] [--max-file 100MB]
                                  [--jobs N] [--list]

The stages are the list in :func:`tools.stages.stages`; each is a ``python -m tools...``
command with explicit arguments, the very command its make target runs (no
stage goes through make, and no setting travels in the environment). A stage
marked ``alone`` runs by itself (``dist`` builds what the others look at), but
for those marked ``independent`` (they read nothing that dist builds), which
start at once; the others run in parallel after it, at most ``--jobs`` at a
time, each in a process of its own (so a stopped stage cleans up after
itself). Results are printed in the list's order, each with a mark and its
time, and under it the lines a maintainer must see even when the stage
passes (its warnings and allowed findings, ``tools.common.notices``); the
check stops at the first stage (in that order) that fails, prints
that stage's output, stops the stages still running, and exits 1. It exits 0
only when every stage passed.

Bad input fails before anything is built: a ``--tag`` that is not a release
tag, or several release tags on HEAD with no ``--tag`` to choose one.
"""

import argparse
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, TextIO

from tools.artifacts.dev_version import parse_tag, release_tags
from tools.common import (
    EXIT_INTERRUPTED,
    EXIT_PROBLEMS,
    NOTICE_LINE,
    ROOT,
    GitError,
    Problem,
    git,
    mark,
    parse_size,
    run_main,
    sigterm_as_interrupt,
    stop_groups,
)
from tools.stages import Stage, stages


def check_inputs(tag: str, dev: bool, root: Path = ROOT) -> List[Problem]:
    """Problems with the release inputs, found before anything is built."""
    if tag and dev:
        return [
            Problem(
                f"TAG={tag} and DEV=1 together",
                "a release build has the tag's version; drop DEV=1 (or TAG for a "
                "TestPyPI build)",
            )
        ]
    if tag:
        return parse_tag(tag, root).problems
    if dev:
        return []
    try:
        head_tags = release_tags(git("tag", "--points-at", "HEAD", root=root).split())
    except GitError:
        return []  # the guard reports a missing git checkout, with its fix
    if len(head_tags) > 1:
        return [
            Problem(
                f"HEAD has several release tags ({', '.join(head_tags)})",
                "say which one to build and check: make release-check "
                f"TAG={head_tags[-1]}",
                "HEAD",
            )
        ]
    return []


@dataclass
class Result:
    returncode: int
    output: str
    seconds: float


class Runner:
    """Start stages in threads; wait for and print them in order."""

    def __init__(
        self, plan: List[Stage], jobs: int, out: Optional[TextIO] = None
    ) -> None:
        self.plan = plan
        self.jobs = max(1, jobs)
        self.out = out or sys.stdout
        self.results: Dict[int, Result] = {}
        self.done = [threading.Event() for _ in plan]
        self.procs: Dict[int, "subprocess.Popen[str]"] = {}
        self.started: List[int] = []
        self.slots = threading.BoundedSemaphore(self.jobs)
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
        self.slots.release()
        self.done[index].set()

    def start(self, index: int) -> None:
        """Start stage ``index`` once fewer than ``jobs`` stages are running:
        as soon as any of them ends (not the first started: a short stage
        that ends early frees its place at once)."""
        self.slots.acquire()
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
                if not self.done[index].is_set()
            ]
        stop_groups(live, grace)

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
                    if NOTICE_LINE.match(line):
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


def _size(text: str) -> str:
    """A size as sanity takes it (checked here, passed on as written)."""
    try:
        parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.release_check")
    parser.add_argument(
        "--warn-total", default="50MB", type=_size, help="sanity's warning size"
    )
    parser.add_argument(
        "--max-file", default="100MB", type=_size, help="sanity's largest file"
    )
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
    plan = stages(args.tag, args.dev, args.warn_total, args.max_file)
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
    bad = check_inputs(args.tag, args.dev)
    if bad:
        for problem in bad:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_PROBLEMS
    kind = f"TAG={args.tag}" if args.tag else "TestPyPI dev build" if args.dev else ""
    print(
        f"release-check: {len(plan)} stages"
        + (f" ({kind})" if kind else "")
        + f": {', '.join(s.name for s in plan)}",
        flush=True,
    )
    start = time.monotonic()
    runner = Runner(plan, args.jobs)

    # The stages run in sessions of their own (to be stopped as a whole): a
    # SIGTERM (a cancelled CI job) must stop them too, as Ctrl-C does.
    restore = sigterm_as_interrupt()
    try:
        ok = runner.run()
    except KeyboardInterrupt:
        runner.stop()
        print("\nrelease-check: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        restore()
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
    run_main(main)
