"""Bring this release pipeline into another hatchling + hatch-vcs project.

    python -m tools.adopt TARGET [--force]          (make adopt TARGET=DIR [FORCE=1])

What it does, in the target (a git clone with no uncommitted change):

- copies the tooling (every tracked file under ``tools/``), the ``Makefile``,
  the requirement sources (``requirements/*.in``), the composite actions,
  the workflows and zizmor's configuration; the test workflow (which the
  publish workflows call) without the jobs that test this repository only
  (:func:`adapt_tests`);
- fills every project literal of the copied workflows from the target's
  ``pyproject.toml``: the PyPI and TestPyPI project URLs of the publish jobs'
  environments, the fork guard's ``OWNER/REPO`` (from ``[project.urls]
  Source``; added from another GitHub URL of ``[project.urls]`` when there
  is none), the publishers' workflow file names and environments;
- adds ``[tool.release-check.trusted-publishers]`` when the target has none;
- keeps ``tools/`` out of the target's sdist (``[tool.hatch.build.targets.sdist]
  exclude``): the pipeline's tooling is not the project's source, and its
  credentials scanner's own patterns would trip the scan of the sdist;
- adds the pipeline's outputs (``/.venv/``, ``/dist/``, ``/SHA256SUMS``...)
  to the target's ``.gitignore``;
- writes ``requirements/build.in`` with the target's ``[build-system]
  requires`` (its build plugins too) and runs ``make lock BUILD_ONLY=1`` in
  the target, which pins them with hashes for its ``requires-python``; the
  tool locks (``tools.txt``, ``bootstrap.txt``) are this pipeline's own,
  copied: the target runs the tools this pipeline was tested with.

It refuses, with one line and exit 1 (2 for usage), before writing anything:
another build backend, no hatch-vcs, a malformed ``pyproject.toml``, a target
that is not a git clone or has uncommitted changes, no GitHub repository in
``[project.urls]``, files it would overwrite and the target's own publishing
workflows (unless ``--force``). With ``--force`` it overwrites those files and
removes those workflows, and says so: a second workflow publishing the
project would upload outside the pipeline's checks, and ``check`` and
``validate`` hold every publishing workflow to the pipeline's rules (its
twine, its publish path), which the target's own one was not written for.
A workflow publishes when a job runs ``pypa/gh-action-pypi-publish`` or ``make
publish-dry-run`` (the validator's analysis decides it, as for
``validate``); the workflows it calls are kept (the project's CI may use
them). When ``make lock`` fails, every file is put back as it was. At the end it prints
what only a person can do: the trusted publishers to register on PyPI and
TestPyPI and the GitHub environments, with their exact values.
"""

import argparse
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python < 3.11: build depends on tomli there
    import tomli as tomllib

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from tools import project as facts
from tools.adopt_ci import (
    TEST_WORKFLOW,
    WORKFLOWS,
    CannotAdapt,
    adapt_tests,
    tests_by_factor,
    type_check_envs,
)
from tools.common import ROOT, GitError, git, last_line, run_main
from tools.workflows.validator import analysis
from tools.workflows.validator.repo import Repo
from tools.workflows.validator.rules import ci

BACKEND = "hatchling.build"
# What the pipeline copies (tracked files of this repository under these).
COPIED_TREES = ("tools", ".github/actions")
COPIED_FILES = (
    "Makefile",
    ".github/zizmor.yml",
    f"{WORKFLOWS}/test.yml",  # adapted: adapt_tests
)
# The pipeline's tool locks are the target's too: the tools it runs are the
# ones this pipeline's tests ran, pinned and hash-checked; only the build's
# lock depends on the target (its [build-system] requires, its Pythons).
REQUIREMENT_SOURCES = (
    "requirements/tools.in",
    "requirements/bootstrap.in",
    "requirements/tools.txt",
    "requirements/bootstrap.txt",
)
BUILD_IN = "requirements/build.in"
LOCKS = (
    "requirements/tools.txt",
    "requirements/bootstrap.txt",
    "requirements/build.txt",
)
# The pipeline's outputs: never committed in the target.
IGNORED = ("/.venv/", "/.tox/", "/dist/", "/build/", "/SHA256SUMS")
SDIST_EXCLUDE = "/tools"
DEFAULT_PUBLISHERS = {
    "pypi": facts.Publisher("pypi", "publish-pypi.yml", "pypi"),
    "testpypi": facts.Publisher("testpypi", "publish-testpypi.yml", "testpypi"),
}
INDEX_URLS = {"pypi": "https://pypi.org", "testpypi": "https://test.pypi.org"}


