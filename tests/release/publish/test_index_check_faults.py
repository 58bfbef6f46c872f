"""Fault tests against a real pypiserver on loopback.

Each server is started by the test (``start_index``) and stopped after it; the
fixtures then assert that no server process is left and TMPDIR is empty.
"""

import functools
import hashlib
import shutil

import pytest

from tests.release.publish.helpers import FakeClock
from tools.common import Checked
from tools.publish import index_check, smoke
from tools.publish.dry_run import USERNAME, free_port

pytestmark = pytest.mark.e2e


#: Digests for the cases where nothing is served: they are never compared.
NO_DIGESTS = ["--expect-sha256", "glyph_phase_engine-1.2.3.tar.gz=" + "0" * 64]


@pytest.fixture
def install(monkeypatch):
    """``smoke.main`` against the real index (newest Python only: the index is
    under test), on a fake clock: the waits between looks are recorded, not
    waited (the looks, downloads and installs are real)."""

    def run(url, *extra, on_sleep=None):
        clock = FakeClock(on_sleep)
        on_clock = functools.partial(smoke.smoke_index, clock=clock, sleep=clock.sleep)
        monkeypatch.setattr(smoke, "smoke_index", on_clock)
        argv = ["--index-url", url, "--version", "1.2.3", "--retry-max", "0.5"]
        argv += ["--pythons", "newest"]
        if "--sums" not in extra and "--expect-sha256" not in extra:
            argv += NO_DIGESTS
        return smoke.main(argv + list(extra)), clock

    return run


def put(dist, server, rename=None):
    """Put the built files on the index, as an upload would, renamed or not."""
    for path in dist.iterdir():
        name = path.name.replace("1.2.3", rename) if rename else path.name
        shutil.copy2(path, server.packages / name)


