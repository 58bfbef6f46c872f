"""Versions: the TestPyPI dev version of HEAD, and the tag/version guard.

    python -m tools.artifacts.dev_version dev-version
        print the version a TestPyPI build of HEAD gets (make dev-version)
    python -m tools.artifacts.dev_version guard [--tag vX.Y.Z] [--dev] [--dist-dir dist]
        check the built version against the tag, HEAD and the tree

The dev version is setuptools-scm's ``guess-next-dev`` scheme without the
local part: ``X.Y.(Z+1).devN``, N commits after the last ``vX.Y.Z`` tag
(``0.1.devN`` before the first tag); at a tag it is the tag's version. It is
public (PyPI and TestPyPI reject a local ``+...`` part), the same on every
build of a commit, different for each commit and increasing along ``main``.
The commit itself is recorded in the package by ``hatch_build.py``.

The guard, for a release (``--tag``, or the ``v*`` tag on HEAD): the tag is
``v`` + a PEP 440 version; the clone is not shallow and holds the tag; the tag
is on HEAD; the tree is clean; the built version equals the tag's, and has no
local part. With ``--dev`` (a TestPyPI build): not shallow, clean, the built
version is HEAD's dev version. Otherwise it is a local development build: the
guard says so and passes.
"""

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from packaging.version import InvalidVersion, Version

from tools import project
from tools.artifacts.archives import compute_version
from tools.common import ROOT, Checked, GitError, Problem, git, report, run_main
from tools.project import DIST_DIR, load, load_pyproject

DEV_SCHEME = {"version_scheme": "guess-next-dev", "local_scheme": "no-local-version"}


def compute_dev_version(root: Path = ROOT) -> str:
    """The TestPyPI version of HEAD: public, deterministic, one per commit.

    setuptools-scm is called as hatch-vcs calls it (the same options from
    ``[tool.hatch.version]``), with the dev scheme on top.
    """
    import warnings

    from setuptools_scm import get_version

    settings = load_pyproject(root).get("tool", {}).get("hatch", {}).get("version", {})
    config = dict(settings.get("raw-options", {}))
    config.setdefault("root", str(root))
    if settings.get("tag-pattern"):
        config["tag_regex"] = settings["tag-pattern"]
    if settings.get("fallback-version"):
        config["fallback_version"] = settings["fallback-version"]
    for key in ("write_to", "write_to_template", "version_file"):
        config.pop(key, None)
    config.update(DEV_SCHEME)
    with warnings.catch_warnings():
        # setuptools-scm 10 deprecates tag_regex=, which hatch-vcs still passes
        warnings.simplefilter("ignore", DeprecationWarning)
        return get_version(**config)


def dev_version_or_error(root: Path = ROOT) -> Checked[Optional[str]]:
    """The dev version, or None and the one problem saying what is wrong."""
    try:
        return Checked(compute_dev_version(root))
    except Exception as exc:  # setuptools-scm: not a git checkout, no commit, ...
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        detail = lines[0] if lines else type(exc).__name__
        problem = Problem(
            f"cannot compute the dev version of {root} ({detail})",
            "a dev build needs a git checkout with at least one commit (git clone "
            "the repository, not an export or an sdist)",
            str(root),
        )
        return Checked(None, [problem])


def parse_tag(tag: str, root: Path = ROOT) -> Checked[Optional[Version]]:
    """``("v1.2.3")`` -> ``Version("1.2.3")``, or None and the problem.

    A release tag matches the project's ``tag_regex`` (pyproject.toml), whose
    ``version`` group must be a PEP 440 version.
    """
    regex = project.load(root).tag_regex
    how = f"release tags match tag_regex {regex} of pyproject.toml, e.g. v1.2.3"
    match = re.match(regex, tag)
    if not match:
        return Checked(None, [Problem(f"tag {tag!r} is not a release tag", how, tag)])
    groups = match.groupdict()
    raw = groups["version"] if "version" in groups else match.group(1)
    try:
        return Checked(Version(raw))
    except (InvalidVersion, TypeError):
        what = f"tag {tag!r}: {raw!r} is not a PEP 440 version"
        return Checked(None, [Problem(what, how, tag)])


def release_tags(tags: List[str], root: Path = ROOT) -> List[str]:
    """The release tags among ``tags`` (those matching ``tag_regex``)."""
    regex = project.load(root).tag_regex
    return sorted(tag for tag in tags if re.match(regex, tag))


def tag_build_version(root: Path, tag: str) -> Checked[Optional[str]]:
    """The version to build HEAD with as release ``tag``.

    The tag's version when the tag is on HEAD: the build takes it even when
    HEAD carries other release tags too (an rc promoted to final), where
    setuptools-scm alone could take the other one. None and the problem for a
    malformed tag; None and no problem when the tag is not on HEAD: the build
    takes git's version and the guard says what is wrong.
    """
    parsed = parse_tag(tag, root)
    if not parsed.ok:
        return Checked(None, parsed.problems)
    try:
        head = git("rev-parse", "HEAD", root=root)
        ref = f"refs/tags/{tag}^{{commit}}"
        commit = git("rev-parse", "-q", "--verify", ref, root=root, check=False)
    except GitError:
        return Checked(None)
    return Checked(str(parsed.value) if commit == head else None)


