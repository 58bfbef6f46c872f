"""Audit what an index serves: every file of every release is one this repository built.

    python -m tools.publish.index_audit [--index pypi|testpypi] [--index-url URL]
                                        [--versions 1.2.0,1.3.0] [--no-rebuild]

(``make index-audit [INDEX=testpypi] [INDEX_URL=...] [VERSIONS=...]``; the
scheduled workflow ``index-audit.yml`` runs it daily against PyPI and
TestPyPI.) It reads the project's page of the index's simple API (PEP 691
JSON) and checks every file the index serves, whatever uploaded it:

- **tag**: each release version has its tag in this repository (the tag
  pattern of ``[tool.hatch.version]``); a TestPyPI dev build (``X.Y.Z.devN``)
  has none and needs none;
- **provenance**: each file has a PEP 740 provenance (the ``provenance`` field
  of the page, else the index's integrity API
  ``/integrity/<project>/<version>/<file>/provenance``) with an attestation
  that pypi-attestations verifies, offline with sigstore's bundled trust root,
  against *our* identity: this repository (``[project.urls] Source``) and the
  publish workflow of ``[tool.release-check.trusted-publishers]``. The
  publisher the index writes in the provenance is not trusted: the
  certificate is. The attestation's subject must be the file's name and the
  SHA-256 the index lists for it, and the certificate must have been made for
  the release's own tag (``refs/tags/<tag>``);
- **rebuild**: the newest release (or those named with ``--versions``) is
  downloaded, its bytes checked against the listed SHA-256, and compared with
  a build of a fresh clone of its tag (the reproducibility stage's build:
  :func:`tools.artifacts.reproducibility.clone_commit` and
  :func:`tools.artifacts.dist.build_into`).

Releases older than the pipeline (no tag, no provenance) are accepted by
version, with a reason, in ``pyproject.toml``; they are shown as accepted,
never hidden, and are rebuilt only when named with ``--versions``::

    [tool.release-check]
    accept-releases = [
      { version = "0.1.0", reason = "published by hand before the pipeline" },
    ]

Each failure is one line saying what it is and what to do (yank the release,
report it to the index's security contact, rotate the publishing
credentials). An index that does not answer, or has no page for the project,
fails: it is never "nothing to audit". The result is a table (version, file,
tag, provenance, rebuild) on stdout and, when ``GITHUB_STEP_SUMMARY`` is set,
in the job's summary.

What it cannot see: a release made by this repository's own publish workflow
from a compromised repository (a pushed tag, a changed workflow) carries a
valid provenance and a matching tag; the rebuild of the newest release only
proves the files are what the tag builds.
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from tools.artifacts.archives import file_version
from tools.artifacts.dist import BuildError
from tools.common import (
    ROOT,
    Checked,
    GitError,
    Problem,
    Refusal,
    git,
    remove_tree,
    report,
    run_main,
    tail,
)
from tools.project import ConfigError, Project, entries_with_reason
from tools.project import load as load_project
from tools.publish.audit_files import (
    ServedFile,
    compare_rebuild,
    download,
    rebuild_tag,
)
from tools.publish.index_check import Answer, fetch, project_url
from tools.publish.provenance import check_provenance, provenance_of

INDEX_URLS = {
    "pypi": "https://pypi.org/simple/",
    "testpypi": "https://test.pypi.org/simple/",
}
SECURITY_CONTACT = {
    "pypi": "security@pypi.org",
    "testpypi": "security@pypi.org",
}
CONFIG_TABLE = "release-check"
CONFIG_KEY = "accept-releases"
#: What to do about a file or a release nobody here made.
ACT = (
    "yank the release on the index, report it to the index's security contact "
    "({contact}) and rotate every publishing credential of the project"
)


class AuditError(Exception):
    """The index cannot be audited (unreachable, no project page, not JSON)."""


# ---- the configuration -------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """A release accepted without tag or provenance (older than the pipeline)."""

    version: Version
    reason: str


def load_accepted(project: Project) -> Checked[Dict[Version, Accepted]]:
    """Version -> entry of ``[tool.release-check] accept-releases``, and problems."""
    entries = entries_with_reason(
        project,
        CONFIG_KEY,
        ("version", "reason"),
        '{ version = "0.1.0", reason = "published by hand before the pipeline" }',
    )
    found: Dict[Version, Accepted] = {}
    problems = list(entries.problems)
    where = f"pyproject.toml [tool.{CONFIG_TABLE}] {CONFIG_KEY}"
    for entry in entries.value:
        try:
            parsed = Version(entry["version"])
        except InvalidVersion:
            what = f"{where}: {entry['version']!r} is no version"
            problems.append(Problem(what, "", where))
            continue
        found[parsed] = Accepted(parsed, entry["reason"])
    return Checked(found, problems)


def release_tags(project: Project) -> Dict[Version, str]:
    """The repository's release tags: version -> tag name."""
    out = git("tag", "--list", root=project.root)
    tags: Dict[Version, str] = {}
    for name in out.splitlines():
        version = project.tag_version(name.strip())
        if version is not None:
            tags.setdefault(version, name.strip())
    return tags


