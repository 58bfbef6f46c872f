"""The smoke installer: install a distribution the way a user would, then use it.

    python -m tools.artifacts.smoke --dist-dir dist
    python -m tools.artifacts.smoke --index-url URL --version V [--timeout 600]
        [--retry-initial 5] [--retry-max 60] [--package NAME]

With ``--dist-dir``, the wheel and, separately, the sdist found there are each
installed into a fresh virtual environment in a temporary folder outside the
repository (the two in parallel), with the current directory there too, so
nothing of the source tree can be imported by mistake. Then: the package
imports from that environment, its ``__version__`` (and installed metadata)
equals the version in the file name (compared as PEP 440 versions), and the
command line works (``--version``, ``process ...`` with its JSON checked).

With ``--index-url``, that exact version is installed from that index alone
(no other index, no configuration file, no find-links), after waiting for it
to appear on the index's simple API page: retries with exponential backoff,
within a bounded total time. "Not there yet" is retried; an index nobody
answers for (connection refused, DNS) fails at once, and so does one that
refuses (401/403, a wrong address); the final message says which it was,
what was tried, how often and for how long.

A failure prints the error a user would see (the last line of pip's or the
import's traceback, then its tail) and exits 1. uv makes the environments and
installs when it is available (it is in the tool environment); otherwise venv
and pip do.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from tools.artifacts import archives
from tools.common import interrupted_code, last_line, remove_tree, run_main
from tools.publish import index

PROJECT = index.PROJECT
DEFAULT_TIMEOUT = 600.0  # PyPI can take minutes to show a new release to installers
DEFAULT_RETRY_INITIAL = 5.0
DEFAULT_RETRY_MAX = 60.0
COMMAND_TIMEOUT = 600.0

PROCESS_TEXT = "x" * 150
PROCESS_ARGS = ["process", PROCESS_TEXT, "--delta", "0.5", "--delta", "0.05"]
PROCESS_EXPECTED = {
    "current_phase": "stabilized",
    "delta_values": [0.5, 0.05],
    "symbolic_input": PROCESS_TEXT,
    "metadata": {"input_length": 150},
}
IMPORT_CHECK = """\
import json, sys
from importlib.metadata import version
import {module} as package
print(json.dumps({{"version": package.__version__, "file": package.__file__,
                   "metadata": version({project!r})}}))
"""
# An install that fails this way may only be an index that is slow to show
# the new release to installers: worth another try while time remains.
NOT_FOUND_SIGNS = (
    "no matching distribution",
    "could not find a version",
    "no version of",
    "not found in the package registry",
    "there is no version",
)
# Settings that would let an install reach another index than the one asked for.
INDEX_ENV_PREFIXES = ("PIP_", "UV_INDEX", "UV_EXTRA_INDEX", "UV_DEFAULT_INDEX")
INDEX_ENV_NAMES = ("UV_FIND_LINKS", "UV_NO_INDEX", "UV_CONFIG_FILE")


class SmokeFailure(Exception):
    """A check failed: ``message`` is one line, ``detail`` the output behind it."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass
class Result:
    label: str
    ok: bool
    message: str
    detail: str = ""
    seconds: float = 0.0


# ---- pure cores --------------------------------------------------------------


def compute_backoff(
    attempt: int, initial: float, maximum: float, factor: float = 2.0
) -> float:
    """The wait after try number ``attempt`` (0-based): exponential, capped."""
    if attempt < 0 or initial < 0:
        raise ValueError("attempt and initial must not be negative")
    return min(initial * factor**attempt, maximum)


def module_name(project: str) -> str:
    return canonicalize_name(project).replace("-", "_")