@dataclass
class GitState:
    """What the guard needs to know about the checkout."""

    head: str = ""
    root: Path = ROOT  # the checkout asked about
    shallow: bool = False
    dirty: List[str] = field(default_factory=list)  # `git status --porcelain` lines
    head_tags: List[str] = field(default_factory=list)  # v* tags on HEAD
    tag_commit: Optional[str] = None  # the commit of the tag checked, if it exists
    commits_after_tag: Optional[int] = None  # HEAD is N commits after the tag
    error: Optional[str] = None  # not a git checkout, git missing


def read_git_state(root: Path = ROOT, tag: Optional[str] = None) -> GitState:
    """Ask git about the checkout (and about ``tag``, when given)."""
    state = GitState(root=root)
    try:
        state.head = git("rev-parse", "HEAD", root=root)
        shallow = git("rev-parse", "--is-shallow-repository", root=root)
        state.shallow = shallow == "true"
        status = git("status", "--porcelain", "--untracked-files=normal", root=root)
        state.dirty = [line for line in status.splitlines() if line.strip()]
        tags = git("tag", "--points-at", "HEAD", root=root)
        state.head_tags = release_tags(tags.split(), root)
        if tag:
            ref = f"refs/tags/{tag}^{{commit}}"
            commit = git("rev-parse", "-q", "--verify", ref, root=root, check=False)
            state.tag_commit = commit or None
        if state.tag_commit and state.tag_commit != state.head:
            after = git("rev-list", "--count", f"{state.tag_commit}..HEAD", root=root)
            before = git("rev-list", "--count", f"HEAD..{state.tag_commit}", root=root)
            if before == "0":
                state.commits_after_tag = int(after)
    except GitError as exc:
        state.error = str(exc)
    return state


def pick_tag(tag: Optional[str], state: GitState) -> Checked[Optional[str]]:
    """The tag to check: the one given, else the single ``v*`` tag on HEAD."""
    if tag:
        return Checked(tag)
    if len(state.head_tags) > 1:
        problem = Problem(
            f"HEAD has several release tags ({', '.join(state.head_tags)})",
            "delete the wrong ones (git tag -d) or say which one: TAG=vX.Y.Z",
            "HEAD",
        )
        return Checked(None, [problem])
    return Checked(state.head_tags[0] if state.head_tags else None)


def _short(commit: Optional[str]) -> str:
    return (commit or "?")[:12]


def _dirty_problem(state: GitState) -> List[Problem]:
    if not state.dirty:
        return []
    shown = ", ".join(line.strip() for line in state.dirty[:5])
    more = f" and {len(state.dirty) - 5} more" if len(state.dirty) > 5 else ""
    return [
        Problem(
            f"the working tree is not clean ({shown}{more})",
            "commit or stash the changes (git stash -u), then rebuild (make dist)",
            str(state.root),
        )
    ]


def _shallow_problem(state: GitState) -> List[Problem]:
    if not state.shallow:
        return []
    return [
        Problem(
            "the clone is shallow: its history and tags are missing, so the "
            "version cannot be trusted",
            "git fetch --unshallow --tags (actions/checkout: fetch-depth: 0)",
            str(state.root),
        )
    ]


def _local_problem(version: Optional[Version], what: str) -> List[Problem]:
    if version is None or version.local is None:
        return []
    return [
        Problem(
            f"version {version} has a local part (+{version.local}): {what} "
            "rejects it (HTTP 400)",
            "build from a clean, tagged commit (make dist), or with make dist "
            "DEV=1 for TestPyPI",
        )
    ]


def check_release(tag: str, built: Optional[Version], state: GitState) -> List[Problem]:
    """Problems of a release build of ``tag`` whose files have version ``built``."""
    problems = list(_shallow_problem(state))
    parsed = parse_tag(tag, state.root)
    tag_version = parsed.value
    problems += parsed.problems
    if state.tag_commit is None:
        how = (
            "fetch the tags (git fetch --tags)"
            if state.shallow
            else f"create it on the release commit (git tag -a {tag} -m {tag}) "
            "or fetch the tags (git fetch --tags)"
        )
        problems.append(Problem(f"tag {tag} does not exist in this clone", how, tag))
    elif state.tag_commit != state.head:
        if state.commits_after_tag:
            n = state.commits_after_tag
            problems.append(
                Problem(
                    f"HEAD ({_short(state.head)}) is {n} commit"
                    f"{'s' if n > 1 else ''} after tag {tag} "
                    f"({_short(state.tag_commit)})",
                    f"release the tagged commit (git checkout {tag}), or tag HEAD "
                    "with a new version",
                    tag,
                )
            )
        else:
            problems.append(
                Problem(
                    f"tag {tag} is on commit {_short(state.tag_commit)}, not on HEAD "
                    f"({_short(state.head)})",
                    f"check out the tag (git checkout {tag}) or move the tag to the "
                    "commit to release",
                    tag,
                )
            )
    problems += _dirty_problem(state)
    if built is not None and tag_version is not None and built != tag_version:
        problems.append(
            Problem(
                f"tag {tag} does not match built version {built}",
                "build the tagged commit from a clean tree (make dist), or fix the "
                "tag",
                tag,
            )
        )
    problems += _local_problem(built, "PyPI")
    return problems


