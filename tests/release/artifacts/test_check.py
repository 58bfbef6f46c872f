"""The hermetic build: hash-checked locks, a rebuild from a clone, the uploader's twine.

Every broken case is made in a temporary copy of the project (the ``project``
fixture) and must fail with its message.
"""

import logging
import os
import re
import sys
from pathlib import Path

import pytest

from tests.release.helpers import failed, passed, texts
from tools.artifacts import check, lock
from tools.artifacts.lock import BOOTSTRAP_LOCK, BUILD_LOCK, TOOLS_LOCK
from tools.common import ROOT


def tamper_hashes(lock: Path, name: str) -> None:
    """Change every hash of every pin of ``name`` in a lock."""
    lines, inside = [], False
    for line in lock.read_text().splitlines(keepends=True):
        if re.match(rf"{re.escape(name)}==", line):
            inside = True
        elif not line.startswith("    --hash"):
            inside = False
        if inside:
            line = re.sub(r"sha256:[0-9a-f]{4}", "sha256:0bad", line)
        lines.append(line)
    lock.write_text("".join(lines))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, path
    path.write_text(text.replace(old, new))


# -- the locks of the repository ---------------------------------------------


def test_the_repository_locks_hold_together():
    assert lock.check_build_lock(ROOT) == []
    assert lock.check_bootstrap(ROOT) == []
    for name in (BUILD_LOCK, TOOLS_LOCK, BOOTSTRAP_LOCK):
        pins = lock.read_lock(ROOT, name)
        assert pins and all(p.hashes for p in pins), name
    build = lock.read_lock(ROOT, BUILD_LOCK)
    # Every Python a build runs on has its pins: 3.8 (the oldest) and this one.
    assert lock.pin_for_this_python(build, "hatchling") is not None
    old = [p for p in lock.pins_of(build, "hatchling") if p.marker]
    assert any(p.marker.evaluate({"python_full_version": "3.8.18"}) for p in old)


LOCK = """\
build==1.6.1 \\
    --hash=sha256:aaaa
    # via -r requirements/build.in
hatchling==1.27.0 ; python_full_version < '3.10' \\
    --hash=sha256:bbbb \\
    --hash=sha256:cccc
hatchling==1.33.0 ; python_full_version >= '3.10' \\
    --hash=sha256:dddd
hatch-vcs==0.5.0
"""


def write_project(tmp_path: Path, requires, lock: str = LOCK) -> Path:
    (tmp_path / "requirements").mkdir()
    (tmp_path / BUILD_LOCK).write_text(lock)
    quoted = ", ".join(f'"{r}"' for r in requires)
    (tmp_path / "pyproject.toml").write_text(f"[build-system]\nrequires = [{quoted}]\n")
    return tmp_path


def test_parse_lock_reads_pins_markers_and_hashes():
    pins = lock.parse_lock(LOCK)
    assert [str(p.version) for p in pins] == ["1.6.1", "1.27.0", "1.33.0", "0.5.0"]
    assert pins[1].hashes == ("sha256:bbbb", "sha256:cccc") and pins[1].line == 4
    assert pins[3].hashes == ()
    with pytest.raises(lock.LockError, match="lock:1: 'hatchling>=1' is not a pin"):
        lock.parse_lock("hatchling>=1\n")


def test_build_lock_must_pin_build_system_requires_with_hashes(tmp_path):
    root = write_project(tmp_path, ["hatchling>=1.30", "flit-core", "hatch-vcs"])
    found = lock.check_build_lock(root)
    assert [p.where for p in found] == [
        f"{BUILD_LOCK}:4",
        BUILD_LOCK,
        f"{BUILD_LOCK}:9",
    ]
    assert found[2].fix == "make lock adds them"
    problems = texts(found)
    assert problems[0] == (
        f'{BUILD_LOCK} pins hatchling==1.27.0 ; python_full_version < "3.10" '
        "(line 4), which 'hatchling>=1.30' of pyproject.toml's [build-system] "
        "requires does not allow: make requirements/build.in ask for what "
        "[build-system] requires, then make lock"
    )
    assert problems[1].startswith(f"{BUILD_LOCK} does not pin flit-core, needed by")
    assert problems[1].endswith("add it to requirements/build.in, then make lock")
    assert problems[2] == (
        f"{BUILD_LOCK} pins hatch-vcs==0.5.0 without a hash (line 9): make lock "
        "adds them"
    )
    assert len(problems) == 3


def test_build_lock_must_pin_the_build_frontend(tmp_path):
    root = write_project(tmp_path, ["hatchling"], "hatchling==1.33.0 --hash=sha256:d\n")
    (problem,) = texts(lock.check_build_lock(root))
    assert "does not pin build, needed by PyPA build" in problem


