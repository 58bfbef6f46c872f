"""Reproducibility: a build of a fresh clone of the commit gives dist/'s bytes.

    python -m tools.artifacts.reproducibility [--dev]

Clones HEAD's commit into a temporary folder (``git clone``, as pip's release
build does), builds the sdist and the wheel there exactly as ``make dist``
does (the commit's own build lock, the same ``SOURCE_DATE_EPOCH``, the same
version), and compares their SHA-256 with the files in ``dist/`` and with
``SHA256SUMS``. The clone holds what git tracks and nothing else, so this
also proves that no untracked or ignored file of the working tree leaked into
``dist/``; when one did, the problem names it.

A working tree with changes not in the commit is reported with the
differences: ``dist/`` was built from the working tree, the rebuild from the
commit (the guard in ``make sanity`` refuses such a tree for a release).
"""

import argparse
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from tools.artifacts.checksums import Difference, compute_sums, differences, verify
from tools.artifacts.dist import BuildError, build_into
from tools.common import (
    ROOT,
    GitError,
    Problem,
    git,
    remove_tree,
    report,
    run_main,
    tail,
)
from tools.project import DIST_DIR, SUMS_FILE


def compare_builds(
    first: Dict[str, str], second: Dict[str, str], where: str
) -> List[Problem]:
    """Problems where two builds (``{file name: sha256}``) differ, each where
    the file name."""
    problems = []
    for name, how in differences(first, second):
        if how is Difference.MISSING:
            problems.append(
                Problem(
                    f"{name} was not made again by a build of the commit",
                    "dist/ is stale, from another commit or from uncommitted "
                    "changes; rebuild with make dist",
                    name,
                )
            )
        elif how is Difference.EXTRA:
            problems.append(
                Problem(
                    f"a build of the commit made {name}, which dist/ does not have",
                    "dist/ is stale or from another commit; rebuild with make dist",
                    name,
                )
            )
        else:
            problems.append(
                Problem(
                    f"{name} is not reproducible: a build of the same commit "
                    f"differs ({first[name][:12]} then {second[name][:12]}, kept "
                    f"in {where})",
                    "look for timestamps, random or unsorted content in the "
                    "build (diffoscope compares the two)",
                    name,
                )
            )
    return problems


def clone_commit(root: Path, dest: Path, ref: str = "HEAD") -> str:
    """Clone ``root``'s repository into ``dest`` at the commit of ``ref`` (HEAD,
    or a tag: the index audit rebuilds a release); the commit. Only tracked
    files come along: what the working tree adds is not in the rebuild."""
    commit = git("rev-parse", f"{ref}^{{commit}}", root=root)
    # --shared: the clone borrows root's objects (git's alternates) instead of
    # linking each one; it lives only as long as the rebuild, and root's
    # objects do not go away meanwhile.
    git(
        "clone", "--quiet", "--shared", "--no-checkout", str(root), str(dest), root=root
    )
    git("-c", "advice.detachedHead=false", "checkout", "--quiet", commit, root=dest)
    return commit


def not_tracked(root: Path) -> Dict[str, str]:
    """The working tree's files git does not track: ``{path: "untracked" or
    "ignored"}``."""
    out = git("status", "--porcelain", "--ignored", "--untracked-files=all", root=root)
    found = {}
    for line in out.splitlines():
        if line[:2] in ("??", "!!"):
            found[line[3:].strip('"')] = "untracked" if line[:2] == "??" else "ignored"
    return found


def tracked_changes(root: Path) -> List[str]:
    """``git status`` lines of tracked files changed since the commit."""
    return git("status", "--porcelain", "--untracked-files=no", root=root).splitlines()


def contents(path: Path) -> Dict[str, bytes]:
    """Every file member of an sdist or a wheel, by its path inside the
    project (an sdist's top folder stripped)."""
    files = {}
    if path.name.endswith(".whl"):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    files[info.filename] = archive.read(info)
    else:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive.getmembers():
                handle = archive.extractfile(member) if member.isfile() else None
                if handle is not None:
                    files[member.name.split("/", 1)[-1]] = handle.read()
    return files


