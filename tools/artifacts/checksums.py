"""``SHA256SUMS``: the digests of the built files, written once and read here.

``make dist`` writes it at the project root (never into ``dist/``, where an
upload would fail on it), in ``sha256sum`` format, so that
``sha256sum -c SHA256SUMS`` checks it too. Every reader goes through
:func:`read_sums`; :func:`verify` compares ``dist/`` with it.
"""

from enum import Enum
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from tools.common import Problem, sha256
from tools.project import DIST_DIR, SUMS_FILE


def compute_sums(paths: Iterable[Path], prefix: str = DIST_DIR + "/") -> Dict[str, str]:
    """``{"dist/<file>": sha256}`` for the built files."""
    return {prefix + p.name: sha256(p) for p in sorted(paths)}


class Difference(Enum):
    """How a file of one ``{name: sha256}`` map differs from another's."""

    MISSING = "missing"  # expected, not there
    EXTRA = "extra"  # there, not expected
    CHANGED = "changed"  # in both, other bytes


def differences(
    expected: Mapping[str, str], actual: Mapping[str, str]
) -> List[Tuple[str, Difference]]:
    """Every name where two ``{name: sha256}`` maps differ, in name order:
    the one comparison of digests (SHA256SUMS and dist/, two builds, an
    index's listing and the build); digests compared lower-case."""
    found = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            found.append((name, Difference.MISSING))
        elif name not in expected:
            found.append((name, Difference.EXTRA))
        elif expected[name].lower() != actual[name].lower():
            found.append((name, Difference.CHANGED))
    return found


def format_sums(sums: Dict[str, str]) -> str:
    """The text of SHA256SUMS, as ``sha256sum`` writes it (``-c`` reads it)."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))


def parse_sums(text: str) -> Dict[str, str]:
    """``{"dist/<file>": sha256}`` from the text of a SHA256SUMS file.

    Raises ValueError on a line that is not ``<64 hex digits> <name>``.
    """
    sums = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        digest = parts[0].lower()
        if len(parts) != 2 or len(digest) != 64 or not _is_hex(digest):
            raise ValueError(f"line {number} is not '<sha256>  <file>': {line[:80]!r}")
        sums[parts[1].lstrip("*").strip()] = digest
    return sums


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def read_sums(path: Path) -> Optional[Dict[str, str]]:
    """The digests ``path`` lists, None when it does not exist; ValueError if bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse_sums(text)


def verify(dist_dir: Path, sums_file: Path) -> List[Problem]:
    """Problems where ``dist_dir`` differs from ``sums_file`` (file set and bytes)."""
    name = sums_file.name
    try:
        listed = read_sums(sums_file)
    except ValueError as exc:
        return [
            Problem(
                f"{sums_file} is not a {SUMS_FILE} file ({exc})",
                "rebuild with make dist",
                str(sums_file),
            )
        ]
    if listed is None:
        return [
            Problem(
                f"{sums_file} is missing",
                f"make dist writes it beside {DIST_DIR}/",
                str(sums_file),
            )
        ]
    if not dist_dir.is_dir():
        return [
            Problem(
                f"{dist_dir} does not exist", "build it with make dist", str(dist_dir)
            )
        ]
    actual = compute_sums(
        (p for p in dist_dir.iterdir() if p.is_file()), prefix=f"{DIST_DIR}/"
    )
    problems = []
    for entry, how in differences(listed, actual):
        if how is Difference.MISSING:
            problems.append(
                Problem(
                    f"{entry} is listed in {name} but missing from {dist_dir}",
                    "dist/ changed after the build; rebuild with make dist",
                    entry,
                )
            )
        elif how is Difference.EXTRA:
            problems.append(
                Problem(
                    f"{entry} is in {dist_dir} but not listed in {name}",
                    "it was added after the build; remove it or rebuild with make dist",
                    entry,
                )
            )
        else:
            problems.append(
                Problem(
                    f"{entry} has SHA-256 {actual[entry]} but {name} says "
                    f"{listed[entry]}",
                    "the file changed after the build; rebuild with make dist and "
                    "upload only what it built",
                    entry,
                )
            )
    return problems
