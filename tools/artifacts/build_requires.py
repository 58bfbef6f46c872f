"""What the build backend asks for that the build environment lacks.

Run by the build environment's Python, on its own files
(:func:`tools.artifacts.dist.build_into` runs this file by path with
``python -I``, beside the build; the tooling is not importable there), with
one argument, the project's folder. It checks what ``python -m build``
checks before it builds (``ProjectBuilder.check_dependencies``): the
``[build-system] requires`` and what the backend's
``get_requires_for_build_sdist`` and ``get_requires_for_build_wheel`` hooks
ask for, each against this environment with PyPA build's own
``check_dependency``. The hooks are called here, in this process (PEP 517
hooks are plain functions of the backend), rather than each in a Python of
its own as build's runner does. It prints one JSON line:
``{"sdist": [[requirement, ...], ...], "wheel": [...]}``, each list an unmet
requirement and what required it, empty when nothing is missing.
Python 3.8+, the standard library and PyPA build only.
"""

import importlib
import json
import os
import sys
from typing import Any, Dict, List

from build import ProjectBuilder, check_dependency

if sys.version_info >= (3, 11):
    import tomllib
else:  # PyPA build needs tomli there: the build environment has it
    import tomli as tomllib

HOOKS = {
    "sdist": "get_requires_for_build_sdist",
    "wheel": "get_requires_for_build_wheel",
}


def load_backend(source: str) -> Any:
    """The backend object ``[build-system] build-backend`` names (PEP 517:
    ``module`` or ``module:object``, setuptools' legacy backend when none),
    found on ``backend-path`` first."""
    with open(os.path.join(source, "pyproject.toml"), "rb") as file:
        system = tomllib.load(file).get("build-system", {})
    system.setdefault("build-backend", "setuptools.build_meta:__legacy__")
    for folder in reversed(system.get("backend-path", [])):
        sys.path.insert(0, os.path.join(source, folder))
    module, _, obj = system["build-backend"].partition(":")
    backend = importlib.import_module(module)
    for name in obj.split(".") if obj else []:
        backend = getattr(backend, name)
    return backend


def unmet(source: str) -> Dict[str, List[List[str]]]:
    builder = ProjectBuilder(source, sys.executable)  # reads pyproject.toml only
    source = os.path.abspath(source)
    os.chdir(source)  # PEP 517: hooks run in the project's folder
    backend = load_backend(source)
    report: Dict[str, List[List[str]]] = {}
    for kind, hook_name in HOOKS.items():
        hook = getattr(backend, hook_name, None)  # optional: none asks nothing
        asked = set(builder.build_system_requires) | set(hook({}) if hook else ())
        chains = {chain for req in asked for chain in check_dependency(req)}
        report[kind] = sorted(list(chain) for chain in chains)
    return report


if __name__ == "__main__":
    found = unmet(sys.argv[1])
    # On a line of its own, even after a hook's output without a newline.
    print("\n" + json.dumps(found), flush=True)
