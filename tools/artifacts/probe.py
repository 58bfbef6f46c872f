"""The install probe: run by the fresh environment's Python, on its own files.

:class:`tools.artifacts.environments.Sandbox` runs this file by path with
``python -I`` (the tooling is not importable there, and must not be: only the
installed package is), with one argument, the JSON of what to ask::

    {"packages": [import names], "scripts": [console scripts], "bin": "<venv>/bin"}

It imports every package and reports where from and which ``__version__``,
then runs every console script's installed file with ``--help`` and
``--version`` in this process (the file's own code, as its ``#!`` line would
run it, without starting a Python for each), and prints one JSON line. The
installed metadata is read by the smoke itself, from the environment's files
(``importlib.metadata`` here would double the probe's time). Python 3.8+, the
standard library only.
"""

import contextlib
import importlib
import io
import json
import os
import runpy
import sys
import traceback
from types import ModuleType
from typing import Any, Dict, List, Optional, Union

#: The tail of a script's output kept in the report.
KEEP = 3000


def call(path: str, option: str) -> List[Union[int, str]]:
    """``[exit code, output tail]`` of the script at ``path`` run with ``option``."""
    out = io.StringIO()
    sys.argv = [path, option]
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            if not isinstance(exc.code, (int, type(None))):
                print(exc.code)
        except BaseException:  # the script's own failure is what we report
            traceback.print_exc()
            code = 1
    return [code, out.getvalue()[-KEEP:]]


def package_report(module: ModuleType) -> Dict[str, Optional[str]]:
    where = getattr(module, "__file__", None) or list(module.__path__)[0]
    found = getattr(module, "__version__", None)
    return {"file": str(where), "version": None if found is None else str(found)}


def script_report(path: str) -> Optional[Dict[str, Any]]:
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as handle:
        first = handle.readline().decode("utf-8", "replace").strip()
    return {
        "first_line": first,
        "executable": os.access(path, os.X_OK),
        "help": call(path, "--help"),
        "version": call(path, "--version"),
    }


def script_reports(asked: Dict[str, Any]) -> Dict[str, Optional[Dict[str, Any]]]:
    return {
        name: script_report(os.path.join(asked["bin"], name))
        for name in asked["scripts"]
    }


if __name__ == "__main__":
    asked = json.loads(sys.argv[1])
    packages = {}
    for name in asked["packages"]:
        # Imported here, at the top of the stack: a failing import's traceback
        # is the package's own, not ours (the smoke shows its last lines).
        packages[name] = package_report(importlib.import_module(name))
    report = {"packages": packages, "scripts": script_reports(asked)}
    sys.stdout = sys.__stdout__
    print(json.dumps(report))
