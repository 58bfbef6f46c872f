"""The two tiers of the release tests, kept honest.

A test that builds distributions, starts an index server or runs make in a
copy is marked ``@pytest.mark.e2e`` (``@pytest.mark.network`` too if it needs
PyPI). The rest is the fast tier (``make test-fast``: ``-m "not e2e and not
network"``), which must do none of that. tests/release/conftest.py imports
these hooks; an unmarked test fails, saying what to mark, when

- it asks for a fixture that builds or serves (:data:`E2E_FIXTURES`), before
  that fixture runs;
- it (or a fixture) starts ``make`` (``make -n``, ``-q`` and ``-p`` only
  print: allowed), an index server or PyPA's build (:data:`E2E_MODULES`):
  seen by an audit hook on ``subprocess.Popen`` in this process;
- something it runs starts ``make``: an unmarked test has a ``make`` first on
  PATH that fails (it hands the printing ones to the real make);
- a command it ran wrote a wheel or an sdist into ``dist/`` of the folder it
  ran in (checked after the test).
"""

import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

#: Fixtures (of tests/release's conftests) that build distributions or serve.
E2E_FIXTURES = frozenset(
    {
        "released",
        "with_dependency",
        "good",
        "good_dist",
        "no_import",
        "wrong_version",
        "second_scripts",
        "missing_dependency",
        "start_index",
    }
)
#: ``python -m`` modules that build or serve.
E2E_MODULES = frozenset({"build", "pypiserver"})
#: make's options that only print or ask (``make -n``, the validator's
#: ``make -pRrq``), as long options and as letters of a short cluster.
MAKE_DRY_LONG = frozenset(
    {"--dry-run", "--just-print", "--recon", "--question", "--print-data-base"}
)
MAKE_DRY_LETTERS = frozenset("npq")
SHIM_NAME = "e2e-guard"
MARK_IT = "mark it @pytest.mark.e2e (the fast tier builds, serves and makes nothing)"


class _State:
    test: Optional[str] = None  # the unmarked test running, if any
    dists: Dict[str, Dict[str, float]] = {}  # where it ran commands: dist/ then
    shim: Optional[Path] = None
    path: Optional[str] = None  # PATH before the shim


def make_dry(args: Sequence[str]) -> bool:
    """Whether make only prints or asks (``-n``, ``-q``, ``-p``)."""
    for arg in args:
        if arg.split("=")[0] in MAKE_DRY_LONG:
            return True
        if arg.startswith("-") and not arg.startswith("--"):
            if MAKE_DRY_LETTERS & set(arg[1:].split("C")[0].split("f")[0]):
                return True
    return False


def why_e2e(argv: Sequence[str]) -> Optional[str]:
    """What the command does that only an e2e test may do, or None."""
    if not argv:
        return None
    args = [str(a) for a in argv]
    name = os.path.basename(args[0])
    if name == "make":
        return None if make_dry(args[1:]) else "runs make"
    if name in ("pypiserver", "pypi-server"):
        return "starts an index server"
    for i, arg in enumerate(args[:-1]):
        if arg == "-m" and args[i + 1] in E2E_MODULES:
            return f"runs python -m {args[i + 1]}"
    return None


def distributions(folder: str) -> Dict[str, float]:
    """The wheels and sdists in ``<folder>/dist``, with their times."""
    dist = Path(folder, "dist")
    if not dist.is_dir():
        return {}
    return {
        str(path): path.stat().st_mtime
        for path in dist.iterdir()
        if path.name.endswith((".whl", ".tar.gz"))
    }


def built_since(before: Dict[str, Dict[str, float]]) -> List[str]:
    """Distributions new or rewritten in those folders' dist/ since ``before``."""
    found = []
    for folder, then in sorted(before.items()):
        now = distributions(folder)
        found += [name for name, mtime in now.items() if then.get(name) != mtime]
    return sorted(found)


def _audit(event: str, args: Tuple[Any, ...]) -> None:
    if event != "subprocess.Popen" or _State.test is None:
        return
    argv = args[1]
    if isinstance(argv, (str, bytes)):
        argv = [os.fsdecode(argv)]
    cwd = os.fsdecode(args[2]) if args[2] else os.getcwd()
    if cwd not in _State.dists:
        _State.dists[cwd] = distributions(cwd)
    why = why_e2e(list(argv or []))
    if why:
        test, _State.test = _State.test, None  # raise once; let the test fail
        raise RuntimeError(f"{test} {why} but is not marked e2e: {MARK_IT}")


def make_shim(folder: Path) -> Path:
    """A folder with a ``make`` that refuses (and passes ``make -n`` on)."""
    real = shutil.which("make") or "make"
    shim = folder / "make"
    long = "|".join(sorted(MAKE_DRY_LONG))
    letters = "".join(sorted(MAKE_DRY_LETTERS))
    shim.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do case "$a" in '
        f'{long}|--*) ;; -*[{letters}]*) exec {real} "$@";; esac; done\n'
        f'echo "error: $E2E_GUARD_TEST runs make but is not marked e2e: '
        f'{MARK_IT}" >&2\n'
        "exit 97\n"
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def _without_shims(path: str) -> str:
    return os.pathsep.join(
        d
        for d in path.split(os.pathsep)
        if not os.path.basename(d).startswith(SHIM_NAME)
    )


def pytest_configure(config: pytest.Config) -> None:
    if _State.shim is None:
        _State.shim = make_shim(Path(tempfile.mkdtemp(prefix=SHIM_NAME)))
        sys.addaudithook(_audit)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _State.shim is not None:
        shutil.rmtree(_State.shim, ignore_errors=True)
        _State.shim = None


def unmarked(item: pytest.Item) -> bool:
    return item.get_closest_marker("e2e") is None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _State.path = os.environ.get("PATH", "")
    clean = _without_shims(_State.path)  # a test's own pytest run, marked or not
    if not unmarked(item):
        os.environ["PATH"] = clean
        return
    uses = sorted(E2E_FIXTURES & set(getattr(item, "fixturenames", ())))
    if uses:
        pytest.fail(f"{item.nodeid} uses {', '.join(uses)} (a build or a server): "
                    f"{MARK_IT}", pytrace=False)  # fmt: skip
    _State.test = item.nodeid
    _State.dists = {}
    os.environ["PATH"] = os.pathsep.join([str(_State.shim), clean])
    os.environ["E2E_GUARD_TEST"] = item.nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    finally:
        test, _State.test = _State.test, None
        os.environ.pop("E2E_GUARD_TEST", None)
        if _State.path is not None:
            os.environ["PATH"] = _State.path
        made = built_since(_State.dists) if test else []
        if made:
            pytest.fail(f"{test} built {', '.join(made)} but is not marked e2e: "
                        f"{MARK_IT}", pytrace=False)  # fmt: skip
