"""Skip identical, refuse different; dist/ checked against SHA256SUMS first.

Against a real pypiserver on loopback (``start_index``: 127.0.0.1, a free
port, stopped and checked gone after the test), with the files of a real
build (``good_dist``, a tagged copy built once per session). The 14-day rule
needs PEP 700 ``upload-time``, which pypiserver does not serve: it is tested
on a JSON simple page recorded from pypi.org.
"""

import json
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from packaging.version import Version

from tests.release.helpers import texts
from tools.common import sha256
from tools.publish import dry_run as publish_dry_run
from tools.publish import existing, index_check
from tools.publish.dry_run import USERNAME, free_port

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data"
RECORDED = DATA / "pypi-simple-sampleproject.json"  # pypi.org, 2026-11-25
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
SDIST = "glyph_phase_engine-1.2.3.tar.gz"
WHEEL = "glyph_phase_engine-1.2.3-py3-none-any.whl"


@pytest.fixture
def dist(good, tmp_path) -> Path:
    """A copy of the good build: ``dist/`` and ``SHA256SUMS`` beside it."""
    shutil.copytree(good.path / "dist", tmp_path / "dist")
    shutil.copy2(good.path / "SHA256SUMS", tmp_path / "SHA256SUMS")
    return tmp_path / "dist"


@pytest.fixture
def twine_login(monkeypatch):
    def login(server) -> None:
        monkeypatch.setenv("TWINE_USERNAME", USERNAME)
        monkeypatch.setenv("TWINE_PASSWORD", server.password)

    return login


def stored(server):
    """What the index holds: ``{file name: (mtime, SHA-256)}``."""
    return {
        p.name: (p.stat().st_mtime_ns, sha256(p)) for p in server.packages.iterdir()
    }


def cli(command, dist_dir, server, *extra):
    argv = [command, "--dist-dir", str(dist_dir), "--index-url", server.simple_url]
    if command == "upload":
        argv += ["--repository-url", server.url]
    return index_check.main(argv + list(extra))


# ---- dist/ against SHA256SUMS, before any index ------------------------------


def tamper_bytes(dist: Path) -> str:
    wheel = dist / WHEEL
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    return f"dist/{WHEEL} has SHA-256 {sha256(wheel)} but SHA256SUMS says"


def tamper_added(dist: Path) -> str:
    other = "glyph_phase_engine-1.2.3-py3-none-manylinux_2_17_x86_64.whl"
    shutil.copy2(dist / WHEEL, dist / other)
    return f"dist/{other} is in {dist} but not listed in SHA256SUMS"


def tamper_removed(dist: Path) -> str:
    (dist / SDIST).unlink()
    return f"dist/{SDIST} is listed in SHA256SUMS but missing from {dist}"


TAMPER = pytest.mark.parametrize(
    "tamper", [tamper_bytes, tamper_added, tamper_removed], ids=lambda f: f.__name__
)


@TAMPER
def test_a_tampered_dist_fails_the_dry_run_before_any_upload(dist, tamper, capsys):
    message = tamper(dist)
    assert publish_dry_run.main(["--dist-dir", str(dist)]) == 1
    out = capsys.readouterr().out
    assert f"error: {message}" in out, out
    assert "index:" not in out  # no server was started, nothing uploaded
    assert "uploading to" not in out


@TAMPER
def test_a_tampered_dist_fails_the_upload_before_the_index_is_asked(
    dist, tamper, start_index, twine_login, capsys
):
    server = start_index()
    twine_login(server)
    message = tamper(dist)
    assert cli("upload", dist, server) == 1
    out = capsys.readouterr().out
    assert f"error: {message}" in out, out
    assert "uploading to" not in out
    assert stored(server) == {}
    # Nothing listens there: had the guard asked the index, it would say so.
    unreachable = f"http://127.0.0.1:{free_port()}/simple/"
    argv = ["check", "--dist-dir", str(dist), "--index-url", unreachable]
    assert index_check.main(argv) == 1
    out = capsys.readouterr().out
    assert f"error: {message}" in out
    assert "unreachable" not in out and "cannot read" not in out


def test_a_missing_sha256sums_refuses_the_upload(dist, start_index, capsys):
    server = start_index()
    (dist.parent / "SHA256SUMS").unlink()
    assert cli("check", dist, server) == 1
    out = capsys.readouterr().out
    assert "SHA256SUMS is missing: make dist writes it beside dist/" in out


# ---- skip identical, refuse different (a real pypiserver) -------------------


@pytest.mark.parametrize("command", ["check", "upload"])
def test_the_same_name_with_other_bytes_fails_before_anything_is_uploaded(
    good_dist, start_index, twine_login, capsys, command
):
    """An earlier build's wheel is there, the sdist is not: nothing goes up."""
    server = start_index()
    twine_login(server)
    (server.packages / WHEEL).write_bytes(b"an earlier build of the same version")
    theirs = sha256(server.packages / WHEEL)
    before = stored(server)
    assert cli(command, good_dist, server) == 1
    out = capsys.readouterr().out
    ours = sha256(good_dist / WHEEL)
    assert (
        f"error: {WHEEL} is on {server.simple_url} with other bytes: sha256 {theirs} "
        f"there, {ours} in this build; the likely cause is a build that is not "
        "reproducible"
    ) in out, out
    assert "a rewritten main whose dev build got the same number N" in out
    assert "bump the version" in out
    assert "uploading to" not in out and "to upload:" not in out
    assert stored(server) == before  # the missing sdist was not uploaded either