class Refusal(Exception):
    """The target cannot be adopted as it is; the message says why and what to do."""


@dataclass
class Plan:
    """Everything adopt will write, worked out before anything is written."""

    target: Path
    files: Dict[str, bytes] = field(default_factory=dict)  # path -> new content
    overwritten: List[str] = field(default_factory=list)  # differing existing files
    replaced: List[str] = field(default_factory=list)  # its own publish workflows
    type_envs: Optional[List[str]] = None  # tox envs running its type checker
    repository: str = ""
    name: str = ""
    publishers: Dict[str, facts.Publisher] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)


def _tracked(root: Path, *paths: str) -> List[str]:
    out = git("ls-files", "-z", "--", *paths, root=root)
    return sorted(p for p in out.split("\0") if p and (root / p).is_file())


def check_target(target: Path) -> Tuple[Dict[str, object], str]:
    """``(pyproject, text)`` of a target this pipeline can handle, or Refusal."""
    if not (target / "pyproject.toml").is_file():
        raise Refusal(f"{target} has no pyproject.toml: adopt needs a Python project")
    if target.resolve() == ROOT.resolve():
        raise Refusal(f"{target} is this repository: give another project's folder")
    try:
        data = facts.load_pyproject(target)
    except facts.ConfigError as exc:
        raise Refusal(f"{exc}: fix it, then make adopt again") from None
    system = data.get("build-system")
    backend = system.get("build-backend") if isinstance(system, dict) else None
    if backend != BACKEND:
        raise Refusal(
            f"{target}/pyproject.toml builds with {backend or 'no build-backend'}, "
            f"not {BACKEND}: the pipeline reads hatchling's build configuration "
            "and supports hatchling projects only"
        )
    requires = system.get("requires", []) if isinstance(system, dict) else []
    names = set()
    for item in requires:
        try:
            names.add(canonicalize_name(Requirement(str(item)).name))
        except InvalidRequirement:
            raise Refusal(
                f"{target}/pyproject.toml [build-system] requires has {item!r}, "
                "which is not a valid requirement: fix it"
            ) from None
    source = facts._table(data, "tool", "hatch", "version").get("source")
    if "hatch-vcs" not in names or source != "vcs":
        raise Refusal(
            f"{target} does not take its version from git with hatch-vcs "
            '([build-system] requires "hatch-vcs" and [tool.hatch.version] source '
            '= "vcs"): the pipeline\'s version guard needs both'
        )
    try:
        status = git("status", "--porcelain", "--untracked-files=all", root=target)
    except GitError as exc:
        raise Refusal(f"{target} is not a git clone ({exc}): adopt a clone") from None
    if status:
        lines = status.splitlines()
        first = re.sub(r"^\s*\S+\s+", "", lines[0])
        more = f" and {len(lines) - 1} more" if len(lines) > 1 else ""
        raise Refusal(
            f"{target} has uncommitted changes ({first}{more}): commit or stash "
            "them first"
        )
    text = (target / "pyproject.toml").read_text(encoding="utf-8")
    return data, text


