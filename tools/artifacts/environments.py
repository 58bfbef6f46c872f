"""Fresh environments for the smoke installer: make one, install, use the package.

A :class:`Sandbox` is a temporary folder (outside the repository) holding a
virtual environment of one Python (:class:`Interpreter`); the installs go
there with uv (``uv venv``, ``uv pip install``, ``uv build``), or venv and
pip where uv is missing. Installs resolve the project's dependencies from the
regular index (whatever pip or uv is configured to use): the project's own
file is always a local file, so it can come from nowhere else. What the
package must do once installed comes from the project (:class:`Target`,
read by :mod:`tools.project`): every import package imports from the fresh
environment and states the built version, and every console script answers
``--help`` (and ``--version``, when it has one, with the built version).

Commands run through :func:`run`, which remembers them so that an interrupt
(:func:`stop_running`) kills them all and starts no more.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from packaging.metadata import parse_email
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from tools import project
from tools.common import ROOT, Problem, find_uv, last_line, remove_tree
from tools.offline_first import offline_first
from tools.tool_output import PythonMismatch, missing_dependency, python_mismatch

COMMAND_TIMEOUT = 600.0
#: argparse and click exit 2 on an unknown option: the script has no --version.
USAGE_ERROR = 2

# What the installed package says about itself, asked in the fresh
# environment by a module of ours run by path (it imports no tooling).
PROBE = Path(__file__).with_name("probe.py")


class SmokeFailure(Exception):
    """A check failed: ``message`` is one line, ``detail`` the output behind it."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


# ---- what to check -----------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The project as its users meet it: name, import packages, console scripts."""

    name: str
    packages: Tuple[str, ...]
    scripts: Tuple[str, ...]

    @classmethod
    def of(cls, root: Path = ROOT) -> "Target":
        facts = project.load(root)
        return cls(
            facts.name,
            tuple(package.name for package in facts.packages),
            tuple(facts.scripts),
        )


@dataclass(frozen=True)
class PackageSeen:
    """An imported package, as the probe saw it: its file and __version__."""

    file: str
    version: Optional[str]


@dataclass(frozen=True)
class ScriptRun:
    """A console script run with one option: its exit code and output tail."""

    code: int
    output: str


@dataclass(frozen=True)
class ScriptSeen:
    """An installed console script: its ``#!`` line, mode and two runs."""

    first_line: str
    executable: bool
    help: ScriptRun
    version: ScriptRun


@dataclass(frozen=True)
class ProbeReport:
    """What the install probe (:mod:`tools.artifacts.probe`) reported, read
    once and checked for shape, and the installed metadata's version (read
    from the environment's files, not by the probe)."""

    metadata: Optional[str]
    packages: Dict[str, PackageSeen] = field(default_factory=dict)
    scripts: Dict[str, Optional[ScriptSeen]] = field(default_factory=dict)

    @classmethod
    def read(cls, data: object, metadata: Optional[str]) -> "ProbeReport":
        """The probe's JSON object; ValueError if it is not the probe's shape."""
        try:
            top = _mapping(data)
            packages = {
                str(name): PackageSeen(
                    str(_mapping(seen)["file"]), _optional_text(seen["version"])
                )
                for name, seen in _mapping(top["packages"]).items()
            }
            scripts = {
                str(name): None if seen is None else _script(_mapping(seen))
                for name, seen in _mapping(top["scripts"]).items()
            }
        except KeyError as exc:
            raise ValueError(f"no {exc} in the report") from None
        return cls(metadata, packages, scripts)


def _mapping(value: object) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"not an object: {value!r}")
    return value


def _optional_text(value: object) -> Optional[str]:
    return None if value is None else str(value)


def _run(value: object) -> ScriptRun:
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)):
        raise ValueError(f"not [exit code, output]: {value!r}")
    return ScriptRun(value[0], str(value[1]))


def _script(seen: Dict[str, Any]) -> ScriptSeen:
    return ScriptSeen(
        str(seen["first_line"]),
        bool(seen["executable"]),
        _run(seen["help"]),
        _run(seen["version"]),
    )


