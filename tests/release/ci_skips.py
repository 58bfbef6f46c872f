"""On CI, a skipped release test is a failure.

A test of tests/release skips only where this machine lacks what it needs (a
Python, /proc). CI sets up everything they need, so there a skip means CI
runs less than it claims: with ``CI=true`` (GitHub sets it) the session fails,
with one line per skipped test saying which and why. tests/release/conftest.py
imports the hook from here, so that a test can run it on a test of its own.
"""

import os
from typing import Any, List, Mapping

import pytest


def on_ci(environ: Mapping[str, str]) -> bool:
    return environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _reason(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).replace("Skipped: ", "", 1)
    return str(longrepr)


def skip_lines(skipped: List[Any]) -> List[str]:
    """One line per skipped test: what, why, and what to do."""
    return [
        f"error: CI=true but {report.nodeid or report.fspath} was skipped "
        f"({_reason(report)}): CI must run every release test; set up what it needs"
        for report in skipped
    ]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput") or not on_ci(os.environ):
        return  # an xdist worker: the controller sees every report
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    skipped = list(getattr(reporter, "stats", {}).get("skipped", []))
    if not skipped:
        return
    for line in skip_lines(skipped):
        if reporter is not None:
            reporter.write_line(line, red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
