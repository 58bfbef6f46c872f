"""The stages of ``make release-check``: their names and commands, in order.

A fact about the pipeline, kept apart from the runner (:mod:`tools.release_check`,
the top layer) so that the workflow checks, one layer below it, can require
the build job to run the same stages without importing the runner.
"""

import sys
from dataclasses import dataclass
from typing import List


@dataclass
class Stage:
    name: str
    argv: List[str]
    alone: bool = False  # wait for the stages before it; the ones after wait for it
    independent: bool = False  # needs nothing built: starts at once, with dist


def stages(
    tag: str = "",
    dev: bool = False,
    warn_total: str = "50MB",
    max_file: str = "100MB",
) -> List[Stage]:
    """The stages of ``make release-check``, in order; add new ones at the end.

    Each is the command its make target runs (``make sanity`` runs the sanity
    line, and so on), with the release inputs passed as arguments.
    """

    def tool(module: str, *args: str) -> List[str]:
        return [sys.executable, "-m", module, *args]

    release = ["--tag", tag] if tag else ["--dev"] if dev else []
    dev_arg = ["--dev"] if dev else []
    return [
        Stage("dist", tool("tools.artifacts.dist", *release), alone=True),
        Stage("check", tool("tools.artifacts.check")),
        Stage(
            "sanity",
            tool(
                "tools.artifacts.sanity",
                *release,
                "--warn-total",
                warn_total,
                "--max-file",
                max_file,
            ),
        ),
        Stage("contents", tool("tools.artifacts.contents", "--dist-dir", "dist")),
        Stage("reproducibility", tool("tools.artifacts.reproducibility", *dev_arg)),
        Stage("smoke", tool("tools.publish.smoke", "--dist-dir", "dist")),
        Stage("publish-dry-run", tool("tools.publish.dry_run", "--dist-dir", "dist")),
        Stage(
            "validate",
            tool("tools.workflows.validate", "--zizmor-args=--offline"),
            independent=True,
        ),
        Stage(
            "pypi-rules",
            tool("tools.artifacts.pypi_rules", "--dist-dir", "dist", *release),
        ),
    ]