def check_import_report(
    report: ProbeReport, expected: Version, venv: Path, target: Target
) -> List[Problem]:
    """Problems with what the installed packages said about themselves."""
    problems = []
    if _version(report.metadata) != expected:
        problems.append(
            Problem(
                f"the installed metadata says version {report.metadata} but the "
                f"file name says {expected}",
                "",
                target.name,
            )
        )
    for name in target.packages:
        seen = report.packages.get(name, PackageSeen("", None))
        if seen.version is not None and _version(seen.version) != expected:
            problems.append(
                Problem(
                    f"{name}.__version__ is {seen.version} but the file name says "
                    f"{expected}",
                    "",
                    name,
                )
            )
        location = Path(seen.file).resolve()
        if venv.resolve() not in location.parents:
            problems.append(
                Problem(
                    f"{name} was imported from {location}, not from the fresh "
                    f"environment {venv}",
                    "",
                    name,
                )
            )
    return problems


def _version(text: object) -> Optional[Version]:
    try:
        return Version(str(text)) if text is not None else None
    except InvalidVersion:
        return None


def installed_version(venv: Path, project_name: str) -> Optional[str]:
    """The version the installed metadata of ``project_name`` states (its
    ``.dist-info/METADATA`` in the environment), or None if not exactly one."""
    wanted = canonicalize_name(project_name)
    found = [
        info
        for pattern in (
            "lib/python*/site-packages/*.dist-info",
            "Lib/site-packages/*.dist-info",
        )
        for info in venv.glob(pattern)
        if canonicalize_name(info.name[: -len(".dist-info")].rsplit("-", 1)[0])
        == wanted
    ]
    if len(found) != 1:
        return None
    raw, _ = parse_email((found[0] / "METADATA").read_bytes())
    version = raw.get("version")
    return str(version) if version is not None else None


def check_cli_version(output: str, expected: Version, script: str) -> List[Problem]:
    """``--version`` must name the built version somewhere in what it prints."""
    for word in output.split():
        if _version(word.strip("()[],;:'\"").lstrip("vV")) == expected:
            return []
    return [
        Problem(
            f"'{script} --version' printed {last_line(output)!r}, which does not "
            f"name version {expected}",
            "",
            script,
        )
    ]


@dataclass
class ScriptsResult:
    """The console scripts' problems, what worked, and the output behind the
    problems."""

    problems: List[Problem] = field(default_factory=list)
    worked: List[str] = field(default_factory=list)
    detail: str = ""


def check_scripts(
    report: ProbeReport, expected: Version, target: Target
) -> ScriptsResult:
    """The console scripts: each installed, executable, with a ``#!`` line;
    ``--help`` exits 0; ``--version`` exits 0 naming the built version, or 2
    (no such option: ``--help`` is enough)."""
    result = ScriptsResult()
    for name in target.scripts:
        seen = report.scripts.get(name)
        if not seen:
            result.problems.append(
                Problem(
                    f"console script {name} is not installed (pyproject.toml "
                    "[project.scripts] lists it)",
                    "",
                    name,
                )
            )
            continue
        if not seen.executable or not seen.first_line.startswith("#!"):
            what = f"console script {name} is not an executable with #!"
            result.problems.append(Problem(what, "", name))
        code, out = seen.help.code, seen.help.output
        if code != 0:
            line = last_line(out) or f"exit code {code}"
            result.problems.append(Problem(f"'{name} --help' failed: {line}", "", name))
            result.detail += out
            continue
        code, out = seen.version.code, seen.version.output
        if code == USAGE_ERROR:  # no --version: --help is enough
            result.worked.append(f"'{name} --help'")
        elif code != 0:
            line = last_line(out) or f"exit code {code}"
            what = f"'{name} --version' failed: {line}"
            result.problems.append(Problem(what, "", name))
            result.detail += out
        else:
            result.problems += check_cli_version(out, expected, name)
            result.worked.append(f"'{name} --help' and '--version'")
    return result


def dependency_python_message(mismatch: PythonMismatch) -> str:
    """One line: the dependency, the Python it has no release for, the fix."""
    needs = mismatch.needs
    floor = re.fullmatch(r">=?(\d+\.\d+)(?:\.0)*", needs)
    marker = f"python_version >= '{floor.group(1)}'" if floor else "python_version"
    return (
        f"dependency {mismatch.requirement} has no release for Python "
        f"{mismatch.python}, which requires-python claims (its releases need "
        f'Python{needs}): add an environment marker ("{mismatch.requirement}; '
        f'{marker}") in [project] dependencies, or narrow requires-python to '
        f"'{needs}'"
    )


