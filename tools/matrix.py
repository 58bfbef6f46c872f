"""The CI test matrix, computed from the one list of Pythons: the classifiers.

Every supported Python (``Programming Language :: Python :: 3.X`` in
pyproject.toml, read by :func:`tools.pythons.supported_versions`) gets a
job; a Python whose final release has not happened yet (by the dates of the
release schedule PEPs below, compared with today) may be a pre-release, the
others may not. A Python missing from the table counts as not final.

    python -m tools.matrix                          print the matrix (JSON)
    python -m tools.matrix --github-output FILE     append the outputs for a job
    python -m tools.matrix --today 2026-09-30       as of another day

Outputs (``--github-output``): ``matrix``, the JSON of
``strategy.matrix`` (``{"include": [{"python-version": "3.8",
"allow-prereleases": "false"}, ...]}``); ``python-versions``, every version on
its own line (setup-python's multi-line ``python-version``); and
``allow-prereleases``, "true" if any of them may be a pre-release.
"""

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional

from tools.common import ROOT, run_main
from tools.pythons import supported_versions

# What --github-output writes (the validator knows a step running this has them).
OUTPUTS = ("matrix", "python-versions", "allow-prereleases")

# x.y.0 final, from each version's release schedule PEP (actual dates, or the
# planned one for a version not released yet). Add a line for each new Python.
FINAL_RELEASES: Dict[str, datetime.date] = {
    "3.8": datetime.date(2019, 10, 14),  # PEP 569
    "3.9": datetime.date(2020, 10, 5),  # PEP 596
    "3.10": datetime.date(2021, 10, 4),  # PEP 619
    "3.11": datetime.date(2022, 10, 24),  # PEP 664
    "3.12": datetime.date(2023, 10, 2),  # PEP 693
    "3.13": datetime.date(2024, 10, 7),  # PEP 719
    "3.14": datetime.date(2025, 10, 7),  # PEP 745
    "3.15": datetime.date(2026, 10, 1),  # PEP 790
    "3.16": datetime.date(2027, 10, 6),  # PEP 826 (planned)
}


def is_final(version: str, today: datetime.date) -> bool:
    """Whether ``version``'s final release is out by ``today`` (unknown: no)."""
    final = FINAL_RELEASES.get(version)
    return final is not None and final <= today


def compute_matrix(
    versions: List[str], today: datetime.date
) -> Dict[str, List[Dict[str, str]]]:
    """``strategy.matrix`` for ``versions``: one entry per Python."""
    return {
        "include": [
            {
                "python-version": version,
                "allow-prereleases": "false" if is_final(version, today) else "true",
            }
            for version in versions
        ]
    }


def github_outputs(versions: List[str], today: datetime.date) -> str:
    """The lines a job appends to ``$GITHUB_OUTPUT``."""
    matrix = compute_matrix(versions, today)
    any_pre = any(not is_final(v, today) for v in versions)
    values = {
        "matrix": json.dumps(matrix, separators=(",", ":")),
        "python-versions": "".join(f"{v}\n" for v in versions),
        "allow-prereleases": "true" if any_pre else "false",
    }
    out = []
    for name in OUTPUTS:
        if "\n" in values[name]:  # GitHub's multi-line form: name<<DELIMITER
            out.append(f"{name}<<END_OF_{name.upper().replace('-', '_')}\n")
            out.append(f"{values[name]}END_OF_{name.upper().replace('-', '_')}\n")
        else:
            out.append(f"{name}={values[name]}\n")
    return "".join(out)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.matrix",
        description="Print the CI test matrix computed from the classifiers.",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument(
        "--today",
        type=_date,
        default=datetime.datetime.now(datetime.timezone.utc).date(),
        help="the day to decide which Pythons are final (default: today, UTC)",
    )
    parser.add_argument(
        "--github-output",
        type=Path,
        help="append matrix, python-versions and allow-prereleases to this file",
    )
    args = parser.parse_args(argv)
    versions = supported_versions(args.root)
    if not versions:
        print(
            f"error: {args.root / 'pyproject.toml'} has no 'Programming Language :: "
            "Python :: 3.X' classifier: add one per supported Python",
            file=sys.stderr,
        )
        return 1
    if args.github_output:
        with open(args.github_output, "a", encoding="utf-8") as handle:
            handle.write(github_outputs(versions, args.today))
    print(json.dumps(compute_matrix(versions, args.today), indent=2))
    return 0


if __name__ == "__main__":
    run_main(main)
