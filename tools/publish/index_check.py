"""Talk to a package index: its simple API page, and the guards around an upload.

Shared by the smoke installer (``tools.publish.smoke``: is the version there yet?),
the publish dry run (``tools.publish.dry_run``) and the real publish path:

    python -m tools.publish.index_check check --index-url URL [--dist-dir dist]
                                        [--sums-file SHA256SUMS]
    python -m tools.publish.index_check upload --repository-url URL --index-url URL \\
        [--dist-dir dist] [--sums-file SHA256SUMS]

Both first check ``dist/`` against ``SHA256SUMS`` (the digests ``make dist``
wrote; by default beside ``dist/``) and refuse any difference before the
index is contacted. Then they compare the built files with the version's files
on the index, read from its simple API page (PEP 503 HTML or PEP 691 JSON),
byte for byte (:mod:`tools.publish.existing`): a file there with the same
SHA-256 is skipped, the same name with other bytes is refused, the rest is to
be uploaded. The project checks this itself, for every index alike (twine 7
has ``--skip-existing`` only for PyPI and TestPyPI, and it skips by name).
``upload`` then runs ``twine upload`` of the missing files (the
credentials come from ``TWINE_USERNAME`` and ``TWINE_PASSWORD``), and turns an
authentication refusal (401/403) into a message that says what to check.
"""

import argparse
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from packaging.utils import canonicalize_name
from packaging.version import Version

from tools.artifacts.archives import dist_files, dist_version, file_version
from tools.artifacts.checksums import verify
from tools.common import Checked, Problem, last_line, run_main, sha256
from tools.project import SUMS_FILE, load
from tools.publish import existing
from tools.tool_output import twine_http_status

#: PEP 691: ask for JSON, accept HTML (PEP 503) from an index that has no JSON.
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)
USER_AGENT = "release-tools"  # with the project's name: user_agent()


# What a probe of the index found (``Probe.kind``).
class Kind(Enum):
    """What a probe of the index found."""

    FOUND = "found"  # the version's files are listed
    MISSING = "not there yet"  # the index answers, the version is not listed: retry
    TRANSIENT = "index busy"  # timeout, 429 or 5xx: retry
    UNREACHABLE = "index unreachable"  # connection refused, DNS: fail fast
    REFUSED = "refused by the index"  # 401/403, wrong address: no point retrying

    def __str__(self) -> str:
        return self.value

    @property
    def retryable(self) -> bool:
        return self in (Kind.MISSING, Kind.TRANSIENT)


#: Hosts whose uploads authenticate with trusted publishing (OIDC).
TRUSTED_PUBLISHING_HOSTS = {
    "upload.pypi.org": "PyPI",
    "pypi.org": "PyPI",
    "test.pypi.org": "TestPyPI",
}


# ---- HTTP -----------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What one HTTP request got: a status, or an error that had none."""

    url: str
    status: Optional[int] = None
    content_type: str = ""
    body: bytes = b""
    error: Optional[str] = None  # no HTTP answer: why
    unreachable: bool = False  # the error means nobody answers at that address


def _network_error(reason: object) -> Tuple[str, bool]:
    """``(description, unreachable)`` for the reason a request got no answer."""
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "timed out", False
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (nothing listens at that address)", True
    if isinstance(reason, socket.gaierror):
        return f"host name not resolved (DNS: {reason.strerror or reason})", True
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed: {reason}", True
    if isinstance(reason, ConnectionError):  # reset, aborted: may pass
        return f"connection failed: {reason}", False
    if isinstance(reason, OSError):
        return f"network error: {reason.strerror or reason}", True
    return f"network error: {reason}", True


