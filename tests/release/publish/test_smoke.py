"""The smoke installer: its pure cores, and real installs of built files."""

import os
import shutil
import signal
import sys
import time

import pytest
from packaging.version import Version

from tests.release.helpers import add_dependency, stop_midway, texts
from tests.release.publish.conftest import tagged_build
from tests.release.publish.helpers import FakeClock, answer
from tools.artifacts import environments
from tools.artifacts.archives import DistKind
from tools.publish import fetch, index_check, smoke
from tools.publish.index_check import Kind

V = Version("1.2.3")
PROJECT = "glyph-phase-engine"
WHEEL = "glyph_phase_engine-1.2.3-py3-none-any.whl"
SDIST = "glyph_phase_engine-1.2.3.tar.gz"
A, B = "a" * 64, "b" * 64
TARGET = environments.Target(PROJECT, ("glyph_phase_engine",), (PROJECT,))


# ---- pure cores ----------------------------------------------------------------


def test_backoff_doubles_up_to_its_cap():
    waits = [fetch.compute_backoff(i, 0.5, 4.0) for i in range(6)]
    assert waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff_rejects_negative_input():
    with pytest.raises(ValueError):
        fetch.compute_backoff(-1, 1.0, 5.0)


def looks(*kinds):
    """A look function answering ``kinds`` in turn (the last one forever)."""
    answers = list(kinds)
    calls = []

    def look(timeout):
        calls.append(timeout)
        kind = answers.pop(0) if len(answers) > 1 else answers[0]
        return index_check.Probe(kind, f"answer {len(calls)}")

    look.calls = calls
    return look


def test_wait_retries_until_the_version_appears():
    clock = FakeClock()
    look = looks(
        Kind.MISSING,
        Kind.MISSING,
        Kind.TRANSIENT,
        Kind.FOUND,
    )
    waited = smoke.wait_for_version(look, 60, 1.0, 30.0, clock, clock.sleep)
    assert waited.probe.kind == Kind.FOUND
    assert waited.attempts == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_wait_is_bounded_by_its_timeout():
    clock = FakeClock()
    look = looks(Kind.MISSING)
    waited = smoke.wait_for_version(look, 10, 1.0, 3.0, clock, clock.sleep)
    assert waited.probe.kind == Kind.MISSING
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0, 1.0]  # the last wait is cut short
    assert waited.elapsed == 10
    assert waited.attempts == 6  # one last look at the deadline


@pytest.mark.parametrize("kind", [Kind.UNREACHABLE, Kind.REFUSED])
def test_wait_gives_up_at_once_when_retrying_is_pointless(kind):
    clock = FakeClock()
    waited = smoke.wait_for_version(looks(kind), 600, 1.0, 30.0, clock, clock.sleep)
    assert (waited.probe.kind, waited.attempts, clock.sleeps) == (kind, 1, [])


def test_final_message_says_what_was_tried_how_often_and_how_long():
    waited = smoke.Waited(index_check.Probe(Kind.MISSING, "no page yet"), 7, 12.34)
    text = smoke.explain_wait(waited, "http://i/simple/", V, 12, 0.5, 4, PROJECT)
    assert text == (
        "glyph-phase-engine 1.2.3 did not appear on http://i/simple/ within 12 s "
        "(not there yet): looked at http://i/simple/glyph-phase-engine/ 7 times "
        "over 12.3 s, waiting 0.5 s at first, "
        "doubling up to 4 s; the last answer: no page yet"
    )


def test_final_message_for_an_unreachable_index():
    waited = smoke.Waited(
        index_check.Probe(Kind.UNREACHABLE, "connection refused"), 1, 0
    )
    text = smoke.explain_wait(waited, "http://i/simple/", V, 600, 5, 60, PROJECT)
    assert text.startswith(
        "index unreachable: connection refused; gave up after looking 1 time in 0.0 s"
    )
    assert "without retrying" in text


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
         Kind.UNREACHABLE, "connection refused"),
        (answer(error="timed out"), None, Kind.TRANSIENT, "timed out"),
        (answer(401), None, Kind.REFUSED, "HTTP 401"),
        (answer(403), None, Kind.REFUSED, "HTTP 403"),
        (answer(404), answer(200), Kind.MISSING, "no page for glyph-phase-engine"),
        (answer(404), answer(404), Kind.REFUSED, "simple API address"),
        (answer(404), answer(error="refused", unreachable=True), Kind.UNREACHABLE,
         "refused"),
        (answer(503), None, Kind.TRANSIENT, "HTTP 503"),
        (answer(200, HTML.replace(b"1.2.3.0", b"1.2.1")), None, Kind.MISSING,
         "the page lists 1.2.1, 1.2.2 but not 1.2.3"),
        (answer(200, b"<html></html>"), None, Kind.MISSING, "lists no file"),
        (answer(200, HTML), None, Kind.FOUND,
         "listed: Glyph.Phase_Engine-1.2.3.0-py3-none-any.whl"),
        (answer(200, JSON, "application/vnd.pypi.simple.v1+json"), None,
         Kind.FOUND, "listed: glyph_phase_engine-1.2.3.tar.gz"),
        (answer(200, b"{oops", "application/vnd.pypi.simple.v1+json"), None,
         Kind.REFUSED, "not a simple API page"),
    ],
)  # fmt: skip
def test_classify_probe(page, root, kind, detail):
    found = index_check.classify_probe(page, root, V)
    assert found.kind == kind
    assert detail in found.detail


