"""Find the Python interpreters for the tox matrix.

Where pyenv holds the interpreters (a maintainer's machine), put the newest
patch release of each supported minor version on PATH, without the user
editing anything. Where there is no pyenv (a GitHub runner with
setup-python), PATH is left as it is. Either way, report which supported
versions were found and which were not: tox reports the missing ones as
skipped, and this says so up front. The smoke installer
(``tools.publish.smoke``) finds its interpreters here too
(:func:`claimed_versions`, :func:`find_interpreters`).

    python -m tools.pythons path     # print the PATH to run tox with
    python -m tools.pythons report   # say what was found (stderr)
"""

import os
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from tools import project
from tools.common import ROOT, run_main

LINKS = ROOT / ".tox" / "pythons"


def supported_versions(pyproject: Path = ROOT / "pyproject.toml") -> List[str]:
    """The minor versions the project supports: its version classifiers
    (:attr:`tools.project.Project.python_versions`, parsed, never a regex).

    ``pyproject`` is the pyproject.toml, or the folder that holds it; a folder
    without one supports nothing (an empty list).
    """
    if pyproject.is_dir():
        pyproject = pyproject / "pyproject.toml"
        if not pyproject.is_file():
            return []
    data = project.load_pyproject(pyproject.parent)
    return project.python_versions(project.classifiers_of(data))


def _minor(version: str) -> int:
    return int(version.split(".")[1])


def _allows(spec: SpecifierSet, minor: int) -> bool:
    """Does ``requires-python`` let some 3.<minor>.x release in?"""
    return any(spec.contains(Version(f"3.{minor}.{patch}")) for patch in (0, 99))


def lower_bound(spec: SpecifierSet) -> Optional[Version]:
    """The oldest Python ``requires-python`` admits by its lower bounds: the
    highest version its ``>=``, ``~=``, ``==``, ``===`` and ``>`` clauses name
    (together they all hold); None without one."""
    floors = [
        Version(clause.version.rstrip(".*"))
        for clause in spec
        if clause.operator in (">=", ">", "~=", "==", "===")
    ]
    return max(floors) if floors else None


def floor_of(spec: SpecifierSet) -> Optional[int]:
    """The 3.X minor of :func:`lower_bound`, if it is a Python 3."""
    bound = lower_bound(spec)
    if bound is None or bound.release[0] != 3 or len(bound.release) < 2:
        return None  # ">=3" names no minor
    return bound.release[1]


def claimed_versions(root: Path = ROOT) -> List[str]:
    """Every Python 3.X the project claims to support, oldest first.

    The version classifiers that ``requires-python`` lets in, plus the minors
    from the lower bound of ``requires-python`` up to the newest classifier
    (``requires-python`` has no upper end of its own; without classifiers, the
    running Python is it). A classifier that ``requires-python`` shuts out is
    not claimed: no installer would install the package there.
    """
    classifiers = supported_versions(root)
    text = project.load(root).requires_python
    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        spec = SpecifierSet()
    minors = {_minor(v) for v in classifiers if _allows(spec, _minor(v))}
    floor = floor_of(spec)
    if floor is not None:
        top = max((_minor(v) for v in classifiers), default=sys.version_info[1])
        minors |= {m for m in range(floor, top + 1) if _allows(spec, m)}
    return [f"3.{m}" for m in sorted(minors)]