def check_import_report(
    report: Dict[str, str], expected: Version, venv: Path, project: str = PROJECT
) -> List[str]:
    """Problems with what the installed package said about itself."""
    problems = []
    for key, what in (("version", "__version__"), ("metadata", "installed metadata")):
        try:
            got = Version(report[key])
        except (KeyError, InvalidVersion):
            problems.append(f"{what} is not a version: {report.get(key)!r}")
            continue
        if got != expected:
            problems.append(
                f"{what} is {report[key]} but the file name says {expected}"
            )
    location = Path(report.get("file", "")).resolve()
    if venv.resolve() not in location.parents:
        problems.append(
            f"{module_name(project)} was imported from {location}, "
            f"not from the fresh environment {venv}"
        )
    return problems


def check_cli_version(
    output: str, expected: Version, project: str = PROJECT
) -> List[str]:
    words = output.split()
    try:
        ok = words[0] == project and Version(words[1]) == expected
    except (IndexError, InvalidVersion):
        ok = False
    if ok:
        return []
    return [f"'{project} --version' printed {output.strip()!r}, expected {expected}"]


def check_cli_process(output: str) -> List[str]:
    try:
        got = json.loads(output)
    except ValueError:
        return [f"'process' did not print JSON: {last_line(output)!r}"]
    if got != PROCESS_EXPECTED:
        return [f"'process' printed {got!r}, expected {PROCESS_EXPECTED!r}"]
    return []


def explain_wait(
    waited: "Waited",
    index_url: str,
    version: Version,
    timeout: float,
    initial: float,
    maximum: float,
    project: str = PROJECT,
) -> str:
    """The one final message when the version could not be had from the index."""
    found = waited.probe
    times = f"{waited.attempts} time{'' if waited.attempts == 1 else 's'}"
    page = index.project_url(index_url, project)
    if found.kind in index.RETRYABLE:
        return (
            f"{project} {version} did not appear on {index_url} within "
            f"{timeout:g} s ({found.kind}): looked at {page} {times} over "
            f"{waited.elapsed:.1f} s, waiting {initial:g} s at first, doubling up "
            f"to {maximum:g} s; the last answer: {found.detail}"
        )
    if found.kind == index.UNREACHABLE:
        advice = "check the address, and that the index is up"
    else:
        advice = "check the index URL (a simple API root) and its access rules"
    return (
        f"{found.kind}: {found.detail}; gave up after looking {times} in "
        f"{waited.elapsed:.1f} s, without retrying ({advice})"
    )


# ---- running commands ------------------------------------------------------------

_LIVE: Set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()  # after an interrupt: start no more commands


def run(
    cmd: Sequence[str], cwd: Path, env: Dict[str, str], timeout: float = COMMAND_TIMEOUT
) -> subprocess.CompletedProcess:
    """Run a command, remembered so that an interrupt can stop it."""
    with _LIVE_LOCK:
        if _STOPPING.is_set():
            raise SmokeFailure("interrupted")
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _LIVE.add(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(proc)
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)


def stop_running() -> None:
    """Kill the commands still running and start no more (after Ctrl-C)."""
    with _LIVE_LOCK:
        _STOPPING.set()
        procs = list(_LIVE)
    for proc in procs:
        proc.kill()


def find_uv() -> Optional[str]:
    try:
        import uv  # the tool environment's uv

        return uv.find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


@dataclass(frozen=True)
class Installer:
    """Makes an environment and installs into it: uv, or venv and pip."""

    name: str
    uv: Optional[str] = None

    def venv(self, path: Path) -> List[str]:
        if self.uv:
            return [self.uv, "venv", "--quiet", "--python", sys.executable, str(path)]
        return [sys.executable, "-m", "venv", "--without-pip", str(path)]

    def install(self, python: Path, args: Sequence[str], project: str) -> List[str]:
        if self.uv:
            head = [self.uv, "pip", "install", "--quiet", "--python", str(python)]
            # Never a stale copy of the project from uv's cache.
            return head + ["--refresh-package", project, *args]
        head = [sys.executable, "-m", "pip", "--python", str(python), "install"]
        return head + ["--no-input", "--quiet", *args]


