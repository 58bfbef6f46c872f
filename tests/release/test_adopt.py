"""make adopt: bring the pipeline into another hatchling + hatch-vcs project.

The target is a copy of a fixture project (``projects/<shape>/``, pypa/build's
style) in a fresh git repository. The refusals and the plan are checked on
the module's core (no build); the e2e tests run the real ``make adopt`` and
then the real ``make release-check`` in the target, on a tag without ``v``
and with ``DEV=1``.
"""

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.release.helpers import Project, passed
from tools import adopt, release_check
from tools.project import ROOT
from tools.workflows.validator import check_all

PROJECTS = Path(__file__).parent / "projects"


def target(tmp_path: Path, shape: str = "shapes") -> Project:
    """A fresh repository holding a copy of ``projects/<shape>``, committed."""
    dest = tmp_path / shape
    shutil.copytree(PROJECTS / shape, dest)
    proj = Project(dest)
    proj.git("init", "-q", "-b", "main")
    proj.commit("initial")
    return proj


def refused(proj: Project, *words: str, force: bool = False) -> str:
    """adopt refuses the target with one line naming ``words``, writing nothing."""
    before = proj.git("status", "--porcelain", "--untracked-files=all")
    with pytest.raises(adopt.Refusal) as caught:
        adopt.adopt(proj.path, force=force, python="/nonexistent/python")
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    assert proj.git("status", "--porcelain", "--untracked-files=all") == before
    return message


def edit(proj: Project, old: str, new: str, commit: bool = True) -> None:
    path = proj.path / "pyproject.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    if commit:
        proj.commit("edit")


# -- refusals ----------------------------------------------------------------


def test_another_build_backend_is_refused(tmp_path):
    proj = target(tmp_path)
    edit(
        proj,
        'build-backend = "hatchling.build"',
        'build-backend = "flit_core.buildapi"',
    )
    refused(proj, "flit_core.buildapi", "hatchling projects only")


def test_a_project_without_hatch_vcs_is_refused(tmp_path):
    proj = target(tmp_path)
    edit(proj, '"hatch-vcs>=0.4", ', "")
    refused(proj, "hatch-vcs", "version guard")


def test_a_malformed_pyproject_is_refused(tmp_path):
    proj = target(tmp_path)
    edit(proj, "[project]\n", "[project\n")
    refused(proj, "is not valid TOML")


def test_uncommitted_changes_are_refused(tmp_path):
    proj = target(tmp_path)
    (proj.path / "README.md").write_text("changed\n")
    refused(proj, "uncommitted changes (README.md", "commit or stash")


def test_a_folder_that_is_not_a_git_clone_is_refused(tmp_path):
    proj = target(tmp_path)
    shutil.rmtree(proj.path / ".git")
    with pytest.raises(adopt.Refusal, match="is not a git clone"):
        adopt.make_plan(proj.path)


def test_no_github_repository_is_refused(tmp_path):
    proj = target(tmp_path)
    edit(proj, "https://github.com/example-owner/shapes-fixture", "https://example.org")
    refused(proj, "names no GitHub repository", "Source")


def test_existing_files_are_refused_without_force(tmp_path):
    proj = target(tmp_path)
    (proj.path / "Makefile").write_text("all:\n\techo mine\n")
    proj.commit("a Makefile of its own")
    refused(proj, "already has Makefile", "FORCE=1")


@pytest.mark.e2e
def test_a_failed_lock_puts_every_file_back(tmp_path):
    proj = target(tmp_path)
    (proj.path / "Makefile").write_text("all:\n\techo mine\n")
    proj.commit("a Makefile of its own")
    refused(proj, "make lock failed", "put back", force=True)
    assert (proj.path / "Makefile").read_text() == "all:\n\techo mine\n"


