"""The smoke installer: its pure cores, and real installs of built files."""

import os
import shutil
import signal
import subprocess
import time

import pytest
from packaging.version import Version

from tests.release.helpers import stop_midway
from tests.release.publish.helpers import FakeClock
from tools.artifacts import smoke
from tools.publish import index

V = Version("1.2.3")


# ---- pure cores ----------------------------------------------------------------


def test_backoff_doubles_up_to_its_cap():
    waits = [smoke.compute_backoff(i, 0.5, 4.0) for i in range(6)]
    assert waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff_rejects_negative_input():
    with pytest.raises(ValueError):
        smoke.compute_backoff(-1, 1.0, 5.0)


def looks(*kinds):
    """A look function answering ``kinds`` in turn (the last one forever)."""
    answers = list(kinds)
    calls = []

    def look(timeout):
        calls.append(timeout)
        kind = answers.pop(0) if len(answers) > 1 else answers[0]
        return index.Probe(kind, f"answer {len(calls)}")

    look.calls = calls
    return look


def test_wait_retries_until_the_version_appears():
    clock = FakeClock()
    look = looks(index.MISSING, index.MISSING, index.TRANSIENT, index.FOUND)
    waited = smoke.wait_for_version(look, 60, 1.0, 30.0, clock, clock.sleep)
    assert waited.probe.kind == index.FOUND
    assert waited.attempts == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_wait_is_bounded_by_its_timeout():
    clock = FakeClock()
    look = looks(index.MISSING)
    waited = smoke.wait_for_version(look, 10, 1.0, 3.0, clock, clock.sleep)
    assert waited.probe.kind == index.MISSING
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0, 1.0]  # the last wait is cut short
    assert waited.elapsed == 10
    assert waited.attempts == 6  # one last look at the deadline


NOT_YET = "ERROR: No matching distribution found for glyph-phase-engine==1.2.3"


def fake_sandbox(monkeypatch, answers):
    """Installs answer ``answers`` in turn (exit codes; the last one forever)."""
    installs = []

    class Box:
        def __init__(self, installer, env):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            pass

        def install(self, args, project):
            installs.append(args)
            code = answers[min(len(installs), len(answers)) - 1]
            return subprocess.CompletedProcess(args, code, "", NOT_YET if code else "")

        def check(self, expected, project):
            return "checked"

    monkeypatch.setattr(smoke, "Sandbox", Box)
    return installs


def smoke_index(look, clock, timeout, initial, maximum):
    return smoke.smoke_index(
        "http://index.invalid/simple/",
        Version("1.2.3"),
        smoke.Installer("pip"),
        timeout=timeout,
        initial=initial,
        maximum=maximum,
        look=look,
        clock=clock,
        sleep=clock.sleep,
    )


def test_listed_but_not_yet_installable_is_retried(monkeypatch):
    """A CDN may serve the page before the files: the install is tried again."""
    installs = fake_sandbox(monkeypatch, [1, 1, 0])
    clock = FakeClock()
    result = smoke_index(looks(index.FOUND), clock, 60, 1.0, 30.0)
    assert result.ok, result.message
    assert len(installs) == 3
    assert clock.sleeps == [1.0, 2.0]


def test_a_failed_install_that_is_not_a_late_index_is_not_retried(monkeypatch):
    installs = fake_sandbox(monkeypatch, [2])
    monkeypatch.setattr(smoke, "NOT_FOUND_SIGNS", ("something else",))
    clock = FakeClock()
    result = smoke_index(looks(index.FOUND), clock, 60, 1.0, 30.0)
    assert not result.ok
    assert result.message == f"install failed: {NOT_YET}"
    assert len(installs) == 1 and clock.sleeps == []


def test_install_retries_never_wait_past_the_timeout(monkeypatch):
    installs = fake_sandbox(monkeypatch, [1])
    clock = FakeClock()
    result = smoke_index(looks(index.FOUND), clock, 10, 8.0, 60.0)
    assert not result.ok
    assert result.message == f"install failed: {NOT_YET}"
    assert clock.sleeps == [8.0, 2.0]  # the second wait is cut to the time left
    assert clock.now == 10
    assert len(installs) == 3


@pytest.mark.parametrize("kind", [index.UNREACHABLE, index.REFUSED])
def test_wait_gives_up_at_once_when_retrying_is_pointless(kind):
    clock = FakeClock()
    waited = smoke.wait_for_version(looks(kind), 600, 1.0, 30.0, clock, clock.sleep)
    assert (waited.probe.kind, waited.attempts, clock.sleeps) == (kind, 1, [])


