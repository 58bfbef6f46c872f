"""A file's PEP 740 provenance against our publisher (tools/publish/provenance.py).

The provenance is the real one PyPI serves for pypi_attestations-0.0.19.tar.gz
(SHA-256 9bb1add0...4bd3), signed through sigstore by
trailofbits/pypi-attestations' release.yml from refs/tags/v0.0.19 (commit
08802efe1f8e5fec4ad842d6b8ce97656092ee72) on 2024-12-04. It is not kept here:
the session fixture ``real_assets`` (real_assets.py) reads it out of
pypi-attestations' own sdist (``pypi_attestations-0.0.30/test/assets/``),
downloaded from PyPI by exact version and SHA-256, so the tests using it are
marked ``network``; the verification itself runs offline, with sigstore's
bundled trust root. The audit's tests (test_index_audit.py) check the same
through a local index; these call the core directly.
"""

import hashlib
import json

import pytest

from tests.release.helpers import texts
from tests.release.publish import real_assets as pinned
from tests.release.publish.helpers import answer
from tests.release.publish.real_assets import DIGEST, SDIST, RealAssets
from tools.common import Checked
from tools.publish.provenance import check_provenance, provenance_of

REPO = "trailofbits/pypi-attestations"


@pytest.fixture
def document(real_assets: RealAssets) -> bytes:
    """The real provenance object of SDIST, as PyPI serves it."""
    return real_assets.provenance.read_bytes()


@pytest.mark.network
def test_the_real_provenance_verifies_offline(monkeypatch, document):
    # No network: a verifier that tried to refresh its trust root would fail.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    checked = check_provenance(SDIST, DIGEST, document, REPO, "release.yml", "v0.0.19")
    assert checked == Checked("verified (release.yml @ 08802efe1f8e)")


@pytest.mark.network
def test_a_dev_build_may_come_from_any_ref(document):
    checked = check_provenance(SDIST, DIGEST, document, REPO, "release.yml", None)
    assert checked.ok and checked.value.startswith("verified")


@pytest.mark.network
def test_another_file_name_does_not_verify(document):
    """Same bytes under another name: the subject names the real file."""
    other = "pypi_attestations-0.0.19-py3-none-any.whl"
    checked = check_provenance(other, DIGEST, document, REPO, "release.yml", None)
    cell, problems = checked.value, texts(checked.problems)
    assert cell == "not verified" and checked.problems[0].where == other
    assert problems[0].startswith(f"{other}: its attestation by https://github.com/")
    assert "subject does not match distribution name" in problems[0]


def test_not_a_provenance_object():
    checked = check_provenance(
        SDIST, DIGEST, b'{"version": 1}', REPO, "release.yml", None
    )
    cell, problems = checked.value, texts(checked.problems)
    assert cell == "invalid"
    assert problems[0].startswith(
        f"{SDIST}: the index's provenance is not a PEP 740 provenance object ("
    )


@pytest.mark.network
def test_a_provenance_without_attestations(document):
    parsed = json.loads(document)
    parsed["attestation_bundles"][0]["attestations"] = []
    checked = check_provenance(
        SDIST, DIGEST, json.dumps(parsed).encode(), REPO, "release.yml", None
    )
    assert (checked.value, texts(checked.problems)) == (
        "empty",
        [f"{SDIST}: its provenance holds no attestation"],
    )


def test_provenance_of_tells_none_from_an_error():
    url = "https://index.invalid/integrity/p/1/f/provenance"

    def get(status):
        return lambda u, timeout, accept: answer(status, b"{}")

    assert provenance_of(None, get(200), 1) == Checked(None)
    assert provenance_of(url, get(200), 1) == Checked(b"{}")
    assert provenance_of(url, get(404), 1) == Checked(None)
    failed = provenance_of(url, get(500), 1)
    assert failed.value is None and texts(failed.problems) == [f"HTTP 500 on {url}"]


def test_the_pinned_sdist_is_checked_in_the_cache_and_from_pip(tmp_path, monkeypatch):
    """A cached file of other bytes is not used, and other bytes than the
    pinned ones are refused, and not cached."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / pinned.ARCHIVE).write_bytes(b"not the pinned sdist")
    got = tmp_path / "work" / "dl" / pinned.ARCHIVE
    asked = []

    def download(work):
        asked.append(work)
        got.parent.mkdir(parents=True)
        got.write_bytes(b"other bytes")
        return got

    monkeypatch.setattr(pinned, "download", download)
    with pytest.raises(pytest.fail.Exception) as caught:
        pinned.pinned_sdist(cache, tmp_path / "work")
    assert asked == [tmp_path / "work"]
    assert str(caught.value) == (
        f"{pinned.ARCHIVE} has SHA-256 {hashlib.sha256(b'other bytes').hexdigest()}, "
        f"not the pinned {pinned.SHA256}"
    )
    assert (cache / pinned.ARCHIVE).read_bytes() == b"not the pinned sdist"