def test_simple_pages_give_file_names_and_hashes():
    listed = index_check.parse_simple_page(HTML, "text/html; charset=utf-8")
    assert listed[0] == index_check.Listed(
        "glyph_phase_engine-1.2.2.tar.gz", {"sha256": "ab"}
    )
    assert listed[0].url == "/packages/glyph_phase_engine-1.2.2.tar.gz"
    listed = index_check.parse_simple_page(JSON, "application/vnd.pypi.simple.v1+json")
    assert listed == [
        index_check.Listed("glyph_phase_engine-1.2.3.tar.gz", {"sha256": "cd"})
    ]
    assert listed[0].url == "x"
    page = "http://i/simple/"
    item = index_check.Listed("f.whl", url="../../packages/f.whl")
    assert fetch.file_url(page, item, PROJECT) == "http://i/packages/f.whl"
    item = index_check.Listed("f.whl", url="https://files.example/f.whl")
    assert fetch.file_url(page, item, PROJECT) == "https://files.example/f.whl"


def test_import_report_checks_version_metadata_and_location(tmp_path):
    venv = tmp_path / "venv"
    inside = str(venv / "lib" / "site-packages" / "glyph_phase_engine" / "__init__.py")
    read = environments.ProbeReport.read
    package = {"version": "1.2.3.0", "file": inside}
    good = read({"packages": {"glyph_phase_engine": package}, "scripts": {}}, "1.2.3")
    assert environments.check_import_report(good, V, venv, TARGET) == []
    no_version = read({"packages": {"glyph_phase_engine": {
        "version": None, "file": inside}}, "scripts": {}}, "1.2.3")  # fmt: skip
    assert environments.check_import_report(no_version, V, venv, TARGET) == []
    package = {"version": "9.9.9", "file": "/src/x/__init__.py"}
    bad = read({"packages": {"glyph_phase_engine": package}, "scripts": {}}, "1.2.4")
    found = environments.check_import_report(bad, V, venv, TARGET)
    assert [p.where for p in found] == [PROJECT] + ["glyph_phase_engine"] * 2
    assert texts(found) == [
        "the installed metadata says version 1.2.4 but the file name says 1.2.3",
        "glyph_phase_engine.__version__ is 9.9.9 but the file name says 1.2.3",
        f"glyph_phase_engine was imported from /src/x/__init__.py, "
        f"not from the fresh environment {venv}",
    ]


def test_cli_version_must_name_the_built_version():
    check = environments.check_cli_version
    assert check("glyph-phase-engine 1.2.3 (commit abc)\n", V, "g") == []
    assert check("tool, version v1.2.3.0\n", V, "g") == []
    assert texts(check("glyph-phase-engine 1.2.4\n", V, "g")) == [
        "'g --version' printed 'glyph-phase-engine 1.2.4', which does not name "
        "version 1.2.3"
    ]
    assert check("", V, "g")


def script(help=(0, "usage: g"), version=(0, "g 1.2.3"), executable=True):
    return {"first_line": "#!/venv/bin/python", "executable": executable,
            "help": list(help), "version": list(version)}  # fmt: skip


