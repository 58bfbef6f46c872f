"""Rules on what CI runs: the checks the protections rely on, and names that exist.

The required check (the test workflow's all-green job) is green only if the
test workflow runs, with effect, every check the rest of the pipeline counts
on: lint with the type checker, ``make validate``, the release tooling's tests
and the tests on every Python. What a tox environment runs is read from tox's
own configuration (:mod:`..toxenvs`), the make targets from make's database
(``make -pRrq``), and whether a step's failure fails the job from the
analysis (:mod:`..analysis`).
"""

import re
import shlex
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

from tools import project

from .. import analysis, toxenvs
from ..model import Map
from ..registry import Problem, Rule, rule
from ..repo import TEST_WORKFLOW, Doc, Repo, composite_steps, jobs_of, steps_of

TOX_RUN = re.compile(r"\btox(?:\s+run(?:-parallel)?)?\s+(?:[^\n;&|]*?\s)?-e\s*(\S+)")
# tox run -f FACTOR: every env with that factor (a project naming its envs
# "3.12-tests", "3.12-mypy" runs all of one Python's with -f 3.12)
TOX_FACTOR = re.compile(r"\btox(?:\s+run(?:-parallel)?)?\s+(?:[^\n;&|]*?\s)?-f\s*(\S+)")
MAKE_RUN = re.compile(r"\bmake\s+((?:-\S+\s+|[A-Za-z_]+=\S*\s+)*)([a-z][\w.-]*)")
TYPE_CHECKERS = ("mypy", "pyright")
RELEASE_TESTS = "tests/release"