def explain(
    dist_file: Path, rebuilt: Path, untracked: Dict[str, str], commit: str
) -> List[Problem]:
    """Which members make ``dist_file`` differ from the commit's build, and
    the working-tree file that is not tracked behind each extra one (the
    problem's ``where``: the cause, rather than the archive)."""
    mine, theirs = contents(dist_file), contents(rebuilt)
    problems = []
    for member in sorted(set(mine) - set(theirs)):
        source = next(
            (p for p in sorted(untracked) if p == member or p.endswith("/" + member)),
            None,
        )
        if source:
            problems.append(
                Problem(
                    f"dist/{dist_file.name} holds {member}, which a build of commit "
                    f"{commit[:12]} does not: {source} is not tracked by git "
                    f"({untracked[source]}) and leaked into the build",
                    "commit it, delete it or exclude it in [tool.hatch.build], "
                    "then make dist",
                    source,
                )
            )
        else:
            problems.append(
                Problem(
                    f"dist/{dist_file.name} holds {member}, which a build of commit "
                    f"{commit[:12]} does not: it is not in the commit (git status "
                    "--ignored lists what is not tracked)",
                    "make dist from a clean tree",
                    dist_file.name,
                )
            )
    changed = [m for m in sorted(set(mine) & set(theirs)) if mine[m] != theirs[m]]
    problems += [
        Problem(
            f"dist/{dist_file.name}: {m} differs from a build of commit {commit[:12]}",
            where=dist_file.name,
        )
        for m in changed[:5]
    ]
    return problems


@dataclass
class Rebuild:
    """What a rebuild of the commit found."""

    commit: str  # the commit built again ("" when it could not be cloned)
    problems: List[Problem]


def rebuild_and_compare(
    root: Path, dist_dir: Path, dev_version: Optional[str], work: Path
) -> Rebuild:
    """Build a clone of HEAD's commit in ``work`` and compare it with
    ``dist_dir``."""
    first = compute_sums(sorted(dist_dir.iterdir()), prefix="")
    try:
        commit = clone_commit(root, work / "source")
    except GitError as exc:
        return Rebuild(
            "", [Problem(f"cannot clone the commit to build it again: {exc}")]
        )
    outdir = work / DIST_DIR
    # The commit's own build (make dist) checked what the backend asks for.
    paths = build_into(work / "source", outdir, dev_version, check=False)
    second = compute_sums(paths, prefix="")
    differ = compare_builds(first, second, str(outdir))
    if not differ:
        return Rebuild(commit, [])
    untracked = not_tracked(root)
    explained = []
    for name in sorted(set(first) & set(second)):
        if first[name] != second[name]:
            found = explain(dist_dir / name, outdir / name, untracked, commit)
            explained += found
            if any(p.where in untracked for p in found):  # the cause, found
                differ = [p for p in differ if p.where != name]
    changes = tracked_changes(root)
    dirty = []
    if changes:
        shown = ", ".join(line.strip() for line in changes[:3])
        dirty = [
            Problem(
                f"dist/ was built from a working tree with changes not in commit "
                f"{commit[:12]} ({shown}{', ...' if len(changes) > 3 else ''}); the "
                "rebuild is of the commit",
                "commit or stash them, then make dist",
                "dist/",
            )
        ]
    return Rebuild(commit, dirty + explained + differ)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.artifacts.reproducibility")
    parser.add_argument("--dev", action="store_true", help="a TestPyPI dev build")
    args = parser.parse_args(argv)
    dist_dir = ROOT / DIST_DIR
    if not dist_dir.is_dir():
        missing = Problem(
            f"{dist_dir} does not exist", "build it with make dist", str(dist_dir)
        )
        return report([missing], "repro")
    problems = verify(dist_dir, ROOT / SUMS_FILE)

    dev_version = None
    if args.dev:
        from tools.artifacts.dev_version import dev_version_or_error

        computed = dev_version_or_error(ROOT)
        if not computed.ok:
            return report(computed.problems, "reproducibility")
        dev_version = computed.value
    tmp = Path(tempfile.mkdtemp(prefix="dist-again-"))
    keep = False
    commit = ""
    try:
        rebuild = rebuild_and_compare(ROOT, dist_dir, dev_version, tmp)
        commit = rebuild.commit
        keep = bool(rebuild.problems) and (tmp / DIST_DIR).is_dir()
        problems += rebuild.problems
    except BuildError as exc:
        for line in tail(exc.output, 30):
            print(f"  | {line}", file=sys.stderr)
        problems.append(Problem(f"the build of a clone of the commit failed: {exc}"))
    finally:
        remove_tree(tmp if not keep else tmp / "source")
    if report(problems, "reproducibility"):
        return 1
    count = len(list(dist_dir.iterdir()))
    note = ""
    if tracked_changes(ROOT):
        note = " (the working tree has changes not in the commit; dist/ does not)"
    print(
        f"reproducibility: passed: a build of a fresh clone of commit "
        f"{commit[:12]} gave the same {count} files{note}"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