def test_the_version_appears_after_a_delay(good_dist, start_index, install, capsys):
    server = start_index()

    def upload_meanwhile(sleeps: int) -> None:
        if sleeps == 2:  # after the second wait: the next look finds it
            put(good_dist, server)

    sums = str(good_dist.parent / "SHA256SUMS")
    code, clock = install(
        server.simple_url,
        "--timeout",
        "30",
        "--retry-initial",
        "0.2",
        "--sums",
        sums,
        on_sleep=upload_meanwhile,
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert clock.sleeps == [0.2, 0.4]
    assert "listed after 3 " in out, out
    assert "2 file(s) served with the built SHA-256" in out
    assert "ok    wheel  " in out and "ok    sdist  " in out


@pytest.mark.parametrize(
    "other, last_answer",
    [
        (None, "no page for glyph-phase-engine yet (HTTP 404"),
        ("1.2.2", "the page lists 1.2.2 but not 1.2.3"),
    ],
)
def test_the_version_never_appears(
    good_dist, start_index, install, capsys, other, last_answer
):
    server = start_index()
    if other:
        put(good_dist, server, rename=other)
    code, clock = install(server.simple_url, "--timeout", "2", "--retry-initial", "0.2")
    out = capsys.readouterr().out
    assert code == 1
    # looks at 0, 0.2, 0.6, 1.1, 1.6 and 2.0 s: the last wait cut to the time left
    assert clock.sleeps == pytest.approx([0.2, 0.4, 0.5, 0.5, 0.4])
    assert (
        f"glyph-phase-engine 1.2.3 did not appear on {server.simple_url} within 2 s "
        f"(not there yet): looked at {server.simple_url}glyph-phase-engine/ "
        "6 times over 2.0 s, waiting 0.2 s at first, doubling up to 0.5 s"
    ) in out
    assert f"the last answer: {last_answer}" in out


def test_an_index_address_nobody_listens_on_fails_fast(install, capsys):
    url = f"http://127.0.0.1:{free_port()}/simple/"
    code, clock = install(url, "--timeout", "60", "--retry-initial", "1")
    out = capsys.readouterr().out
    assert code == 1
    assert clock.sleeps == []
    assert "index unreachable: connection refused" in out
    assert "gave up after looking 1 time in" in out and "without retrying" in out


def test_an_unknown_host_fails_fast(install, capsys):
    code, clock = install("http://no-such-host.invalid/simple/", "--timeout", "60")
    out = capsys.readouterr().out
    assert code == 1
    assert clock.sleeps == []
    assert "index unreachable: host name not resolved (DNS" in out


def test_an_index_that_wants_credentials_is_refused(start_index, install, capsys):
    server = start_index(authenticate="list,update")
    code, clock = install(server.simple_url, "--timeout", "60")
    out = capsys.readouterr().out
    assert code == 1
    assert clock.sleeps == []
    assert "refused by the index: HTTP 401 on" in out
    assert "gave up after looking 1 time in" in out


def test_a_wrong_index_address_is_refused(start_index, install, capsys):
    server = start_index()
    code, clock = install(f"{server.url}wrong/simple/", "--timeout", "60")
    out = capsys.readouterr().out
    assert code == 1
    assert clock.sleeps == []
    assert f"HTTP 404 on the index root {server.url}wrong/simple/" in out
    assert "is it a simple API address" in out


def upload(server, dist, password=None):
    found = index_check.dist_files(dist)
    assert found.problems == []
    return index_check.upload(
        found.value,
        server.url,
        server.simple_url,
        username=USERNAME,
        password=server.password if password is None else password,
    )


def test_wrong_upload_credentials_get_the_403_message(good_dist, start_index, capsys):
    server = start_index()
    assert upload(server, good_dist, password="wrong") == 1
    out = capsys.readouterr().out
    assert (
        f"error: {server.url} refused the upload (HTTP 403): check the credentials"
    ) in out
    assert list(server.packages.iterdir()) == []


def test_the_refusal_message_for_pypi_names_the_trusted_publisher():
    env = {
        "GITHUB_REPOSITORY": "someone/glyph-phase-engine",
        "GITHUB_WORKFLOW_REF": "someone/glyph-phase-engine/.github/workflows/"
        "publish-pypi.yml@refs/tags/v1.2.3",
    }
    text = index_check.describe_refusal("https://upload.pypi.org/legacy/", 403, env)
    assert text.startswith("PyPI refused the upload (HTTP 403): check the trusted")
    for part in ("owner", "repository", "workflow file name", "environment"):
        assert part in text
    assert "this run is repository someone/glyph-phase-engine, workflow" in text
    text = index_check.describe_refusal("https://test.pypi.org/legacy/", 403, {})
    assert text.startswith("TestPyPI refused the upload (HTTP 403): check the trusted")
    assert "this run is" not in text


def test_an_upload_refused_as_existing_says_to_compare_the_bytes(
    good_dist, start_index, capsys, monkeypatch
):
    """The page did not list it yet (a lagging index), the upload then hit it."""
    server = start_index()
    put(good_dist, server)
    real, calls = index_check.look_up, []

    def lagging(*args):  # the page lists nothing before the upload, then all
        calls.append(args)
        return Checked([]) if len(calls) == 1 else real(*args)

    monkeypatch.setattr(index_check, "look_up", lagging)
    assert upload(server, good_dist) == 1
    out = capsys.readouterr().out
    assert "uploading to" in out  # the guard before the upload saw nothing
    assert (
        f"error: glyph-phase-engine 1.2.3 is already on {server.simple_url}: its "
        "page did not list glyph_phase_engine-1.2.3-py3-none-any.whl, "
        "glyph_phase_engine-1.2.3.tar.gz before the upload, and lists it now; "
        "run the check again to compare the bytes"
    ) in out
    assert "twine upload failed" not in out


# ---- the index serves exactly the built bytes (verified after) --------


def tampered(good_dist, server, name_end):
    """The built files on the index, one of them with other bytes."""
    put(good_dist, server)
    served = next(p for p in server.packages.iterdir() if p.name.endswith(name_end))
    served.write_bytes(served.read_bytes() + b"\0")
    return served.name, hashlib.sha256(served.read_bytes()).hexdigest()


def built_digest(good_dist, name):
    return hashlib.sha256((good_dist / name).read_bytes()).hexdigest()


@pytest.mark.parametrize("name_end", [".tar.gz", ".whl"])
def test_a_served_file_that_differs_from_sha256sums_fails_before_any_install(
    good_dist, start_index, install, capsys, monkeypatch, name_end
):
    server = start_index()
    name, served = tampered(good_dist, server, name_end)
    installs = []
    monkeypatch.setattr(smoke, "smoke_files", lambda *a, **k: installs.append(a))
    sums = str(good_dist.parent / "SHA256SUMS")
    code, clock = install(server.simple_url, "--timeout", "30", "--sums", sums)
    out = capsys.readouterr().out
    assert code == 1, out
    assert clock.sleeps == []  # refused at the first look, never retried
    assert (
        f"FAIL  index  glyph-phase-engine==1.2.3 from {server.simple_url}: {name} on "
        f"{server.simple_url} has SHA-256 {served} but the build made "
        f"{built_digest(good_dist, name)} ({sums}): the index serves other bytes"
    ) in out
    assert installs == []  # nothing installed from it


def test_digests_given_on_the_command_line_are_checked_too(
    good_dist, start_index, install, capsys
):
    server = start_index()
    name, served = tampered(good_dist, server, ".whl")
    built = built_digest(good_dist, name)
    sdist = next(p.name for p in good_dist.iterdir() if p.name.endswith(".tar.gz"))
    pairs = f"{name}={built} {sdist}={built_digest(good_dist, sdist)}"
    code, _ = install(server.simple_url, "--timeout", "30", "--expect-sha256", pairs)
    out = capsys.readouterr().out
    assert code == 1, out
    assert (
        f"{name} on {server.simple_url} has SHA-256 {served} but the build made "
        f"{built} (--expect-sha256)"
    ) in out


def test_a_file_the_build_did_not_make_on_the_index_fails(
    good_dist, start_index, install, capsys
):
    server = start_index()
    put(good_dist, server)
    wheel = next(server.packages.glob("*.whl"))
    extra = wheel.name.replace("py3-none-any", "py2.py3-none-any")
    shutil.copy2(wheel, server.packages / extra)
    sums = str(good_dist.parent / "SHA256SUMS")
    code, _ = install(server.simple_url, "--timeout", "30", "--sums", sums)
    out = capsys.readouterr().out
    assert code == 1, out
    assert f"{extra} is on {server.simple_url} but not in the build ({sums})" in out
