"""Stopped stages clean up: no temporary folder, no process left behind.

``make release-check`` stops the stages still running with SIGTERM to their
process groups when one fails; Ctrl-C reaches the whole foreground group.
The scripts turn SIGTERM into an interrupt (``tools.common.run_main``), so
that their ``finally`` blocks remove what they made, and PyPA build's own
temporary folders live inside theirs.
"""

import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import List

import pytest

from tests.release.helpers import Project, built, stop_midway

pytestmark = pytest.mark.e2e

# In the copies: the second build of the reproducibility check (its TMPDIR is
# inside dist-again-*) hangs, so that it is surely running when stopped.
SLOW_SECOND_BUILD = """
import os as _os
import time as _time

if "dist-again-" in _os.environ.get("TMPDIR", ""):
    _time.sleep(120)
"""


def slow_second_build(proj: Project) -> None:
    with open(proj.path / "hatch_build.py", "a", encoding="utf-8") as handle:
        handle.write(SLOW_SECOND_BUILD)
    proj.commit("a slow second build")


def processes_using(tmp: Path) -> List[str]:
    """The processes whose TMPDIR is ``tmp`` or inside it (Linux /proc)."""
    found = []
    needle = f"TMPDIR={tmp}".encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if any(var.startswith(needle) for var in environ.split(b"\0")):
            command = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{pid}: {command}")
    return found


def wait_until_clean(tmp: Path, seconds: float = 15.0):
    """Wait for the processes to go and ``tmp`` to be empty; what is left."""
    deadline = time.monotonic() + seconds
    while True:
        procs, left = processes_using(tmp), sorted(os.listdir(tmp))
        if (not procs and not left) or time.monotonic() > deadline:
            return procs, left
        time.sleep(0.1)


def wait_for(predicate, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_release_check_stopped_by_a_failing_stage_leaves_nothing(
    tagged_project, tmp_path
):
    proj = tagged_project
    slow_second_build(proj)
    proj.git("tag", "-f", "-a", "v1.2.3", "-m", "v1.2.3")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    # sanity fails at once (every file is over 1 KB) while reproducibility
    # (and smoke, and the publish dry run) still run.
    out = proj.make("release-check", "MAX_FILE=1KB", env={"TMPDIR": str(tmp)})
    assert out.returncode != 0, out.stdout + out.stderr
    assert "stage sanity failed" in out.stdout, out.stdout
    assert not re.search(r"^\S+ reproducibility ", out.stdout, re.M)  # stopped
    procs, left = wait_until_clean(tmp)
    assert procs == [], f"processes left behind: {procs}"
    assert left == [], f"temporary folders left behind: {left}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_reproducibility_stopped_mid_build_leaves_nothing(
    tagged_project, tmp_path, signum
):
    proj = tagged_project
    slow_second_build(proj)
    proj.git("tag", "-f", "-a", "v1.2.3", "-m", "v1.2.3")
    built(proj)
    tmp = tmp_path / "tmp"
    tmp.mkdir()

    def ready(proc) -> str:
        # The build is under way once PyPA build made its environment.
        wait_for(lambda: list(tmp.glob("dist-again-*/build-tmp/*")))
        return ""

    argv = ["-m", "tools.artifacts.reproducibility"]
    code, _, output = stop_midway(proj.path, argv, tmp, signum, ready)
    assert code == 130, output
    assert "Traceback" not in output
    procs, left = wait_until_clean(tmp)
    assert procs == [], f"processes left behind: {procs}"
    assert left == [], f"temporary folders left behind: {left}"
