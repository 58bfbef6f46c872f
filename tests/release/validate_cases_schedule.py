"""Mutation cases of the rule on scheduled workflows (rules/schedule.py).

Of the pipeline's workflows (the publishing ones, those they call, the index
audit's), only the index audit (.github/workflows/index-audit.yml) may run on
a schedule, and it only reads. Each case breaks that in a copy of the files.
A workflow that neither publishes, nor is called by one, nor runs the audit is
the project's own: test_validate_analysis.py shows its schedule is its own.
"""

from tests.release.validate_helpers import PYPI, TEST, Edit, case

AUDIT = ".github/workflows/index-audit.yml"

CASES = [
    case(
        "another workflow on a schedule",
        "scheduled-audit-only",
        "the workflow runs on a schedule but not `make index-audit`",
        Edit(
            TEST,
            "  workflow_dispatch:\n",
            "  workflow_dispatch:\n  schedule:\n" '    - cron: "0 3 * * *"\n',
        ),
    ),
    case(
        "the audit's job granted a write",
        "scheduled-audit-only",
        "scheduled job audit grants contents: write",
        Edit(AUDIT, "      contents: read #", "      contents: write #"),
    ),
    case(
        "the audit's job granted an OIDC token",
        "scheduled-audit-only",
        "scheduled job audit grants id-token: write",
        Edit(
            AUDIT,
            "      contents: read #",
            "      id-token: write # no reason\n      contents: read #",
        ),
    ),
    case(
        "the audit given a secret",
        "scheduled-audit-only",
        "a scheduled workflow uses a secret",
        Edit(
            AUDIT,
            "          INDEX: ${{ matrix.index }}\n",
            "          INDEX: ${{ matrix.index }}\n"
            "          TOKEN: ${{ secrets.PYPI_TOKEN }}\n",
        ),
    ),
    case(
        "the publish workflow on a schedule",
        "scheduled-audit-only",
        "the workflow runs on a schedule but not `make index-audit`",
        Edit(
            PYPI,
            "  release:\n",
            '  schedule:\n    - cron: "0 3 * * *"\n  release:\n',
        ),
    ),
]