def test_every_console_script_answers_help_and_version():
    target = environments.Target(PROJECT, ("glyph_phase_engine",), ("a", "b", "c"))
    read = environments.ProbeReport.read
    good = read({"packages": {}, "scripts": {
        "a": script(), "b": script(version=(2, "no such option")), "c": script()}},
        "1.2.3")  # fmt: skip
    assert environments.check_scripts(good, V, target) == environments.ScriptsResult(
        [],
        ["'a --help' and '--version'", "'b --help'", "'c --help' and '--version'"],
        "",
    )
    trace = "Traceback (most recent call last):\nAttributeError: no main"
    c = script(version=(0, "c 9.9"), executable=False)
    bad = read(
        {"packages": {}, "scripts": {"a": script(help=(1, trace)), "b": None, "c": c}},
        None,
    )
    result = environments.check_scripts(bad, V, target)
    problems, worked, detail = result.problems, result.worked, result.detail
    assert [p.where for p in problems] == ["a", "b", "c", "c"]
    assert texts(problems) == [
        "'a --help' failed: AttributeError: no main",
        "console script b is not installed (pyproject.toml [project.scripts] "
        "lists it)",
        "console script c is not an executable with #!",
        "'c --version' printed 'c 9.9', which does not name version 1.2.3",
    ]
    assert detail == trace and worked == ["'c --help' and '--version'"]


@pytest.mark.parametrize(
    "data, words",
    [
        ([], "not an object"),
        ({"packages": {"p": {"version": "1"}}}, "no 'file' in the report"),
        ({"packages": {"p": "x"}}, "not an object: 'x'"),
        ({"packages": {}}, "no 'scripts' in the report"),
        ({"scripts": {}}, "no 'packages' in the report"),
        (
            {"packages": {}, "scripts": {"g": {**script(), "help": "usage"}}},
            "not [exit code, output]",
        ),
        (
            {"packages": {}, "scripts": {"g": {**script(), "help": ["0", ""]}}},
            "not [exit code",
        ),
    ],
)
def test_a_report_not_shaped_as_the_probe_writes_it_is_refused(data, words):
    with pytest.raises(ValueError) as refused:
        environments.ProbeReport.read(data, "1.2.3")
    assert words in str(refused.value)


def test_the_regular_index_is_the_installers_own():
    assert environments.regular_index({"UV_INDEX_URL": "http://mirror/"}, True) == (
        "http://mirror/"
    )
    assert environments.regular_index({"PIP_INDEX_URL": "http://m/"}, False) == (
        "http://m/"
    )
    assert "PyPI, unless uv's configuration" in environments.regular_index({}, True)


def test_installs_keep_the_users_index_settings_for_dependencies(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "http://mirror/simple")
    monkeypatch.setenv("UV_INDEX_URL", "http://mirror/simple")
    monkeypatch.setenv("PYTHONPATH", "/src")
    env = environments.base_env()
    assert env["PIP_INDEX_URL"] == env["UV_INDEX_URL"] == "http://mirror/simple"
    assert "PYTHONPATH" not in env and env["PYTHONNOUSERSITE"] == "1"


def test_the_version_is_found_only_once_every_built_file_is_listed():
    files = (index_check.Listed(WHEEL, {}),)
    look = smoke.every_file_listed(
        lambda seconds: index_check.Probe(Kind.FOUND, "listed", files, files),
        {WHEEL: A, SDIST: B},
    )
    found = look(1.0)
    assert found.kind == Kind.MISSING
    assert found.detail == f"the page lists {WHEEL} but not {SDIST} yet"
    look = smoke.every_file_listed(
        lambda seconds: index_check.Probe(Kind.FOUND, "listed", files, files),
        {WHEEL: A},
    )
    assert look(1.0).kind == Kind.FOUND


# ---- which Pythons, which jobs -----------------------------------------------


CLAIMED = ["3.8", "3.9", "3.13", "3.14"]
FOUND = {"3.8": "/p/3.8", "3.9": "/p/3.9", "3.13": "/p/3.13", "3.14": None}


def minors(interpreters):
    return [i.minor for i in interpreters]


def test_every_claimed_python_found_and_the_missing_ones_skipped():
    chosen, skipped = smoke.choose_pythons(CLAIMED, FOUND)
    assert (minors(chosen), skipped) == (["3.8", "3.9", "3.13"], ["3.14"])
    assert chosen[0] == environments.Interpreter("3.8", "/p/3.8")
    assert smoke.choose_pythons(CLAIMED, FOUND).missing == ["3.14"]
    chosen, skipped = smoke.choose_pythons(CLAIMED, FOUND, "newest")
    assert (minors(chosen), skipped) == (["3.13"], [])
    chosen, skipped = smoke.choose_pythons(CLAIMED, FOUND, "3.9, 3.14")
    assert (minors(chosen), skipped) == (["3.9"], ["3.14"])
    for bad in ("3.7", "", "3.9,2.7"):
        with pytest.raises(ValueError, match="give all, newest, or some of the"):
            smoke.choose_pythons(CLAIMED, FOUND, bad)


