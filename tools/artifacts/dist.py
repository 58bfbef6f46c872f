"""Build the distributions: one sdist and one wheel in ``dist/``.

    python -m tools.artifacts.dist [--dev] [--verbose]   build (make dist [DEV=1])
    python -m tools.artifacts.dist --show-version        print the version of dist/
    python -m tools.artifacts.dist --summary             Markdown: files, members
    python -m tools.artifacts.dist --sums-output [NAME]  SHA256SUMS as a step output

The build is hermetic: PyPA ``build --no-isolation`` runs inside a fresh
environment installed from ``requirements/build.txt`` alone (PyPA build, the
build backend and everything they pull in, pinned with hashes for every
Python a build runs on; :mod:`tools.artifacts.lock`), with
``SOURCE_DATE_EPOCH`` set to the time of the last commit, so that the same
commit always gives the same bytes. With uv, the environment is made from
uv's cache alone first (no index round trips), and again online if that
fails for any reason (:mod:`tools.offline_first`).

Why this, pip's own release build (``build-project`` in pypa/pip: a venv, an
install of a lock with ``--require-hashes --no-deps --only-binary :all:``,
then ``python -m build --no-isolation``), and not a hash-checked build
constraint (``UV_BUILD_CONSTRAINT``/``PIP_CONSTRAINT``) under build isolation:
here the environment is exactly the lock, installed by one command that
hash-checks every file of every build dependency, and nothing is resolved at
build time. A constraint only filters what a resolver picks inside
build's isolated environments, and whether its hashes are enforced there
depends on how PyPA build hands the variables to uv or pip. The rest is
checked too: :func:`tools.artifacts.lock.check_build_lock` refuses, before
anything is installed, a ``[build-system] requires`` the lock does not pin
at an allowed version, and build's dependency check refuses whatever else
the backend asks for that the lock lacks; each is one line with the fix.
That check runs beside the build (:mod:`tools.artifacts.build_requires`, in
the same environment), not before it: the build skips its own
(``--skip-dependency-check``), which would start the backend twice more
ahead of it.

The old ``dist/`` is removed first; the new one is built in a temporary
folder and moved into place only when the build succeeded, so a failed build
leaves no ``dist/`` at all. The checksums go to ``SHA256SUMS`` at the root
(``sha256sum -c SHA256SUMS``), not into ``dist/``, where an upload would fail
on them.

``--sums-output`` checks ``dist/`` against ``SHA256SUMS`` and prints that text as
a multi-line GitHub step output (``NAME<<DELIMITER``, NAME ``sha256sums`` by
default; ``>> "$GITHUB_OUTPUT"``): the build job hands the digests to the
publish job through job outputs, apart from the artifact they check.

``--dev`` builds with HEAD's TestPyPI dev version (see
:mod:`tools.artifacts.dev_version`); otherwise the version comes from git alone (any
``SETUPTOOLS_SCM_PRETEND_VERSION*`` in the environment is ignored).
"""

import argparse
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from tools import project
from tools.artifacts.archives import compute_version, member_trees, one_of_each
from tools.artifacts.checksums import compute_sums, format_sums, read_sums, verify
from tools.artifacts.lock import BUILD_LOCK, check_build_lock
from tools.common import (
    ROOT,
    Checked,
    find_uv,
    human_size,
    remove_tree,
    run_main,
    sha256,
    source_date_epoch,
    tail,
)
from tools.offline_first import offline_first
from tools.project import DIST_DIR, SUMS_FILE, load
from tools.tool_output import build_error, lock_error


class BuildError(Exception):
    """The build failed; the message says how, the output is attached."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def installer() -> str:
    """``uv`` when it is there (:func:`tools.common.find_uv`), else pip."""
    return "uv" if find_uv() else "pip"


def _uv() -> List[str]:
    return [find_uv() or "uv"]


def build_command(source: Path, outdir: Path, python: str, *targets: str) -> List[str]:
    """PyPA build in the locked environment of ``python``: no isolation; the
    dependency check is :func:`unmet_requirements`'s, beside it."""
    return [
        python,
        "-I",
        "-m",
        "build",
        "--no-isolation",
        "--skip-dependency-check",
    ] + [
        *targets,
        "--outdir",
        str(outdir),
        str(source),
    ]


BUILD_REQUIRES = Path(__file__).with_name("build_requires.py")