def check_dev(
    built: Optional[Version], dev_version: str, state: GitState
) -> List[Problem]:
    """Problems of a TestPyPI development build of HEAD."""
    problems = _shallow_problem(state) + _dirty_problem(state)
    problems += _local_problem(built, "TestPyPI")
    if built is not None and built.local is None and built != Version(dev_version):
        problems.append(
            Problem(
                f"built version {built} is not HEAD's dev version {dev_version}",
                "rebuild with make dist DEV=1",
            )
        )
    return problems


@dataclass
class GuardResult:
    problems: List[Problem]
    notes: List[str]


def check_guard(
    tag: Optional[str],
    dev: bool,
    built: Optional[Version],
    state: GitState,
    dev_version: Optional[str] = None,
) -> GuardResult:
    """The tag/version guard: which kind of build this is, and its problems."""
    if state.error:
        return GuardResult(
            [Problem(state.error, "run the guard in a git clone", str(state.root))],
            [],
        )
    if tag and dev:
        return GuardResult(
            [
                Problem(
                    f"TAG={tag} and DEV=1 together",
                    "a release build has the tag's version; drop DEV=1 (or TAG for "
                    "a TestPyPI build)",
                )
            ],
            [],
        )
    picked = pick_tag(tag, state)
    chosen = picked.value
    if not picked.ok:
        return GuardResult(picked.problems, [])
    shown = built if built is not None else "(dist/ not built)"
    if dev:
        dev_version = dev_version or ""
        return GuardResult(
            check_dev(built, dev_version, state),
            [
                f"TestPyPI development build {shown} of commit {_short(state.head)}"
                f" (HEAD's dev version: {dev_version})"
            ],
        )
    if chosen:
        return GuardResult(
            check_release(chosen, built, state),
            [f"release build {shown} of tag {chosen} (commit {_short(state.head)})"],
        )
    problems = _shallow_problem(state)
    return GuardResult(
        problems,
        [
            f"no v* tag on HEAD: development build {shown} of commit "
            f"{_short(state.head)}, not for an index (TAG=vX.Y.Z checks a release, "
            "DEV=1 builds for TestPyPI)"
        ],
    )


def run_guard(
    root: Path,
    dist_dir: Path,
    tag: Optional[str],
    dev: bool,
    report_dist: bool = True,
) -> Checked[List[str]]:
    """Gather the facts and run :func:`check_guard`: its notes and problems.

    ``report_dist=False`` leaves out the problems of an inconsistent
    ``dist/`` (sanity reports them in more detail).
    """
    computed = compute_version(dist_dir, load(root).name)
    built = computed.value
    problems = computed.problems if report_dist else []
    state = read_git_state(root, tag or None)
    if not tag and not state.error:
        chosen = pick_tag(None, state).value
        if chosen:
            state = read_git_state(root, chosen)
    dev_version = None
    if dev and not state.error:
        computed_dev = dev_version_or_error(root)
        if not computed_dev.ok:
            return Checked([], problems + computed_dev.problems)
        dev_version = computed_dev.value
    result = check_guard(tag or None, dev, built, state, dev_version)
    return Checked(result.notes, problems + result.problems)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.artifacts.dev_version")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dev-version", help="print HEAD's TestPyPI dev version")
    guard = commands.add_parser("guard", help="check the tag against the build")
    guard.add_argument("--tag", default="", help="the release tag, e.g. v1.2.3")
    guard.add_argument("--dev", action="store_true", help="a TestPyPI dev build")
    guard.add_argument("--dist-dir", type=Path, default=ROOT / DIST_DIR)
    args = parser.parse_args(argv)
    if args.command == "dev-version":
        computed = dev_version_or_error(ROOT)
        if not computed.ok:
            for problem in computed.problems:
                print(f"error: {problem}", file=sys.stderr)
            return 1
        print(computed.value)
        return 0
    found = run_guard(ROOT, args.dist_dir, args.tag, args.dev)
    for note in found.value:
        print(f"guard: {note}")
    if report(found.problems, "tag/version guard"):
        return 1
    print("guard: passed")
    return 0


if __name__ == "__main__":
    run_main(main)
