"""The two tiers of the release tests, kept honest.

A test that builds distributions, starts an index server or runs make in a
copy is marked ``@pytest.mark.e2e`` (``@pytest.mark.network`` too if it needs
PyPI). The rest is the fast tier (``make test-fast``: ``-m "not e2e and not
network"``), which must do none of that. tests/release/conftest.py imports
these hooks; an unmarked test fails, saying what to mark, when

- it asks for a fixture that builds or serves (:data:`E2E_FIXTURES`), before
  that fixture runs;
- it (or a fixture) starts ``make`` (not ``make -n``), an index server or a
  module that builds, installs or serves (:data:`E2E_MODULES`): seen by an
  audit hook on ``subprocess.Popen`` in this process;
- something it runs starts ``make``: an unmarked test has a ``make`` first on
  PATH that fails (it hands ``make -n`` to the real one).
"""

import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Tuple

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
#: ``python -m`` modules that build, install, serve or run them.
E2E_MODULES = frozenset(
    {
        "build",
        "pypiserver",
        "tools.artifacts.dist",
        "tools.artifacts.reproducible",
        "tools.artifacts.smoke",
        "tools.publish.dry_run",
        "tools.publish.index_audit",
        "tools.release_check",
    }
)
#: Arguments after which those modules only print (help, a listing).
PRINT_ONLY = frozenset({"-h", "--help", "--list", "--show-version"})
MAKE_DRY_RUN = frozenset({"-n", "--dry-run", "--just-print", "--recon"})
SHIM_NAME = "e2e-guard"
MARK_IT = "mark it @pytest.mark.e2e (the fast tier builds, serves and makes nothing)"


class _State:
    test: Optional[str] = None  # the unmarked test running, if any
    shim: Optional[Path] = None
    path: Optional[str] = None  # PATH before the shim


def why_e2e(argv: Sequence[str]) -> Optional[str]:
    """What the command does that only an e2e test may do, or None."""
    if not argv:
        return None
    args = [str(a) for a in argv]
    name = os.path.basename(args[0])
    if name == "make":
        return None if MAKE_DRY_RUN & set(args) else "runs make"
    if name in ("pypiserver", "pypi-server"):
        return "starts an index server"
    for i, arg in enumerate(args[:-1]):
        if arg == "-m" and args[i + 1] in E2E_MODULES:
            if PRINT_ONLY & set(args[i + 2 :]):
                return None
            return f"runs python -m {args[i + 1]}"
    return None


def _audit(event: str, args: Tuple[Any, ...]) -> None:
    if event != "subprocess.Popen" or _State.test is None:
        return
    argv = args[1]
    if isinstance(argv, (str, bytes)):
        argv = [os.fsdecode(argv)]
    why = why_e2e(list(argv or []))
    if why:
        test, _State.test = _State.test, None  # raise once; let the test fail
        raise RuntimeError(f"{test} {why} but is not marked e2e: {MARK_IT}")


def make_shim(folder: Path) -> Path:
    """A folder with a ``make`` that refuses (and passes ``make -n`` on)."""
    real = shutil.which("make") or "make"
    shim = folder / "make"
    dry = "|".join(sorted(MAKE_DRY_RUN))
    shim.write_text(
        "#!/bin/sh\n"
        f'for a in "$@"; do case "$a" in {dry}) exec {real} "$@";; esac; done\n'
        f'echo "error: $E2E_GUARD_TEST runs make but is not marked e2e: '
        f'{MARK_IT}" >&2\n'
        "exit 97\n"
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def _without_shims(path: str) -> str:
    return os.pathsep.join(
        d for d in path.split(os.pathsep) if not os.path.basename(d).startswith(SHIM_NAME)
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
    os.environ["PATH"] = os.pathsep.join([str(_State.shim), clean])
    os.environ["E2E_GUARD_TEST"] = item.nodeid


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield
    _State.test = None
    os.environ.pop("E2E_GUARD_TEST", None)
    if _State.path is not None:
        os.environ["PATH"] = _State.path