def unmet_requirements(
    source: Path, python: str, env: Dict[str, str]
) -> Tuple[List[str], str]:
    """What the backend asks for, for the sdist or the wheel, that the
    environment of ``python`` lacks (:mod:`tools.artifacts.build_requires`:
    PyPA build's own check), each as build shows it; and the output when the
    check itself failed (then nothing is reported as missing)."""
    out = _run([python, "-I", str(BUILD_REQUIRES), str(source)], source, env)
    chains = None
    for line in reversed((out.stdout or "").splitlines()):  # the last answer
        try:
            report = json.loads(line)
            chains = [chain for kind in ("sdist", "wheel") for chain in report[kind]]
            break
        except (ValueError, KeyError, TypeError):
            continue
    if out.returncode != 0 or chains is None:
        return [], out.stdout or "no output"
    found: List[str] = []
    for chain in chains:
        shown = " -> ".join(chain)
        if shown not in found:
            found.append(shown)
    return found, ""


def env_commands(
    lock: Path, env_dir: Path, python: str, tool: str
) -> Tuple[List[str], List[str]]:
    """Create ``env_dir`` with ``python``; install exactly ``lock``, hash-checked."""
    env_python = str(env_dir / "bin" / "python")
    if tool == "uv":
        uv = _uv()
        return (
            [*uv, "venv", "--quiet", "--python", python, str(env_dir)],
            [*uv, "pip", "sync", "--quiet", "--require-hashes"]
            + ["--only-binary", ":all:", "--python", env_python, str(lock)],
        )
    return (
        [python, "-m", "venv", str(env_dir)],
        [env_python, "-m", "pip", "install", "--quiet", "--require-hashes"]
        + ["--no-deps", "--only-binary", ":all:", "-r", str(lock)],
    )


def build_env(
    root: Path, dev_version: Optional[str], environ: Optional[Dict[str, str]] = None
) -> Dict[str, str]:
    """The build's environment: SOURCE_DATE_EPOCH, and the version override."""
    env = {
        k: v
        for k, v in (os.environ if environ is None else environ).items()
        if not k.startswith("SETUPTOOLS_SCM_PRETEND_VERSION") and k != "PYTHONPATH"
    }
    epoch = source_date_epoch(root)
    if epoch:
        env["SOURCE_DATE_EPOCH"] = epoch
    if dev_version:
        env[project.load(root).pretend_env] = dev_version
    return env


def _run(
    cmd: List[str], cwd: Path, env: Dict[str, str], verbose: bool = False
) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        stdout=None if verbose else subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def make_build_env(
    lock: Path,
    env_dir: Path,
    python: str = sys.executable,
    environ: Optional[Dict[str, str]] = None,
) -> str:
    """Make ``env_dir`` from the lock alone, every file hash-checked; its Python.

    With uv, the environment is first made from uv's cache alone
    (``UV_OFFLINE=1``: no index round trips); whatever makes that fail (a cold
    cache, or anything else), it is made again, online
    (:func:`tools.offline_first.offline_first`), and only that attempt's
    failure is reported, with :func:`lock_error`'s line when it says which
    package and how to fix it.
    """
    tool = installer()
    env = dict(os.environ if environ is None else environ)
    create, install = env_commands(lock, env_dir, python, tool)
    rel = _relative(lock)
    made = _run(create, env_dir.parent, env)
    if made.returncode != 0:
        raise BuildError(
            f"could not make the build environment with {python} "
            f"({build_error(made.stdout)}): check that this Python works",
            made.stdout or "",
        )
    if tool == "uv":
        out = offline_first(
            lambda run_env: _run(install, env_dir.parent, run_env),
            env,
            lambda: print(
                "dist: uv's cache could not make the build environment alone: "
                "installing again, online",
                file=sys.stderr,
                flush=True,
            ),
        )
    else:
        out = _run(install, env_dir.parent, env)
    if out.returncode != 0:
        raise BuildError(
            lock_error(out.stdout or "", rel)
            or f"could not install {rel} ({build_error(out.stdout)}): fix what "
            "its output above says, or re-pin with make lock",
            out.stdout or "",
        )
    return str(env_dir / "bin" / "python")


KEPT_ENVS = "build-envs"
KEPT_DAYS = 14  # a kept environment unused this long is removed
_COMPLETE = ".complete"


KEPT_ENVS_VARIABLE = "RELEASE_BUILD_ENVS"