# ---- what the index serves ---------------------------------------------------


def integrity_url(index_url: str, project: str, version: str, filename: str) -> str:
    """The integrity API address of a file's provenance (PyPI's layout: the
    integrity API is beside the simple API, ``<host>/integrity/...``)."""
    base = index_url.rstrip("/")
    if base.endswith("/simple"):
        base = base[: -len("/simple")]
    quoted = urllib.parse.quote(filename)
    return (
        f"{base}/integrity/{canonicalize_name(project)}/{version}/{quoted}/provenance"
    )


def parse_page(answer: Answer, index_url: str, project: str) -> List[ServedFile]:
    """The files of the project page, from a PEP 691 JSON answer; AuditError."""
    page = answer.url
    if "json" not in answer.content_type.split(";")[0]:
        raise AuditError(
            f"{page} answered {answer.content_type or 'no content type'}, not PEP 691 "
            "JSON: the audit needs an index that serves the JSON simple API "
            "(PyPI and TestPyPI do); check INDEX_URL"
        )
    try:
        data = json.loads(answer.body.decode("utf-8"))
        entries = data["files"]
        files = []
        for item in entries:
            name = str(item["filename"])
            version = file_version(name, project)
            link = item.get("provenance", ...)  # PEP 740: absent, null or a URL
            if link is ...:
                provenance: Optional[str] = integrity_url(
                    index_url, project, str(version or ""), name
                )
            elif link is None:
                provenance = None
            else:
                provenance = urllib.parse.urljoin(page, str(link))
            files.append(
                ServedFile(
                    filename=name,
                    version=version,
                    sha256=str((item.get("hashes") or {}).get("sha256", "")).lower(),
                    url=urllib.parse.urljoin(page, str(item.get("url") or name)),
                    provenance=provenance,
                    yanked=bool(item.get("yanked")),
                )
            )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AuditError(
            f"{page} is not a PEP 691 project page ({exc!r}): check INDEX_URL"
        ) from None
    return files


def read_listing(
    index_url: str, project: str, get: Callable[..., Answer], timeout: float
) -> List[ServedFile]:
    """Every file the index serves for the project; AuditError when it cannot tell."""
    url = project_url(index_url, project)
    answer = get(url, timeout=timeout)
    if answer.status is None:
        raise AuditError(
            f"{index_url} did not answer ({answer.error} on {url}): the audit cannot "
            "tell what the index serves; run it again, and check INDEX_URL if it "
            "keeps failing"
        )
    if answer.status == 404:
        raise AuditError(
            f"{index_url} has no project {project} (HTTP 404 on {url}): if it was "
            "ever published there, it was removed or renamed (check the project "
            "on the index and report it to the index's security contact); if it "
            "never was, do not audit that index"
        )
    if answer.status != 200:
        raise AuditError(
            f"{index_url} answered HTTP {answer.status} on {url}: the audit cannot "
            "tell what the index serves; run it again later"
        )
    files = parse_page(answer, index_url, project)
    if not files:
        raise AuditError(
            f"{url} lists no file of {project}: every file was deleted from the "
            "index, or this is not the project's page; check it on the index"
        )
    return files


# ---- provenance --------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a file and what the audit found."""

    version: str
    filename: str
    tag: str = ""
    provenance: str = ""
    rebuild: str = "not rebuilt"
    problems: List[Problem] = field(default_factory=list)


# ---- the audit ---------------------------------------------------------------


@dataclass
class Audit:
    """What the audit found: the table's rows and the problems, in order."""

    index_url: str
    project: str
    rows: List[Row] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class Expected:
    """Who must have published every file, and what to do when not."""

    repository: str  # OWNER/REPO
    workflow: str  # the publish workflow's file name
    act: str  # what to do about a file nobody here made