def test_the_wheel_goes_everywhere_the_sdist_to_the_oldest_and_newest(tmp_path):
    chosen, _ = smoke.choose_pythons(CLAIMED, FOUND)
    wheel, sdist = tmp_path / WHEEL, tmp_path / "glyph_phase_engine-1.2.3.tar.gz"
    plan = smoke.plan_jobs([wheel, sdist], chosen)
    assert [(j.kind.value, j.interpreter.minor) for j in plan] == [
        ("sdist", "3.8"), ("sdist", "3.13"),
        ("wheel", "3.8"), ("wheel", "3.9"), ("wheel", "3.13"),
    ]  # fmt: skip
    one = smoke.plan_jobs([wheel, sdist], chosen[:1])
    assert [(j.kind.value, j.interpreter.minor) for j in one] == [
        ("sdist", "3.8"), ("wheel", "3.8")
    ]  # fmt: skip
    assert [j.kind for j in smoke.plan_jobs([wheel, sdist], chosen, False)] == [
        DistKind.WHEEL
    ] * 3


def test_an_sdist_whose_wheel_equals_the_wheel_takes_its_verdict(tmp_path):
    py = environments.Interpreter("3.13", "/p/3.13")
    wheel, sdist = tmp_path / WHEEL, tmp_path / "glyph_phase_engine-1.2.3.tar.gz"
    plan = [smoke.Job(sdist, py), smoke.Job(wheel, py)]
    same = smoke.Result("sdist", True, "builds w, the same files", same_as=wheel)
    failed = smoke.Result("wheel", False, "import failed: ModuleNotFoundError: x")
    results = smoke.adopt_verdicts(plan, [same, failed])
    assert not results[0].ok
    assert results[0].message == (
        "builds w, the same files, which failed: import failed: "
        "ModuleNotFoundError: x"
    )
    same = smoke.Result("sdist", True, "builds w, the same files", same_as=wheel)
    passed = smoke.Result("wheel", True, "imports")
    assert smoke.adopt_verdicts(plan, [same, passed])[0].message.endswith(
        ", which passed above"
    )


def test_skipped_pythons_are_printed_and_fail_only_when_all_are_required(capsys):
    report = smoke.Report([smoke.Result("wheel  3.8", True, "ok")], ["3.14", "3.15"])
    assert smoke.print_results(report) == 0
    out = capsys.readouterr().out
    assert "  skipped: Python 3.14 (claimed, not found on this machine)\n" in out
    assert "  skipped: Python 3.15 (claimed, not found on this machine)\n" in out
    assert out.endswith("smoke: 1 of 1 passed; Python 3.14, 3.15 skipped (not found)\n")
    assert smoke.print_results(report, require_all=True) == 1
    assert "--require-all: install every claimed Python" in capsys.readouterr().out


# ---- real installs ------------------------------------------------------------


FOUND_HERE, SKIPPED_HERE = smoke.find_pythons()
OLDEST, NEWEST = FOUND_HERE[0].minor, FOUND_HERE[-1].minor


def label(kind, minor, name):
    return f"{kind}  {minor:<5} {name}"


@pytest.mark.e2e
def test_good_files_pass_on_every_python_found(good_dist, capsys):
    assert smoke.main(["--dist-dir", str(good_dist)]) == 0
    out = capsys.readouterr().out
    for python in FOUND_HERE:
        assert (
            f"ok    {label('wheel', python.minor, WHEEL)}: imports "
            "glyph_phase_engine 1.2.3; 'glyph-phase-engine --help' and '--version' "
            "work"
        ) in out
    for minor in dict.fromkeys([OLDEST, NEWEST]):
        assert f"ok    {label('sdist', minor, SDIST)}: builds " in out
    for minor in SKIPPED_HERE:
        assert f"  skipped: Python {minor} (claimed, not found on this machine)" in out
    jobs = len(FOUND_HERE) + len({OLDEST, NEWEST})
    assert f"smoke: {jobs} of {jobs} passed" in out