def test_a_half_finished_publish_is_finished_by_a_re_run(
    good_dist, start_index, twine_login, capsys
):
    """Only the sdist went up; the re-run uploads the wheel alone."""
    server = start_index()
    twine_login(server)
    assert index_check.upload([good_dist / SDIST], server.url, server.simple_url) == 0
    assert "uploaded 1 file(s)" in capsys.readouterr().out
    before = stored(server)
    assert list(before) == [SDIST]

    assert cli("check", good_dist, server) == 0
    out = capsys.readouterr().out
    assert (
        f"skipped (on {server.simple_url} with the same SHA-256 "
        f"{sha256(good_dist / SDIST)}): {SDIST}"
    ) in out
    assert f"to upload: {WHEEL}" in out and f"to upload: {SDIST}" not in out

    assert cli("upload", good_dist, server) == 0
    out = capsys.readouterr().out
    assert f"skipped (on {server.simple_url} with the same SHA-256" in out
    uploading = out.split("uploading to", 1)[1]
    assert WHEEL in uploading and SDIST not in uploading, out
    assert "uploaded 1 file(s)" in out
    after = stored(server)
    assert after[SDIST] == before[SDIST]  # not uploaded again
    assert after[WHEEL][1] == sha256(good_dist / WHEEL)


def test_a_finished_publish_has_nothing_to_upload_on_a_re_run(
    good_dist, start_index, twine_login, capsys
):
    server = start_index()
    twine_login(server)
    assert cli("upload", good_dist, server) == 0
    assert "uploaded 2 file(s)" in capsys.readouterr().out
    before = stored(server)

    for command in ("check", "upload"):
        assert cli(command, good_dist, server) == 0
        out = capsys.readouterr().out
        for name in (SDIST, WHEEL):
            digest = sha256(good_dist / name)
            assert (
                f"skipped (on {server.simple_url} with the same SHA-256 {digest}): "
                f"{name}"
            ) in out
        assert (
            f"nothing to upload: glyph-phase-engine 1.2.3 is on {server.simple_url} "
            "with the same bytes"
        ) in out
        assert "uploading to" not in out
    assert stored(server) == before


def test_make_index_check_is_the_front_door(good, start_index):
    server = start_index()
    (server.packages / SDIST).write_bytes(b"other bytes")
    for how in ({"env": {"INDEX_URL": server.simple_url}}, {}):
        args = [] if how else [f"INDEX_URL={server.simple_url}"]
        out = good.make("index-check", *args, **how)
        assert out.returncode != 0, out.stdout
        assert f"error: {SDIST} is on {server.simple_url} with other bytes" in (
            out.stdout
        )
    shutil.copy2(good.path / "dist" / SDIST, server.packages / SDIST)
    out = good.make("index-check", env={"INDEX_URL": server.simple_url})
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"to upload: {WHEEL}" in out.stdout
    out = good.make("index-check")
    assert out.returncode == 2, out.stdout
    assert "--index-url is empty: give the simple API root" in out.stderr


# ---- the 14-day rule, on a page recorded from pypi.org -----------------------


def recorded():
    return index_check.parse_simple_page(RECORDED.read_bytes(), JSON_TYPE)


def test_the_recorded_page_gives_hashes_and_upload_times():
    files = {item.filename: item for item in recorded()}
    sdist = files["sampleproject-1.3.0.tar.gz"]
    assert sdist.hashes["sha256"].startswith("ee67ab9c8b44")
    assert existing.parse_upload_time(sdist.upload_time) == datetime(
        2019, 5, 28, 20, 23, 13, 940627, tzinfo=timezone.utc
    ), sdist.upload_time


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-07-01T08:00:00Z", datetime(2026, 7, 1, 8, tzinfo=timezone.utc)),
        ("2026-07-01T08:00:00.5Z", datetime(2026, 7, 1, 8, 0, 0, 500000, timezone.utc)),
        (
            "2026-07-01T10:00:00.1234567+02:00",
            datetime(2026, 7, 1, 8, 0, 0, 123456, timezone.utc),
        ),
        ("2026-07-01T08:00:00", datetime(2026, 7, 1, 8, tzinfo=timezone.utc)),
        ("yesterday", None),
        ("2026-13-01T00:00:00Z", None),
        (None, None),
    ],
)
def test_upload_times_are_read_as_pep_700_writes_them(text, expected):
    assert existing.parse_upload_time(text) == expected


