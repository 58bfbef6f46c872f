"""Command line: ``glyph-phase-engine`` and ``python -m glyph_phase_engine``."""

import argparse
import json
import sys
from typing import List, NoReturn, Optional

from . import __commit_id__, __version__
from .engine import GlyphPhaseEngine

PROG = "glyph-phase-engine"
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {message} (see '{PROG} --help')\n")


def version_string() -> str:
    """The text ``--version`` prints: the version, and the commit when known."""
    text = f"{PROG} {__version__}"
    if __commit_id__:
        text += f" (commit {__commit_id__})"
    return text


class _Version(argparse.Action):
    """``--version``: print :func:`version_string` on one line, as it is.

    argparse's own version action wraps the text at the terminal's width,
    which splits ``(commit <sha>)`` onto a second line.
    """

    def __init__(self, option_strings: List[str], dest: str, **kwargs: object):
        super().__init__(
            option_strings,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show the version (and the commit it was built from) and exit",
        )

    def __call__(self, parser, namespace, values, option_string=None) -> NoReturn:
        sys.stdout.write(version_string() + "\n")
        parser.exit(0)


def _delta(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for the command line."""
    parser = _Parser(prog=PROG, description="A phase-state engine for symbolic input.")
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    process = commands.add_parser(
        "process",
        help="process TEXT, apply the deltas, print the phase info as JSON",
        description="Process TEXT, apply each --delta in order, print the phase info.",
    )
    process.error = parser.error  # type: ignore[method-assign]
    process.add_argument("text", metavar="TEXT", help="the symbolic input")
    process.add_argument(
        "--delta",
        action="append",
        default=[],
        type=_delta,
        metavar="D",
        help="a phase delta to apply after processing (repeatable)",
    )
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("a command is required, e.g. 'process TEXT'")
    engine = GlyphPhaseEngine()
    engine.process_symbolic_input(args.text)
    for delta in args.delta:
        try:
            engine.adjust_phase_delta(delta)
        except ValueError as exc:
            parser.error(f"argument --delta: {exc}")
    json.dump(engine.get_phase_info(), sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0
