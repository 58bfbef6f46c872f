"""What the PyPA tools say about dist/ and pyproject.toml (make check).

    python -m tools.artifacts.check [--dist-dir dist]

Runs ``twine check --strict`` (the metadata and the README as
PyPI will render them), ``check-wheel-contents`` (the wheel's layout; its W2
checks get every import package the project declares, unless the project's
own check-wheel-contents settings, ``[tool.check-wheel-contents]`` or its
other configuration files, set ``toplevel``; its other settings apply as
they are) and
``validate-pyproject`` (pyproject.toml against its schemas), each as
``python -m <tool>`` would run it, one after the other in this one process
(:func:`run_in_process`: three Pythons importing the same libraries cost
twice the CPU, which the parallel stages of release-check share). Each tool that
fails gives one line saying what is wrong and how to fix it, followed by the
tool's own output; all are printed before exiting 1.

``twine check`` is only worth its pass when it is the twine that uploads: the
pinned ``pypa/gh-action-pypi-publish`` bundles its own twine (a newer or older
one can pass what the uploader rejects, as metadata 2.5 showed in 2026).
:data:`BUNDLED_TWINE` records which twine each release of the action bundles,
and :func:`check_twine_matches_publisher` fails when requirements/tools.txt's
twine (for the Python running the tools) is another one.
"""

import argparse
import contextlib
import io
import logging
import os
import platform
import re
import runpy
import sys
import traceback
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from tools.artifacts.archives import find_dists
from tools.artifacts.lock import TOOLS_LOCK, LockError, pin_for_this_python, read_lock
from tools.common import ROOT, Problem, report, run_main, tail
from tools.project import DIST_DIR
from tools.project import load as load_project
from tools.tool_output import headline

PUBLISH_ACTION = "pypa/gh-action-pypi-publish"
# The twine each release of the publish action bundles (its requirements/
# runtime.txt at the release tag). Add a row when a workflow moves its pin.
# v1.14.2: twine 7.0.0. Source: pypa/gh-action-pypi-publish#416 "Update twine
# to v7" (merged 2026-07-28, the day after twine 7.0.0, the only 7.x on PyPI),
# released in v1.14.2, whose notes say it bumps twine to v7 (as quoted by
# a2aproject/a2a-python#1250, x402-foundation/x402#3204); the action's
# requirements/runtime.txt at the tag is the primary source to check a new row.
BUNDLED_TWINE: Dict[str, str] = {"v1.14.2": "7.0.0"}

_PUBLISH_USES = re.compile(
    rf"uses:[ \t]*{re.escape(PUBLISH_ACTION)}@(\S+)(?:[ \t]+#[ \t]*(v\S+))?"
)


def publish_action_releases(root: Path) -> Dict[str, Optional[str]]:
    """``{workflow file: the release its # vX.Y.Z comment names}`` for each
    step using the publish action (None where the comment is missing)."""
    found: Dict[str, Optional[str]] = {}
    for path in sorted((root / ".github" / "workflows").glob("*.y*ml")):
        text = path.read_text(encoding="utf-8")
        for match in _PUBLISH_USES.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found[f".github/workflows/{path.name}:{line}"] = match.group(2)
    return found


def compare_twine(
    releases: Dict[str, Optional[str]],
    pinned: Optional[str],
    installed: Optional[str],
    table: Dict[str, str] = BUNDLED_TWINE,
) -> List[Problem]:
    """Problems where the twine of ``twine check`` is not the uploader's."""
    python = ".".join(platform.python_version_tuple()[:2])
    where = f"{TOOLS_LOCK}'s pin for Python {python}"
    if pinned is None:
        what = f"{TOOLS_LOCK} pins no twine for Python {python}"
        return [Problem(what, "make lock", TOOLS_LOCK)]
    problems = []
    if installed is not None and installed != pinned:
        problems.append(
            Problem(
                f"the tool environment has twine {installed} but {TOOLS_LOCK} pins "
                f"twine {pinned}",
                "make tools",
                TOOLS_LOCK,
            )
        )
    for workflow, release in sorted(releases.items()):
        if release is None:
            problems.append(
                Problem(
                    f"{workflow} pins {PUBLISH_ACTION} without a # vX.Y.Z comment",
                    "add the release the SHA is, so its twine can be checked",
                    workflow,
                )
            )
        elif release not in table:
            problems.append(
                Problem(
                    f"{workflow} pins {PUBLISH_ACTION} {release}, whose twine is "
                    "not recorded",
                    "add it to BUNDLED_TWINE in tools/artifacts/check.py (from "
                    "requirements/runtime.txt at that tag)",
                    workflow,
                )
            )
        elif table[release] != pinned:
            problems.append(
                Problem(
                    f"twine check runs twine {pinned} ({where}) but "
                    f"{PUBLISH_ACTION} {release} ({workflow}) uploads with twine "
                    f"{table[release]}",
                    f"make them agree (twine=={table[release]} in "
                    "requirements/tools.in, then make lock; a twine that needs a "
                    "newer Python needs the tools on it, make tools "
                    "PYTHON=python3.x), or pin a release of the action that "
                    f"bundles twine {pinned}",
                    workflow,
                )
            )
    return problems