GITHUB = re.compile(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?")


def repository(data: Dict[str, object]) -> Tuple[str, Optional[str]]:
    """``(OWNER/REPO, URL to add as Source or None)`` from ``[project.urls]``."""
    urls = facts._table(data, "project", "urls")
    found = facts._repository(facts._table(data, "project"))
    if found:
        return found, None
    for value in urls.values():
        match = GITHUB.fullmatch(str(value).strip())
        if match and match.group(1) != "sponsors":
            slug = f"{match.group(1)}/{match.group(2)}"
            return slug, f"https://github.com/{slug}"
    raise Refusal(
        "pyproject.toml [project.urls] names no GitHub repository: add Source = "
        '"https://github.com/OWNER/REPO" (the trusted publishers match it)'
    )


def _insert_before(
    text: str, pattern: str, make_line: "Callable[[re.Match[str]], str]"
) -> Optional[str]:
    """``text`` with ``make_line(match)`` before the first line matching
    ``pattern`` (before, so that a multi-line value is never split)."""
    match = re.search(pattern, text, re.M)
    if not match:
        return None
    return text[: match.start()] + make_line(match) + "\n" + text[match.start() :]


def _insert_after_header(text: str, header: str, line: str) -> Optional[str]:
    """``text`` with ``line`` right after the table header ``header`` (one line)."""
    match = re.search(rf"^{re.escape(header)}[ \t]*(?:#[^\n]*)?$", text, re.M)
    if not match:
        return None
    return text[: match.end()] + "\n" + line + text[match.end() :]


def _append(text: str, block: str) -> str:
    return text.rstrip("\n") + "\n\n" + block.rstrip("\n") + "\n"


def edit_pyproject(
    text: str, data: Dict[str, object], source_url: Optional[str]
) -> Tuple[str, List[str]]:
    """The target's pyproject.toml with what the pipeline needs; and notes."""
    notes = []
    if source_url:
        line = f'Source = "{source_url}"'
        new = _insert_after_header(text, "[project.urls]", line)
        if new is None:
            new = _insert_before(
                text, r"^([ \t]*)urls\.[\w-]+\s*=", lambda m: f"{m.group(1)}urls.{line}"
            )
        if new is None:
            raise Refusal(
                "cannot add Source to [project.urls] of pyproject.toml: add "
                f'Source = "{source_url}" yourself, commit, then make adopt again'
            )
        text = new
        notes.append(f"pyproject.toml: [project.urls] Source = {source_url}")
    if not facts._table(data, "tool", "release-check", "trusted-publishers"):
        rows = "\n".join(
            f'{p.index} = {{ workflow = "{p.workflow}", '
            f'environment = "{p.environment}" }}'
            for p in DEFAULT_PUBLISHERS.values()
        )
        text = _append(
            text,
            "[tool.release-check.trusted-publishers]\n# What the trusted "
            "publishers on PyPI and TestPyPI hold (make adopt; see RELEASING.md).\n"
            + rows,
        )
        notes.append("pyproject.toml: [tool.release-check.trusted-publishers]")
    sdist = facts._table(data, "tool", "hatch", "build", "targets", "sdist")
    excluded = _strings(sdist.get("exclude"))
    if SDIST_EXCLUDE not in excluded and not _selects_only(sdist):
        text = _exclude_tools(text, sdist)
        notes.append(
            "pyproject.toml: [tool.hatch.build.targets.sdist] exclude "
            f'"{SDIST_EXCLUDE}"'
        )
    return text, notes


def _strings(value: object) -> List[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _selects_only(sdist: Dict[str, object]) -> bool:
    """Does the sdist's own list of what to take leave tools/ out already?"""
    listed = [
        str(p) for key in ("include", "only-include") for p in _strings(sdist.get(key))
    ]
    return bool(listed) and not any(
        p.lstrip("/").split("/")[0] in ("tools", "*", "**") or p.startswith("*")
        for p in listed
    )


def _exclude_tools(text: str, sdist: Dict[str, object]) -> str:
    why = "# The release pipeline's tooling (make adopt): not the project's source."
    entry = f'"{SDIST_EXCLUDE}"'
    dotted = r"^([ \t]*(?:(?:tool\.)?hatch\.)?(?:build\.)?targets\.sdist\.)"
    new: Optional[str]
    if "exclude" in sdist:
        new = re.sub(
            r"^([ \t]*(?:[\w.]*targets\.sdist\.)?exclude\s*=\s*\[)",
            rf"\1{entry}, ",
            text,
            count=1,
            flags=re.M,
        )
    else:
        new = _insert_after_header(
            text, "[tool.hatch.build.targets.sdist]", f"{why}\nexclude = [{entry}]"
        )
        if new is None and re.search(dotted, text, re.M):
            new = _insert_before(
                text, dotted, lambda m: f"{m.group(1)}exclude = [{entry}]"
            )
        if new is None:
            new = _append(
                text, f"[tool.hatch.build.targets.sdist]\n{why}\nexclude = [{entry}]"
            )
    if new == text:
        raise Refusal(
            f'cannot add "{SDIST_EXCLUDE}" to [tool.hatch.build.targets.sdist] '
            "exclude of pyproject.toml: add it yourself, commit, then make adopt again"
        )
    return new


def _verify_pyproject(text: str, target: Path) -> Dict[str, object]:
    """The edited pyproject.toml parses and says what the pipeline needs."""
    try:
        data: Dict[str, object] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Refusal(
            f"editing {target}/pyproject.toml would make it invalid TOML ({exc}): "
            'add what RELEASING.md\'s "Adopt this pipeline" lists by hand'
        ) from None
    sdist = facts._table(data, "tool", "hatch", "build", "targets", "sdist")
    if SDIST_EXCLUDE not in _strings(sdist.get("exclude")) and not _selects_only(sdist):
        raise Refusal(
            f'could not add "{SDIST_EXCLUDE}" to [tool.hatch.build.targets.sdist] '
            "exclude of pyproject.toml: add it yourself, commit, then make adopt again"
        )
    return data


def build_in(data: Dict[str, object]) -> str:
    """requirements/build.in: PyPA build and the target's [build-system] requires."""
    ours = (ROOT / BUILD_IN).read_text(encoding="utf-8")
    head = [line for line in ours.splitlines() if line.startswith("#")]
    system = data.get("build-system")
    requires = system.get("requires", []) if isinstance(system, dict) else []
    return (
        "\n".join(
            head
            + [
                "# The target's [build-system] requires, its build plugins too "
                "(make adopt)."
            ]
            + ["build"]
            + [str(r) for r in requires]
        )
        + "\n"
    )


def gitignore(target: Path) -> Optional[bytes]:
    """The target's .gitignore with the pipeline's outputs; None: nothing to add."""
    path = target / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    present = {line.strip() for line in text.splitlines()}
    missing = [p for p in IGNORED if p not in present and p.strip("/") not in present]
    if not missing:
        return None
    block = "# The release pipeline's outputs (make adopt)\n" + "\n".join(missing)
    return (
        (text.rstrip("\n") + "\n\n" if text.strip() else "") + block + "\n"
    ).encode()


def fill(text: str, plan: Plan) -> str:
    """A copied file with this project's literals replaced by the target's."""
    ours = facts.load(ROOT)
    if ours.repository:
        text = text.replace(f"'{ours.repository}'", f"'{plan.repository}'")
    for index, base in INDEX_URLS.items():
        text = text.replace(
            f"{base}/project/{ours.name}/", f"{base}/project/{plan.name}/"
        )
        mine, theirs = ours.publishers.get(index), plan.publishers.get(index)
        if mine and theirs and mine.environment != theirs.environment:
            for key in (r"environment:\s*\n\s*name:", "ENVIRONMENT:"):
                text = re.sub(
                    rf"({key}[ \t]*){re.escape(mine.environment)}[ \t]*$",
                    rf"\g<1>{theirs.environment}",
                    text,
                    flags=re.M,
                )
    return text


def make_plan(target: Path) -> Plan:
    """Every file adopt writes, with its content; or Refusal, before any write."""
    data, text = check_target(target)
    slug, source_url = repository(data)
    new_text, notes = edit_pyproject(text, data, source_url)
    new_data = _verify_pyproject(new_text, target)
    project = facts._table(new_data, "project")
    plan = Plan(target=target, repository=slug, notes=notes)
    plan.name = str(project.get("name") or "")
    try:
        plan.publishers = facts._publishers(new_data)
    except facts.ConfigError as exc:
        raise Refusal(f"{target}/pyproject.toml: {exc}") from None
    ours = facts.load(ROOT)
    sources = _tracked(ROOT, *COPIED_TREES) + list(COPIED_FILES)
    sources += list(REQUIREMENT_SOURCES)
    for path in sources:
        plan.files[path] = (ROOT / path).read_bytes()
    for index, mine in ours.publishers.items():
        theirs = plan.publishers.get(index, mine)
        plan.files[f"{WORKFLOWS}/{theirs.workflow}"] = (
            ROOT / WORKFLOWS / mine.workflow
        ).read_bytes()
    plan.type_envs = type_check_envs(target)
    try:
        plan.files[TEST_WORKFLOW] = adapt_tests(
            plan.files[TEST_WORKFLOW].decode("utf-8"),
            plan.type_envs,
            by_factor=tests_by_factor(target),
        ).encode()
    except CannotAdapt as exc:
        raise Refusal(str(exc)) from None
    if plan.type_envs:
        plan.notes.append(
            f"{TEST_WORKFLOW}: its lint job runs the project's type checker "
            f"(tox run -e {','.join(plan.type_envs)})"
        )
    for path in list(plan.files):
        if path.startswith(".github/"):
            plan.files[path] = fill(plan.files[path].decode("utf-8"), plan).encode()
    plan.files[BUILD_IN] = build_in(new_data).encode()
    plan.files["pyproject.toml"] = new_text.encode()
    ignore = gitignore(target)
    if ignore is not None:
        plan.files[".gitignore"] = ignore
        plan.notes.append(".gitignore: the pipeline's outputs")
    own = {"pyproject.toml", ".gitignore", BUILD_IN}
    for path, content in plan.files.items():
        existing = target / path
        if path not in own and existing.exists() and existing.read_bytes() != content:
            plan.overwritten.append(path)
    plan.replaced = own_publish_workflows(target, list(plan.files))
    return plan


def write(plan: Plan) -> Dict[Path, Optional[bytes]]:
    """Write the plan's files; return what each was before (None: new)."""
    before: Dict[Path, Optional[bytes]] = {}
    for path, content in plan.files.items():
        dest = plan.target / path
        before[dest] = dest.read_bytes() if dest.is_file() else None
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(content)
        source = ROOT / path
        if source.is_file():
            shutil.copymode(source, dest)
    return before


def restore(before: Dict[Path, Optional[bytes]]) -> None:
    """Put every written file back as it was (remove the new ones)."""
    for dest, content in before.items():
        if content is None:
            dest.unlink(missing_ok=True)
        else:
            dest.write_bytes(content)


def lock(target: Path, python: str) -> None:
    """``make lock BUILD_ONLY=1`` in the target, with this tool environment's
    Python: its build lock, for its own build requirements and Pythons."""
    out = subprocess.run(
        ["make", "-C", str(target), "lock", "BUILD_ONLY=1", f"TOOLS_PYTHON={python}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if out.returncode != 0:
        errors = [
            line.strip()
            for line in out.stdout.splitlines()
            if line.strip().startswith(("error:", "×", "╰─▶", "Because"))
        ]
        raise Refusal(
            f"make lock failed in {target} "
            f"({(errors or [last_line(out.stdout)])[0]}); every file "
            "was put back: fix that, then make adopt again"
        )


def own_publish_workflows(target: Path, written: Sequence[str]) -> List[str]:
    """The target's own workflows that publish (a publish or dry-run job, as
    the validator's analysis finds them), except the ones adopt writes."""
    publishing = analysis.of(Repo(target)).workflows
    return sorted(path for path in publishing if path not in written)


def person_steps(plan: Plan) -> List[str]:
    """What only a person can do, with the exact values."""
    owner, repo = plan.repository.split("/", 1)
    lines = ["What only you can do (the values are exact):"]
    for index, pub in sorted(plan.publishers.items()):
        lines.append(
            f"- {INDEX_URLS[index]}/manage/account/publishing/ (or the project's "
            f"Publishing page): add a GitHub trusted publisher for project "
            f"{plan.name}: owner {owner}, repository {repo}, workflow "
            f"{pub.workflow}, environment {pub.environment}"
        )
    for pub in sorted(plan.publishers.values(), key=lambda p: p.index):
        lines.append(
            f"- https://github.com/{plan.repository}/settings/environments: create "
            f"the environment {pub.environment} (used by {WORKFLOWS}/{pub.workflow};"
            + (
                " add required reviewers"
                if pub.index == "pypi"
                else " no reviewer needed"
            )
            + ")"
        )
    if plan.type_envs == []:
        lines.append(
            f"- {plan.target} configures a type checker "
            f"({', '.join(ci.TYPE_CHECKERS)}) that no tox env runs: add one, "
            f"then run it in the lint job of {TEST_WORKFLOW} (validate's ci-runs "
            "rule asks for it)"
        )
    lines.append(
        f"- in {plan.target}: review and commit (git add -A && git commit), tag a "
        "release, then make release-check (and make release-check DEV=1)"
    )
    return lines


def adopt(target: Path, force: bool = False, python: str = sys.executable) -> Plan:
    """Adopt the pipeline into ``target``; Refusal says why not."""
    plan = make_plan(target)
    if (plan.overwritten or plan.replaced) and not force:
        said = []
        if plan.overwritten:
            shown = ", ".join(plan.overwritten[:3])
            more = len(plan.overwritten) - 3
            said.append(
                f"{shown}"
                + (f" and {more} more" if more > 0 else "")
                + ", which adopt would overwrite"
            )
        if plan.replaced:
            said.append(
                f"{', '.join(plan.replaced)}, which "
                + ("publish" if len(plan.replaced) > 1 else "publishes")
                + " too and which adopt would remove (the pipeline's publish "
                "workflows replace them)"
            )
        raise Refusal(
            f"{target} already has {'; and '.join(said)}: FORCE=1 (--force) "
            "overwrites and removes them"
        )
    before = write(plan)
    for path in plan.replaced:
        dest = target / path
        before[dest] = dest.read_bytes()
        dest.unlink()
    for made in LOCKS:  # make lock writes these: put back too on failure
        dest = target / made
        before.setdefault(dest, dest.read_bytes() if dest.is_file() else None)
    try:
        lock(target, python)
    except BaseException:
        restore(before)
        raise
    return plan


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.adopt",
        description="bring this release pipeline into another hatchling project",
    )
    parser.add_argument("target", type=Path, help="the project's git clone")
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite files the target has, remove its own publishing workflows",
    )
    args = parser.parse_args(argv)
    target = args.target.resolve()
    try:
        plan = adopt(target, args.force)
    except Refusal as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"adopt: {len(plan.files)} files written into {target}, requirements locked")
    for note in plan.notes:
        print(f"adopt: {note}")
    if plan.overwritten:
        print(f"adopt: overwritten: {', '.join(plan.overwritten)}")
    for path in plan.replaced:
        print(
            f"adopt: removed {path}: it published too; the pipeline's "
            f"{' and '.join(sorted(p.workflow for p in plan.publishers.values()))} "
            "publish instead"
        )
    print("\n".join(person_steps(plan)))
    return 0


if __name__ == "__main__":
    run_main(main)
