"""Helpers for the publish tests: is the index server gone, run a script, fake
time and fake answers of an index."""

import os
import re
import signal
import socket
import time
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from tools.publish import index_check


def group_gone(pgid: int, wait: float = 3.0) -> bool:
    """No process left in the process group ``pgid`` (waits a little)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def assert_server_gone(pid: int, port: int) -> None:
    gone = group_gone(pid)
    if not gone:  # do not leave it running for the next test either
        os.killpg(pid, signal.SIGKILL)
    assert gone, f"index server (process group {pid}) still running"
    assert port_closed(port), f"something still listens on port {port}"


def run_script(proj, module: str, *args: str, tmp: Path):
    """``python -m tools.<module>`` in the copy, with its own TMPDIR."""
    return proj.run("python", "-m", f"tools.{module}", *args, env={"TMPDIR": str(tmp)})


def server_of(output: str) -> Tuple[int, int]:
    """``(pid, port)`` of the index server a dry run printed."""
    match = re.search(
        r"index: http://127\.0\.0\.1:(\d+)/simple/ \(pypiserver pid (\d+)", output
    )
    assert match, output
    return int(match.group(2)), int(match.group(1))


class FakeClock:
    """Time that passes only when slept: the waits are recorded, not waited.

    ``on_sleep(n)``, if given, runs after the n-th sleep (something that
    happens on the index meanwhile).
    """

    def __init__(self, on_sleep: Optional[Callable[[int], None]] = None) -> None:
        self.now = 0.0
        self.sleeps: List[float] = []
        self.on_sleep = on_sleep

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))


def answer(status=None, body=b"", ctype="text/html", error=None, unreachable=False):
    url = "http://i/simple/glyph-phase-engine/"
    return index_check.Answer(url, status, ctype, body, error, unreachable)