def pyenv_root(environ: Mapping[str, str]) -> Optional[Path]:
    """pyenv's root folder, or None where pyenv is not installed."""
    if environ.get("PYENV_ROOT"):
        return Path(environ["PYENV_ROOT"])
    exe = shutil.which("pyenv", path=environ.get("PATH"))
    if exe:
        out = subprocess.run([exe, "root"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    default = Path(environ.get("HOME", "~")).expanduser() / ".pyenv"
    return default if (default / "versions").is_dir() else None


def pyenv_interpreters(root: Optional[Path], wanted: List[str]) -> Dict[str, Path]:
    """``{"3.8": <bin dir of the newest 3.8.x>}`` for each wanted minor in pyenv."""
    best: Dict[str, Tuple[Tuple[int, ...], Path]] = {}
    versions = root / "versions" if root else None
    if not versions or not versions.is_dir():
        return {}
    for entry in versions.iterdir():
        match = re.fullmatch(r"(3\.\d+)\.(\d+)", entry.name)  # final releases only
        if not match or match.group(1) not in wanted:
            continue
        exe = entry / "bin" / f"python{match.group(1)}"
        if not exe.exists():
            continue
        key = tuple(int(p) for p in entry.name.split("."))
        if match.group(1) not in best or key > best[match.group(1)][0]:
            best[match.group(1)] = (key, entry / "bin")
    return {minor: path for minor, (_, path) in best.items()}


def link_interpreters(found: Dict[str, Path], dest: Path) -> None:
    """Make ``dest/pythonX.Y`` point at each found interpreter.

    Only the versioned names go there, so ``python3`` on PATH stays what it
    was, while tox (through uv) finds every ``pythonX.Y``.
    Each link is replaced atomically (a link made beside it, then renamed),
    so that ``make test`` and the smoke installer, running at once, never see
    a missing or half-made link.
    """
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {f"python{minor}" for minor in found}
    for stale in dest.glob("python*"):
        if stale.name not in wanted:
            try:
                stale.unlink()
            except FileNotFoundError:  # another run removed it first
                pass
    for minor, bindir in found.items():
        link = dest / f"python{minor}"
        target = bindir / f"python{minor}"
        if os.path.islink(link) and os.readlink(link) == str(target):
            continue
        temporary = dest / f".python{minor}.{os.getpid()}.{threading.get_ident()}"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(target)
        os.replace(temporary, link)


def compute_path(
    environ: Mapping[str, str], wanted: List[str], links: Path = LINKS
) -> str:
    """PATH with pyenv's interpreters (if any) in front of the current one."""
    found = pyenv_interpreters(pyenv_root(environ), wanted)
    rest = [p for p in environ.get("PATH", "").split(os.pathsep) if p]
    if not found:
        return os.pathsep.join(rest)
    link_interpreters(found, links)
    return os.pathsep.join([str(links)] + [p for p in rest if p != str(links)])


def find_on_path(path: str, wanted: List[str]) -> Dict[str, Optional[str]]:
    """Which ``pythonX.Y`` executables that PATH finds."""
    return {minor: shutil.which(f"python{minor}", path=path) for minor in wanted}


def _runs(exe: str) -> bool:
    """A pyenv shim is on PATH even when it cannot run: try it (isolated and
    without site: whether it starts is the question, not what it imports)."""
    try:
        cmd = [exe, "-I", "-S", "-c", ""]
        return subprocess.run(cmd, capture_output=True).returncode == 0
    except OSError:
        return False


def find_interpreters(
    environ: Mapping[str, str], wanted: List[str], links: Path = LINKS
) -> Dict[str, Optional[str]]:
    """``{"3.8": "/path/to/python3.8" or None}``: the interpreter of each wanted
    minor that ``make test``'s PATH finds (pyenv's newest first) and that runs."""
    path = compute_path(environ, wanted, links)
    found = find_on_path(path, wanted)

    def works(exe: Optional[str]) -> bool:
        return bool(exe) and _runs(str(exe))

    with ThreadPoolExecutor(max_workers=max(1, len(found))) as pool:
        runs = dict(zip(found, pool.map(works, found.values())))
    return {minor: exe if runs[minor] else None for minor, exe in found.items()}


def report(environ: Mapping[str, str], wanted: List[str]) -> List[str]:
    """Lines saying which supported Pythons tox will use and which it skips."""
    lines = []
    missing = []
    for minor, exe in find_interpreters(environ, wanted).items():
        if exe:
            lines.append(f"  py{minor.replace('.', '')}: {exe}")
        else:
            missing.append(minor)
    if missing:
        envs = ", ".join(f"py{m.replace('.', '')}" for m in missing)
        lines.append(
            f"  not found: Python {', '.join(missing)}; tox reports {envs} as "
            "skipped (install them, e.g. with pyenv, to run them)"
        )
    return ["Pythons for the tox matrix:"] + lines


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    wanted = supported_versions()
    if args == ["path"]:
        print(compute_path(os.environ, wanted))
        return 0
    if args == ["report"]:
        print("\n".join(report(os.environ, wanted)), file=sys.stderr)
        return 0
    print("usage: python -m tools.pythons {path|report}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    run_main(main)
