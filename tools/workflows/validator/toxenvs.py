"""tox's environments, as tox itself reads them (tox.ini, tox.toml or pyproject.toml).

The rules need two facts of tox's configuration: the default environments
(``env_list``, with its ``{a,b}`` products and ``{9-14}`` ranges expanded)
with the Python each one runs, and every environment a workflow may call
(``tox run -e NAME``). Both come from tox's own configuration loader, in
process, and each environment's Python from tox's own reading of its name
(``py310``, ``3.10``, ``3.14t``, ``3.10-tests``), so a configuration tox
accepts is read as tox reads it.

Importing tox and loading its configuration takes about half a second, more
than every rule together, so the answer is kept in the user's cache folder
(``$XDG_CACHE_HOME/release-check/``), keyed on the SHA-256 of the
configuration files' contents and tox's version: ``make validate`` warm reads
it, any edit loads tox again, and a copy of the project (the tests' mutated
copies) shares it. It is an optimisation only: a missing or unreadable cache
loads tox.

tox works in a temporary folder (``--workdir``) while it reads: its loader
takes the package env's lock (``.tox/.pkg/file.lock``) where it works, and
reading a project's configuration must leave the project as it was (``make
adopt`` reads the target's before it writes anything, or refuses).
"""

import contextlib
import hashlib
import json
import os
import shlex
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple

FORMAT = 3  # of the cached answer: a new field, a new number
CONFIG_FILES = ("tox.ini", "tox.toml", "pyproject.toml", "setup.cfg")


@dataclass(frozen=True)
class ToxEnvs:
    """What tox's configuration says (``error`` when tox could not read it)."""

    config: str  # the file tox reads ("tox.ini", "tox.toml", ...), "" for none
    default: List[str] = field(default_factory=list)  # env_list, expanded
    every: List[str] = field(default_factory=list)  # every env it knows of
    pythons: Dict[str, str] = field(default_factory=dict)  # env -> "3.10"
    # env -> its commands, each one shell-quoted; "- " in front of a command
    # whose exit code tox ignores (a "-" prefix, or ignore_errors); an env
    # whose commands tox cannot tell on this machine has none
    commands: Dict[str, List[str]] = field(default_factory=dict)
    error: str = ""


def _config_file(root: Path) -> str:
    for name in ("tox.ini", "setup.cfg", "pyproject.toml", "tox.toml"):
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if name == "tox.ini" or name == "tox.toml":
            return name
        if name == "setup.cfg" and "[tox:tox]" in text:
            return name
        if name == "pyproject.toml" and "[tool.tox" in text:
            return name
    return ""


def _key(root: Path) -> str:
    from importlib.metadata import version

    digest = hashlib.sha256(f"{FORMAT}\0{version('tox')}".encode())
    for name in CONFIG_FILES:
        path = root / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


def _load(root: Path) -> ToxEnvs:
    config = _config_file(root)
    if not config:
        return ToxEnvs("")
    from tox.config.cli.parse import get_options
    from tox.session.state import State
    from tox.tox_env.python.api import Python, PythonSpec

    try:
        # tox may print, and may write to sys.stdout.buffer: a real file.
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(
            quiet
        ), tempfile.TemporaryDirectory(prefix="tox-work-") as work:
            parsed = get_options(
                "--root", str(root), "--workdir", work, "-c", str(root / config), "l"
            )
            state = State(parsed, [])
            default = list(state.envs.iter(only_active=True, package=False))
            every = list(state.envs.iter(only_active=False, package=False))
            commands = {name: _commands(state, name) for name in every}
    except Exception as exc:  # noqa: BLE001 (any error of tox's loader)
        return ToxEnvs(config, error=" ".join(str(exc).split()) or type(exc).__name__)
    pythons = {}
    for name in every:
        try:
            base = Python.extract_base_python(name)
        except ValueError:
            continue
        spec = PythonSpec.from_string_spec(base) if base else None
        if spec is not None and spec.major is not None and spec.minor is not None:
            pythons[name] = f"{spec.major}.{spec.minor}"
    return ToxEnvs(
        config, default, sorted(set(every) | set(default)), pythons, commands
    )


def _commands(state: Any, name: str) -> List[str]:
    """An env's commands; none where tox cannot tell them on this machine (a
    command that names the env's interpreter, and no such Python here)."""
    try:
        conf = state.envs[name].conf
        ignore_all = bool(conf["ignore_errors"])
        commands = list(conf["commands"])
    except Exception:  # noqa: BLE001 (tox's errors have no common base)
        return []
    out = []
    for command in commands:
        ignored = ignore_all or bool(getattr(command, "ignore_exit_code", False))
        out.append(("- " if ignored else "") + shlex.join(command.args))
    return out


_MEMO: Dict[Tuple[Path, str], ToxEnvs] = {}


def load(root: Path) -> ToxEnvs:
    """tox's environments of the project at ``root`` (cached, see above)."""
    try:
        key = _key(root)
    except OSError as exc:
        return ToxEnvs("", error=str(exc))
    found = _MEMO.get((root, key))
    if found is not None:
        return found
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    cache = Path(home) / "release-check" / f"tox-envs-{key}.json"
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        found = ToxEnvs(**data["envs"]) if data.get("key") == key else None
    except (OSError, ValueError, TypeError, KeyError):
        found = None
    if found is None:
        found = _load(root)
        if found.error:
            return found  # never cached: it may come from the machine
        with contextlib.suppress(OSError):
            cache.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"key": key, "envs": found.__dict__}, indent=1)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(cache)
    _MEMO[(root, key)] = found
    return found
