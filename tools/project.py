"""Every fact the tooling needs about the project, read from its configuration.

The tooling names no project: the project name, its import packages, console
scripts, version file, the pretend-version variable of TestPyPI builds and the
release tag pattern all come from ``pyproject.toml`` (``[project]``, the
hatchling build targets, ``[tool.hatch.version]`` and the build hook's
options). Each fact is derived here and only here; a renamed or grown project
needs no edit to the tooling.

    python -m tools.project          print the facts (name, packages, ...)
"""

import argparse
import fnmatch
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python < 3.11: build depends on tomli there
    import tomli as tomllib

from tools.common import ROOT, Checked, Problem, ToolError, before_main, run_main

DIST_DIR = "dist"
SUMS_FILE = "SHA256SUMS"
PRETEND_BASE = "SETUPTOOLS_SCM_PRETEND_VERSION"
# setuptools-scm's own default, used when pyproject.toml sets none.
DEFAULT_TAG_REGEX = r"^(?:[\w-]+-)?(?P<version>[vV]?\d+(?:\.\d+){0,2}[^\+]*)(?:\+.*)?$"


class ConfigError(ToolError):
    """pyproject.toml does not say something the tooling needs; says what to add."""


def load_pyproject(root: Path = ROOT) -> Dict[str, Any]:
    """``pyproject.toml`` of ``root``, parsed."""
    path = root / "pyproject.toml"
    try:
        with open(path, "rb") as handle:
            data: Dict[str, Any] = tomllib.load(handle)
            return data
    except OSError as exc:
        raise ConfigError(f"cannot read {path} ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}): fix it there") from None


def classifiers_of(data: Mapping[str, Any]) -> Tuple[str, ...]:
    """``[project] classifiers`` of a parsed pyproject.toml."""
    found = _table(data, "project").get("classifiers", [])
    return tuple(str(c) for c in found) if isinstance(found, list) else ()


