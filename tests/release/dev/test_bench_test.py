"""make bench-test (tools.dev.bench_test): what it times."""

import os
import sys
from pathlib import Path

from tools.common import ROOT
from tools.dev import bench_test


def test_it_times_every_tox_env_the_project_has():
    tox = Path(sys.executable).parent / "tox"
    envs = bench_test.tox_envs(tox, ROOT, dict(os.environ))
    assert {"lint", "release", "coverage"} <= set(envs), envs
