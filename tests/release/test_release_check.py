"""Unit tests of the release-check runner and dist helpers (no build)."""

import io
import os
import shlex
import signal
import subprocess
import sys
import time

import pytest

from tools import project, release_check
from tools.artifacts import dist, reproducibility
from tools.release_check import Runner, Stage


def stage(name, code="", alone=False):
    return Stage(name, [sys.executable, "-c", code], alone=alone)


def run(plan, jobs=4):
    out = io.StringIO()
    runner = Runner(plan, jobs, out)
    ok = runner.run()
    return ok, out.getvalue(), runner


def test_default_stages_in_order_with_the_smoke_command():
    plan = release_check.stages()
    assert [s.name for s in plan] == [
        "dist",
        "check",
        "sanity",
        "contents",
        "reproducibility",
        "smoke",
        "publish-dry-run",
        "validate",
        "pypi-rules",
    ]
    assert plan[0].alone and not any(s.alone for s in plan[1:])
    assert [s.name for s in plan if s.independent] == ["validate"]
    # No stage goes through make: each is a python -m command of its own.
    for s in plan:
        assert s.argv[:2] == [sys.executable, "-m"], s.argv
        assert s.argv[2].startswith("tools."), s.argv


def make_recipe(target: str, *variables: str) -> list:
    """The command ``make <target>`` runs (make -n), as an argv."""
    out = subprocess.run(
        ["make", "-n", "--no-print-directory", f"TOOLS_PYTHON={sys.executable}"]
        + [target, *variables],
        cwd=release_check.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    return shlex.split(lines[-1])


@pytest.mark.parametrize(
    "variables, kwargs",
    [
        ((), {}),
        (("TAG=v1.2.3",), {"tag": "v1.2.3"}),
        (("DEV=1",), {"dev": True}),
        (("MAX_FILE=1KB", "WARN_TOTAL=2MB"), {"max_file": "1KB", "warn_total": "2MB"}),
    ],
)
def test_each_stage_runs_what_its_make_target_runs(variables, kwargs):
    """One path: make <stage> and release-check's stage are the same command."""
    for stage_ in release_check.stages(**kwargs):
        assert make_recipe(stage_.name, *variables) == stage_.argv, stage_.name


@pytest.mark.e2e
def test_release_check_rejects_bad_input_before_building(project):
    """A TAG that is no release tag, or two release tags on HEAD: nothing built."""
    out = project.make("release-check", "TAG=1.2.3")
    assert out.returncode != 0, out.stdout + out.stderr
    assert "tag '1.2.3' is not a release tag" in out.stderr
    assert not (project.path / "dist").exists() and "stages" not in out.stdout
    out = project.run("python", "-m", "tools.release_check", "--tag", "1.2.3")
    assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
    project.tag("v1.0.0rc1")
    project.tag("v1.0.0")
    out = project.run("python", "-m", "tools.release_check")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "HEAD has several release tags (v1.0.0, v1.0.0rc1)" in out.stderr
    # The fix names one of them, as a command to copy.
    assert "say which one to build and check: make release-check TAG=v1.0.0rc1" in (
        out.stderr
    ), out.stderr
    assert not (project.path / "dist").exists()


@pytest.mark.e2e
def test_two_release_tags_on_head_build_the_tag_asked_for(project):
    """An rc promoted to final: TAG= chooses, and the build takes that version."""
    project.tag("v2.0.0rc1")
    project.tag("v2.0.0")
    for tag, version in (("v2.0.0", "2.0.0"), ("v2.0.0rc1", "2.0.0rc1")):
        out = project.make("release-check", f"TAG={tag}", "STAGES=dist,sanity")
        assert out.returncode == 0, out.stdout + out.stderr
        shown = project.run("python", "-m", "tools.artifacts.dist", "--show-version")
        assert shown.stdout.strip() == version, shown.stdout + shown.stderr


@pytest.mark.e2e
def test_release_check_variables_reach_the_stages(released, tmp_path):
    """make release-check MAX_FILE=... reaches the sanity stage (as an argument)."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(released.path, copy, symlinks=True)
    out = subprocess.run(
        ["make", f"TOOLS_PYTHON={sys.executable}", "release-check", "MAX_FILE=1KB"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0, out.stdout + out.stderr
    assert "✗ sanity" in out.stdout, out.stdout
    assert "above the 1.0 KB per-file upload limit" in out.stdout, out.stdout


def test_all_pass_printed_in_order_with_marks_and_times(tmp_path):
    fast = tmp_path / "fast-done"
    plan = [
        stage("first", "print('built')", alone=True),
        # ends after "fast" has: printed in the plan's order all the same
        stage("slow", wait_for(fast) + "print('slow done')"),
        stage("fast", touch(fast) + "print('fast done')"),
    ]
    ok, out, _ = run(plan)
    assert ok
    lines = out.splitlines()
    assert lines[0].startswith("✓ first") and lines[0].endswith("built")
    assert lines[1].startswith("✓ slow") and "slow done" in lines[1]
    assert lines[2].startswith("✓ fast")
    assert " s " in lines[1]


def wait_for(path):
    """Code for a stage that waits (5 s at most) for path; fails if it never comes,
    else goes on with what follows."""
    return (
        "import os, sys, time\n"
        "end = time.monotonic() + 5\n"
        f"while not os.path.exists({str(path)!r}) and time.monotonic() < end:\n"
        "    time.sleep(0.02)\n"
        f"if not os.path.exists({str(path)!r}):\n"
        "    sys.exit(7)\n"
    )


def touch(path):
    return f"open({str(path)!r}, 'w').close()\n"


def test_stages_run_in_parallel(tmp_path):
    """Each stage waits for the other's marker: only concurrent runs both pass."""
    a, b = tmp_path / "a", tmp_path / "b"
    plan = [stage("a", touch(a) + wait_for(b)), stage("b", touch(b) + wait_for(a))]
    ok, out, _ = run(plan, jobs=2)
    assert ok, out


def test_jobs_limits_parallelism(tmp_path):
    """With one job the second stage starts only after the first has finished."""
    done = tmp_path / "first-done"
    plan = [
        stage("first", "import time; time.sleep(0.2)\n" + touch(done)),
        stage("second", f"import os, sys; sys.exit(not os.path.exists({str(done)!r}))"),
    ]
    ok, out, _ = run(plan, jobs=1)
    assert ok, out


def test_a_stage_ending_early_frees_its_place_at_once(tmp_path):
    """With two jobs, "long" waits for the marker of "third", which can only
    start once "short" has ended: the place "short" frees goes to "third"
    while "long" still runs (the runner once waited for the first stage it
    had started, here "long": a deadlock until its timeout)."""
    marker = tmp_path / "third-ran"
    plan = [
        stage("long", wait_for(marker)),
        stage("short", "print('done')"),
        stage("third", touch(marker)),
    ]
    ok, out, _ = run(plan, jobs=2)
    assert ok, out


def test_independent_stage_starts_with_the_alone_stage(tmp_path):
    """dist (alone) waits for validate's marker: validate must not wait for dist."""
    marker = tmp_path / "validated"
    plan = [
        stage("dist", wait_for(marker), alone=True),
        stage("check", "print('ok')"),
        Stage("validate", [sys.executable, "-c", touch(marker)], independent=True),
    ]
    ok, out, _ = run(plan)
    assert ok, out
    assert [line.split()[1] for line in out.splitlines()] == [
        "dist",
        "check",
        "validate",
    ]


def test_alone_stage_runs_before_the_others_start(tmp_path):
    marker = tmp_path / "built"
    plan = [
        stage("dist", f"import time; time.sleep(0.3); open({str(marker)!r}, 'w')", 1),
        stage("uses", f"import os, sys; sys.exit(not os.path.exists({str(marker)!r}))"),
    ]
    ok, out, _ = run(plan)
    assert ok, out


def test_stops_at_first_failing_stage_with_its_message():
    plan = [
        stage("dist", "print('ok')", alone=True),
        stage("check", "import sys; print('the reason'); sys.exit(3)"),
        stage("sanity", "print('fine')"),
        stage("later", "print('never')", alone=True),
    ]
    ok, out, runner = run(plan)
    assert not ok
    assert "✗ check" in out and "exit code 3" in out and "    the reason" in out
    assert "sanity" not in out and "never" not in out
    assert runner.printed == 2


def test_earlier_failure_wins_over_a_later_one(tmp_path):
    b_fails = tmp_path / "b-fails"
    plan = [
        stage("a", wait_for(b_fails) + "sys.exit(1)"),  # fails after b
        stage("b", touch(b_fails) + "import sys; sys.exit(2)"),
    ]
    ok, out, runner = run(plan)
    assert not ok and "✗ a" in out and "b" not in out.split("✗ a")[1].split("\n")[0]
    assert runner.printed == 1


def test_a_failure_stops_the_stages_still_running(tmp_path):
    """The "long" stage runs when "fails" fails: it is stopped (SIGTERM)."""
    started = tmp_path / "long-started"
    plan = [
        stage("fails", wait_for(started) + "sys.exit(1)"),
        stage("long", touch(started) + "import time; time.sleep(30)"),
    ]
    ok, _, runner = run(plan)
    assert not ok
    assert runner.procs[1].returncode == -signal.SIGTERM


SIGTERM_SCRIPT = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from tools import release_check as rc
marker = sys.argv[2]
child = "import os, time; open(%r, 'w').write(str(os.getpid())); time.sleep(60)"
rc.stages = lambda *args, **kwargs: [
    rc.Stage("long", [sys.executable, "-c", child % marker])
]
sys.exit(rc.main([]))
"""


def test_sigterm_stops_the_check_and_its_stages(tmp_path):
    script, marker = tmp_path / "run.py", tmp_path / "pid"
    script.write_text(SIGTERM_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(release_check.ROOT), str(marker)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.terminate()
    assert proc.wait(timeout=20) == 130
    stage_pid = int(marker.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(stage_pid, 0)
        except OSError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the stage (pid {stage_pid}) still runs")


def test_missing_command_fails_the_stage():
    ok, out, _ = run([Stage("gone", ["/nonexistent/tool"])])
    assert not ok and "cannot run /nonexistent/tool" in out


def test_warnings_of_passing_stages_are_shown():
    ok, out, _ = run([stage("s", "print('warning: big'); print('done')")])
    assert ok and "    warning: big" in out


def test_allowed_findings_and_stage_warnings_of_passing_stages_are_shown(
    monkeypatch,
):
    """What a stage prints with tools.common.notices shows under its line; its
    other lines (notes, progress) do not."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    code = (
        "from tools.common import NoticeKind, notices; print('s: a note'); "
        "notices('s', NoticeKind.ALLOWED, ['a fake key (allowed: a test)']); "
        "notices('s', NoticeKind.WARNING, ['RECORD differs']); print('s: passed')"
    )
    ok, out, _ = run([stage("s", code)])
    assert ok, out
    assert "    s: allowed: a fake key (allowed: a test)" in out
    assert "    s: warning: RECORD differs" in out
    assert "a note" not in out