def make_targets(root: Path) -> Optional[Set[str]]:
    """The targets of the Makefile at ``root``, from make's database."""
    if not (root / "Makefile").is_file():
        return None
    try:
        out = subprocess.run(
            ["make", "-pRrq", "-f", "Makefile", ".DEFAULT"],
            cwd=root,
            capture_output=True,
            text=True,
            env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    targets: Set[str] = set()
    in_files = skip = False
    for line in out.splitlines():
        if line.startswith("# Files"):
            in_files = True
        elif line.startswith("# Finished Make data base"):
            in_files = False
        elif in_files and line.startswith("# Not a target"):
            skip = True
            continue
        elif in_files and re.match(r"[^#\t .][^=]*:(?!=)", line) and not skip:
            targets.add(line.split(":", 1)[0])
        skip = False
    return targets


def _runs(doc: Doc) -> Iterator[Tuple[str, Map, Map]]:
    """(job id or "", job or {}, step) of every run step of a workflow or action."""
    if "runs" in doc.data:
        for step in composite_steps(doc):
            yield "", Map(), step
        return
    for job_id, job in jobs_of(doc).items():
        for step in steps_of(job):
            yield job_id, job, step


def _tox_envs_of(run: str) -> List[str]:
    out = []
    for match in TOX_RUN.finditer(" ".join(run.split())):
        out += [n for n in match.group(1).strip("\"'").split(",") if n]
    return out


@rule(
    "ci-names",
    "every tox environment (tox run -e NAME) and make target a workflow or action "
    "calls exists (tox's own configuration, make's database)",
)
def ci_names(repo: Repo, this: Rule) -> Iterator[Problem]:
    path = analysis.of(repo)
    envs = toxenvs.load(repo.root)
    targets = make_targets(repo.root)
    docs = [*path.owned_workflows(), *repo.actions.values()]
    for doc in docs:
        for job_id, _, step in _runs(doc):
            run = str(step.get("run", ""))
            where = f"job {job_id}" if job_id else "the action"
            for name in _tox_envs_of(run) if not envs.error else []:
                if "$" in name or name in envs.every or name == "ALL":
                    continue
                yield this.problem(
                    doc,
                    step.kline("run"),
                    f"{where} runs tox environment {name}, which "
                    f"{envs.config or 'tox'} does not define",
                    f"use one of {', '.join(envs.every) or '(none)'}, or define it",
                )
            for match in MAKE_RUN.finditer(" ".join(run.split())):
                target = match.group(2)
                if targets is None or target in targets:
                    continue
                yield this.problem(
                    doc,
                    step.kline("run"),
                    f"{where} runs `make {target}`, which the Makefile does not have",
                    f"use one of its targets ({', '.join(sorted(targets))})",
                )


TYPE_CHECKER_CONFIGS = ("mypy.ini", ".mypy.ini", "pyrightconfig.json")


def claimed_checks(root: Path) -> List[str]:
    """The checks the test workflow must run: ``make validate`` and every
    Python always; the type checker where the project configures one
    (``[tool.mypy]``/``[tool.pyright]`` or their files); the release tooling's
    tests where the repository has them (a project that adopted the pipeline
    runs the tooling, whose tests live upstream)."""
    wanted = []
    try:
        tool = project.load(root).pyproject.get("tool", {})
    except project.ConfigError:
        tool = {}
    if any(k in tool for k in TYPE_CHECKERS) or any(
        (root / name).is_file() for name in TYPE_CHECKER_CONFIGS
    ):
        wanted.append("lint with the type checker")
    wanted.append("make validate")
    if (root / RELEASE_TESTS).is_dir():
        wanted.append("the release tooling's tests")
    wanted.append("the tests on every Python")
    return wanted


def _test_workflows(repo: Repo) -> List[Doc]:
    path = analysis.of(repo)
    called = [repo.workflows[p] for p in sorted(path.called_runs)]
    if called:
        return called
    return [repo.workflows[TEST_WORKFLOW]] if TEST_WORKFLOW in repo.workflows else []


def _kinds(argv: List[str]) -> List[str]:
    tool = Path(argv[0]).name if argv else ""
    kinds = []
    if tool in TYPE_CHECKERS:
        kinds.append("lint with the type checker")
    if tool == "make" and "validate" in argv:
        kinds.append("make validate")
    if tool in ("pytest", "py.test") and any(
        a.rstrip("/").endswith(RELEASE_TESTS) for a in argv
    ):
        kinds.append("the release tooling's tests")
    return kinds


def _instances(
    repo: Repo, envs: toxenvs.ToxEnvs, doc: Doc
) -> Iterator[Tuple[str, Optional[str]]]:
    """(check, why its failure does not fail the run, or None) of each check the
    workflow runs."""
    path = analysis.of(repo)
    for job_id, job, step in _runs(doc):
        run = str(step.get("run", ""))
        checks: List[Tuple[str, "re.Pattern[str]", Optional[str]]] = []
        for match in TOX_FACTOR.finditer(" ".join(run.split())):
            if "$" in match.group(1) and "strategy" in job:
                command = re.compile(r"\btox\b.*-f\s*\S*\$")
                checks.append(("the tests on every Python", command, None))
        for name in _tox_envs_of(run):
            command = re.compile(rf"\btox\b.*-e\s*\S*{re.escape(name)}")
            if "$" in name:
                if "strategy" in job:
                    checks.append(("the tests on every Python", command, None))
                continue
            for text in envs.commands.get(name, []):
                ignored = text.startswith("- ")
                argv = shlex.split(text[2:] if ignored else text)
                why = f"tox ignores the exit code of `{text[2:]}`" if ignored else None
                checks += [(kind, command, why) for kind in _kinds(argv)]
        validate = re.compile(r"\bmake\s+(?:\S+\s+)*validate\b")
        if validate.search(run):
            checks.append(("make validate", validate, None))
        for kind, command, why in checks:
            yield kind, why or path.step_weakness(
                doc, job_id, step, command, conditional=True
            ) or analysis.continue_on_error(job, "its job")


@rule(
    "ci-runs",
    "the test workflow (the one the publish workflows call) runs, with effect, "
    "`make validate`, the tests on every Python of a matrix, and, where the "
    "project has them, lint with its type checker and the release tooling's tests",
)
def ci_runs(repo: Repo, this: Rule) -> Iterator[Problem]:
    envs = toxenvs.load(repo.root)
    if envs.error:
        return  # python-versions reports it
    for doc in _test_workflows(repo):
        found: Dict[str, Optional[str]] = {}  # check -> why it is weakened
        for kind, why in _instances(repo, envs, doc):
            if kind not in found or (found[kind] and not why):
                found[kind] = why
        wanted = claimed_checks(repo.root)
        for kind in wanted:
            if kind not in found:
                yield this.problem(
                    doc,
                    doc.data.kline("jobs"),
                    f"the test workflow does not run {kind}, which the protections "
                    "rely on (its all-green job would pass without it)",
                    "run it in a job of this workflow (tox run -e lint with mypy "
                    "and make validate; tox run -e release; a python-version "
                    "matrix running tox run -e py...)",
                )
            elif found[kind]:
                yield this.problem(
                    doc,
                    doc.data.kline("jobs"),
                    f"the test workflow runs {kind}, but its failure does not fail "
                    f"the run: {found[kind]}",
                    "let it fail the job: no continue-on-error, `|| true`, `set +e` "
                    "or ignored exit code",
                )