def regular_index(env: Mapping[str, str], uv: bool) -> str:
    """Where the installer takes dependencies from, in words."""
    names = ("UV_DEFAULT_INDEX", "UV_INDEX_URL") if uv else ("PIP_INDEX_URL",)
    for name in names:
        if env.get(name):
            return env[name]
    tool = "uv" if uv else "pip"
    return f"the regular index (PyPI, unless {tool}'s configuration names another)"


# ---- running commands ------------------------------------------------------------

_LIVE: Set["subprocess.Popen[str]"] = set()
_LIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()  # after an interrupt: start no more commands


def run(
    cmd: Sequence[str], cwd: Path, env: Dict[str, str], timeout: float = COMMAND_TIMEOUT
) -> "subprocess.CompletedProcess[str]":
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


def start_running() -> None:
    """Allow commands again (a new smoke run in the same process)."""
    _STOPPING.clear()


def stop_running() -> None:
    """Kill the commands still running and start no more (after Ctrl-C)."""
    with _LIVE_LOCK:
        _STOPPING.set()
        procs = list(_LIVE)
    for proc in procs:
        proc.kill()


def failure(result: "subprocess.CompletedProcess[str]", what: str) -> SmokeFailure:
    """What a failed command tells: its last line, and its output."""
    err, out = result.stderr or "", result.stdout or ""
    line = last_line(err) or last_line(out) or f"exit code {result.returncode}"
    return SmokeFailure(f"{what} failed: {line}", err + out)


# ---- interpreters and installers ---------------------------------------------


@dataclass(frozen=True)
class Interpreter:
    """A Python found on this machine: its minor version and its executable."""

    minor: str  # "3.12"
    path: str


@dataclass(frozen=True)
class Installer:
    """Makes environments and installs into them: uv, or venv and pip."""

    name: str
    uv: Optional[str] = None


def pick_installer(choice: str = "auto") -> Installer:
    if choice == "pip":
        return Installer("pip")
    uv = find_uv()
    if uv:
        return Installer("uv", uv)
    if choice == "uv":
        raise SmokeFailure("uv is not installed: make tools, or pass --installer pip")
    return Installer("pip")


def base_env() -> Dict[str, str]:
    """The environment for installs: nothing that points at the source tree.

    pip's and uv's own settings stay: dependencies come from the index the
    user configured.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")
    }
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


#: Lines of a wheel's metadata that say how it was made, not what it installs.
_FORMAT_LINES = {
    "WHEEL": re.compile(rb"^Generator: .*\n", re.M),
    "METADATA": re.compile(rb"^Metadata-Version: .*\n", re.M),
}


def wheel_contents(path: Path) -> Dict[str, bytes]:
    """What installing a wheel writes: every member and its bytes, but for the
    lines that only say how it was made (the backend's name and version, the
    metadata format version) and RECORD, which lists the others' digests."""
    contents = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            folder, _, base = name.rpartition("/")
            if folder.endswith(".dist-info") and base == "RECORD":
                continue
            data = archive.read(name)
            if folder.endswith(".dist-info") and base in _FORMAT_LINES:
                data = _FORMAT_LINES[base].sub(b"", data, count=1)
            contents[name] = data
    return contents


def _running_minor() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