def audit_file(
    item: ServedFile,
    tag: Optional[str],
    accepted: Optional[Accepted],
    expected: Expected,
    get: Callable[..., Answer],
    timeout: float,
) -> Row:
    """The row of one served file: its tag, its provenance, their problems."""
    version = f"{item.version}" + (" (yanked)" if item.yanked else "")
    row = Row(version, item.filename)
    if accepted is not None:
        row.tag = tag or "none (accepted)"
        row.provenance = f"accepted: {accepted.reason}"
        return row
    dev = item.version is not None and item.version.is_devrelease
    row.tag = tag or ("dev build" if dev else "MISSING")
    read = provenance_of(item.provenance, get, timeout)
    document = read.value
    if not read.ok:
        row.provenance = "index error"
        row.problems.append(
            Problem(
                f"the provenance of {item.filename} could not be read "
                f"({'; '.join(map(str, read.problems))})",
                "run the audit again; a file whose provenance cannot be read is not "
                "vouched for",
                item.filename,
            )
        )
    elif document is None:
        row.provenance = "MISSING"
        row.problems.append(
            Refusal(
                f"{item.filename} has no provenance on the index: nothing shows "
                f"that {expected.repository}'s {expected.workflow} published it",
                expected.act,
                item.filename,
            )
        )
    else:
        checked = check_provenance(
            item.filename,
            item.sha256,
            document,
            expected.repository,
            expected.workflow,
            tag,
        )
        row.provenance = checked.value
        row.problems += [
            Refusal(str(p), expected.act, p.where) for p in checked.problems
        ]
    return row


def to_rebuild(
    served: Sequence[Version],
    accepted: Mapping[Version, Accepted],
    named: Sequence[Version],
    result: Audit,
) -> List[Version]:
    """The releases to rebuild: the named ones (all of them, accepted too), else
    the newest release unless accepted; problems and notes go to ``result``."""
    if named:
        listed = ", ".join(str(v) for v in sorted(served)) or "nothing"
        result.problems += [
            Problem(
                f"VERSIONS names {version}, which the index does not serve (it "
                f"serves {listed})",
                "name a published version",
                str(version),
            )
            for version in named
            if version not in served
        ]
        return [v for v in named if v in served]
    releases = [v for v in served if not v.is_devrelease]
    if not releases:
        result.notes.append("the index serves dev builds only: no release to rebuild")
        return []
    newest = max(releases)
    if newest in accepted:
        result.notes.append(
            f"the newest release {newest} is accepted ({accepted[newest].reason}): "
            "not rebuilt; name it with VERSIONS= to rebuild it"
        )
        return []
    return [newest]


def audit(
    project: Project,
    index: str,
    index_url: str,
    versions: Sequence[Version] = (),
    rebuild: bool = True,
    get: Callable[..., Answer] = fetch,
    timeout: float = 30.0,
) -> Audit:
    """Audit every file the index serves for ``project``; AuditError when the
    index cannot be read, ConfigError when pyproject.toml lacks a fact."""
    publisher = project.publisher(index)
    if project.repository is None:
        raise ConfigError(
            "pyproject.toml [project.urls] has no Source on github.com: add "
            'Source = "https://github.com/OWNER/REPO" (the repository the '
            "provenance must name)"
        )
    contact = SECURITY_CONTACT.get(index, "see the index's site")
    expected = Expected(
        project.repository, publisher.workflow, ACT.format(contact=contact)
    )
    loaded = load_accepted(project)
    accepted = loaded.value
    result = Audit(index_url, project.name, problems=list(loaded.problems))
    files = read_listing(index_url, project.name, get, timeout)
    tags = release_tags(project)
    by_version: Dict[Version, List[ServedFile]] = {}
    for item in files:
        if item.version is None:
            result.rows.append(Row("?", item.filename, "?", "not checked"))
            result.problems.append(
                Refusal(
                    f"{item.filename} is on the index but is no file of "
                    f"{project.name} (no version of it in its name)",
                    expected.act,
                    item.filename,
                )
            )
        else:
            by_version.setdefault(item.version, []).append(item)
    for version in sorted(set(accepted) - set(by_version)):
        result.notes.append(
            f"{CONFIG_KEY} names {version}, which the index does not serve: "
            "remove the entry if the release is gone"
        )
    for version, served in sorted(by_version.items()):
        tag, entry = tags.get(version), accepted.get(version)
        rows = [audit_file(f, tag, entry, expected, get, timeout) for f in served]
        result.rows += rows
        if entry is None and tag is None and not version.is_devrelease:
            result.problems.append(
                Refusal(
                    f"{project.name} {version} is on the index but the repository "
                    "has no tag for it: no maintainer released it from here (or the "
                    "tag was deleted)",
                    expected.act,
                    str(version),
                )
            )
        result.problems += [p for row in rows for p in row.problems]
    if rebuild:
        wanted = to_rebuild(list(by_version), accepted, versions, result)
        for version in wanted:
            _rebuild(
                project,
                version,
                by_version[version],
                tags,
                result,
                expected.act,
                get,
                timeout,
            )
    return result