def test_final_message_says_what_was_tried_how_often_and_how_long():
    waited = smoke.Waited(index.Probe(index.MISSING, "no page yet"), 7, 12.34)
    text = smoke.explain_wait(waited, "http://i/simple/", V, 12, 0.5, 4)
    assert text == (
        "glyph-phase-engine 1.2.3 did not appear on http://i/simple/ within 12 s "
        "(not there yet): looked at http://i/simple/glyph-phase-engine/ 7 times "
        "over 12.3 s, waiting 0.5 s at first, "
        "doubling up to 4 s; the last answer: no page yet"
    )


def test_final_message_for_an_unreachable_index():
    waited = smoke.Waited(index.Probe(index.UNREACHABLE, "connection refused"), 1, 0)
    text = smoke.explain_wait(waited, "http://i/simple/", V, 600, 5, 60)
    assert text.startswith(
        "index unreachable: connection refused; gave up after looking 1 time in 0.0 s"
    )
    assert "without retrying" in text


def answer(status=None, body=b"", ctype="text/html", error=None, unreachable=False):
    return index.Answer("http://i/simple/glyph-phase-engine/", status, ctype, body,
                        error, unreachable)  # fmt: skip


HTML = (
    b'<a href="/packages/glyph_phase_engine-1.2.2.tar.gz#sha256=ab">x</a>'
    b'<a href="../../packages/Glyph.Phase_Engine-1.2.3.0-py3-none-any.whl">y</a>'
)
JSON = (
    b'{"meta": {"api-version": "1.0"}, "name": "glyph-phase-engine", "files": ['
    b'{"filename": "glyph_phase_engine-1.2.3.tar.gz", "url": "x", '
    b'"hashes": {"sha256": "cd"}}]}'
)


@pytest.mark.parametrize(
    "page, root, kind, detail",
    [
        (answer(error="connection refused", unreachable=True), None,
         index.UNREACHABLE, "connection refused"),
        (answer(error="timed out"), None, index.TRANSIENT, "timed out"),
        (answer(401), None, index.REFUSED, "HTTP 401"),
        (answer(403), None, index.REFUSED, "HTTP 403"),
        (answer(404), answer(200), index.MISSING, "no page for glyph-phase-engine"),
        (answer(404), answer(404), index.REFUSED, "simple API address"),
        (answer(404), answer(error="refused", unreachable=True), index.UNREACHABLE,
         "refused"),
        (answer(503), None, index.TRANSIENT, "HTTP 503"),
        (answer(200, HTML.replace(b"1.2.3.0", b"1.2.1")), None, index.MISSING,
         "the page lists 1.2.1, 1.2.2 but not 1.2.3"),
        (answer(200, b"<html></html>"), None, index.MISSING, "lists no file"),
        (answer(200, HTML), None, index.FOUND,
         "listed: Glyph.Phase_Engine-1.2.3.0-py3-none-any.whl"),
        (answer(200, JSON, "application/vnd.pypi.simple.v1+json"), None,
         index.FOUND, "listed: glyph_phase_engine-1.2.3.tar.gz"),
        (answer(200, b"{oops", "application/vnd.pypi.simple.v1+json"), None,
         index.REFUSED, "not a simple API page"),
    ],
)  # fmt: skip
def test_classify_probe(page, root, kind, detail):
    found = index.classify_probe(page, root, V)
    assert found.kind == kind
    assert detail in found.detail


def test_simple_pages_give_file_names_and_hashes():
    listed = index.parse_simple_page(HTML, "text/html; charset=utf-8")
    assert listed[0] == index.Listed(
        "glyph_phase_engine-1.2.2.tar.gz", {"sha256": "ab"}
    )
    listed = index.parse_simple_page(JSON, "application/vnd.pypi.simple.v1+json")
    assert listed == [index.Listed("glyph_phase_engine-1.2.3.tar.gz", {"sha256": "cd"})]


def test_import_report_checks_version_metadata_and_location(tmp_path):
    venv = tmp_path / "venv"
    inside = str(venv / "lib" / "site-packages" / "glyph_phase_engine" / "__init__.py")
    good = {"version": "1.2.3.0", "metadata": "1.2.3", "file": inside}
    assert smoke.check_import_report(good, V, venv) == []
    bad = {"version": "9.9.9", "metadata": "1.2.3", "file": "/src/x/__init__.py"}
    assert smoke.check_import_report(bad, V, venv) == [
        "__version__ is 9.9.9 but the file name says 1.2.3",
        f"glyph_phase_engine was imported from /src/x/__init__.py, "
        f"not from the fresh environment {venv}",
    ]


def test_cli_checks():
    assert smoke.check_cli_version("glyph-phase-engine 1.2.3 (commit abc)\n", V) == []
    assert smoke.check_cli_version("glyph-phase-engine 1.2.4\n", V)
    assert smoke.check_cli_version("", V)
    assert smoke.check_cli_process("not json") == [
        "'process' did not print JSON: 'not json'"
    ]
    assert smoke.check_cli_process('{"current_phase": "error"}')