def twine_versions(root: Path) -> Tuple[Optional[str], Optional[str]]:
    """The twine pinned for this Python, and the one installed (None if not)."""
    try:
        pin = pin_for_this_python(read_lock(root, TOOLS_LOCK), "twine")
    except LockError:
        pin = None
    try:
        installed: Optional[str] = metadata.version("twine")
    except metadata.PackageNotFoundError:
        installed = None
    return (str(pin.version) if pin else None), installed


def check_twine_matches_publisher(root: Path = ROOT) -> List[Problem]:
    pinned, installed = twine_versions(root)
    return compare_twine(publish_action_releases(root), pinned, installed)


@dataclass
class Tool:
    name: str
    argv: List[str]
    fix: str


@dataclass
class Outcome:
    tool: Tool
    returncode: int
    output: str


# check_wheel_contents.config.CONFIG_FILES, in its order (a test compares them)
CWC_CONFIG_FILES = (
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
    "check-wheel-contents.cfg",
    ".check-wheel-contents.cfg",
)


def _mentions_cwc(path: Path) -> bool:
    try:
        return "check-wheel-contents" in path.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return True  # let check-wheel-contents read it and say what is wrong


def project_toplevel(root: Path) -> Optional[List[str]]:
    """The ``toplevel`` of the project's own check-wheel-contents settings.

    check-wheel-contents reads them from the first folder, from ``root`` up,
    holding one of its configuration files (its ``find_default``); ``None``
    when they set no ``toplevel`` or cannot be read (the tool itself then says
    what is wrong with them).
    """
    for folder in (root, *root.resolve().parents):
        found = [folder / name for name in CWC_CONFIG_FILES if (folder / name).exists()]
        if not found:
            continue
        if not any(_mentions_cwc(path) for path in found):
            return None  # the usual case: no settings, no import (pydantic: 0.3 s)
        from check_wheel_contents.config import (  # type: ignore[import-untyped]
            Configuration,
        )
        from check_wheel_contents.errors import (  # type: ignore[import-untyped]
            UserInputError,
        )

        for path in found:
            try:
                config = Configuration.from_file(path)
            except (UserInputError, ValueError, OSError):
                return None
            if config is not None:
                toplevel: Optional[List[str]] = config.toplevel
                return toplevel
        return None
    return None


def toplevel_args(root: Path) -> List[str]:
    """``--toplevel`` with every declared import package (the W2 checks),
    unless the project's check-wheel-contents settings choose their own."""
    if project_toplevel(root) is not None:
        return []
    return ["--toplevel", ",".join(p.name for p in load_project(root).packages)]


def tools(root: Path, dist_dir: Path) -> List[Tool]:
    """The tools to run; the dist/ ones only when there is something to check."""
    py = sys.executable
    found = find_dists(dist_dir) if dist_dir.is_dir() else None
    files = [str(p) for p in (found.sdists + found.wheels)] if found else []
    wheels = [str(p) for p in found.wheels] if found else []
    out = []
    if files:
        out.append(
            Tool(
                "twine check --strict",
                [py, "-m", "twine", "--no-color", "check", "--strict", *files],
                "fix the README's markup or the metadata field it names (PyPI "
                "would not render it), then make dist",
            )
        )
    if wheels:
        out.append(
            Tool(
                "check-wheel-contents",
                [py, "-m", "check_wheel_contents", *toplevel_args(root), *wheels],
                "fix what the check code names (see "
                "https://github.com/jwodder/check-wheel-contents#checks) in the "
                "package or [tool.hatch.build], then make dist",
            )
        )
    out.append(
        Tool(
            "validate-pyproject",
            [py, "-m", "validate_pyproject", str(root / "pyproject.toml")],
            "fix pyproject.toml where it says",
        )
    )
    return out