class Sandbox:
    """A temporary folder (outside the repository) with a fresh environment."""

    def __init__(
        self, installer: Installer, interpreter: Interpreter, env: Dict[str, str]
    ) -> None:
        self.installer = installer
        self.interpreter = interpreter
        self.base_env = self.env = env
        self.root: Optional[Path] = None
        # pip: the tool environment's pip installs into an environment of its
        # own Python (--python); other Pythons get a pip of their own.
        self.own_pip = not installer.uv and interpreter.minor != _running_minor()

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
            self.root = Path(tempfile.mkdtemp(prefix="release-smoke-"))
            # The installers' own temporary folders go in here too: removing
            # the sandbox removes them, even after an install killed half-way.
            (self.root / "tmp").mkdir()
            self.env = {**self.base_env, "TMPDIR": str(self.root / "tmp")}
        except BaseException:
            self.close()
            raise
        return self

    def make_venv(self) -> None:
        """Make the environment (once; a build alone needs none)."""
        if self.venv.exists():
            return
        exe, venv = self.interpreter.path, str(self.venv)
        if self.installer.uv:
            cmd = [self.installer.uv, "venv", "--quiet", "--python", exe, venv]
        elif self.own_pip:
            cmd = [exe, "-m", "venv", venv]
        else:
            cmd = [exe, "-m", "venv", "--without-pip", venv]
        self.run(cmd, f"making a Python {self.interpreter.minor} environment")

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self.root is not None:
            remove_tree(self.root)

    def _pip(self) -> List[str]:
        if self.own_pip:
            return [str(self.python), "-m", "pip"]
        return [sys.executable, "-m", "pip", "--python", str(self.python)]

    def install(self, path: Path, project_name: str) -> None:
        """Install one local file; its dependencies from the regular index.

        Never a stale copy of the project from uv's cache: uv keys a local
        file's entry by its path and, on Unix, its ctime, which every write
        changes and nothing can set back; elsewhere by its mtime, which can
        be, so there the entry is made again from the file each time
        (``--refresh-package``, five times the cost of an install).
        """
        self.make_venv()
        if self.installer.uv:
            cmd = [self.installer.uv, "pip", "install", "--quiet"]
            cmd += ["--python", str(self.python)]
            cmd += [] if os.name == "posix" else ["--refresh-package", project_name]
        else:
            cmd = self._pip() + ["install", "--no-input", "--quiet"]
        result = run(cmd + [str(path)], cwd=self.venv.parent, env=self.env)
        if result.returncode == 0:
            return
        output = (result.stderr or "") + (result.stdout or "")
        mismatch = python_mismatch(output, self.interpreter.minor)
        if mismatch:
            raise SmokeFailure(dependency_python_message(mismatch), output)
        missing = missing_dependency(output)
        if missing:
            name, line = missing
            where = regular_index(self.env, bool(self.installer.uv))
            raise SmokeFailure(
                f"dependency {name} could not be found on {where}: {line}",
                output,
            )
        raise failure(result, "install")

    def build_wheel(self, sdist: Path) -> Path:
        """Build a wheel from ``sdist`` on this Python, as an installer would
        on a machine without a matching wheel (never a wheel from a cache)."""
        out = self.venv.parent / "built"
        if not self.installer.uv:
            self.make_venv()  # pip builds with the environment's own Python
        what = f"building a wheel on {self.interpreter.minor}"
        if self.installer.uv:
            cmd = [self.installer.uv, "build", "--quiet", "--wheel"]
            cmd += ["--python", self.interpreter.path, "--out-dir", str(out)]
            cmd.append(str(sdist))
            # The build backend from uv's cache alone first (as make dist does:
            # no index round trips); online again if that fails for any reason.
            result = offline_first(
                lambda env: run(cmd, cwd=self.venv.parent, env=env),
                self.env,
                lambda: shutil.rmtree(out, ignore_errors=True),
            )
            if result.returncode != 0:
                raise failure(result, what)
        else:
            cmd = self._pip() + ["wheel", "--no-deps", "--no-cache-dir", "--quiet"]
            cmd += ["--wheel-dir", str(out)]
            self.run(cmd + [str(sdist)], what)
        wheels = sorted(out.glob("*.whl"))
        if len(wheels) != 1:
            names = ", ".join(p.name for p in wheels) or "none"
            raise SmokeFailure(f"building the sdist made {names}, not one wheel")
        return wheels[0]

    def run(self, cmd: Sequence[str], what: str) -> "subprocess.CompletedProcess[str]":
        result = run(cmd, cwd=self.venv.parent, env=self.env)
        if result.returncode != 0:
            raise failure(result, what)
        return result

    def check(self, expected: Version, target: Target) -> str:
        """Import, version and console-script checks; what was seen, or raises."""
        asked = {
            "project": target.name,
            "packages": list(target.packages),
            "scripts": list(target.scripts),
            "bin": str(self.bin),
        }
        argv = [str(self.python), "-I", str(PROBE), json.dumps(asked)]
        result = self.run(argv, "import")
        metadata = installed_version(self.venv, target.name)
        try:
            report = ProbeReport.read(json.loads(last_line(result.stdout)), metadata)
        except ValueError as exc:
            raise SmokeFailure(
                f"import printed no report the smoke can read ({exc})", result.stdout
            ) from None
        problems = check_import_report(report, expected, self.venv, target)
        scripts = check_scripts(report, expected, target)
        problems += scripts.problems
        if problems:
            raise SmokeFailure("; ".join(map(str, problems)), scripts.detail)
        text = f"imports {', '.join(target.packages)} {report.metadata}"
        worked = scripts.worked
        return text + (f"; {', '.join(worked)} work" if worked else "")