def _rebuild(
    project: Project,
    version: Version,
    served: Sequence[ServedFile],
    tags: Mapping[Version, str],
    result: Audit,
    act: str,
    get: Callable[..., Answer],
    timeout: float,
) -> None:
    rows = {r.filename: r for r in result.rows}
    tag = tags.get(version)
    if tag is None:
        for item in served:
            rows[item.filename].rebuild = "no tag"
        return
    tmp = Path(tempfile.mkdtemp(prefix="index-audit-"))
    try:
        fetched = download(served, tmp / "index", get, timeout)
        downloaded = fetched.value
        result.problems += fetched.problems
        try:
            rebuilt = rebuild_tag(project, tag, tmp / "rebuild")
        except (BuildError, GitError) as exc:
            output = getattr(exc, "output", "")
            for line in tail(output, 20) if output else []:
                print(f"  | {line}", file=sys.stderr)
            result.problems.append(
                Problem(
                    f"the rebuild of tag {tag} failed ({exc})",
                    "the audit cannot compare the files; fix the build of the tag or "
                    "name another version",
                    tag,
                )
            )
            for item in served:
                rows[item.filename].rebuild = "build failed"
            return
        for item in served:
            if item.filename not in downloaded:
                rows[item.filename].rebuild = "not downloaded"
        compared = compare_rebuild(served, downloaded, rebuilt, tag, act)
        for name, found in compared.items():
            rows[name].rebuild = found.value
            result.problems += found.problems
    finally:
        remove_tree(tmp)


# ---- output ------------------------------------------------------------------


def table(result: Audit) -> str:
    """The Markdown table of the audit (also the job's step summary)."""
    lines = [
        "| version | file | tag | provenance | rebuild |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in result.rows:
        cells = [row.version, f"`{row.filename}`", row.tag, row.provenance, row.rebuild]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def summary(result: Audit) -> str:
    """The job's step summary: the table, then the verdict and each problem."""
    count = len(result.problems)
    head = f"### Index audit of {result.project} on {result.index_url}\n\n"
    verdict = (
        f"**{count} problem{'s' if count != 1 else ''}**:\n\n"
        + "\n".join(f"- {p}" for p in result.problems)
        if count
        else "Every file is accounted for."
    )
    return head + table(result) + "\n\n" + verdict + "\n"


def write_summary(text: str) -> None:
    """Append ``text`` to the job's step summary, when there is one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(text)


def parse_versions(text: str) -> List[Version]:
    """``1.2.0,1.3.0`` (commas or spaces) as versions; ValueError."""
    found = []
    for part in text.replace(",", " ").split():
        try:
            found.append(Version(part))
        except InvalidVersion:
            raise ValueError(f"VERSIONS: {part!r} is not a version (e.g. 1.2.0)")
    return found


def index_of(index_url: str) -> str:
    """``testpypi`` for an address on test.pypi.org, else ``pypi``."""
    host = (urllib.parse.urlsplit(index_url).hostname or "").lower()
    return "testpypi" if host == "test.pypi.org" else "pypi"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.publish.index_audit")
    parser.add_argument(
        "--index",
        choices=sorted(INDEX_URLS),
        help="whose trusted publisher to expect (default: from --index-url, else pypi)",
    )
    parser.add_argument("--index-url", default="", help="the simple API address")
    parser.add_argument("--versions", default="", help="versions to rebuild")
    parser.add_argument("--no-rebuild", action="store_true", help="skip the rebuild")
    parser.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    index = args.index or (index_of(args.index_url) if args.index_url else "pypi")
    index_url = args.index_url or INDEX_URLS[index]
    try:
        versions = parse_versions(args.versions)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # sigstore says at every verification that it uses its bundled trust root
    # offline; the audit says so once, here.
    logging.getLogger("sigstore").setLevel(logging.ERROR)
    try:
        project = load_project(args.root)
        result = audit(
            project,
            index,
            index_url,
            versions,
            not args.no_rebuild,
            timeout=args.timeout,
        )
    except (AuditError, ConfigError, GitError) as exc:
        print(f"error: index audit: {exc}", file=sys.stderr)
        write_summary(f"### Index audit on {index_url}\n\n**Failed**: {exc}\n")
        return 1
    print(table(result))
    for note in result.notes:
        print(f"note: {note}")
    write_summary(summary(result))
    if report(result.problems, "index audit"):
        return 1
    print(
        f"index audit: passed: {len(result.rows)} files of {project.name} on "
        f"{index_url}, each from {project.repository}'s "
        f"{project.publisher(index).workflow} (sigstore's bundled trust root, offline)"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