def kept_envs_dir() -> Optional[Path]:
    """Where build environments are kept between builds: the folder
    ``$RELEASE_BUILD_ENVS`` names (empty: none kept), else inside the tool
    environment (a venv), so that they go with it; None outside a venv."""
    chosen = os.environ.get(KEPT_ENVS_VARIABLE)
    if chosen is not None:
        return Path(chosen).resolve() if chosen else None
    if sys.prefix == sys.base_prefix:
        return None
    return Path(sys.prefix) / KEPT_ENVS


def env_key(lock: Path, python: str, tool: str) -> str:
    """What a kept environment was made from: the lock's bytes, the
    interpreter (its real path, size and time) and the installer."""
    real = os.path.realpath(python)
    stat = os.stat(real)
    digest = hashlib.sha256(lock.read_bytes())
    for part in (real, str(stat.st_size), str(stat.st_mtime_ns), tool):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:20]


def kept_build_env(
    lock: Path,
    environ: Optional[Dict[str, str]] = None,
    python: str = sys.executable,
) -> Optional[str]:
    """The Python of a build environment made from ``lock`` once and kept in
    :func:`kept_envs_dir` for the next builds; None where nothing is kept.

    Making an environment costs a venv, an install and, in each of the
    build's hook processes, the compiling of the backend: the dist,
    contents and reproducibility stages each built one. The kept one is the
    same environment (made by :func:`make_build_env`, every file hash-checked),
    named by :func:`env_key`: a changed lock, interpreter or installer gets
    a new one. It is made under a file lock, marked complete only once made
    (a half-made one, from a stopped build, is made again), used only with
    ``python -I`` (nothing from the caller's environment reaches it) and never
    installed into by a build (``--no-isolation``).
    """
    home = kept_envs_dir()
    if home is None:
        return None
    try:
        key = env_key(lock, python, installer())
        home.mkdir(parents=True, exist_ok=True)
        held = open(home / f"{key}.lock", "w")
    except OSError:
        return None  # no lock to read, or a folder that cannot be written
    env_dir = home / key
    with held:
        try:
            fcntl.flock(held, fcntl.LOCK_EX)
            env_python = env_dir / "bin" / "python"
            if (env_dir / _COMPLETE).is_file() and env_python.exists():
                (env_dir / _COMPLETE).touch()
                return str(env_python)
            remove_tree(env_dir)
        except OSError:
            return None  # a file system without locks: keep nothing
        try:
            made = make_build_env(lock, env_dir, python, _making_env(environ))
            (env_dir / _COMPLETE).write_text(key + "\n", encoding="utf-8")
        except BaseException:
            remove_tree(env_dir)
            raise
    _prune(home, key)
    return made


def build_python(
    lock: Path,
    env_dir: Path,
    environ: Optional[Dict[str, str]] = None,
    python: str = sys.executable,
) -> str:
    """The Python of a build environment made from ``lock`` with ``python``:
    the kept one (:func:`kept_build_env`), or else one made at ``env_dir``."""
    kept = kept_build_env(lock, environ, python)
    return kept or make_build_env(lock, env_dir, python, environ)


def _making_env(environ: Optional[Dict[str, str]]) -> Dict[str, str]:
    """The environment a kept build environment is made in, whoever asks:
    no ``PYTHONPATH`` (pip would take what it finds there as installed and
    leave it out), and uv's default link mode (a symlink into uv's cache
    would break when the cache is cleaned)."""
    env = dict(os.environ if environ is None else environ)
    env.pop("PYTHONPATH", None)
    env.pop("UV_LINK_MODE", None)
    return env


def is_kept(python: str) -> bool:
    """Is ``python`` the Python of a kept build environment?"""
    home = kept_envs_dir()
    return home is not None and Path(python).parent.parent.parent == home


def forget_build_env(python: str) -> None:
    """Mark the kept environment of ``python`` as not made: a build that
    failed in it makes a new one next time (whatever broke it)."""
    if is_kept(python):
        (Path(python).parent.parent / _COMPLETE).unlink(missing_ok=True)


def _prune(home: Path, key: str) -> None:
    """Remove the kept environments unused for :data:`KEPT_DAYS` days, each
    under its own lock, taken without waiting (one in use is skipped) and
    its age checked again once held. The lock files stay: removing one that
    another process is about to take would let two make the same
    environment at once."""
    cutoff = time.time() - KEPT_DAYS * 86400
    for marker in home.glob(f"*/{_COMPLETE}"):
        other = marker.parent
        if other.name == key:
            continue
        try:
            with open(home / f"{other.name}.lock", "w") as held:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if marker.stat().st_mtime < cutoff:
                    remove_tree(other)
        except OSError:  # in use, or gone already
            continue