def test_main_lists_the_stages(capsys):
    assert release_check.main(["--list", "--tag", "v1.0.0"]) == 0
    out = capsys.readouterr().out
    sanity = [line for line in out.splitlines() if line.startswith("sanity:")]
    assert len(sanity) == 1 and " tools.artifacts.sanity --tag v1.0.0 " in sanity[0]
    assert any(" -m tools.publish.smoke " in line for line in out.splitlines())


# -- dist helpers -------------------------------------------------------------


def test_build_env_sets_the_epoch_and_only_the_dev_version():
    named = project.load(dist.ROOT).pretend_env
    environ = {
        "PATH": "/bin",
        "SETUPTOOLS_SCM_PRETEND_VERSION": "9.9.9",
        named: "9.9.9",
    }
    env = dist.build_env(dist.ROOT, None, environ)
    assert env["SOURCE_DATE_EPOCH"].isdigit()
    assert not [k for k in env if k.startswith("SETUPTOOLS_SCM_PRETEND")]
    env = dist.build_env(dist.ROOT, "1.2.4.dev2", environ)
    assert env[named] == "1.2.4.dev2"
    assert "SETUPTOOLS_SCM_PRETEND_VERSION" not in env


def test_build_runs_without_isolation_in_the_locked_environment(tmp_path):
    cmd = dist.build_command(dist.ROOT, tmp_path / "out", "/env/bin/python")
    assert cmd[:6] == ["/env/bin/python", "-I", "-m", "build", "--no-isolation"] + [
        "--skip-dependency-check"  # checked beside it: dist.unmet_requirements
    ]
    assert dist.installer() == "uv"  # the tool environment has build[uv]
    create, install = dist.env_commands(
        dist.ROOT / "lock.txt", tmp_path / "env", sys.executable, "uv"
    )
    assert create[1:2] == ["venv"] and "--require-hashes" in install
    assert install[1:3] == ["pip", "sync"] and install[-1].endswith("lock.txt")
    _create, install = dist.env_commands(
        dist.ROOT / "lock.txt", tmp_path / "env", sys.executable, "pip"
    )
    assert "--require-hashes" in install and "--no-deps" in install


def test_compare_builds():
    same = {"a.whl": "1" * 64}
    assert reproducibility.compare_builds(same, dict(same), "/tmp/x") == []
    found = reproducibility.compare_builds(same, {"a.whl": "2" * 64}, "/tmp/x")
    assert len(found) == 1 and "a.whl is not reproducible" in str(found[0])
    assert "/tmp/x" in str(found[0]) and found[0].where == "a.whl"
    found = reproducibility.compare_builds(same, {"b.whl": "1" * 64}, "/tmp/x")
    assert len(found) == 2


def test_only_runs_the_named_stages(capsys):
    assert release_check.main(["--list", "--only", "dist,smoke"]) == 0
    names = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["dist", "smoke"]


def test_only_rejects_an_unknown_stage(capsys):
    with pytest.raises(SystemExit) as info:
        release_check.main(["--only", "dist,bogus"])
    assert info.value.code == 2
    assert "no stage named bogus: choose from dist, check" in capsys.readouterr().err
