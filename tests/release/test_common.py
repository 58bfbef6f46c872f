"""tools.common: the result types of every check, and stopping a child and
everything it started."""

import subprocess
import sys
import time

import pytest

from tools.common import (
    Checked,
    NoticeKind,
    Problem,
    Refusal,
    notices,
    report,
    stop_groups,
)
from tools.workflows.validator import registry


def test_a_problem_reads_what_then_fix():
    assert str(Problem("dist is empty", "run make dist", "dist")) == (
        "dist is empty: run make dist"
    )
    assert str(Problem("dist is empty")) == "dist is empty"
    refused = Refusal("x.whl is on the index with other bytes", "bump the version")
    assert isinstance(refused, Problem)
    assert str(refused) == "x.whl is on the index with other bytes; bump the version"


def test_checked_is_ok_without_problems():
    assert Checked(3).ok and Checked(3).problems == []
    found = Checked(None, [Problem("no wheel", "build it")])
    assert not found.ok and found.value is None


def test_a_validator_problem_is_a_problem_with_a_rule_and_a_line():
    found = registry.Problem("bad", "fix it", ".github/workflows/ci.yml", 3, "yaml")
    assert isinstance(found, Problem)
    assert (found.path, found.line, found.rule) == (
        ".github/workflows/ci.yml",
        3,
        "yaml",
    )
    assert str(found) == ".github/workflows/ci.yml:3: yaml: bad; fix it"


def test_report_prints_each_problem_and_notices_their_kind(capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert report([Problem("a", "b"), Problem("c")], "stage") == 1
    assert capsys.readouterr().err == "stage: 2 problems:\n  - a: b\n  - c\n"
    assert report([], "stage") == 0
    notices("stage", NoticeKind.ALLOWED, ["a fake key"])
    assert capsys.readouterr().out == "stage: allowed: a fake key\n"


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