def sampleproject_130():
    """The recorded 1.3.0 files, and a build of it: the same sdist, a new wheel."""
    there = index_check.files_for_version(recorded(), Version("1.3.0"), "sampleproject")
    sdist = next(item for item in there if item.filename.endswith(".tar.gz"))
    built = {
        sdist.filename: sdist.hashes["sha256"],
        "sampleproject-1.3.0-py3-none-any.whl": "0" * 64,  # not on the index
    }
    oldest = min(existing.parse_upload_time(item.upload_time) for item in there)
    return there, built, oldest


def test_a_file_added_to_a_release_older_than_14_days_is_refused():
    there, built, oldest = sampleproject_130()
    for url, label in [
        ("https://pypi.org/simple/", "PyPI"),
        ("https://test.pypi.org/simple/", "TestPyPI"),
    ]:
        now = oldest + timedelta(days=15)
        found = existing.compare(built, there, url, "sampleproject 1.3.0", now)
        assert found.to_upload == []
        assert texts(found.problems) == [
            f"sampleproject 1.3.0 has been on {url} since 2019-05-28 20:23 UTC "
            f"(15 days ago) and {label} refuses new files on a release older than "
            "14 days, so sampleproject-1.3.0-py3-none-any.whl cannot be added to it: "
            "bump the version and publish all its files as a new release"
        ]
        assert found.problems[0].fix == (
            "bump the version and publish all its files as a new release"
        )
        assert found.problems[0].where == "sampleproject 1.3.0"


def test_a_young_release_another_index_or_nothing_missing_passes():
    there, built, oldest = sampleproject_130()
    sdist = next(name for name in built if name.endswith(".tar.gz"))
    young = existing.compare(
        built, there, "https://pypi.org/simple/", "x", oldest + timedelta(days=13)
    )
    assert young.problems == []
    assert young.to_upload == ["sampleproject-1.3.0-py3-none-any.whl"]
    assert young.identical == {sdist: built[sdist]}
    # A local index does not apply PyPI's rule; a complete release adds nothing.
    now = datetime.now(timezone.utc)
    local = existing.compare(built, there, "http://127.0.0.1:8080/simple/", "x", now)
    assert local.problems == [] and len(local.to_upload) == 1
    complete = {item.filename: item.hashes["sha256"] for item in there}
    done = existing.compare(complete, there, "https://pypi.org/simple/", "x", now)
    assert done.problems == [] and done.to_upload == []
    assert set(done.identical) == set(complete)


def test_the_upload_guard_reads_upload_times_from_the_index(good_dist):
    """The guard's whole path (page, JSON, compare) with a recorded PyPI answer.

    The page is the recorded one with its 1.3.0 sdist turned into ours: same
    shape, same upload time, our name and SHA-256.
    """
    page = json.loads(RECORDED.read_text())
    (template,) = [f for f in page["files"] if f["filename"].endswith("1.3.0.tar.gz")]
    ours = dict(template, filename=SDIST, hashes={"sha256": sha256(good_dist / SDIST)})
    page.update(name="glyph-phase-engine", files=[ours], versions=["1.2.3"])
    url = "https://pypi.org/simple/"
    asked = []

    def answer(address, method="GET", timeout=15.0):
        asked.append(address)
        body = json.dumps(page).encode()
        return index_check.Answer(address, 200, JSON_TYPE, body)

    files = sorted(good_dist.iterdir())
    uploaded = existing.parse_upload_time(template["upload-time"])
    plan = index_check.plan_upload(
        files, url, now=uploaded + timedelta(days=20), get=answer
    )
    assert asked == [f"{url}glyph-phase-engine/"]
    assert plan.to_upload == []  # the sdist is there, the wheel may not be added
    assert [p.name for p in plan.skipped] == [SDIST]
    (problem,) = texts(plan.problems)
    assert problem.startswith(f"glyph-phase-engine 1.2.3 has been on {url} since 2019")
    assert "(20 days ago) and PyPI refuses new files on a release older" in problem
    assert f"so {WHEEL} cannot be added to it" in problem

    plan = index_check.plan_upload(
        files, url, now=uploaded + timedelta(days=2), get=answer
    )
    assert plan.problems == []
    assert [p.name for p in plan.skipped] == [SDIST]
    assert [p.name for p in plan.to_upload] == [WHEEL]


def test_an_index_without_sha256_cannot_prove_a_file_identical(good_dist):
    page = {"meta": {"api-version": "1.0"}, "name": "glyph-phase-engine"}
    page["files"] = [{"filename": WHEEL, "hashes": {}, "url": WHEEL}]

    def answer(address, method="GET", timeout=15.0):
        return index_check.Answer(address, 200, JSON_TYPE, json.dumps(page).encode())

    plan = index_check.plan_upload(
        sorted(good_dist.iterdir()), "http://x/simple/", get=answer
    )
    assert plan.to_upload == []
    (problem,) = texts(plan.problems)
    assert re.match(
        rf"{WHEEL} is on http://x/simple/, which gives no SHA-256 for it: whether it "
        rf"is this build cannot be told; compare it by hand \(this build's is "
        rf"{sha256(good_dist / WHEEL)}\)",
        problem,
    ), problem
