"""Taking the project's own files from an index: the built digests, what the
index lists, and the download (with the fake clock: no real waiting)."""

import hashlib

import pytest
from packaging.version import Version

from tests.release.helpers import texts
from tests.release.publish.helpers import FakeClock, answer
from tools.publish import fetch, index_check

V = Version("1.2.3")
PROJECT = "glyph-phase-engine"


def body(text: bytes = b"built bytes"):
    return text, hashlib.sha256(text).hexdigest()


def answers(*items):
    """A get function answering ``items`` (Answers) in turn, the last forever."""
    queue = list(items)
    calls = []

    def get(url, timeout=15.0):
        calls.append(url)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    get.calls = calls
    return get


WHEEL = "glyph_phase_engine-1.2.3-py3-none-any.whl"
LISTED = [index_check.Listed(WHEEL, {}, url=f"../../packages/{WHEEL}#sha256=ab")]


def download(tmp_path, get, clock, timeout=60, initial=1.0, maximum=30.0, data=None):
    data, digest = data or body()
    return fetch.download(
        LISTED, {WHEEL: digest}, "http://i/simple/", tmp_path, "glyph-phase-engine",
        timeout, initial, maximum, clock, clock.sleep, get,
    )  # fmt: skip


def test_a_listed_file_not_served_yet_is_asked_for_again(tmp_path):
    """A CDN may serve the page before the files: the download is retried."""
    data, _ = body()
    get = answers(answer(404), answer(503), answer(200, data))
    clock = FakeClock()
    paths, retries = download(tmp_path, get, clock)
    assert paths == [tmp_path / WHEEL] and paths[0].read_bytes() == data
    assert (retries, clock.sleeps) == (2, [1.0, 2.0])
    assert get.calls == [f"http://i/packages/{WHEEL}"] * 3


def test_a_download_refused_is_not_retried(tmp_path):
    clock = FakeClock()
    with pytest.raises(fetch.FetchError) as info:
        download(tmp_path, answers(answer(403, error="HTTP 403 Forbidden")), clock)
    assert str(info.value) == (
        f"cannot download {WHEEL} from http://i/packages/{WHEEL}: HTTP 403 Forbidden"
    )
    assert clock.sleeps == [] and list(tmp_path.iterdir()) == []


def test_download_retries_never_wait_past_the_timeout(tmp_path):
    clock = FakeClock()
    with pytest.raises(fetch.FetchError) as info:
        download(tmp_path, answers(answer(404)), clock, timeout=10, initial=8.0)
    assert clock.sleeps == [8.0, 2.0]  # the second wait is cut to the time left
    assert str(info.value).startswith(
        f"{WHEEL} is listed on http://i/simple/ but could not be downloaded within "
        "10 s (2 retries; the last answer: HTTP 404 on"
    )


def test_downloaded_bytes_with_another_digest_fail_naming_both(tmp_path):
    served, served_digest = body(b"other bytes")
    _, built_digest = body()
    clock = FakeClock()
    with pytest.raises(fetch.FetchError) as info:
        download(tmp_path, answers(answer(200, served)), clock)
    assert str(info.value).startswith(
        f"{WHEEL} downloaded from http://i/packages/{WHEEL} has SHA-256 "
        f"{served_digest} but the build made {built_digest}: "
    )
    assert list(tmp_path.iterdir()) == []


# ---- the built digests, and what the index lists -----------------------------

SDIST = "glyph_phase_engine-1.2.3.tar.gz"
A, B = "a" * 64, "b" * 64


def test_expected_digests_from_the_command_line():
    assert fetch.parse_expected([f"dist/{WHEEL}={A.upper()}", f" {SDIST}={B}  "]) == {
        WHEEL: A,
        SDIST: B,
    }
    assert fetch.parse_expected([f"{WHEEL}={A}\n{SDIST}={B}\n", ""]) == {
        WHEEL: A,
        SDIST: B,
    }  # one value with several pairs: what a workflow passes
    assert fetch.parse_expected([""]) == {}
    for bad in (f"{WHEEL}", f"{WHEEL}=abc", f"={A}"):
        with pytest.raises(ValueError, match="is not FILE=<64 hex digits>"):
            fetch.parse_expected([bad])
    with pytest.raises(ValueError, match="gives .* two different digests"):
        fetch.parse_expected([f"{WHEEL}={A}", f"{WHEEL}={B}"])


def test_expected_digests_from_sha256sums(tmp_path):
    sums = tmp_path / "SHA256SUMS"
    sums.write_text(f"{A}  dist/{WHEEL}\n{B}  dist/{SDIST}\n")
    assert fetch.read_expected(sums) == {WHEEL: A, SDIST: B}
    with pytest.raises(ValueError, match="does not exist: give the built digests"):
        fetch.read_expected(tmp_path / "nope")
    merged = fetch.merge_expected({"SHA256SUMS": {WHEEL: A}, "--e": {WHEEL: A}})
    assert merged == {WHEEL: A}
    with pytest.raises(ValueError) as info:
        fetch.merge_expected({"SHA256SUMS": {WHEEL: A}, "--expect-sha256": {WHEEL: B}})
    assert str(info.value) == (
        f"SHA256SUMS says {WHEEL} has SHA-256 {A} but --expect-sha256 says {B}: "
        "give the digests of one build"
    )
    other = {"glyph_phase_engine-1.2.2.tar.gz": A, "other-1.2.3.tar.gz": B}
    assert fetch.for_version({**other, WHEEL: A}, V, PROJECT) == {WHEEL: A}
    with pytest.raises(ValueError, match="name no file of glyph-phase-engine 1.2.3"):
        fetch.for_version(other, V, PROJECT)


def test_the_index_must_list_exactly_the_built_files_with_their_digests():
    expected = {WHEEL: A, SDIST: B}
    url = "http://i/simple/"

    def compare(*listed):
        found = fetch.compare_listing(listed, expected, V, url, PROJECT, "SHA256SUMS")
        return found.value, texts(found.problems)

    assert compare(index_check.Listed(WHEEL, {"sha256": A})) == ([SDIST], [])
    assert compare(
        index_check.Listed(WHEEL, {}), index_check.Listed(SDIST, {"sha256": B})
    ) == (
        [],
        [],
    )  # no hash on the page: the download checks the bytes
    missing, problems = compare(
        index_check.Listed(WHEEL, {"sha256": B}),
        index_check.Listed(SDIST, {"sha256": B}),
        index_check.Listed("glyph_phase_engine-1.2.3-py2-none-any.whl", {}),
        index_check.Listed("glyph_phase_engine-1.2.2.tar.gz", {"sha256": A}),
    )
    assert missing == []
    assert problems == [
        "glyph_phase_engine-1.2.3-py2-none-any.whl is on http://i/simple/ but not "
        "in the build (SHA256SUMS): the index holds a file this build did not make; "
        "find which upload put it there",
        f"{WHEEL} on http://i/simple/ has SHA-256 {B} but the build made {A} "
        "(SHA256SUMS): the index serves other bytes than were built (another build "
        "of the same version, or a changed file); use nothing from it and find "
        "which upload it was",
    ]
