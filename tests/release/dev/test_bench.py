"""make bench (tools.dev.bench): its statistics, report and what it times."""

import pytest

from tools import stages
from tools.dev import bench


def test_bench_stats_and_targets():
    stats = bench.compute_stats([2.0, 3.0, 2.5], [6.0, 7.0, 8.0])
    assert stats.release_check == 2.5 and stats.naive == 7.0
    assert stats.ratio == pytest.approx(2.5 / 7.0)
    assert stats.fast_enough and stats.under_target
    stats = bench.compute_stats([6.0], [10.0])
    assert not stats.fast_enough and not stats.under_target


def test_bench_report_lines():
    lines = bench.format_report([2.0, 2.2], [6.0, 6.2])
    assert "median   2.10 s" in lines[0] and "runs: 2.00 2.20" in lines[0]
    assert "ratio release-check / naive: 0.34" in lines[2]


def test_naive_sequence_is_what_a_maintainer_types(tmp_path):
    cmds = [" ".join(c) for c in bench.naive_commands(bench.ROOT, tmp_path)]
    assert "-m build --outdir" in cmds[0]
    assert "twine check" in cmds[1]
    assert "-m venv" in cmds[2] and 'pip" install' in cmds[3]
    assert "import glyph_phase_engine" in cmds[4]


def test_bench_reads_the_stage_times_release_check_prints():
    output = (
        "release-check: 3 stages: dist, check, validate\n"
        "✓ dist               1.0 s  dist: built ...\n"
        "✓ check              1.4 s  check: passed\n"
        "ok validate          0.7 s\n"
        "✓ release-check passed: 3 stages in 2.1 s\n"
    )
    assert bench.parse_stage_times(output) == {
        "dist": 1.0,
        "check": 1.4,
        "validate": 0.7,
    }


def test_the_build_stages_are_release_checks_but_the_other_jobs_ones():
    """What bench times as the build job is what the validator requires of it."""
    names = [s.name for s in stages.stages()]
    assert bench.BUILD_STAGES.split(",") == [
        n for n in names if n not in ("publish-dry-run", "validate")
    ]
    assert "contents" in bench.BUILD_STAGES and "pypi-rules" in bench.BUILD_STAGES