def pick_installer(choice: str = "auto") -> Installer:
    if choice == "pip":
        return Installer("pip")
    uv = find_uv()
    if uv:
        return Installer("uv", uv)
    if choice == "uv":
        raise SmokeFailure("uv is not installed: make tools, or pass --installer pip")
    return Installer("pip")


def base_env(index_only: bool = False) -> Dict[str, str]:
    """The environment for installs: nothing that points at the source tree.

    ``index_only`` also drops every setting that could add another index
    (``PIP_*``, ``UV_INDEX*``, find-links, configuration files).
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")
    }
    env["PYTHONNOUSERSITE"] = "1"
    if index_only:
        env = {
            k: v
            for k, v in env.items()
            if not k.startswith(INDEX_ENV_PREFIXES) and k not in INDEX_ENV_NAMES
        }
        env["PIP_CONFIG_FILE"] = os.devnull  # pip reads no configuration file
        env["UV_NO_CONFIG"] = "1"  # nor does uv
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


# ---- install and check -----------------------------------------------------------


def failure(result: subprocess.CompletedProcess, what: str) -> SmokeFailure:
    """What a failed command tells: its last line, and its output."""
    err, out = result.stderr or "", result.stdout or ""
    line = last_line(err) or last_line(out) or f"exit code {result.returncode}"
    return SmokeFailure(f"{what} failed: {line}", err + out)


class Sandbox:
    """A temporary folder (outside the repository) with a fresh environment."""

    def __init__(self, installer: Installer, env: Dict[str, str]) -> None:
        self.installer = installer
        self.base_env = self.env = env
        self.root: Optional[Path] = None

    @property
    def venv(self) -> Path:
        assert self.root is not None, "use the sandbox in a with block"
        return self.root / "venv"

    @property
    def bin(self) -> Path:
        return self.venv / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / ("python.exe" if os.name == "nt" else "python")

    def __enter__(self) -> "Sandbox":
        try:
            self.root = Path(tempfile.mkdtemp(prefix="gpe-smoke-"))
            # The installers' own temporary folders go in here too: removing
            # the sandbox removes them, even after an install killed half-way.
            (self.root / "tmp").mkdir()
            self.env = {**self.base_env, "TMPDIR": str(self.root / "tmp")}
            self.run(self.installer.venv(self.venv), "making the environment")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.root is not None:
            remove_tree(self.root)

    def run(self, cmd: Sequence[str], what: str) -> subprocess.CompletedProcess:
        result = run(cmd, cwd=self.venv.parent, env=self.env)
        if result.returncode != 0:
            raise failure(result, what)
        return result

    def install(self, args: Sequence[str], project: str) -> subprocess.CompletedProcess:
        cmd = self.installer.install(self.python, args, project)
        return run(cmd, cwd=self.venv.parent, env=self.env)

    def check(self, expected: Version, project: str = PROJECT) -> str:
        """Import, version and CLI checks; returns what was seen, or raises."""
        script = IMPORT_CHECK.format(module=module_name(project), project=project)
        result = self.run([str(self.python), "-I", "-c", script], "import")
        try:
            report = json.loads(last_line(result.stdout))
        except ValueError:
            raise SmokeFailure("import printed no report", result.stdout) from None
        problems = check_import_report(report, expected, self.venv, project)
        cli = str(self.bin / project)
        out = self.run([cli, "--version"], f"'{project} --version'").stdout
        problems += check_cli_version(out, expected, project)
        problems += check_cli_process(
            self.run([cli, *PROCESS_ARGS], "'process'").stdout
        )
        if problems:
            raise SmokeFailure("; ".join(problems))
        return f"imports {report['version']}, '--version' and 'process' work"


def smoke_file(path: Path, installer: Installer, project: str = PROJECT) -> Result:
    """Install one wheel or sdist into a fresh environment and use it."""
    kind = "wheel" if path.name.endswith(".whl") else "sdist"
    label = f"{kind}  {path.name}"
    start = time.monotonic()
    try:
        expected = archives.file_version(path.name, project)
        if expected is None:
            raise SmokeFailure(f"not a distribution of {project}: {path.name}")
        with Sandbox(installer, base_env()) as box:
            result = box.install([str(path.resolve())], project)
            if result.returncode != 0:
                raise failure(result, "install")
            seen = box.check(expected, project)
        return Result(label, True, seen, seconds=time.monotonic() - start)
    except SmokeFailure as exc:
        return Result(label, False, exc.message, exc.detail, time.monotonic() - start)


def find_dists(dist_dir: Path, project: str = PROJECT) -> List[Path]:
    """The wheels and sdists of ``project`` in ``dist_dir``; raises if none."""
    if not dist_dir.is_dir():
        raise SmokeFailure(f"{dist_dir}/ does not exist: build it first (make dist)")
    found = archives.find_dists(dist_dir)
    ours = [
        [p for p in paths if archives.file_version(p.name, project) is not None]
        for paths in (found.wheels, found.sdists)
    ]
    missing = [kind for kind, paths in zip(("wheel", "sdist"), ours) if not paths]
    if missing:
        raise SmokeFailure(
            f"{dist_dir}/ has no {' and no '.join(missing)} of {project}: "
            "build it first (make dist)"
        )
    # Wheels first: they are what most users get.
    return ours[0] + ours[1]


def smoke_dist(
    dist_dir: Path, installer: Installer, project: str = PROJECT, jobs: int = 2
) -> List[Result]:
    files = find_dists(dist_dir, project)
    _STOPPING.clear()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(smoke_file, path, installer, project) for path in files]
        try:
            return [future.result() for future in futures]
        except BaseException:  # Ctrl-C: stop the installs, let the workers clean up
            stop_running()
            raise


@dataclass(frozen=True)
class Waited:
    probe: index.Probe
    attempts: int
    elapsed: float


def wait_for_version(
    look: Callable[[float], index.Probe],
    timeout: float,
    initial: float,
    maximum: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Waited:
    """Look until the version is found, a look says retrying is pointless, or
    ``timeout`` seconds have passed; ``look`` gets the time left."""
    start = clock()
    attempt = 0
    while True:
        attempt += 1
        found = look(max(1.0, min(15.0, timeout - (clock() - start))))
        elapsed = clock() - start
        if found.kind not in index.RETRYABLE or elapsed >= timeout:
            return Waited(found, attempt, elapsed)
        sleep(min(compute_backoff(attempt - 1, initial, maximum), timeout - elapsed))


def smoke_index(
    index_url: str,
    version: Version,
    installer: Installer,
    timeout: float = DEFAULT_TIMEOUT,
    initial: float = DEFAULT_RETRY_INITIAL,
    maximum: float = DEFAULT_RETRY_MAX,
    project: str = PROJECT,
    look: Optional[Callable[[float], index.Probe]] = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    """Wait for ``version`` on the index, install it from there alone, use it.

    No wait goes past ``timeout``: each sleep is the backoff or the time left,
    whichever is shorter.
    """
    label = f"index  {project}=={version} from {index_url}"
    start = clock()
    if look is None:

        def look(seconds: float) -> index.Probe:
            return index.probe(index_url, version, project, timeout=seconds)

    waited = Waited(index.Probe(index.MISSING, "not looked yet"), 0, 0.0)
    try:
        with Sandbox(installer, base_env(index_only=True)) as box:
            while True:
                left = timeout - (clock() - start)
                more = wait_for_version(look, left, initial, maximum, clock, sleep)
                waited = Waited(
                    more.probe,
                    waited.attempts + more.attempts,
                    clock() - start,
                )
                if waited.probe.kind != index.FOUND:
                    message = explain_wait(
                        waited, index_url, version, timeout, initial, maximum, project
                    )
                    return Result(label, False, message, seconds=waited.elapsed)
                args = ["--index-url", index_url, f"{project}=={version}"]
                result = box.install(args, project)
                if result.returncode == 0:
                    break
                output = (result.stderr + result.stdout).lower()
                late = any(sign in output for sign in NOT_FOUND_SIGNS)
                left = timeout - (clock() - start)
                if not late or left <= 0:
                    raise failure(result, "install")
                # Listed, but not yet served to installers (a CDN): wait, again.
                sleep(min(compute_backoff(waited.attempts - 1, initial, maximum), left))
            seen = box.check(version, project)
        times = f"{waited.attempts} look{'' if waited.attempts == 1 else 's'}"
        seconds = clock() - start
        return Result(label, True, f"installed after {times}; {seen}", seconds=seconds)
    except SmokeFailure as exc:
        return Result(label, False, exc.message, exc.detail, clock() - start)


# ---- output and command line -------------------------------------------------


def format_result(result: Result) -> List[str]:
    mark = "ok  " if result.ok else "FAIL"
    lines = [f"  {mark}  {result.label}: {result.message} ({result.seconds:.1f} s)"]
    for line in result.detail.strip().splitlines()[-15:]:
        lines.append(f"        | {line.rstrip()}")
    return lines


def print_results(results: Sequence[Result]) -> int:
    for result in results:
        print("\n".join(format_result(result)), flush=True)
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"smoke: {len(failed)} of {len(results)} failed", flush=True)
        return 1
    print(f"smoke: {len(results)} of {len(results)} passed", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.artifacts.smoke",
        description="Install a distribution into a fresh environment and use it.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dist-dir", type=Path, help="smoke the wheel and sdist here")
    source.add_argument("--index-url", help="install from this simple API root alone")
    parser.add_argument("--version", help="the version to install from the index")
    parser.add_argument("--package", default=PROJECT, help="default: %(default)s")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds to wait for the version to appear (default: %(default)g)",
    )
    parser.add_argument(
        "--retry-initial",
        type=float,
        default=DEFAULT_RETRY_INITIAL,
        help="first wait between tries, doubled each time (default: %(default)g)",
    )
    parser.add_argument(
        "--retry-max",
        type=float,
        default=DEFAULT_RETRY_MAX,
        help="longest wait between tries (default: %(default)g)",
    )
    parser.add_argument("--installer", choices=("auto", "uv", "pip"), default="auto")
    parser.add_argument(
        "--serial", action="store_true", help="install the files one after another"
    )
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.index_url and not args.version:
        parser.error("--index-url needs --version")
    if args.dist_dir and args.version:
        parser.error(
            "--version goes with --index-url (with --dist-dir, the file names tell)"
        )
    if min(args.timeout, args.retry_initial, args.retry_max) < 0:
        parser.error("--timeout and --retry-* must not be negative")
    try:
        installer = pick_installer(args.installer)
        if args.index_url:
            try:
                version = Version(args.version)
            except InvalidVersion:
                parser.error(f"--version: not a PEP 440 version: {args.version!r}")
            what = f"{args.package}=={version} from {args.index_url} alone"
            print(f"smoke: installing {what} ({installer.name})", flush=True)
            results = [
                smoke_index(
                    args.index_url,
                    version,
                    installer,
                    args.timeout,
                    args.retry_initial,
                    args.retry_max,
                    args.package,
                )
            ]
        else:
            what = f"each file of {args.dist_dir}/ into a fresh environment"
            print(f"smoke: installing {what} ({installer.name})", flush=True)
            jobs = 1 if args.serial else 2
            results = smoke_dist(args.dist_dir, installer, args.package, jobs)
    except SmokeFailure as exc:
        print(f"smoke: error: {exc.message}")
        return 1
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (run_main)
        print("smoke: interrupted: temporary folders removed")
        return interrupted_code(exc)
    return print_results(results)


if __name__ == "__main__":
    run_main(main)