def python_versions(classifiers: Sequence[str]) -> List[str]:
    """The ``3.X`` of each ``Programming Language :: Python :: 3.X``
    classifier, oldest first."""
    found = {
        c.rsplit(" :: ", 1)[1]
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    return sorted(found, key=lambda v: tuple(map(int, v.split("."))))


def _table(data: Mapping[str, Any], *keys: str) -> Dict[str, Any]:
    """``data[k1][k2]...``, or ``{}`` where a level is missing."""
    for key in keys:
        value = data.get(key)
        if not isinstance(value, dict):
            return {}
        data = value
    return dict(data)


@dataclass(frozen=True)
class Package:
    """One import package of the wheel: its import name and its source folder."""

    name: str  # e.g. "my_pkg"
    source: str  # relative to the root, e.g. "src/my_pkg"


@dataclass(frozen=True)
class Publisher:
    """What an index's trusted publisher must hold for this project.

    PyPI and TestPyPI match an upload's OIDC token against the owner and
    repository, the workflow's file name and the environment, exactly; any
    difference is a 403 ``invalid-publisher``. Written once, in
    ``[tool.release-check.trusted-publishers]``; the repository comes from
    ``[project.urls] Source``.
    """

    index: str  # "pypi" or "testpypi"
    workflow: str  # the file name under .github/workflows/, e.g. "publish-pypi.yml"
    environment: str  # the GitHub environment of the publish job, e.g. "pypi"


PUBLISHER_INDEXES = ("pypi", "testpypi")
PUBLISHERS_TABLE = "[tool.release-check.trusted-publishers]"


@dataclass(frozen=True)
class Project:
    """The facts, read once from ``pyproject.toml``."""

    root: Path
    name: str  # [project] name, as written
    packages: Tuple[Package, ...]
    scripts: Dict[str, str]  # console script -> "module:function"
    version_file: Optional[str]  # relative to the root, written by the build
    pretend_env: str  # the variable that sets the version of a dev build
    tag_regex: str  # a release tag matches it; group "version" is the version
    requires_python: str
    classifiers: Tuple[str, ...]  # [project] classifiers, as parsed
    repository: Optional[str]  # "OWNER/REPO" on GitHub, from [project.urls] Source
    pyproject: Dict[str, Any]
    publishers: Dict[str, Publisher]  # index ("pypi", "testpypi") -> its publisher

    @property
    def python_versions(self) -> List[str]:
        """The ``3.X`` of each ``Programming Language :: Python :: 3.X``
        classifier, oldest first."""
        return python_versions(self.classifiers)

    def publisher(self, index: str) -> Publisher:
        """The trusted publisher of ``index``; ConfigError says what to add."""
        found = self.publishers.get(index)
        if found is None:
            raise ConfigError(
                f"pyproject.toml has no {PUBLISHERS_TABLE} {index}: add "
                f'{index} = {{ workflow = "publish-{index}.yml", '
                f'environment = "{index}" }} (what the index\'s trusted '
                "publisher holds)"
            )
        return found

    @property
    def version_member(self) -> Optional[str]:
        """Where the version file lands in the wheel: its path with the
        package's source folder mapped to the import name (``src/pkg/v.py``
        -> ``pkg/v.py``), as hatchling's wheel ``packages`` option maps it."""
        if self.version_file is None:
            return None
        for package in self.packages:
            prefix = package.source + "/"
            if self.version_file.startswith(prefix):
                return package.name + "/" + self.version_file[len(prefix) :]
        return self.version_file

    @property
    def normalized_name(self) -> str:
        """The name as an index compares it (PEP 503)."""
        return canonicalize_name(self.name)

    @property
    def import_name(self) -> str:
        """The first import package (most projects ship one)."""
        return self.packages[0].name

    def tag_version(self, tag: str) -> Optional[Version]:
        """The version a release tag names, or None if ``tag`` is no release tag."""
        match = re.match(self.tag_regex, tag)
        if not match:
            return None
        groups = match.groupdict()
        raw = groups["version"] if "version" in groups else match.group(1)
        try:
            return Version(raw)
        except (InvalidVersion, TypeError):
            return None


def _packages(data: Dict[str, Any], name: str, root: Path) -> Tuple[Package, ...]:
    wheel = _table(data, "tool", "hatch", "build", "targets", "wheel")
    listed = wheel.get("packages")
    if listed:
        return tuple(
            Package(name=Path(str(p)).name, source=str(p).strip("/")) for p in listed
        )
    # hatchling's default: the folder named like the project, under src/ or not.
    module = re.sub(r"[-_.]+", "_", name).lower()
    for source in (f"src/{module}", module):
        if (root / source / "__init__.py").is_file():
            return (Package(name=module, source=source),)
    raise ConfigError(
        f"cannot tell the import package of {name}: list it in pyproject.toml "
        '[tool.hatch.build.targets.wheel] packages = ["src/<package>"]'
    )


def _pretend_env(data: Dict[str, Any]) -> str:
    """The variable setuptools-scm reads for a pretend version in this build.

    hatch-vcs passes setuptools-scm no distribution name, so the per-project
    variable works only when ``raw-options`` sets ``dist_name``; it is then
    normalized as setuptools-scm normalizes it. Without one, only the plain
    variable reaches setuptools-scm.
    """
    raw = _table(data, "tool", "hatch", "version", "raw-options")
    dist_name = raw.get("dist_name")
    if not dist_name:
        return PRETEND_BASE
    suffix = canonicalize_name(str(dist_name)).replace("-", "_").upper()
    return f"{PRETEND_BASE}_FOR_{suffix}"


def _tag_regex(data: Dict[str, Any]) -> str:
    version = _table(data, "tool", "hatch", "version")
    raw = _table(version, "raw-options")
    return str(version.get("tag-pattern") or raw.get("tag_regex") or DEFAULT_TAG_REGEX)


GITHUB_URL = re.compile(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?")


def _repository(project: Dict[str, Any]) -> Optional[str]:
    """``OWNER/REPO``: the GitHub repository ``[project.urls] Source`` names.

    The one place the repository is named; the publish workflows' fork guard
    (``github.repository == 'OWNER/REPO'``) must say the same (a validator rule
    checks it).
    """
    urls = {str(k).lower(): str(v) for k, v in _table(project, "urls").items()}
    match = GITHUB_URL.fullmatch(urls.get("source", "").strip())
    return match.group(1) if match else None


def _version_file(data: Dict[str, Any]) -> Optional[str]:
    """Where the build writes the version: the build hook's ``version-file``
    option, or hatch-vcs's own ``[tool.hatch.build.hooks.vcs] version-file``."""
    hooks = _table(data, "tool", "hatch", "build", "hooks")
    for hook in hooks.values():
        if isinstance(hook, dict) and hook.get("version-file"):
            return str(hook["version-file"]).strip("/")
    return None


RELEASE_CHECK_TABLE = "release-check"


@dataclass(frozen=True)
class Allowance:
    """One allowed finding (``allow-secrets``, ``allow-startup``): the members
    it covers (a glob), the kind of finding and why it is allowed."""

    member: str
    kind: str
    reason: str

    def matches(self, member: str, kind: str) -> bool:
        return fnmatch.fnmatchcase(member, self.member) and (
            self.kind.lower() == kind.lower()
        )


def entries_with_reason(
    project: "Project", key: str, fields: Sequence[str], example: str
) -> Checked[List[Dict[str, str]]]:
    """The entries and problems of ``[tool.release-check] <key>``: a list of
    tables, each with every one of ``fields`` (a reason among them) as a
    non-empty string. The one reader of the allowances a maintainer writes
    (``allow-secrets``, ``allow-startup``, ``accept-releases``); each caller
    checks what its values mean. ``example`` is an entry, shown in the fix."""
    table = _table(project.pyproject, "tool", RELEASE_CHECK_TABLE)
    raw = table.get(key, [])
    where = f"pyproject.toml [tool.{RELEASE_CHECK_TABLE}] {key}"
    wanted = (
        ", ".join(fields[:-1]) + f" and {fields[-1]}" if len(fields) > 1 else fields[0]
    )
    if not isinstance(raw, list):
        what = f"{where} must be a list of tables, each with {wanted}"
        return Checked([], [Problem(what, example, where)])
    entries: List[Dict[str, str]] = []
    problems: List[Problem] = []
    for number, entry in enumerate(raw, 1):
        values = {k: entry.get(k) if isinstance(entry, dict) else None for k in fields}
        if not all(isinstance(v, str) and v.strip() for v in values.values()):
            problems.append(
                Problem(
                    f"{where}, entry {number}: needs {wanted}, each a non-empty "
                    f"string (e.g. {example})",
                    "",
                    f"{where}, entry {number}",
                )
            )
            continue
        entries.append({k: str(v).strip() for k, v in values.items()})
    return Checked(entries, problems)


def _publishers(data: Dict[str, Any]) -> Dict[str, Publisher]:
    """``[tool.release-check.trusted-publishers]``: index -> workflow, environment."""
    table = _table(data, "tool", "release-check", "trusted-publishers")
    found: Dict[str, Publisher] = {}
    for index, entry in table.items():
        if index not in PUBLISHER_INDEXES:
            raise ConfigError(
                f"{PUBLISHERS_TABLE} has {index!r}: the indexes are "
                + " and ".join(PUBLISHER_INDEXES)
            )
        workflow = entry.get("workflow") if isinstance(entry, dict) else None
        environment = entry.get("environment") if isinstance(entry, dict) else None
        if not isinstance(workflow, str) or not isinstance(environment, str):
            raise ConfigError(
                f"{PUBLISHERS_TABLE} {index} needs a workflow file name and an "
                f'environment: {index} = {{ workflow = "publish-{index}.yml", '
                f'environment = "{index}" }}'
            )
        if "/" in workflow or not workflow.endswith((".yml", ".yaml")):
            raise ConfigError(
                f"{PUBLISHERS_TABLE} {index} workflow {workflow!r} must be a file "
                'name under .github/workflows/, such as "publish-pypi.yml"'
            )
        found[index] = Publisher(
            index=index, workflow=workflow, environment=environment
        )
    return found


@lru_cache(maxsize=16)
def _load(root: Path, stamp: Tuple[int, int]) -> Project:
    data = load_pyproject(root)
    project = _table(data, "project")
    name = project.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{root / 'pyproject.toml'} has no [project] name: add one")
    return Project(
        root=root,
        name=name,
        packages=_packages(data, name, root),
        scripts={str(k): str(v) for k, v in _table(project, "scripts").items()},
        version_file=_version_file(data),
        pretend_env=_pretend_env(data),
        tag_regex=_tag_regex(data),
        requires_python=str(project.get("requires-python", "")),
        classifiers=classifiers_of(data),
        repository=_repository(project),
        pyproject=data,
        publishers=_publishers(data),
    )


def load(root: Path = ROOT) -> Project:
    """The facts of the project at ``root`` (read again when pyproject changes)."""
    root = root.resolve()
    try:
        info = (root / "pyproject.toml").stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = (0, 0)  # load_pyproject says what is wrong
    return _load(root, stamp)


def _readable() -> None:
    load(ROOT)


# Every command reads the facts first: an unreadable pyproject.toml is one
# line and exit 1 before the command does anything (tools.common.run_main).
before_main(_readable)


def describe(project: Project) -> List[str]:
    return [
        f"name: {project.name}",
        "packages: " + ", ".join(f"{p.name} ({p.source})" for p in project.packages),
        "console scripts: "
        + (", ".join(f"{k} = {v}" for k, v in project.scripts.items()) or "none"),
        f"version file: {project.version_file or 'none'}",
        f"pretend-version variable: {project.pretend_env}",
        f"release tag pattern: {project.tag_regex}",
        f"requires-python: {project.requires_python or 'any'}",
        f"repository: {project.repository or 'none ([project.urls] Source)'}",
        *(
            f"trusted publisher on {p.index}: {project.repository or '?'}, "
            f"workflow {p.workflow}, environment {p.environment}"
            for p in project.publishers.values()
        ),
    ]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.project")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument(
        "--version-file",
        action="store_true",
        help="print only the version file the build writes (empty if none)",
    )
    args = parser.parse_args(argv)
    try:
        facts = load(args.root)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.version_file:
        print(facts.version_file or "")
        return 0
    print("\n".join(describe(facts)))
    return 0


if __name__ == "__main__":
    run_main(main)
