"""The contents stage: each archive holds exactly what it should, and no secret.

    python -m tools.artifacts.contents [--dist-dir dist]      (make contents)

Reads the one sdist and the one wheel of ``dist/`` once, in memory, then runs
the exact manifest (:mod:`tools.artifacts.manifest`: every member a tracked
file the build configuration selects or a file the build generates, and every
such file present), the credentials scan (:mod:`tools.artifacts.secrets`:
detect-secrets over every member, and file-name rules), the start-up check
(:mod:`tools.artifacts.startup`: nothing runs at interpreter start or at
install unless allowed) and the top-level and portable-names check
(:mod:`tools.artifacts.toplevel`: the wheel installs only the project's
import packages; no member clashes on a case-insensitive file system or
cannot be created on Windows). Every problem is printed on one line with how
to fix it; allowed findings are printed as allowed (``contents: allowed:``,
which ``make release-check`` and the step summary show too); exit 1 if
there was any problem, 0 otherwise. It only reads
``dist/``, so ``make release-check`` runs it in parallel with the other
stages. The member lists go to the step summary through
``python -m tools.artifacts.dist --summary``.
"""

import argparse
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Set

from tools.artifacts import manifest, secrets, startup, toplevel
from tools.artifacts.archives import WHEEL, one_of_each, read_archive
from tools.common import ROOT, NoticeKind, Problem, notices, report, run_main
from tools.project import DIST_DIR, ConfigError
from tools.project import load as load_project


@dataclass
class ContentsResult:
    """What the contents stage found: problems, allowed findings, notes."""

    problems: List[Problem] = field(default_factory=list)
    allowed: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def check_contents(dist_dir: Path, root: Path = ROOT) -> ContentsResult:
    """The problems, allowed findings and notes of the archives in ``dist_dir``."""
    pair = one_of_each(dist_dir)
    if pair.value is None:
        return ContentsResult(pair.problems)
    problems = list(pair.problems)
    archives = []
    for path in (pair.value.sdist, pair.value.wheel):
        try:
            archives.append(read_archive(path))
        except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
            problems.append(
                Problem(
                    f"{dist_dir.name}/{path.name} cannot be read ({exc})",
                    "rebuild it with make dist",
                    path.name,
                )
            )
    try:
        tracked: Optional[Set[str]] = manifest.tracked_files(root)
        found: Optional[manifest.Selection] = manifest.selection(root)
    except manifest.ManifestError as exc:
        problems.append(Problem(str(exc)))
        tracked = found = None
    for archive in archives:
        if tracked is not None and found is not None:
            problems += manifest.check_archive(archive, root, tracked, found)
    scans = secrets.check_archives(archives, root)
    results = scans.value
    problems += scans.problems
    allowed: List[str] = []
    starts = startup.check_archives(archives, root)
    problems += starts.problems
    try:
        project = load_project(root)
    except ConfigError as exc:
        problems.append(Problem(str(exc)))
    else:
        for archive in archives:
            if archive.kind == WHEEL:
                problems += toplevel.check_toplevel(archive, project, starts.members)
    for archive in archives:
        problems += toplevel.check_names(archive)
    notes = []
    for archive, result in zip(archives, results):
        problems += result.problems
        allowed += result.allowed
    allowed += starts.allowed
    for archive, result in zip(archives, results):
        binary = f", {result.binary} binary (names only)" if result.binary else ""
        notes.append(
            f"{archive.label}: {len(archive.members)} files, "
            f"{result.scanned} scanned{binary}"
        )
    return ContentsResult(problems, allowed, notes)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.artifacts.contents",
        description="exact manifest and credentials scan of dist/",
    )
    parser.add_argument("--dist-dir", type=Path, default=ROOT / DIST_DIR)
    args = parser.parse_args(argv)
    result = check_contents(args.dist_dir)
    for note in result.notes:
        print(f"contents: {note}")
    notices("contents", NoticeKind.ALLOWED, result.allowed)
    if report(result.problems, "contents"):
        return 1
    print(
        "contents: passed: every member expected, none missing, no credentials, "
        "nothing run at start-up or install unless allowed, only declared "
        "top-level names"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
