"""Take the project's own files from an index under test, proven by their digests.

The smoke installer (``tools.publish.smoke --index-url``) never lets an
installer choose the project's files from the index under test (the local
dry-run index, TestPyPI, PyPI): it reads the project's page of the index's
simple API (:mod:`tools.publish.index_check`), checks that the index lists exactly
the files that were built, each with the SHA-256 the build recorded
(``SHA256SUMS``, or digests passed on the command line), downloads those
files, checks their bytes again, and only then installs the local copies.
The dependencies come from the regular index: TestPyPI holds copies of
popular packages that nobody vouches for, so the index under test is never
an extra index.

A file the index does not serve yet (404: a CDN a little behind) is asked for
again with a doubling wait, within the time given; other bytes than the
build's fail at once, naming the file and both digests.
"""

import hashlib
import re
import urllib.parse
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Sequence, Tuple

from packaging.version import Version

from tools.artifacts import checksums
from tools.artifacts.archives import file_version
from tools.common import Checked, Problem
from tools.publish import index_check

_DIGEST = re.compile(r"[0-9a-f]{64}")


class FetchError(Exception):
    """The index does not serve the built files: one line saying which and why."""


def compute_backoff(
    attempt: int, initial: float, maximum: float, factor: float = 2.0
) -> float:
    """The wait after try number ``attempt`` (0-based): exponential, capped."""
    if attempt < 0 or initial < 0:
        raise ValueError("attempt and initial must not be negative")
    return min(initial * factor**attempt, maximum)


# ---- the digests the build made -------------------------------------------


def parse_expected(values: Iterable[str]) -> Dict[str, str]:
    """``{file name: sha256}`` from ``FILE=DIGEST`` pairs.

    A value may hold several pairs separated by white space (what a workflow
    passes from one job output); an empty value holds none. Raises ValueError.
    """
    digests: Dict[str, str] = {}
    for pair in " ".join(values).split():
        name, _, digest = pair.partition("=")
        name, digest = Path(name).name, digest.lower()
        if not name or not _DIGEST.fullmatch(digest):
            raise ValueError(
                f"--expect-sha256 {pair!r} is not FILE=<64 hex digits> "
                "(e.g. pkg-1.0.tar.gz=3a7b...)"
            )
        if digests.get(name, digest) != digest:
            raise ValueError(f"--expect-sha256 gives {name} two different digests")
        digests[name] = digest
    return digests


def read_expected(sums_file: Path) -> Dict[str, str]:
    """``{file name: sha256}`` from a SHA256SUMS file; raises ValueError."""
    listed = checksums.read_sums(sums_file)
    if listed is None:
        raise ValueError(
            f"{sums_file} does not exist: give the built digests with "
            "--sums FILE or --expect-sha256 FILE=DIGEST"
        )
    return {Path(name).name: digest for name, digest in listed.items()}


def merge_expected(sources: Mapping[str, Mapping[str, str]]) -> Dict[str, str]:
    """One set of digests from several sources, which must agree; ValueError."""
    merged: Dict[str, str] = {}
    said: Dict[str, str] = {}
    for source, digests in sources.items():
        for name, digest in digests.items():
            if merged.get(name, digest) != digest:
                raise ValueError(
                    f"{said[name]} says {name} has SHA-256 {merged[name]} but "
                    f"{source} says {digest}: give the digests of one build"
                )
            merged[name] = digest
            said.setdefault(name, source)
    return merged


def for_version(
    digests: Mapping[str, str], version: Version, project: str
) -> Dict[str, str]:
    """The digests of ``project``'s files of ``version``; ValueError if none."""
    ours = {
        name: digest
        for name, digest in digests.items()
        if file_version(name, project) == version
    }
    if not ours:
        names = ", ".join(sorted(digests)) or "nothing"
        raise ValueError(
            f"the built digests name no file of {project} {version} (they list "
            f"{names}): pass the digests of the build of that version"
        )
    return ours


# ---- what the index lists ----------------------------------------------------


def compare_listing(
    listed: Sequence[index_check.Listed],
    expected: Mapping[str, str],
    version: Version,
    index_url: str,
    project: str,
    source: str,
) -> Checked[List[str]]:
    """The built files not listed yet (the value), and the problems: the index
    must list exactly the built files of ``version``, each with the built
    SHA-256 where it gives one."""
    there = index_check.files_for_version(listed, version, project)
    served = index_check.listed_digests(there, expected)
    missing: List[str] = []
    problems: List[Problem] = []
    for name, how in checksums.differences(expected, served):
        if how is checksums.Difference.MISSING:
            missing.append(name)
        elif how is checksums.Difference.EXTRA:
            problems.append(
                Problem(
                    f"{name} is on {index_url} but not in the build ({source})",
                    "the index holds a file this build did not make; find which "
                    "upload put it there",
                    name,
                )
            )
        else:
            problems.append(
                Problem(
                    f"{name} on {index_url} has SHA-256 {served[name]} but the build "
                    f"made {expected[name]} ({source})",
                    "the index serves other bytes than were built (another build "
                    "of the same version, or a changed file); use nothing from it "
                    "and find which upload it was",
                    name,
                )
            )
    return Checked(missing, problems)


def file_url(index_url: str, item: index_check.Listed, project: str) -> str:
    """The address of a listed file (relative links are relative to the page)."""
    page = index_check.project_url(index_url, project)
    link = urllib.parse.urldefrag(item.url or item.filename)[0]
    return urllib.parse.urljoin(page, link)


# ---- the download ------------------------------------------------------------


def download(
    listed: Sequence[index_check.Listed],
    expected: Mapping[str, str],
    index_url: str,
    dest: Path,
    project: str,
    timeout: float,
    initial: float,
    maximum: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    get: Callable[..., index_check.Answer] = index_check.fetch,
) -> Tuple[List[Path], int]:
    """Download every expected file into ``dest``, checking its bytes.

    Returns the paths and the number of retries. A 404, a timeout or a 5xx is
    tried again with a doubling wait, never past ``timeout`` seconds; other
    answers, and bytes with another digest, raise :class:`FetchError` at once.
    """
    by_name = {item.filename: item for item in listed}
    start = clock()
    retries = 0
    paths = []
    for name in sorted(expected):
        url = file_url(index_url, by_name[name], project)
        while True:
            left = timeout - (clock() - start)
            answer = get(url, timeout=max(1.0, min(60.0, left)))
            if answer.status == 200:
                break
            reason = answer.error or f"HTTP {answer.status}"
            late = answer.status in (404, 429) or (answer.status or 0) >= 500
            late = late or (answer.status is None and not answer.unreachable)
            if not late:
                raise FetchError(f"cannot download {name} from {url}: {reason}")
            if left <= 0:
                raise FetchError(
                    f"{name} is listed on {index_url} but could not be downloaded "
                    f"within {timeout:g} s ({retries} retries; the last answer: "
                    f"{reason} on {url})"
                )
            sleep(min(compute_backoff(retries, initial, maximum), left))
            retries += 1
        digest = hashlib.sha256(answer.body).hexdigest()
        if digest != expected[name]:
            raise FetchError(
                f"{name} downloaded from {url} has SHA-256 {digest} but the build "
                f"made {expected[name]}: the index serves other bytes than were "
                "built; use nothing from it"
            )
        path = dest / name
        path.write_bytes(answer.body)
        paths.append(path)
    return paths, retries