def _relative(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[-2:]) if len(parts) >= 2 else str(path)


def build_into(
    root: Path,
    outdir: Path,
    dev_version: Optional[str],
    verbose: bool = False,
    check: bool = True,
) -> List[Path]:
    """Build one sdist and one wheel of ``root`` into the empty ``outdir``;
    with ``check``, PyPA build's dependency check, beside the build.

    The lock is ``root``'s ``requirements/build.txt`` (checked first against
    ``[build-system] requires``); the build environment and PyPA build's own
    temporary folders go into a folder next to ``outdir``, so that removing
    ``outdir``'s parent removes them too, even when the build was killed
    half-way.
    """
    problems = check_build_lock(root)
    if problems:
        raise BuildError(str(problems[0]))
    work = outdir.parent / "build-tmp"
    work.mkdir(parents=True, exist_ok=True)
    env = {**build_env(root, dev_version), "TMPDIR": str(work)}
    try:
        python = build_python(root / BUILD_LOCK, work / "env", env)
        out, missing, check_output = _build(root, outdir, python, env, verbose, check)
        if is_kept(python) and (out.returncode != 0 or check_output):
            # What broke may be the kept environment (files removed from under
            # it): the build runs again in a new one, and only that counts.
            forget_build_env(python)
            shutil.rmtree(outdir, ignore_errors=True)
            python = build_python(root / BUILD_LOCK, work / "env", env)
            out, missing, check_output = _build(
                root, outdir, python, env, verbose, check
            )
    finally:
        remove_tree(work)
    if missing:
        raise BuildError(
            f"the build needs {missing[0]}, which {BUILD_LOCK} does not provide: "
            f"add it to {BUILD_LOCK[:-4]}.in, then make lock",
            "\n".join(missing),
        )
    if out.returncode != 0:
        raise BuildError(
            lock_error(out.stdout or "", BUILD_LOCK)
            or f"python -m build (in the environment of {BUILD_LOCK}) failed "
            f"({build_error(out.stdout)}): fix the error in its output above, "
            "then make dist",
            out.stdout or "",
        )
    if check_output:
        raise BuildError(
            "cannot check what the build backend asks for "
            f"({build_error(check_output)}): fix the error in its output above, "
            "then make dist",
            check_output,
        )
    pair = one_of_each(outdir).value
    if pair is None:
        names = ", ".join(p.name for p in sorted(outdir.iterdir())) or "nothing"
        raise BuildError(
            f"the build made {names}, not one sdist and one wheel: check the "
            "build backend's configuration in pyproject.toml",
            out.stdout or "",
        )
    return [pair.sdist, pair.wheel]


def _build(
    root: Path,
    outdir: Path,
    python: str,
    env: Dict[str, str],
    verbose: bool,
    check: bool,
) -> Tuple["subprocess.CompletedProcess[str]", List[str], str]:
    """The build, with :func:`unmet_requirements` beside it when ``check``."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        checked = pool.submit(unmet_requirements, root, python, env) if check else None
        out = _run(build_command(root, outdir, python), root, env, verbose)
        missing, check_output = checked.result() if checked else ([], "")
    return out, missing, check_output


def make_dist(
    root: Path = ROOT, dev_version: Optional[str] = None, verbose: bool = False
) -> Tuple[List[Path], Dict[str, str]]:
    """Remove dist/ and SHA256SUMS, build, move into place, write SHA256SUMS."""
    dist_dir, sums_file = root / DIST_DIR, root / SUMS_FILE
    shutil.rmtree(dist_dir, ignore_errors=True)
    if sums_file.exists():
        sums_file.unlink()
    tmp = Path(tempfile.mkdtemp(prefix="dist-build-"))
    try:
        build_into(root, tmp / DIST_DIR, dev_version, verbose)
        staged = Path(shutil.move(str(tmp / DIST_DIR), str(dist_dir)))
    finally:
        remove_tree(tmp)
    paths = sorted(staged.iterdir())
    sums = compute_sums(paths)
    sums_file.write_text(format_sums(sums), encoding="utf-8")
    return paths, sums


def compute_summary(dist_dir: Path, version: str) -> str:
    """A Markdown summary of dist/ (for $GITHUB_STEP_SUMMARY): each file's size
    and SHA-256, then each archive's members in a ``<details>`` block."""
    rows = [
        f"| `{p.name}` | {p.stat().st_size:,} bytes ({human_size(p.stat().st_size)})"
        f" | `{sha256(p)}` |"
        for p in sorted(dist_dir.iterdir())
    ]
    archives = sorted(
        p for p in dist_dir.iterdir() if p.name.endswith((".tar.gz", ".whl"))
    )
    return "\n".join(
        [
            f"### Built distributions of {load(ROOT).name} {version}",
            "",
            "| File | Size | SHA-256 |",
            "| --- | ---: | --- |",
            *rows,
            "",
            f"Version: `{version}`",
            "",
            member_trees(archives),
        ]
    )


