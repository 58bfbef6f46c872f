"""What the build backend asks for that the build environment lacks.

Run by the build environment's Python, on its own files
(:func:`tools.artifacts.dist.build_into` runs this file by path with
``python -I``, beside the build; the tooling is not importable there), with
one argument, the project's folder. It asks the backend, through PyPA
build's own API (``ProjectBuilder.check_dependencies``: what ``python -m
build`` checks before it builds, here for the sdist and the wheel at once),
and prints one JSON line: ``{"sdist": [[requirement, ...], ...], "wheel":
[...]}``, each list an unmet requirement and what required it, empty when
nothing is missing. The build itself runs with ``--skip-dependency-check``
at the same time: the check no longer waits in line before it.
Python 3.8+, the standard library and PyPA build only.
"""

import json
import sys
from typing import Dict, List

from build import ProjectBuilder
from pyproject_hooks import quiet_subprocess_runner


def unmet(source: str) -> Dict[str, List[List[str]]]:
    builder = ProjectBuilder(source, sys.executable, quiet_subprocess_runner)
    return {
        kind: sorted(list(chain) for chain in builder.check_dependencies(kind))
        for kind in ("sdist", "wheel")
    }


if __name__ == "__main__":
    print(json.dumps(unmet(sys.argv[1])))