TOOL_ENV = {"COLUMNS": "200", "NO_COLOR": "1"}  # no wrapping, no colours


def run_in_process(tool: Tool, root: Path) -> Outcome:
    """Run ``python -m <module> <args>`` (``tool.argv``) in this process, as
    Python would run it (:func:`runpy.run_module` as ``__main__``, with that
    ``sys.argv``, in ``root``); its exit code and its output (stdout and
    stderr together). A crash is the exit code 1, with its traceback."""
    module, args = tool.argv[2], tool.argv[3:]
    output = io.StringIO()
    saved_argv, saved_cwd = sys.argv, os.getcwd()
    saved_logging = _logging_state()
    saved_env = {name: os.environ.get(name) for name in TOOL_ENV}
    os.environ.update(TOOL_ENV)
    code: object = 0
    try:
        sys.argv = [module, *args]
        os.chdir(root)
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            try:
                runpy.run_module(module, run_name="__main__", alter_sys=True)
            except SystemExit as exc:
                code = exc.code
            except Exception:  # the tool crashed: what python -m would show
                traceback.print_exc()
                code = 1
    finally:
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        _restore_logging(saved_logging)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if code is None or isinstance(code, int):
        returncode = int(code or 0)
    else:  # sys.exit("message"): printed, exit code 1
        output.write(f"{code}\n")
        returncode = 1
    return Outcome(tool, returncode, output.getvalue())


LoggingState = Tuple[List[logging.Handler], int, Dict[str, bool]]


def _logging_state() -> LoggingState:
    """The root logger's handlers and level, and which loggers are disabled:
    what a tool's logging set-up changes (twine's ``dictConfig`` adds a rich
    handler and disables the loggers it does not name; validate-pyproject's
    ``basicConfig`` does nothing when the root has a handler)."""
    loggers = logging.Logger.manager.loggerDict.values()
    disabled = {
        logger.name: logger.disabled
        for logger in loggers
        if isinstance(logger, logging.Logger)
    }
    return list(logging.root.handlers), logging.root.level, disabled


def _restore_logging(state: LoggingState) -> None:
    handlers, level, disabled = state
    logging.root.handlers[:] = handlers
    logging.root.setLevel(level)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(logger.name, False)


def run_tools(selected: Sequence[Tool], root: Path) -> List[Outcome]:
    """Run the tools one after the other; the outcomes in the order given."""
    return [run_in_process(tool, root) for tool in selected]


def check_outcomes(outcomes: Sequence[Outcome], dist_dir: Path) -> List[Problem]:
    """One problem per failed tool (and a missing or empty dist/); ``where``
    names the tool."""
    problems = []
    ran = {o.tool.name for o in outcomes}
    if "twine check --strict" not in ran:
        problems.append(
            Problem(
                f"{dist_dir} has no sdist or wheel to check",
                "build them with make dist",
                str(dist_dir),
            )
        )
    for outcome in outcomes:
        if outcome.returncode != 0:
            problems.append(
                Problem(
                    f"{outcome.tool.name} failed ({headline(outcome.output)})",
                    outcome.tool.fix,
                    outcome.tool.name,
                )
            )
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.artifacts.check")
    parser.add_argument("--dist-dir", type=Path, default=ROOT / DIST_DIR)
    args = parser.parse_args(argv)
    outcomes = run_tools(tools(ROOT, args.dist_dir), ROOT)
    problems = check_outcomes(outcomes, args.dist_dir)
    problems += check_twine_matches_publisher(ROOT)
    for outcome in outcomes:
        if outcome.returncode != 0:
            print(f"{outcome.tool.name}:", file=sys.stderr)
            for line in tail(outcome.output, 40):
                print(f"  | {line}", file=sys.stderr)
    if report(problems, "check"):
        return 1
    pinned, _installed = twine_versions(ROOT)
    releases = sorted({r for r in publish_action_releases(ROOT).values() if r})
    print(
        f"check: passed: {', '.join(o.tool.name for o in outcomes)} (twine "
        f"{pinned}, the twine of {PUBLISH_ACTION} {', '.join(releases)})"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
