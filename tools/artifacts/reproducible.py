"""Reproducibility: a second build of the same commit gives the same bytes.

    python -m tools.artifacts.reproducible [--dev]

Builds the sdist and the wheel again, exactly as ``make dist`` does (same
``SOURCE_DATE_EPOCH``, same version), into a temporary folder, and compares
their SHA-256 with the files in ``dist/`` and with ``SHA256SUMS``.
"""

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

from tools.artifacts.checksums import compute_sums, verify
from tools.artifacts.dist import BuildError, build_into
from tools.common import (
    DIST_DIR,
    ROOT,
    SUMS_FILE,
    remove_tree,
    report,
    run_main,
    tail,
)


def compare_builds(
    first: Dict[str, str], second: Dict[str, str], where: str
) -> List[str]:
    """Problems where two builds (``{file name: sha256}``) differ."""
    problems = []
    for name in sorted(set(first) | set(second)):
        if name not in second:
            problems.append(
                f"{name} was not made again by a second build: rebuild with make dist"
            )
        elif name not in first:
            problems.append(
                f"a second build made {name}, which dist/ does not have: dist/ is "
                "stale or from another commit; rebuild with make dist"
            )
        elif first[name] != second[name]:
            problems.append(
                f"{name} is not reproducible: a second build of the same commit "
                f"differs ({first[name][:12]} then {second[name][:12]}, kept in "
                f"{where}): look for timestamps, random or unsorted content in the "
                "build (diffoscope compares the two)"
            )
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.artifacts.reproducible")
    parser.add_argument("--dev", action="store_true", help="a TestPyPI dev build")
    args = parser.parse_args(argv)
    dist_dir = ROOT / DIST_DIR
    if not dist_dir.is_dir():
        return report([f"{dist_dir} does not exist: build it with make dist"], "repro")
    first = compute_sums(sorted(dist_dir.iterdir()), prefix="")
    problems = verify(dist_dir, ROOT / SUMS_FILE)

    dev_version = None
    if args.dev:
        from tools.artifacts.versioning import dev_version_or_error

        dev_version, error = dev_version_or_error(ROOT)
        if error:
            return report([error], "reproducibility")
    tmp = Path(tempfile.mkdtemp(prefix="dist-again-"))
    keep = False
    try:
        paths = build_into(ROOT, tmp / DIST_DIR, dev_version)
        second = compute_sums(paths, prefix="")
        differ = compare_builds(first, second, str(tmp / DIST_DIR))
        keep = bool(differ)
        problems += differ
    except BuildError as exc:
        for line in tail(exc.output, 30):
            print(f"  | {line}", file=sys.stderr)
        problems.append(f"the second build failed: {exc}")
    finally:
        if not keep:
            remove_tree(tmp)
    if report(problems, "reproducibility"):
        return 1
    print(f"reproducibility: passed: a second build gave the same {len(first)} files")
    return 0


if __name__ == "__main__":
    run_main(main)