@pytest.mark.e2e
def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        adopt.main([])
    assert exited.value.code == 2
    out = subprocess.run(
        ["make", f"TOOLS_PYTHON={sys.executable}", "adopt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "usage: make adopt TARGET=DIR" in out.stderr


def test_main_says_a_refusal_in_one_line(tmp_path, capsys):
    proj = target(tmp_path)
    edit(proj, "[project]\n", "[project\n")
    assert adopt.main([str(proj.path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err


# -- the plan: what adopt writes ---------------------------------------------


def test_the_plan_fills_every_literal_from_the_target(tmp_path):
    proj = target(tmp_path)
    edit(proj, 'environment = "pypi"', 'environment = "release"', commit=False)
    edit(proj, 'environment = "testpypi"', 'environment = "test-release"')
    plan = adopt.make_plan(proj.path)
    files = {k: v.decode() for k, v in plan.files.items()}
    workflows = {k: v for k, v in files.items() if k.startswith(".github/")}
    # the publishers' own file names and environments
    pypi = files[".github/workflows/release-pypi.yaml"]
    assert "https://pypi.org/project/shapes-fixture/" in pypi
    assert "name: release\n" in pypi and "ENVIRONMENT: release\n" in pypi
    assert "if: github.repository == 'example-owner/shapes-fixture'" in pypi
    assert "name: test-release\n" in files[".github/workflows/release-testpypi.yaml"]
    for name, text in [*workflows.items(), ("Makefile", files["Makefile"])]:
        assert "glyph" not in text.lower(), name
    pyproject = files["pyproject.toml"]
    assert 'Source = "https://github.com/example-owner/shapes-fixture"' in pyproject
    assert 'exclude = ["/tools"]' in pyproject
    assert "hatch-fancy-pypi-readme>=24" in files["requirements/build.in"]
    assert {"/.venv/", "/dist/", "/SHA256SUMS"} <= set(files[".gitignore"].split())
    assert any(p.startswith("tools/artifacts/") for p in files)
    steps = "\n".join(adopt.person_steps(plan))
    assert "owner example-owner, repository shapes-fixture, workflow " in steps
    assert "workflow release-pypi.yaml, environment release" in steps
    assert "workflow release-testpypi.yaml, environment test-release" in steps
    assert "publishes too" not in steps


# The target's own release workflow, as filelock's release.yaml is shaped: a
# tag push builds and publishes with pypa/gh-action-pypi-publish.
THEIR_RELEASE = """\
name: Release
on:
  push:
    tags: ["*"]
permissions: {}
jobs:
  publish:
    runs-on: ubuntu-latest
    environment: release
    permissions:
      id-token: write
    steps:
      - run: echo build
      - uses: pypa/gh-action-pypi-publish@v1.14.0
"""
# Its CI calls a workflow too: a called workflow stays (its CI may need it).
THEIR_CI_PUBLISH_DRY_RUN = """\
name: Dry run
on:
  pull_request:
permissions: {}
jobs:
  dry:
    runs-on: ubuntu-latest
    steps:
      - run: make publish-dry-run
"""


def with_own_publishers(tmp_path: Path) -> Project:
    proj = target(tmp_path)  # its own release.yaml: replaced by filelock's shape
    workflows = proj.path / ".github/workflows"
    (workflows / "release.yaml").write_text(THEIR_RELEASE)
    (workflows / "dry.yml").write_text(THEIR_CI_PUBLISH_DRY_RUN)
    proj.commit("publish workflows of its own")
    return proj


def test_the_targets_own_publish_workflows_are_refused_without_force(tmp_path):
    proj = with_own_publishers(tmp_path)
    message = refused(
        proj,
        "already has .github/workflows/dry.yml, .github/workflows/release.yaml, "
        "which publish too and which adopt would remove",
        "FORCE=1",
    )
    assert "ci.yaml" not in message  # a workflow that does not publish stays


def test_force_removes_the_targets_own_publish_workflows(tmp_path, monkeypatch):
    proj = with_own_publishers(tmp_path)
    monkeypatch.setattr(adopt, "lock", lambda target, python: None)
    plan = adopt.adopt(proj.path, force=True)
    assert plan.replaced == [
        ".github/workflows/dry.yml",
        ".github/workflows/release.yaml",
    ]
    workflows = proj.path / ".github/workflows"
    assert not (workflows / "release.yaml").exists()
    assert not (workflows / "dry.yml").exists()
    assert (workflows / "ci.yaml").is_file()
    assert (workflows / "release-pypi.yaml").is_file()


def test_main_says_which_workflows_it_removed(tmp_path, monkeypatch, capsys):
    proj = with_own_publishers(tmp_path)
    monkeypatch.setattr(adopt, "lock", lambda target, python: None)
    assert adopt.main([str(proj.path), "--force"]) == 0
    out = capsys.readouterr().out
    assert (
        "adopt: removed .github/workflows/release.yaml: it published too; the "
        "pipeline's release-pypi.yaml and release-testpypi.yaml publish instead"
    ) in out, out
    assert "publishes too" not in out  # no step left to a person


@pytest.mark.e2e
def test_a_failed_lock_puts_the_removed_workflows_back(tmp_path):
    proj = with_own_publishers(tmp_path)
    refused(proj, "make lock failed", "put back", force=True)
    assert (proj.path / ".github/workflows/release.yaml").read_text() == THEIR_RELEASE


def test_the_test_workflow_keeps_only_what_the_target_can_run(tmp_path):
    plan = adopt.make_plan(target(tmp_path).path)
    workflow = yaml.safe_load(plan.files[".github/workflows/test.yml"])
    jobs = workflow["jobs"]
    assert list(jobs) == ["lint", "workflows", "matrix", "wheel", "tests", "all-green"]
    assert jobs["all-green"]["needs"] == [
        "lint",
        "workflows",
        "matrix",
        "wheel",
        "tests",
    ]
    (run,) = [s["run"] for s in jobs["tests"]["steps"] if "run" in s]
    # its envs are named 3.12, 3.13: each Python's job runs them by factor
    assert 'tox run -f "$PYTHON_VERSION"' in run
    assert not [s for s in jobs["tests"]["steps"] if "coverage" in s["name"]]


def test_a_configured_type_checker_keeps_a_lint_job_running_it(tmp_path):
    proj = target(tmp_path)  # [tool.mypy]; tox envs typing and 3.12-mypy
    tox = proj.path / "tox.toml"
    tox.write_text(
        tox.read_text() + '\n[env."3.12-mypy"]\ncommands = [["mypy", "tests"]]\n'
    )
    proj.commit("mypy on 3.12 only too")
    plan = adopt.make_plan(proj.path)
    assert plan.type_envs == ["typing"]  # the env with no Python of its own
    workflow = yaml.safe_load(plan.files[".github/workflows/test.yml"])
    jobs = workflow["jobs"]
    assert list(jobs) == ["lint", "workflows", "matrix", "wheel", "tests", "all-green"]
    assert "lint" in jobs["all-green"]["needs"]
    (run,) = [s["run"] for s in jobs["lint"]["steps"] if "run" in s]
    assert run == ".venv/bin/tox run -e typing"
    # and validate's ci-runs rule, which asks for it (and reports its absence
    # when the lint job is dropped), is satisfied by it
    for path, content in plan.files.items():
        if path.startswith(".github/") or path == "pyproject.toml":
            (plan.target / path).parent.mkdir(parents=True, exist_ok=True)
            (plan.target / path).write_bytes(content)
    said = [str(p) for p in check_all(plan.target) if p.rule == "ci-runs"]
    assert said == [], said


def test_a_type_checker_no_tox_env_runs_is_left_to_a_person(tmp_path):
    proj = target(tmp_path)
    tox = proj.path / "tox.toml"
    text = tox.read_text()
    tox.write_text(text[: text.index("[env.typing]")])
    proj.commit("no tox env runs mypy")
    plan = adopt.make_plan(proj.path)
    assert plan.type_envs == []
    jobs = yaml.safe_load(plan.files[".github/workflows/test.yml"])["jobs"]
    assert "lint" not in jobs
    steps = "\n".join(adopt.person_steps(plan))
    assert "configures a type checker (mypy, pyright) that no tox env runs" in steps


def test_envs_named_by_python_factor_are_run_by_factor(tmp_path):
    """structlog's shape: [testenv] commands = tests: pytest, envs 3.12-tests.
    ``tox run -e py312`` runs nothing there (and passes); ``-f 3.12`` runs
    3.12-tests; a project naming its envs py312 keeps ``-e py312``."""
    proj = target(tmp_path)
    tox = proj.path / "tox.toml"
    text = tox.read_text()
    tox.write_text(
        text.replace('env_list = ["3.12", "3.13"]', 'env_list = ["py312", "py313"]')
    )
    proj.commit("pyXY names")
    workflow = adopt.make_plan(proj.path).files[".github/workflows/test.yml"].decode()
    assert 'tox run -e "py${PYTHON_VERSION//./}"' in workflow
    assert "-f " not in workflow
    tox.write_text(
        text.replace(
            'env_list = ["3.12", "3.13"]', 'env_list = ["3.12-tests", "3.13-tests"]'
        )
    )
    proj.commit("factors")
    plan = adopt.make_plan(proj.path)
    workflow = plan.files[".github/workflows/test.yml"].decode()
    assert 'tox run -f "$PYTHON_VERSION"' in workflow
    # validate's ci-runs counts it as the tests on every Python
    for path, content in plan.files.items():
        if path.startswith(".github/") or path == "pyproject.toml":
            (plan.target / path).parent.mkdir(parents=True, exist_ok=True)
            (plan.target / path).write_bytes(content)
    said = [str(p) for p in check_all(plan.target) if p.rule == "ci-runs"]
    assert said == [], said


def test_tools_leave_an_sdist_listed_by_dotted_keys(tmp_path):
    proj = target(tmp_path)
    edit(
        proj,
        "[tool.hatch.version]\n",
        '[tool.hatch]\nbuild.targets.sdist.exclude = [\n  "/docs",\n]\n\n'
        "[tool.hatch.version]\n",
    )
    pyproject = adopt.make_plan(proj.path).files["pyproject.toml"].decode()
    assert 'build.targets.sdist.exclude = ["/tools", \n  "/docs",\n]' in pyproject


# -- e2e: the real make adopt, then the real make release-check --------------


@pytest.fixture(scope="module")
def adopted(tmp_path_factory) -> Project:
    """The shapes project with the pipeline brought in by the real make adopt,
    committed and tagged 1.2.3 (shared: never change it)."""
    proj = target(tmp_path_factory.mktemp("adopted"))
    command = ["make", f"TOOLS_PYTHON={sys.executable}", "adopt", f"TARGET={proj.path}"]
    refused = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "already has .github/workflows/release.yaml" in refused.stderr
    out = subprocess.run(
        [*command, "FORCE=1"], cwd=ROOT, capture_output=True, text=True
    )
    text = passed(out)
    assert "workflow release-pypi.yaml, environment pypi" in text
    assert "adopt: removed .github/workflows/release.yaml" in text
    # the build lock is the target's own; the tool locks are the pipeline's
    assert "hatchling==" in (proj.path / "requirements/build.txt").read_text()
    for name in ("requirements/tools.txt", "requirements/bootstrap.txt"):
        assert (proj.path / name).read_bytes() == (ROOT / name).read_bytes()
    # its own CI (on a schedule, with pedantic-only findings) stays: release-check
    # passes with it (zizmor's default persona; the schedule is its own)
    assert (proj.path / ".github/workflows/ci.yaml").is_file()
    proj.commit("adopt the release pipeline")
    proj.tag("1.2.3")  # setuptools-scm's default tag pattern: no "v"
    return proj


@pytest.mark.e2e
@pytest.mark.network  # make adopt locks the target's build requirements
@pytest.mark.parametrize("dev", [False, True], ids=["tag", "dev"])
def test_the_shapes_of_real_projects_pass_release_check(adopted, dev):
    result = adopted.make("release-check", *(["DEV=1"] if dev else []))
    # make adopt kept tools/ out of the sdist of a project with hatchling's
    # default selection (its credentials scanner's own source would trip it)
    (sdist,) = (adopted.path / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = [m.name.split("/", 1)[1] for m in archive.getmembers()]
    assert "src/alpha/version.py" in names and ".git_archival.txt" in names
    assert not [n for n in names if n.startswith("tools/")]
    text = passed(result)
    assert f"release-check passed: {len(release_check.stages())} stages" in text
    # setuptools-scm's version.py records no commit here: sanity says so
    assert "the built-from-HEAD check is skipped" in text
