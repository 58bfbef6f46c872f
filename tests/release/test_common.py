"""tools.common's process helpers: stopping a child and everything it started."""

import subprocess
import sys
import time

import pytest

from tools.common import stop_groups

# A child that starts a grandchild (same process group), prints both pids,
# and then either exits on SIGTERM (the default) or ignores it.
FAMILY = """
import signal, subprocess, sys, time
if sys.argv[1] == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("on_term, most", [("exit", 1.0), ("ignore", 3.0)])
def test_stop_groups_stops_the_child_and_what_it_started(on_term, most):
    """SIGTERM to the whole group; SIGKILL after the grace time when ignored."""
    proc = subprocess.Popen(
        [sys.executable, "-c", FAMILY, on_term],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    grandchild = int(proc.stdout.readline())
    start = time.monotonic()
    stop_groups([proc], grace=1.0)
    assert proc.poll() is not None
    assert time.monotonic() - start < most
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(grandchild)
    proc.stdout.close()
