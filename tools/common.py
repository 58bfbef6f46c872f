"""Process and command-line helpers: git, output, sizes, the entry convention.

The bottom layer of the tooling: it knows no project (the facts about the
project live in :mod:`tools.project`, one layer up, which uses these helpers
for its own command line), only the checkout it runs in (``ROOT``), how to run
a command, report problems and stop on Ctrl-C or SIGTERM.

The one result type of every check is :class:`Problem` (what is wrong, how to
fix it, where). The conventions built on it:

- a check returns ``List[Problem]`` (or yields them); an empty list is a pass;
  ``str(problem)`` is the line a maintainer reads (``<what>: <fix>``; a
  :class:`Refusal` reads ``<what>; <fix>``, the workflow validator's
  ``path:line: rule: what; fix``), :func:`report` prints them;
- a function that reads or finds a value and may find problems on the way
  returns :class:`Checked` ``[T]``: the value (``T`` says whether it may be
  None) and the problems; ``checked.ok`` is true when there are none. A value
  that is "none, and here is why" is ``Checked(None, [problem])``, not a
  ``(value, error)`` pair; a check with notes or warnings beside its problems
  returns them as the value (``Checked[List[str]]``), one with more to say
  returns a small dataclass of its own (``problems`` among its fields);
- a problem that stops the whole command is raised as :class:`ToolError`;
- a value that is one of a few (a notice's kind, a distribution file's kind)
  is an :class:`~enum.Enum`, not a string.
"""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    Generic,
    Iterable,
    List,
    NoReturn,
    Optional,
    TextIO,
    TypeVar,
)

# The checkout this tooling runs in (it lives in the repository's tools/):
# the default root of every command; tests pass their temporary copies.
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Problem:
    """One problem a check found: what is wrong, how to fix it, and where.

    ``where`` locates it (a file, ``file:line``, a stage) for whoever groups or
    filters problems; the one line a maintainer reads is ``str(problem)``:
    ``<what>: <fix>``. Checks return lists of these; :func:`report` prints them.
    """

    what: str
    fix: str = ""
    where: str = ""

    #: Between ``what`` and ``fix`` in the line a maintainer reads.
    separator: ClassVar[str] = ": "

    def __str__(self) -> str:
        return f"{self.what}{self.separator}{self.fix}" if self.fix else self.what


@dataclass(frozen=True)
class Refusal(Problem):
    """A problem said as one sentence, its fix after a semicolon:
    ``<what>; <fix>`` (PyPI's rejections, the index audit's findings)."""

    separator: ClassVar[str] = "; "


T = TypeVar("T")


@dataclass(frozen=True)
class Checked(Generic[T]):
    """A value read or found by a check, with the problems found on the way.

    ``value`` is what the caller asked for (``Checked[Optional[X]]`` when there
    may be none); ``problems`` is empty when all went well (``ok``).
    """

    value: T
    problems: List[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ToolError(Exception):
    """An error that stops a command: one line saying what is wrong and the fix.

    :func:`run_main` prints it as ``error: <message>`` and exits 1; the
    project's facts raise :class:`tools.project.ConfigError`, one of these.
    """


_BEFORE_MAIN: List[Callable[[], None]] = []


def before_main(check: Callable[[], None]) -> None:
    """Have :func:`run_main` call ``check`` before every ``main``.

    :mod:`tools.project` registers the reading of ``pyproject.toml`` here, so
    that a file the tooling cannot read stops every command before it does
    anything, without this bottom layer importing the facts.
    """
    if check not in _BEFORE_MAIN:
        _BEFORE_MAIN.append(check)


class GitError(Exception):
    """A git command failed; the message says which and why."""


def git(*args: str, root: Path = ROOT, check: bool = True) -> str:
    """Run git in ``root``; return its stripped stdout."""
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    except OSError as exc:
        raise GitError(f"git could not run ({exc}): install git") from None
    if check and out.returncode != 0:
        message = out.stderr.strip().splitlines()
        raise GitError(
            f"git {' '.join(args)} failed: {message[-1] if message else out.returncode}"
        )
    return out.stdout.strip()


def source_date_epoch(root: Path = ROOT) -> Optional[str]:
    """The commit time of HEAD, for reproducible builds; None outside git."""
    try:
        return git("log", "-1", "--format=%ct", root=root) or None
    except GitError:
        return None


def mark(ok: bool, stream: Optional[TextIO] = None) -> str:
    """✓ or ✗, or plain words where the terminal cannot print them."""
    stream = stream or sys.stdout
    text = "✓" if ok else "✗"
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "ok" if ok else "FAIL"
    return text


def report(
    problems: Iterable[Problem], what: str, stream: Optional[TextIO] = None
) -> int:
    """Print every problem (one line each) to stderr; return the exit code."""
    problems = list(problems)
    stream = stream or sys.stderr
    if not problems:
        return 0
    count = len(problems)
    print(f"{what}: {count} problem{'s' if count > 1 else ''}:", file=stream)
    for problem in problems:
        print(f"  - {problem}", file=stream)
    return 1


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMG]i?B|B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9}
_UNITS.update({"kib": 2**10, "mib": 2**20, "gib": 2**30})