def test_missing_lock_says_make_lock(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[build-system]\nrequires = []\n")
    assert texts(lock.check_build_lock(tmp_path)) == [
        f"{BUILD_LOCK} does not exist: make lock writes it"
    ]


# -- a build that differs from the lock ---------------------------------------

e2e = pytest.mark.e2e


@e2e
def test_tampered_build_lock_fails_the_build_naming_the_package(project):
    tamper_hashes(project.path / BUILD_LOCK, "hatchling")
    text = failed(
        project.make("dist"),
        f"error: {BUILD_LOCK}: the hash of hatchling==",
        "re-pin with make lock",
    )
    assert not (project.path / "dist").exists(), text


@e2e
def test_build_requirement_the_lock_lacks_or_does_not_allow(project):
    pyproject = project.path / "pyproject.toml"
    original = pyproject.read_text()
    edit(pyproject, '"hatch-vcs>=0.4"]', '"hatch-vcs>=0.4", "flit-core>=3.9"]')
    failed(
        project.make("dist"),
        f"error: {BUILD_LOCK} does not pin flit-core, needed by 'flit-core>=3.9'",
        "then make lock",
    )
    pyproject.write_text(original.replace('"hatchling>=1.27"', '"hatchling>=99"'))
    failed(
        project.make("dist"),
        f"error: {BUILD_LOCK} pins hatchling==",
        "which 'hatchling>=99' of pyproject.toml's [build-system] requires does "
        "not allow",
    )


@e2e
def test_backend_asking_for_what_the_lock_lacks_fails_the_build(project):
    """Hatchling asks for a build hook's dependencies at build time; build's
    dependency check in the locked environment refuses what it lacks."""
    edit(
        project.path / "pyproject.toml",
        "[tool.hatch.build.hooks.custom]\n",
        '[tool.hatch.build.hooks.custom]\ndependencies = ["tomli-w>=1"]\n',
    )
    failed(
        project.make("dist"),
        f"error: the build needs tomli-w>=1, which {BUILD_LOCK} does not provide",
        "then make lock",
    )


@e2e
@pytest.mark.parametrize(
    "lock, name, words",
    [
        (BOOTSTRAP_LOCK, "uv", "DO NOT MATCH THE HASHES"),
        (TOOLS_LOCK, "packaging", "Hash mismatch for `packaging=="),
    ],
)
def test_tampered_tools_locks_fail_make_tools(project, tmp_path, lock, name, words):
    tamper_hashes(project.path / lock, name)
    venv = tmp_path / "venv"
    failed(project.run("make", "tools", f"VENV={venv}"), words)
    assert not (venv / ".tools-installed").exists()


# -- the rebuild from a clone -------------------------------------------------


@e2e
def test_untracked_or_ignored_file_in_the_build_fails_reproducibility(project):
    """The control passes; then one untracked and one git-ignored file (which
    hatchling still ships) leak into one build, and each is named."""
    passed(project.make("dist"))
    text = passed(project.make("reproducibility"))
    assert "a build of a fresh clone of commit " in text
    (project.path / "tests" / "draft_notes.txt").write_text("not committed\n")
    secret = project.path / "tests" / "local_secret.txt"
    with open(project.path / ".git" / "info" / "exclude", "a") as handle:
        handle.write("/tests/local_secret.txt\n")  # ignored by git, not hatchling
    secret.write_text("token\n")
    passed(project.make("dist"))
    failed(
        project.make("reproducibility"),
        "holds tests/draft_notes.txt, which a build of commit",
        "tests/draft_notes.txt is not tracked by git (untracked) and leaked into "
        "the build",
        "tests/local_secret.txt is not tracked by git (ignored)",
    )


@e2e
def test_dirty_tree_is_reported_by_reproducibility(project):
    with open(project.path / "README.md", "a") as handle:
        handle.write("\nan uncommitted line\n")
    passed(project.make("dist"))
    failed(
        project.make("reproducibility"),
        "dist/ was built from a working tree with changes not in commit",
        "(M README.md)",
        "commit or stash them",
    )


# -- the uploader's twine -------------------------------------------------------


def test_publish_action_releases_and_the_twine_of_the_tools():
    releases = check.publish_action_releases(ROOT)
    assert len(releases) >= 2 and set(releases.values()) == {"v1.14.2"}
    pinned, installed = check.twine_versions(ROOT)
    assert pinned == installed
    if sys.version_info >= (3, 10):
        assert check.check_twine_matches_publisher(ROOT) == []


def test_compare_twine_names_both_versions_and_the_fix():
    table = {"v1.14.2": "7.0.0"}
    wf = ".github/workflows/publish.yml:9"
    assert check.compare_twine({wf: "v1.14.2"}, "7.0.0", "7.0.0", table) == []
    (found,) = check.compare_twine({wf: "v1.14.2"}, "6.2.0", None, table)
    assert found.where == wf and found.fix.startswith("make them agree")
    problem = str(found)
    assert problem.startswith("twine check runs twine 6.2.0 (requirements/tools.txt")
    assert "gh-action-pypi-publish v1.14.2 (.github/workflows/publish.yml:9)" in problem
    assert "uploads with twine 7.0.0: make them agree (twine==7.0.0" in problem
    (problem,) = texts(check.compare_twine({wf: "v1.15.0"}, "7.0.0", None, table))
    assert "v1.15.0, whose twine is not recorded: add it to BUNDLED_TWINE" in problem
    (problem,) = texts(check.compare_twine({wf: None}, "7.0.0", None, table))
    assert "without a # vX.Y.Z comment" in problem
    (problem,) = texts(check.compare_twine({}, "7.0.0", "6.0.0", table))
    assert problem.startswith("the tool environment has twine 6.0.0 but")


@e2e
def test_make_check_fails_when_the_twines_disagree(project):
    lock = project.path / TOOLS_LOCK
    pinned, _ = check.twine_versions(ROOT)
    edit(lock, f"twine=={pinned} ", "twine==6.9.9 ")
    failed(
        project.run("python", "-m", "tools.artifacts.check"),
        "twine check runs twine 6.9.9",
        "pypa/gh-action-pypi-publish v1.14.2 (.github/workflows/publish-pypi.yml:",
        f"uploads with twine {check.BUNDLED_TWINE['v1.14.2']}",
    )
    workflow = project.path / ".github" / "workflows" / "publish-pypi.yml"
    edit(workflow, "# v1.14.2", "# v1.99.0")
    failed(
        project.run("python", "-m", "tools.artifacts.check"),
        "v1.99.0, whose twine is not recorded",
    )


# -- the tools, run in this process --------------------------------------------

TOOL_MODULE = """
import os, sys
print("out", sys.argv[1:], os.getcwd(), os.environ.get("COLUMNS"))
print("err", file=sys.stderr)
{ending}
"""


@pytest.mark.parametrize(
    "ending, code, words",
    [
        ("sys.exit(3)", 3, []),
        ("", 0, []),
        ("sys.exit('a message of its own')", 1, ["a message of its own"]),
        (
            "raise ValueError('broken tool')",
            1,
            ["Traceback", "ValueError: broken tool"],
        ),
    ],
)
def test_a_tool_runs_in_process_as_python_m_would(
    tmp_path, monkeypatch, ending, code, words
):
    """Its exit code (sys.exit's, 0 at the end, 1 for a message or a crash),
    stdout and stderr, argv, the project as its folder, no line wrapping; and
    this process as it was."""
    (tmp_path / "fake_tool.py").write_text(TOOL_MODULE.format(ending=ending))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("COLUMNS", raising=False)
    root = tmp_path / "project"
    root.mkdir()
    argv, cwd = sys.argv, Path.cwd()
    tool = check.Tool("fake", [sys.executable, "-m", "fake_tool", "a", "b"], "fix")
    outcome = check.run_in_process(tool, root)
    assert outcome.returncode == code
    assert f"out ['a', 'b'] {root} 200" in outcome.output
    assert "err" in outcome.output
    for word in words:
        assert word in outcome.output
    assert sys.argv is argv and Path.cwd() == cwd and "COLUMNS" not in os.environ


@e2e
def test_invalid_pyproject_fails_make_check(project):
    """validate-pyproject's schemas: a [tool.setuptools] hatchling ignores,
    with a value of the wrong type."""
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.setuptools]\nzip-safe = "yes"\n'
    )
    project.commit("a wrong [tool.setuptools]")
    passed(project.make("dist"))
    result = project.make("check")
    failed(result, "validate-pyproject failed", "fix pyproject.toml where it says")
    assert "zip-safe" in result.stdout + result.stderr