def sums_output(dist_dir: Path, name: str) -> Checked[Optional[str]]:
    """The ``NAME<<DELIMITER`` output block for ``$GITHUB_OUTPUT``, or problems.

    The text is that of ``SHA256SUMS`` beside ``dist_dir`` once ``dist_dir``
    matches it; the delimiter is random, as GitHub advises.
    """
    sums_file = dist_dir.parent / SUMS_FILE
    problems = verify(dist_dir, sums_file)
    if problems:
        return Checked(None, problems)
    text = format_sums(read_sums(sums_file) or {})
    delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    return Checked(f"{name}<<{delimiter}\n{text}{delimiter}\n")


def _version_of(dist_dir: Path) -> Optional[str]:
    computed = compute_version(dist_dir, load(ROOT).name)
    if not computed.ok:
        for problem in computed.problems:
            print(f"error: {problem}", file=sys.stderr)
        return None
    return str(computed.value)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.artifacts.dist")
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--show-version", action="store_true", help="print the version of dist/"
    )
    what.add_argument(
        "--summary",
        action="store_true",
        help="print a Markdown table of dist/ and each archive's members",
    )
    what.add_argument(
        "--sums-output",
        nargs="?",
        const="sha256sums",
        metavar="NAME",
        help="check dist/ against SHA256SUMS and print it as the multi-line step "
        "output NAME (default: %(const)s), for $GITHUB_OUTPUT",
    )
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument(
        "--dev", action="store_true", help="build with HEAD's TestPyPI dev version"
    )
    kind.add_argument(
        "--tag",
        default="",
        help="build as this release tag (it must be on HEAD; needed when HEAD has "
        "several, e.g. an rc promoted to final)",
    )
    parser.add_argument(
        "--dist-dir", type=Path, default=ROOT / DIST_DIR, help=argparse.SUPPRESS
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show the build")
    args = parser.parse_args(argv)
    if args.sums_output is not None:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", args.sums_output):
            parser.error(f"--sums-output {args.sums_output!r} is no output name")
        block = sums_output(args.dist_dir, args.sums_output)
        for problem in block.problems:
            print(f"error: {problem}", file=sys.stderr)
        if block.value is None:
            return 1
        print(block.value, end="")
        return 0
    if args.show_version or args.summary:
        version = _version_of(args.dist_dir)
        if version is None:
            return 1
        print(compute_summary(args.dist_dir, version) if args.summary else version)
        return 0

    from tools.artifacts.dev_version import dev_version_or_error, tag_build_version

    version_to_build: Checked[Optional[str]] = Checked(None)
    source = "version from git"
    if args.dev:
        version_to_build = dev_version_or_error(ROOT)
        source = f"dev version {version_to_build.value}"
    elif args.tag:
        version_to_build = tag_build_version(ROOT, args.tag)
        if version_to_build.value:
            source = f"version {version_to_build.value} of tag {args.tag}"
    if not version_to_build.ok:
        for problem in version_to_build.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    dev_version = version_to_build.value
    print(
        f"dist: building the sdist and the wheel ({source}, in an environment "
        f"from {BUILD_LOCK}, installer {installer()})"
    )
    try:
        paths, _sums = make_dist(ROOT, dev_version, args.verbose)
    except BuildError as exc:
        for line in tail(exc.output, 30):
            print(f"  | {line}", file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    built = ", ".join(f"{p.name} ({human_size(p.stat().st_size)})" for p in paths)
    print(f"dist: built {built} in {DIST_DIR}/; checksums in {SUMS_FILE}")
    return 0


if __name__ == "__main__":
    run_main(main)