@pytest.mark.e2e
def test_a_wheel_that_does_not_import_fails_with_the_users_error(no_import, capsys):
    assert smoke.main(["--dist-dir", str(no_import.path / "dist")]) == 1
    out = capsys.readouterr().out
    error = "import failed: ModuleNotFoundError: No module named"
    error += " 'glyph_phase_engine.engine'"
    for python in FOUND_HERE:
        assert f"FAIL  {label('wheel', python.minor, WHEEL)}: {error}" in out
    assert "| Traceback (most recent call last):" in out
    # The sdist's wheel lacks it too: it fails, or has the wheel's members
    # and takes its verdict.
    for minor in dict.fromkeys([OLDEST, NEWEST]):
        assert f"FAIL  {label('sdist', minor, SDIST)}: " in out
    jobs = len(FOUND_HERE) + len({OLDEST, NEWEST})
    assert f"smoke: {jobs} of {jobs} failed\n" in out


@pytest.mark.e2e
def test_the_source_tree_does_not_hide_a_broken_wheel(no_import):
    """Run from the copy, with its full sources on PYTHONPATH: still a failure."""
    out = no_import.run(
        "python", "-m", "tools.publish.smoke", "--dist-dir", "dist", "--serial",
        "--pythons", "newest", env={"PYTHONPATH": str(no_import.path / "src")},
    )  # fmt: skip
    assert out.returncode == 1, out.stdout
    assert "No module named 'glyph_phase_engine.engine'" in out.stdout


@pytest.mark.e2e
def test_a_stale_cache_entry_never_stands_in_for_the_wheel(
    good_dist, no_import, tmp_path, capsys
):
    """A broken wheel put where a good one was, with the good one's mtime,
    must be the one installed, not uv's cached copy of the good one (uv keys
    a local file by its ctime on Unix: no --refresh-package needed there)."""
    dist = tmp_path / "dist"
    dist.mkdir()
    shutil.copy2(good_dist / SDIST, dist / SDIST)
    shutil.copy2(good_dist / WHEEL, dist / WHEEL)
    argv = ["--dist-dir", str(dist), "--pythons", "all"]
    assert smoke.main(argv) == 0  # uv's cache now has the good wheel's entry
    good_time = (dist / WHEEL).stat().st_mtime_ns
    shutil.copyfile(no_import.path / "dist" / WHEEL, dist / WHEEL)
    os.utime(dist / WHEEL, ns=(good_time, good_time))
    capsys.readouterr()
    assert smoke.main(argv) == 1
    out = capsys.readouterr().out
    for python in FOUND_HERE:
        assert f"FAIL  {label('wheel', python.minor, WHEEL)}: import failed" in out


@pytest.mark.e2e
def test_a_version_mismatch_fails(wrong_version, capsys):
    argv = ["--dist-dir", str(wrong_version.path / "dist"), "--pythons", "newest"]
    assert smoke.main(argv) == 1
    out = capsys.readouterr().out
    mismatch = "glyph_phase_engine.__version__ is 9.9.9 but the file name says 1.2.3"
    assert f"FAIL  {label('wheel', NEWEST, WHEEL)}: {mismatch}" in out
    assert f"FAIL  {label('sdist', NEWEST, SDIST)}: " in out
    assert "9.9.9" in out.split(label("sdist", NEWEST, SDIST))[1]


@pytest.mark.e2e
def test_every_console_script_is_run(second_scripts, tmpdir_left_empty):
    """The copy's own tools read its pyproject.toml: three scripts."""
    done = second_scripts.run(
        "python", "-m", "tools.publish.smoke", "--dist-dir", "dist",
        "--pythons", "newest", env={"TMPDIR": str(tmpdir_left_empty)},
    )  # fmt: skip
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    wheel_line = next(line for line in out.splitlines() if "wheel  " in line)
    assert wheel_line.startswith(f"  FAIL  {label('wheel', NEWEST, WHEEL)}: ")
    assert (
        "'gpe-broken --help' failed: ImportError: cannot import name "
        "'no_such_function' from 'glyph_phase_engine.cli'"
    ) in wheel_line
    assert "gpe-again" not in wheel_line  # the other new script works