FIRST_TOOL = """
import logging.config, sys
logging.config.dictConfig({
    "version": 1,
    "handlers": {
        "out": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    },
    "root": {"handlers": ["out"], "level": "INFO"},
})
logging.getLogger("first").info("first tool's line")
"""
SECOND_TOOL = """
import logging
logging.basicConfig(format="[%(levelname)s] %(message)s")
logging.getLogger("second").error("second tool's error")
raise SystemExit(1)
"""


def test_one_tools_logging_does_not_reach_the_next(tmp_path, monkeypatch):
    """twine's dictConfig left its handler on the root logger, so that
    validate-pyproject's basicConfig did nothing: each tool now starts from
    this process's own logging, and leaves it as it was."""
    (tmp_path / "first_tool.py").write_text(FIRST_TOOL)
    (tmp_path / "second_tool.py").write_text(SECOND_TOOL)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(logging.root, "handlers", [])  # as in make check: none
    mine = logging.getLogger("tests.mine")
    handlers = list(logging.root.handlers)
    tools = [
        check.Tool(name, [sys.executable, "-m", name], "fix")
        for name in ("first_tool", "second_tool")
    ]
    first, second = check.run_tools(tools, tmp_path)
    assert "first tool's line" in first.output
    assert second.returncode == 1
    assert second.output.strip() == "[ERROR] second tool's error"
    assert logging.root.handlers == handlers and not mine.disabled
