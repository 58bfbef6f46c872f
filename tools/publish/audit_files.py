"""The files the index audit looks at: what the index serves, its bytes, a rebuild.

Part of :mod:`tools.publish.index_audit` (split out to keep each module short):
a file of the project's page (:class:`ServedFile`), its download checked
against the listed SHA-256 (:func:`download`), and the comparison with a build
of a fresh clone of the release's tag (:func:`rebuild_tag`,
:func:`compare_rebuild`).
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence

from packaging.version import Version

from tools.artifacts.dist import build_into
from tools.artifacts.reproducibility import clone_commit, contents
from tools.common import Checked, Problem, Refusal
from tools.project import Project
from tools.publish.index_check import Answer


@dataclass(frozen=True)
class ServedFile:
    """One file of the project's page (PEP 691), with its PEP 740 provenance link."""

    filename: str
    version: Optional[Version]
    sha256: str
    url: str  # absolute
    provenance: Optional[str]  # absolute URL; None: the index says there is none
    yanked: bool = False


def rebuild_tag(project: Project, tag: str, work: Path) -> Dict[str, Path]:
    """Build a fresh clone of ``tag`` as ``make dist`` does: file name -> path."""
    clone_commit(project.root, work / "source", f"refs/tags/{tag}")
    paths = build_into(work / "source", work / "dist", None, check=False)
    return {p.name: p for p in paths}


def compare_rebuild(
    served: Sequence[ServedFile],
    downloaded: Mapping[str, Path],
    rebuilt: Mapping[str, Path],
    tag: str,
    act: str,
) -> Dict[str, Checked[str]]:
    """File name -> its table cell and problems: each served file against the
    rebuild (``act``: what to do about a file nobody here made)."""
    found: Dict[str, Checked[str]] = {}
    for item in served:
        name = item.filename
        mine = downloaded.get(name)
        if mine is None:
            continue
        theirs = rebuilt.get(name)
        if theirs is None:
            made = ", ".join(sorted(rebuilt)) or "nothing"
            problem = Refusal(
                f"{name} is on the index but a build of tag {tag} does not make it "
                f"(it makes {made}): no build of this repository produced it",
                act,
                name,
            )
            found[name] = Checked("not made by the tag", [problem])
            continue
        ours = hashlib.sha256(theirs.read_bytes()).hexdigest()
        if ours == item.sha256:
            found[name] = Checked("same bytes")
            continue
        a, b = contents(mine), contents(theirs)
        changed = sorted(m for m in set(a) | set(b) if a.get(m) != b.get(m))
        shown = ", ".join(changed[:3]) + (", ..." if len(changed) > 3 else "")
        problem = Refusal(
            f"{name} on the index (SHA-256 {item.sha256[:12]}) differs from a "
            f"build of tag {tag} ({ours[:12]}; {shown or 'no member, the archive'} "
            "differs): the index serves files the tag does not build",
            f"unless the difference is explained, {act}",
            name,
        )
        found[name] = Checked("differs", [problem])
    return found


def download(
    served: Sequence[ServedFile],
    dest: Path,
    get: Callable[..., Answer],
    timeout: float,
) -> Checked[Dict[str, Path]]:
    """Download the files, checking their bytes against the listed SHA-256:
    file name -> path of those that arrived intact, and the problems."""
    paths: Dict[str, Path] = {}
    problems: List[Problem] = []
    dest.mkdir(parents=True, exist_ok=True)
    for item in served:
        answer = get(item.url, timeout=timeout)
        if answer.status != 200:
            problems.append(
                Problem(
                    f"cannot download {item.filename} to rebuild it "
                    f"({answer.error or f'HTTP {answer.status}'} on {item.url})",
                    "run the audit again",
                    item.filename,
                )
            )
            continue
        digest = hashlib.sha256(answer.body).hexdigest()
        if digest != item.sha256:
            problems.append(
                Problem(
                    f"{item.filename} downloaded from {item.url} has SHA-256 "
                    f"{digest} but the index lists {item.sha256}",
                    "the index serves other bytes than it lists; report it to the "
                    "index's security contact",
                    item.filename,
                )
            )
            continue
        path = dest / item.filename
        path.write_bytes(answer.body)
        paths[item.filename] = path
    return Checked(paths, problems)