@pytest.mark.e2e
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
        (["--dist-dir", "d", "--version", "1"], "--version, --sums and --expect"),
        (["--dist-dir", "d", "--sums", "S"], "go with --index-url"),
        (["--index-url", "http://i/", "--version", "x.y"], "not a PEP 440 version"),
        (["--dist-dir", "d", "--pythons", "2.7"], "give all, newest, or some of"),
        (["--dist-dir", "d", "--jobs", "0"], "--jobs must be at least 1"),
        (
            ["--index-url", "http://i/", "--version", "1", "--expect-sha256", "x=1"],
            "is not FILE=<64 hex digits>",
        ),
        (
            ["--index-url", "http://i/", "--version", "1", "--sums", "/no/such"],
            "/no/such does not exist: give the built digests",
        ),
    ],
)
def test_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        smoke.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_smoke_leaves_no_temporary_folder(
    good, tmpdir_left_empty, signum
):
    """Ctrl-C (or make release-check's SIGTERM) once the first sandbox is made,
    while its environment and installs are under way."""

    def ready(proc) -> str:
        first = proc.stdout.readline()
        assert first.startswith("smoke: installing"), first
        deadline = time.monotonic() + 30
        while not any(tmpdir_left_empty.iterdir()):
            # a sandbox made: its environment and installs are under way
            assert time.monotonic() < deadline, "no sandbox was made"
            if proc.poll() is not None:
                rest = proc.stdout.read()
                raise AssertionError(f"the smoke ended before it was stopped: {rest}")
            time.sleep(0.005)
        return first

    argv = ["-m", "tools.publish.smoke", "--dist-dir", "dist", "--installer", "pip"]
    argv += ["--pythons", "running"]  # one sandbox, no looking for Pythons
    code, first, rest = stop_midway(good.path, argv, tmpdir_left_empty, signum, ready)
    assert code == 130, first + rest
    assert rest.strip().endswith("smoke: interrupted: temporary folders removed")


def test_the_running_python_needs_no_looking_for():
    """What the publish dry run uses: this Python, which the project claims."""
    chosen, skipped = smoke.find_pythons("running")
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert chosen == [environments.Interpreter(running, sys.executable)]
    assert skipped == []


def test_wheels_install_the_same_files_but_for_how_they_were_made(tmp_path):
    """An sdist built by an older backend (Python 3.8) states another metadata
    format and generator: the same install. Any other byte is not."""
    import zipfile

    def wheel(name, metadata_version, generator, module=b"x = 1\n"):
        path = tmp_path / name
        info = "p-1.0.dist-info"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("p/__init__.py", module)
            archive.writestr(
                f"{info}/METADATA",
                f"Metadata-Version: {metadata_version}\nName: p\nVersion: 1.0\n",
            )
            archive.writestr(
                f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: {generator}\n"
            )
            archive.writestr(f"{info}/RECORD", f"p/__init__.py,{name},6\n")
        return path

    ours = environments.wheel_contents(wheel("a.whl", "2.5", "hatchling 1.33.0"))
    older = environments.wheel_contents(wheel("b.whl", "2.4", "hatchling 1.27.0"))
    assert ours == older
    other = environments.wheel_contents(wheel("c.whl", "2.4", "h 1", b"x = 2\n"))
    assert other != ours
    assert b"Wheel-Version: 1.0" in ours["p-1.0.dist-info/WHEEL"]


#: A release with no file for the oldest Pythons the project claims (>=3.8):
#: iniconfig 2.3.0 requires Python >=3.10 (PyPI is reachable: uv resolves it).
TOO_NEW_FOR_38 = "iniconfig==2.3.0"


@pytest.mark.e2e
@pytest.mark.network
def test_a_dependency_without_a_release_for_a_claimed_python_is_one_line(
    tmp_path_factory, tmpdir_left_empty
):
    """Issue 16, 5: the dependency, the Python and the fix first, in one line;
    uv's resolver text below it. Through the real stage (release-check's
    smoke), on the oldest claimed Python found."""
    proj = tagged_build(
        tmp_path_factory,
        "dependency-too-new",
        lambda path: add_dependency(path, TOO_NEW_FOR_38, "iniconfig"),
    )
    out = proj.make(
        "release-check", "STAGES=smoke", env={"TMPDIR": str(tmpdir_left_empty)}
    )
    assert out.returncode != 0, out.stdout
    lines = out.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "FAIL" in line)
    assert "wheel  3.8 " in lines[first], lines[first]
    assert lines[first].endswith(
        f"-py3-none-any.whl: dependency {TOO_NEW_FOR_38} has no release for "
        "Python 3.8, which requires-python claims (its releases need "
        f'Python>=3.10): add an environment marker ("{TOO_NEW_FOR_38}; '
        "python_version >= '3.10'\") in [project] dependencies, or narrow "
        "requires-python to '>=3.10'" + lines[first][lines[first].rindex(" (") :]
    ), lines[first]
    below = "\n".join(lines[first + 1 : first + 5])
    assert "| error: No solution found when resolving dependencies" in below
    assert "Because the current Python version (3.8." in below
    assert "ok    wheel  3.10" in out.stdout  # the Pythons it has a release for