def parse_size(text: str) -> int:
    """``"100MB"`` -> 100_000_000; bytes when there is no unit."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (e.g. 100MB, 512KiB, 2048)")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])


def child_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(extra or {})
    return env


def tail(text: str, lines: int = 20) -> List[str]:
    return [line.rstrip() for line in text.strip().splitlines() if line.strip()][
        -lines:
    ]


def last_line(text: str) -> str:
    """The last non-blank line: what a user reads first in a traceback."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def remove_tree(path: Path, wait: float = 3.0) -> None:
    """Remove a folder, trying again for a while if something is left.

    After an interrupt, a child being stopped (a build backend, an installer)
    may still write into the folder while it is removed.
    """
    deadline = time.monotonic() + wait
    while True:
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path) or time.monotonic() > deadline:
            return
        time.sleep(0.05)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwinds like Ctrl-C, so ``finally`` blocks clean up."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.signum = signum


EXIT_PROBLEMS = 1  # problems found (each printed on one line, with its fix)
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM: stopped, temporary folders removed


def _raise_terminated(signum: int, frame: object) -> None:
    # Once is enough: the cleanup must not be cut short by a second SIGTERM
    # (make passes the one it gets on to its child, which got its own).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated(signum)


def sigterm_as_interrupt() -> Callable[[], None]:
    """Make SIGTERM raise :class:`Terminated` in the main thread.

    ``make release-check`` stops a stage with SIGTERM; without this, Python
    dies at once and no ``finally`` block or context manager removes its
    temporary folders. Returns a function that puts the old handler back.
    """
    previous = signal.signal(signal.SIGTERM, _raise_terminated)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def run_main(main: Callable[[], int]) -> NoReturn:
    """The entry point of every script: ``run_main(main)`` under ``__main__``.

    The checks registered with :func:`before_main` run first (the project's
    facts: a ``pyproject.toml`` that is not valid TOML, or lacks what the
    tooling needs, is one line and exit 1 (:data:`EXIT_PROBLEMS`) before
    anything runs), and so is a :class:`ToolError` raised later. SIGTERM and
    Ctrl-C unwind (cleaning up on the way), print one line and exit 130
    (:data:`EXIT_INTERRUPTED`).
    """
    sigterm_as_interrupt()
    try:
        for check in _BEFORE_MAIN:
            check()
        code = main()
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = EXIT_PROBLEMS
    except KeyboardInterrupt as exc:
        name = Path(sys.argv[0]).stem if sys.argv and sys.argv[0] else "script"
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"{name}: {what}: temporary folders removed", file=sys.stderr)
        code = EXIT_INTERRUPTED
    sys.exit(code)


class NoticeKind(Enum):
    """What a notice is: a warning, or a finding an allowlist accepted."""

    WARNING = "warning"
    ALLOWED = "allowed"


def notices(stage: str, kind: NoticeKind, lines: Iterable[str]) -> None:
    """Print what a maintainer must see even when the stage passes.

    Each line reads ``<stage>: <kind>: <text>`` (``kind`` is a
    :class:`NoticeKind`); ``make release-check`` shows these lines under the
    stage's own line, and in a GitHub job (``$GITHUB_STEP_SUMMARY`` set) they
    are added to the step summary too.
    """
    lines = list(lines)
    kind_text = kind.value
    for line in lines:
        print(f"{stage}: {kind_text}: {line}")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if lines and summary:
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(f"\n**{stage}: {kind_text}**\n\n")
                for line in lines:
                    handle.write(f"- {line}\n")
        except OSError as exc:
            print(f"{stage}: warning: cannot write the step summary ({exc})")


NOTICE_LINE = re.compile(
    r"^(?:[\w-]+: )?(?:" + "|".join(kind.value for kind in NoticeKind) + "): "
)


def find_uv() -> Optional[str]:
    """The uv binary: the tool environment's (the uv package), else a uv on
    PATH; None without either (the callers fall back to pip)."""
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def stop_groups(procs: Iterable["subprocess.Popen[Any]"], grace: float) -> None:
    """Stop each process and everything it started: its whole process group
    (each started with ``start_new_session``). SIGTERM first, so that each
    removes its temporary folders; SIGKILL for what is still there after
    ``grace`` seconds. The one way the tooling stops its children's groups
    (release-check's stages, the dry run's index)."""
    live = [proc for proc in procs if proc.poll() is None]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for proc in live:
            try:
                os.killpg(proc.pid, sig)
            except OSError:  # the group is gone already
                pass
        deadline = time.monotonic() + grace
        for proc in live:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        live = [proc for proc in live if proc.poll() is None]
        if not live:
            return