def fetch(
    url: str, method: str = "GET", timeout: float = 15.0, accept: str = ACCEPT
) -> Answer:
    """Request ``url`` (redirects followed); never raises for network errors."""
    request = urllib.request.Request(
        url, method=method, headers={"Accept": accept, "User-Agent": user_agent()}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(
                url=url,
                status=response.status,
                content_type=response.headers.get("Content-Type", ""),
                body=response.read(),
            )
    except urllib.error.HTTPError as exc:
        return Answer(url=url, status=exc.code, error=f"HTTP {exc.code} {exc.reason}")
    except urllib.error.URLError as exc:
        error, unreachable = _network_error(exc.reason)
        return Answer(url=url, error=error, unreachable=unreachable)
    except http.client.HTTPException as exc:  # a broken answer: may pass
        return Answer(url=url, error=f"broken answer: {exc!r}")
    except (OSError, ValueError) as exc:  # timeouts while reading, bad URLs
        error, unreachable = _network_error(exc)
        return Answer(url=url, error=error, unreachable=unreachable)


# ---- the simple API page ---------------------------------------------------


def user_agent() -> str:
    """``<project>-release-tools``: an index's logs say whose tooling asked."""
    return f"{load().name}-{USER_AGENT}"


def project_url(index_url: str, project: str = "") -> str:
    """The project's page on a simple API index (PEP 503 normalized name)."""
    project = project or load().name
    return f"{index_url.rstrip('/')}/{canonicalize_name(project)}/"


def root_url(index_url: str) -> str:
    return index_url.rstrip("/") + "/"


@dataclass(frozen=True)
class Listed:
    """A file on a project page, with the hashes the index gave for it."""

    filename: str
    hashes: Dict[str, str] = field(default_factory=dict)
    upload_time: Optional[str] = None  # PEP 700, JSON pages only
    #: The link as the page gives it (maybe relative to the page; no fragment).
    url: str = field(default="", compare=False)


def listed_digests(
    listed: Iterable[Listed], built: Mapping[str, str]
) -> Dict[str, str]:
    """``{file name: sha256}`` of the listed files, to compare with the built
    ones (``checksums.differences``); a file listed without a SHA-256 takes
    the built one's, so that it is never reported as other bytes."""
    return {
        item.filename: (
            item.hashes.get("sha256") or built.get(item.filename) or ""
        ).lower()
        for item in listed
    }


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: List[str] = []

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _from_href(href: str) -> Listed:
    parts = urllib.parse.urlsplit(href)
    name = urllib.parse.unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    hashes = {}
    if "=" in parts.fragment:
        algo, _, digest = parts.fragment.partition("=")
        hashes[algo] = digest
    return Listed(name, hashes, url=urllib.parse.urldefrag(href)[0])


def parse_simple_page(body: bytes, content_type: str) -> List[Listed]:
    """The files a project page lists: PEP 691 JSON, else PEP 503 HTML."""
    if "json" in content_type.split(";")[0]:
        data = json.loads(body.decode("utf-8"))
        return [
            Listed(
                item["filename"],
                dict(item.get("hashes") or {}),
                item.get("upload-time"),
                item.get("url", ""),
            )
            for item in data.get("files", [])
        ]
    parser = _Anchors()
    parser.feed(body.decode("utf-8", errors="replace"))
    return [_from_href(href) for href in parser.hrefs]


def files_for_version(
    listed: Sequence[Listed], version: Version, project: str = ""
) -> List[Listed]:
    """The listed files of that version of the project (versions as PEP 440)."""
    project = project or load().name
    return [item for item in listed if file_version(item.filename, project) == version]


def versions_listed(listed: Sequence[Listed], project: str = "") -> List[str]:
    project = project or load().name
    found = {file_version(item.filename, project) for item in listed}
    return [str(v) for v in sorted(v for v in found if v is not None)]


# ---- the probe -------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One look at the index: what kind of answer, said in words."""

    kind: Kind
    detail: str
    files: Tuple[Listed, ...] = ()
    listed: Tuple[Listed, ...] = ()


def _retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def classify_probe(
    page: Answer,
    root: Optional[Answer],
    version: Version,
    project: str = "",
) -> Probe:
    """Tell "not there yet" from "unreachable" and from "refused".

    ``page`` is the answer for the project's page; ``root`` the answer for the
    index root, asked only when the page was a 404 (on a working index, a 404
    project page means the project is not there yet; on a wrong address the
    root is a 404 too).
    """
    project = project or load().name
    if page.status is None:
        kind = Kind.UNREACHABLE if page.unreachable else Kind.TRANSIENT
        return Probe(kind, f"{page.error} ({page.url})")
    if page.status in (401, 403):
        return Probe(Kind.REFUSED, f"HTTP {page.status} on {page.url}")
    if page.status == 404:
        if root is None:
            raise ValueError("a 404 project page needs the root's answer")
        if root.status is None:
            kind = Kind.UNREACHABLE if root.unreachable else Kind.TRANSIENT
            return Probe(kind, f"{root.error} ({root.url})")
        if 200 <= root.status < 400:
            return Probe(
                Kind.MISSING, f"no page for {project} yet (HTTP 404 on {page.url})"
            )
        if _retryable_status(root.status):
            return Probe(Kind.TRANSIENT, f"HTTP {root.status} on {root.url}")
        return Probe(
            Kind.REFUSED,
            f"HTTP {root.status} on the index root {root.url}: is it a simple API "
            "address (PEP 503), like https://pypi.org/simple/?",
        )
    if _retryable_status(page.status):
        return Probe(Kind.TRANSIENT, f"HTTP {page.status} on {page.url}")
    if page.status != 200:
        return Probe(Kind.REFUSED, f"HTTP {page.status} on {page.url}")
    try:
        listed = tuple(parse_simple_page(page.body, page.content_type))
    except (ValueError, KeyError, TypeError) as exc:
        return Probe(Kind.REFUSED, f"not a simple API page ({exc}): {page.url}")
    files = tuple(files_for_version(listed, version, project))
    if files:
        names = ", ".join(item.filename for item in files)
        return Probe(
            Kind.FOUND, f"{project} {version} is listed: {names}", files, listed
        )
    others = versions_listed(listed, project)
    if others:
        detail = f"the page lists {', '.join(others)} but not {version}"
    else:
        detail = f"the page lists no file of {project}"
    return Probe(Kind.MISSING, detail, (), listed)


def probe(
    index_url: str,
    version: Version,
    project: str = "",
    timeout: float = 15.0,
    get: Callable[..., Answer] = fetch,
) -> Probe:
    """Look at the index once (the project page, and the root after a 404)."""
    project = project or load().name
    page = get(project_url(index_url, project), timeout=timeout)
    root = None
    if page.status == 404:
        root = get(root_url(index_url), method="HEAD", timeout=timeout)
    return classify_probe(page, root, version, project)


# ---- distributions in dist/ ------------------------------------------------


def describe_files(files: Sequence[Path]) -> List[str]:
    """One line per file: name, size, SHA-256."""
    width = max((len(p.name) for p in files), default=0)
    return [
        f"  {p.name:<{width}}  {p.stat().st_size:>9,} bytes  sha256 {sha256(p)}"
        for p in files
    ]


def verified_dist(
    dist_dir: Path, sums_file: Optional[Path] = None
) -> Checked[List[Path]]:
    """The files to upload and the problems: dist/ as an upload takes it, checked
    first (no files when there is any problem).

    ``dist_dir`` must hold only wheels and sdists, and exactly the files and
    bytes ``sums_file`` lists (``SHA256SUMS`` beside ``dist_dir`` by default):
    a file changed, added or removed after the build is refused here, before
    any index is contacted.
    """
    found = dist_files(dist_dir)
    problems = list(found.problems)
    if dist_dir.is_dir():
        problems += verify(dist_dir, sums_file or dist_dir.parent / SUMS_FILE)
    return Checked([] if problems else found.value, problems)


# ---- the upload guards -----------------------------------------------------


@dataclass
class Plan:
    """What an upload of the built files to an index does, decided beforehand."""

    version: Optional[Version] = None
    to_upload: List[Path] = field(default_factory=list)
    skipped: List[Path] = field(default_factory=list)  # on the index, same bytes
    problems: List[Problem] = field(default_factory=list)  # nothing is uploaded


def describe_refusal(
    repository_url: str, status: int, environ: Mapping[str, str] = os.environ
) -> str:
    """What to check when an index refuses an upload for authentication."""
    host = (urllib.parse.urlsplit(repository_url).hostname or "").lower()
    index = TRUSTED_PUBLISHING_HOSTS.get(host)
    if index:
        this_run = []
        for label, var in (
            ("repository", "GITHUB_REPOSITORY"),
            ("workflow", "GITHUB_WORKFLOW_REF"),
        ):
            if environ.get(var):
                this_run.append(f"{label} {environ[var]}")
        text = (
            f"{index} refused the upload (HTTP {status}): check the trusted "
            f"publisher of {load().name} on {index}: the owner, the repository, the "
            "workflow file name and the environment registered there must match "
            "this run exactly (case included), and the publish job needs "
            "'permissions: id-token: write'"
        )
        if this_run:
            text += f"; this run is {', '.join(this_run)}"
        return text
    return (
        f"{repository_url} refused the upload (HTTP {status}): check the "
        "credentials (TWINE_USERNAME and TWINE_PASSWORD, or the index's password "
        "file; the local dry-run index makes its own on every run)"
    )


def run_twine(
    files: Sequence[Path],
    repository_url: str,
    username: Optional[str] = None,
    password: Optional[str] = None,
) -> "subprocess.CompletedProcess[str]":
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "TWINE_NON_INTERACTIVE": "1",
        # The credentials come from the environment only: no keyring look-up.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    if username is not None:
        env["TWINE_USERNAME"] = username
    if password is not None:
        env["TWINE_PASSWORD"] = password
    cmd = [sys.executable, "-m", "twine", "--no-color", "upload", "--verbose"]
    cmd += ["--non-interactive"]
    cmd += ["--disable-progress-bar", "--repository-url", repository_url]
    return subprocess.run(
        cmd + [str(p) for p in files],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def look_up(
    index_url: str,
    version: Version,
    project: str = "",
    get: Callable[..., Answer] = fetch,
) -> Checked[List[Listed]]:
    """The files listed for the project (the page, read once), or the problem."""
    project = project or load().name
    found = probe(index_url, version, project, get=get)
    if found.kind in (Kind.FOUND, Kind.MISSING):
        return Checked(list(found.listed))
    url = project_url(index_url, project)
    problem = Problem(f"cannot read {url}: {found.kind}: {found.detail}", "", url)
    return Checked([], [problem])


def plan_upload(
    files: Sequence[Path],
    index_url: str,
    project: str = "",
    now: Optional[datetime] = None,
    get: Callable[..., Answer] = fetch,
) -> Plan:
    """The guards before an upload: skip identical, refuse different.

    ``now`` (for the 14-day rule of PyPI and TestPyPI) is the clock's time
    unless given; ``get`` reads the index (:func:`fetch`).
    """
    project = project or load().name
    found_version = dist_version(files, project)
    version = found_version.value
    if version is None:
        return Plan(problems=found_version.problems)
    looked_up = look_up(index_url, version, project, get)
    listed = looked_up.value
    if not looked_up.ok:
        return Plan(version, problems=looked_up.problems)
    by_name = {p.name: p for p in files}
    found = existing.compare(
        {p.name: sha256(p) for p in files},
        files_for_version(listed, version, project),
        index_url,
        f"{project} {version}",
        now,
    )
    return Plan(
        version,
        [by_name[name] for name in found.to_upload],
        [by_name[name] for name in found.identical],
        found.problems,
    )


def _say_skipped(plan: Plan, index_url: str) -> None:
    for path in plan.skipped:
        print(
            f"skipped (on {index_url} with the same SHA-256 {sha256(path)}): "
            f"{path.name}",
            flush=True,
        )


def upload(
    files: Sequence[Path],
    repository_url: str,
    index_url: str,
    username: Optional[str] = None,
    password: Optional[str] = None,
    project: str = "",
) -> int:
    """Upload the ``files`` the index lacks, after the guards; 0 when all are there."""
    project = project or load().name
    plan = plan_upload(files, index_url, project)
    if plan.problems:
        return _fail(plan.problems)
    _say_skipped(plan, index_url)
    if not plan.to_upload:
        print(
            f"nothing to upload: {project} {plan.version} is on {index_url} with "
            "the same bytes",
            flush=True,
        )
        return 0
    print(f"uploading to {repository_url}:", flush=True)
    print("\n".join(describe_files(plan.to_upload)), flush=True)
    result = run_twine(plan.to_upload, repository_url, username, password)
    if result.returncode == 0:
        print(f"uploaded {len(plan.to_upload)} file(s)", flush=True)
        return 0
    # Whether the files are there now is the index's to say (its page), not
    # twine's words; only an authentication refusal's status is read from
    # them (tools.tool_output: twine has no other way to tell it).
    there = set()
    if plan.version is not None:
        listed = look_up(index_url, plan.version, project).value
        found = files_for_version(listed, plan.version, project)
        there = {item.filename for item in found}
    already = sorted(p.name for p in plan.to_upload if p.name in there)
    status = twine_http_status(result.stdout)
    if already:
        message = (
            f"{project} {plan.version} is already on {index_url}: its page did not "
            f"list {', '.join(already)} before the upload, and lists it now; run "
            "the check again to compare the bytes (python -m tools.publish.index_check "
            "check): other bytes mean bump the version"
        )
    elif status in (401, 403):
        message = describe_refusal(repository_url, status)
    else:
        message = f"twine upload failed: {last_line(result.stdout)}"
    return _fail([Problem(message)], detail=result.stdout)


def _fail(problems: Sequence[Problem], detail: str = "") -> int:
    for problem in problems:
        print(f"error: {problem}", flush=True)
    for line in detail.splitlines()[-15:]:
        print(f"  | {line.rstrip()}", flush=True)
    return 1


def check(dist_dir: Path, index_url: str, sums_file: Optional[Path] = None) -> int:
    """The guard alone: what an upload of ``dist_dir`` would do, or why it cannot."""
    verified = verified_dist(dist_dir, sums_file)
    if not verified.ok:
        return _fail(verified.problems)
    plan = plan_upload(verified.value, index_url)
    if plan.problems:
        return _fail(plan.problems)
    _say_skipped(plan, index_url)
    for path in plan.to_upload:
        print(f"to upload: {path.name}", flush=True)
    if not plan.to_upload:
        print(
            f"nothing to upload: {load().name} {plan.version} is on {index_url} with "
            "the same bytes",
            flush=True,
        )
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.publish.index_check")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("check", "upload"):
        sub = commands.add_parser(name)
        sub.add_argument("--dist-dir", type=Path, default=Path("dist"))
        sub.add_argument(
            "--sums-file",
            type=Path,
            help=f"the digests of the build (default: {SUMS_FILE} beside --dist-dir)",
        )
        sub.add_argument("--index-url", required=True, help="the simple API root")
        if name == "upload":
            sub.add_argument("--repository-url", required=True, help="upload URL")
    args = parser.parse_args(argv)
    if not args.index_url.strip():
        parser.error(
            "--index-url is empty: give the simple API root, like "
            "https://pypi.org/simple/ (make index-check INDEX_URL=...)"
        )
    if args.command == "check":
        return check(args.dist_dir, args.index_url, args.sums_file)
    verified = verified_dist(args.dist_dir, args.sums_file)
    if not verified.ok:
        return _fail(verified.problems)
    files = verified.value
    return upload(files, args.repository_url, args.index_url)


if __name__ == "__main__":
    run_main(main)
