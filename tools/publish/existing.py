"""Skip identical, refuse different: the built files against what an index holds.

The rule of ``uv publish --check-url``, applied to every upload and index
guard (PyPI, TestPyPI, the dry run's local index):

- a built file whose name is on the index with the same SHA-256 (from the
  simple API: the ``#sha256=`` fragment of PEP 503, the ``hashes`` of PEP 691)
  is skipped: it is already there, byte for byte;
- the same name with other bytes is refused, before anything is uploaded: an
  index never replaces a file;
- the other files are uploaded. A re-run of a half-finished publish of the same
  build therefore uploads only what is missing, and a re-run of a finished one
  has nothing to upload.

PyPI and TestPyPI refuse new files on a release older than 14 days (since July
2026); when files would be added to a release they already hold, its age is
read from the files' ``upload-time`` (PEP 700, the JSON simple API) and an
older release is refused here, with that reason, rather than by the index.

Pure functions over names, digests and listed files; :mod:`.index` reads the
index and uploads.
"""

import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Mapping, Optional, Protocol, Sequence

from tools.artifacts.archives import file_key
from tools.common import Problem

#: A release older than this takes no new file on PyPI and TestPyPI.
AGE_LIMIT = timedelta(days=14)
#: The simple API hosts whose index applies :data:`AGE_LIMIT`.
AGE_LIMITED_HOSTS = {"pypi.org": "PyPI", "test.pypi.org": "TestPyPI"}


class ListedFile(Protocol):
    """A file an index lists (``tools.publish.index_check.Listed``)."""

    @property
    def filename(self) -> str: ...

    @property
    def hashes(self) -> Dict[str, str]: ...

    @property
    def upload_time(self) -> Optional[str]: ...


@dataclass
class Comparison:
    """What to do with each built file, given what the index holds."""

    to_upload: List[str] = field(default_factory=list)  # not on the index yet
    identical: Dict[str, str] = field(default_factory=dict)  # name: sha256
    problems: List[Problem] = field(default_factory=list)  # nothing may be uploaded


_UPLOAD_TIME = re.compile(
    r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$"
)


def parse_upload_time(text: Optional[str]) -> Optional[datetime]:
    """A PEP 700 ``upload-time`` (ISO 8601, UTC), or None when absent or unreadable.

    Python 3.9's ``fromisoformat`` reads neither ``Z`` nor any number of
    fraction digits, which PEP 700 allows: normalized first.
    """
    match = _UPLOAD_TIME.match((text or "").strip())
    if not match:
        return None
    day, time, fraction, zone = match.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    offset = "+00:00" if zone in (None, "Z") else zone
    if len(offset) == 5:  # +hhmm
        offset = offset[:3] + ":" + offset[3:]
    try:
        return datetime.fromisoformat(f"{day}T{time}.{micro}{offset}")
    except ValueError:
        return None


def age_limited_index(index_url: str) -> Optional[str]:
    """ "PyPI" or "TestPyPI" when ``index_url`` is theirs (they apply the 14 days)."""
    host = (urllib.parse.urlsplit(index_url).hostname or "").lower()
    return AGE_LIMITED_HOSTS.get(host)


def other_bytes(name: str, theirs: str, ours: str, index_url: str) -> Problem:
    """The refusal of a file that is on the index with other bytes."""
    return Problem(
        f"{name} is on {index_url} with other bytes: sha256 {theirs} there, {ours} "
        "in this build; the likely cause is a build that is not reproducible (make "
        "reproducibility rebuilds and compares) or a rewritten main whose dev build "
        "got the same number N as an earlier commit's; an index never replaces a "
        "file",
        "bump the version (a new tag; for TestPyPI, commits on main past the old "
        "number), or publish the very build that is there",
        name,
    )


def release_too_old(
    there: Sequence[ListedFile],
    missing: Sequence[str],
    index_url: str,
    what: str,
    now: datetime,
) -> Optional[Problem]:
    """The refusal when files would be added to a release older than 14 days.

    The release's age is that of its oldest file on the index; None when the
    index is not PyPI's or TestPyPI's, gives no ``upload-time`` (PEP 503 HTML,
    pypiserver), or the release is young enough.
    """
    label = age_limited_index(index_url)
    times = [parse_upload_time(item.upload_time) for item in there]
    known = [t for t in times if t is not None]
    if label is None or not missing or not known:
        return None
    oldest = min(known)
    age = now - oldest
    if age <= AGE_LIMIT:
        return None
    return Problem(
        f"{what} has been on {index_url} since {oldest:%Y-%m-%d %H:%M} UTC "
        f"({age.days} days ago) and {label} refuses new files on a release older "
        f"than {AGE_LIMIT.days} days, so {', '.join(missing)} cannot be added to "
        "it",
        "bump the version and publish all its files as a new release",
        what,
    )


def compare(
    built: Mapping[str, str],
    there: Sequence[ListedFile],
    index_url: str,
    what: str,
    now: Optional[datetime] = None,
) -> Comparison:
    """Sort the built files (``{name: sha256}``) against the version's listed files.

    ``there`` holds the files of this version the index lists; names are
    compared normalized, as an index compares them. When there is any problem,
    ``to_upload`` is empty: nothing is uploaded.
    """
    now = now or datetime.now(timezone.utc)
    listed = {file_key(item.filename): item for item in there}
    result = Comparison()
    for name in sorted(built):
        item = listed.get(file_key(name))
        ours = built[name].lower()
        if item is None:
            result.to_upload.append(name)
            continue
        theirs = (item.hashes.get("sha256") or "").lower()
        if not theirs:
            result.problems.append(
                Problem(
                    f"{item.filename} is on {index_url}, which gives no SHA-256 "
                    "for it",
                    "whether it is this build cannot be told; compare it by hand "
                    f"(this build's is {ours}) or use an index that lists hashes",
                    item.filename,
                )
            )
        elif theirs == ours:
            result.identical[name] = ours
        else:
            result.problems.append(other_bytes(name, theirs, ours, index_url))
    if not result.problems and there:
        too_old = release_too_old(there, result.to_upload, index_url, what, now)
        if too_old:
            result.problems.append(too_old)
    if result.problems:
        result.to_upload = []
    return result