def test_index_installs_see_no_other_index(monkeypatch):
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "http://elsewhere/simple")
    monkeypatch.setenv("UV_EXTRA_INDEX_URL", "http://elsewhere/simple")
    monkeypatch.setenv("UV_FIND_LINKS", "/wheels")
    monkeypatch.setenv("PYTHONPATH", "/src")
    env = smoke.base_env(index_only=True)
    assert not {"PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS"} & set(env)
    assert "PYTHONPATH" not in env
    assert env["UV_NO_CONFIG"] == "1"
    assert env["PIP_CONFIG_FILE"] == smoke.os.devnull
    assert "UV_FIND_LINKS" in smoke.base_env()  # a file install may need them


# ---- real installs ------------------------------------------------------------


def test_good_files_pass(good_dist, capsys):
    assert smoke.main(["--dist-dir", str(good_dist)]) == 0
    out = capsys.readouterr().out
    assert (
        "ok    wheel  glyph_phase_engine-1.2.3-py3-none-any.whl: imports 1.2.3" in out
    )
    assert "ok    sdist  glyph_phase_engine-1.2.3.tar.gz: imports 1.2.3" in out
    assert out.endswith("smoke: 2 of 2 passed\n")


def test_a_wheel_that_does_not_import_fails_with_the_users_error(no_import, capsys):
    assert smoke.main(["--dist-dir", str(no_import.path / "dist")]) == 1
    out = capsys.readouterr().out
    error = "import failed: ModuleNotFoundError: No module named"
    error += " 'glyph_phase_engine.engine'"
    assert f"FAIL  wheel  glyph_phase_engine-1.2.3-py3-none-any.whl: {error}" in out
    assert "| Traceback (most recent call last):" in out
    assert out.endswith("smoke: 2 of 2 failed\n")  # the sdist's wheel lacks it too


def test_the_source_tree_does_not_hide_a_broken_wheel(no_import):
    """Run from the copy, with its full sources on PYTHONPATH: still a failure."""
    out = no_import.run(
        "python", "-m", "tools.artifacts.smoke", "--dist-dir", "dist", "--serial",
        env={"PYTHONPATH": str(no_import.path / "src")},
    )  # fmt: skip
    assert out.returncode == 1, out.stdout
    assert "No module named 'glyph_phase_engine.engine'" in out.stdout


def test_a_version_mismatch_fails(wrong_version, capsys):
    assert smoke.main(["--dist-dir", str(wrong_version.path / "dist")]) == 1
    out = capsys.readouterr().out
    assert (
        "FAIL  wheel  glyph_phase_engine-1.2.3-py3-none-any.whl: "
        "__version__ is 9.9.9 but the file name says 1.2.3"
    ) in out
    assert "FAIL  sdist  glyph_phase_engine-1.2.3.tar.gz: __version__ is 9.9.9" in out


def test_pip_does_it_too_where_there_is_no_uv(good_dist, tmp_path, capsys):
    dist = tmp_path / "dist"
    dist.mkdir()
    for path in good_dist.iterdir():
        shutil.copy2(path, dist)
    assert smoke.main(["--dist-dir", str(dist), "--installer", "pip"]) == 0
    assert "fresh environment (pip)" in capsys.readouterr().out


@pytest.mark.parametrize("keep, missing", [(".whl", "sdist"), (".tar.gz", "wheel")])
def test_both_kinds_of_file_are_required(good_dist, tmp_path, capsys, keep, missing):
    dist = tmp_path / "dist"
    dist.mkdir()
    for path in good_dist.iterdir():
        if path.name.endswith(keep):
            shutil.copy2(path, dist)
    assert smoke.main(["--dist-dir", str(dist)]) == 1
    assert f"has no {missing} of glyph-phase-engine" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--index-url", "http://i/simple/"], "--index-url needs --version"),
        (["--dist-dir", "d", "--version", "1"], "--version goes with --index-url"),
        (["--index-url", "http://i/", "--version", "x.y"], "not a PEP 440 version"),
    ],
)
def test_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        smoke.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_smoke_leaves_no_temporary_folder(
    good, tmpdir_left_empty, signum
):
    """Ctrl-C (or make release-check's SIGTERM) while both installs run (pip:
    slow enough to be caught in them)."""

    def ready(proc) -> str:
        first = proc.stdout.readline()
        assert first.startswith("smoke: installing"), first
        deadline = time.monotonic() + 10
        while len(os.listdir(tmpdir_left_empty)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # both sandboxes made: the installs are running
        return first

    argv = ["-m", "tools.artifacts.smoke", "--dist-dir", "dist", "--installer", "pip"]
    code, first, rest = stop_midway(good.path, argv, tmpdir_left_empty, signum, ready)
    assert code == 130, first + rest
    assert rest.strip().endswith("smoke: interrupted: temporary folders removed")
