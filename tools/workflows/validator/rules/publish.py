"""Rules on the publish job: where it runs, what it runs, where it uploads.

The publish action (pypa/gh-action-pypi-publish) gets a direct step of a job of
the top-level workflow; that job comes after the build and before a smoke job,
runs no project code, checks and attests the built files, never runs on a dry
run, uses the environment the trusted publisher names, uploads to the right
index with PEP 740 attestations, and says which publisher it needed when it
fails. zizmor and the schemas know nothing of PyPI: none of this overlaps them.
"""

import re
from typing import Any, Dict, Iterator, Optional, Tuple, Union

from .. import analysis
from ..expressions import Context, ExpressionError, Unknown, condition
from ..model import Map, as_map
from ..registry import Problem, Rule, rule
from ..repo import (
    ATTEST_ACTIONS,
    BUILD_ACTION,
    CHECKOUT,
    DOWNLOAD,
    PUBLISH_ACTION,
    SMOKE_ACTION,
    TEST_WORKFLOW,
    Doc,
    Repo,
    action_name,
    ancestors,
    composite_steps,
    is_local,
    is_true,
    jobs_of,
    local_path,
    steps_of,
    triggers,
    uses_of,
    with_of,
)

PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
TESTPYPI_UPLOAD = "https://test.pypi.org/legacy/"
INDEX_PROJECT_URLS = {"pypi": "https://pypi.org/", "testpypi": "https://test.pypi.org/"}
SIMPLE_URLS = {
    "pypi": "https://pypi.org/simple/",
    "testpypi": "https://test.pypi.org/simple/",
}
DRY_RUN_TARGET = re.compile(r"\bmake\s+(?:[A-Z_]+=\S*\s+)*publish-dry-run\b")
SUMS_CHECK = re.compile(r"\bsha256sum\s+(?:--?[\w-]+\s+)*?(?:-c|--check)\b")
PROJECT_CODE = re.compile(
    r"\b(make|python3?(\.\d+)?|pip3?|uvx?|tox|hatch|twine|pytest)\b|tools/|\.venv/"
)


def publish_jobs(doc: Doc) -> Dict[str, Map]:
    """The jobs of a workflow that run the publish action."""
    return {
        job_id: job
        for job_id, job in jobs_of(doc).items()
        if any(action_name(uses_of(s)) == PUBLISH_ACTION for s in steps_of(job))
    }


def publish_step(job: Map) -> Tuple[int, Map]:
    """(index, step) of the publish action in a publish job."""
    for i, step in enumerate(steps_of(job)):
        if action_name(uses_of(step)) == PUBLISH_ACTION:
            return i, step
    return -1, Map()  # pragma: no cover (only called on publish jobs)


def upload_url(step: Map) -> str:
    options = with_of(step)
    return str(options.get("repository-url") or options.get("repository_url") or "")


def uploads_to(step: Map) -> str:
    """ "pypi" or "testpypi": where a publish step's upload goes."""
    return (
        "testpypi" if upload_url(step).startswith("https://test.pypi.org/") else "pypi"
    )


def target_index(repo: Repo, doc: Doc, step: Map) -> str:
    """ "pypi" or "testpypi": the index a publish step is meant for. The
    workflow a trusted publisher names ([tool.release-check.trusted-publishers])
    is that index's, whatever its upload URL says; another one goes by its URL."""
    for index, publisher in analysis.of(repo).publishers.items():
        if doc.path.rsplit("/", 1)[-1] == publisher.workflow:
            return index
    return uploads_to(step)


def environment(job: Map) -> Tuple[Optional[str], Optional[str]]:
    """(name, url) of a job's environment."""
    env = job.get("environment")
    if isinstance(env, str):
        return env, None
    if isinstance(env, Map):
        name, url = env.get("name"), env.get("url")
        return (str(name) if name else None), (str(url) if url else None)
    return None, None


def decide(
    this: Rule, doc: Doc, line: int, value: Any, context: Context, question: str
) -> Union[bool, Problem]:
    """Whether an `if:` holds in ``context``, or the problem of not knowing."""
    try:
        result = condition(value, context)
    except ExpressionError as exc:
        return this.unreadable(doc, line, str(value), exc)
    if isinstance(result, Unknown):
        return this.undecided(doc, line, question, result)
    return result


@rule(
    "publish-direct",
    "the PyPI publish action is a direct step of a job of a top-level workflow "
    "(it supports neither composite actions nor reusable workflows), once per job",
)
def publish_direct(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.actions.values():
        for step in composite_steps(doc):
            if action_name(uses_of(step)) == PUBLISH_ACTION:
                yield this.problem(
                    doc,
                    step.line,
                    f"{PUBLISH_ACTION} runs inside a composite action, which it does "
                    "not support",
                    "make it a direct step of the publish job",
                )
    for doc in repo.workflows.values():
        if "workflow_call" in triggers(doc) and publish_jobs(doc):
            yield this.problem(
                doc,
                doc.data.kline("on"),
                f"a reusable workflow runs {PUBLISH_ACTION}, which trusted publishing "
                "does not support",
                "publish from a job of the top-level workflow",
            )
        for job_id, job in publish_jobs(doc).items():
            count = sum(
                action_name(uses_of(s)) == PUBLISH_ACTION for s in steps_of(job)
            )
            if count > 1:
                yield this.problem(
                    doc,
                    job.line,
                    f"job {job_id} publishes {count} times",
                    "publish once per job (one job per index)",
                )


@rule("publish-chain", "tests, then build, then publish, then a smoke job")
def publish_chain(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        builders = {
            j
            for j, job in jobs.items()
            if any(local_path(uses_of(s)) == BUILD_ACTION for s in steps_of(job))
        }
        # The tests: a local workflow the publish workflow calls (ci-runs checks
        # that it runs every check), test.yml or test.yaml alike.
        testers = {
            j
            for j, job in jobs.items()
            if repo.local_workflow(uses_of(job)) is not None
        }
        for job_id, job in publish_jobs(doc).items():
            mine = ancestors(jobs, job_id)
            if not mine & builders:
                yield this.problem(
                    doc,
                    job.kline("needs"),
                    f"publish job {job_id} does not need the build job "
                    f"({', '.join(sorted(builders)) or 'none found'})",
                    "add `needs: [build]`: publish only files that were built and "
                    "verified",
                )
            for builder in sorted(mine & builders):
                if not ancestors(jobs, builder) & testers:
                    yield this.problem(
                        doc,
                        jobs[builder].kline("needs"),
                        f"build job {builder} does not need the tests (a job with "
                        f"`uses: ./{TEST_WORKFLOW}`)",
                        f"add a tests job calling ./{TEST_WORKFLOW} and "
                        f"`needs: [tests]` to {builder}",
                    )
            smokers = [
                j
                for j, other in jobs.items()
                if job_id in ancestors(jobs, j)
                and any(local_path(uses_of(s)) == SMOKE_ACTION for s in steps_of(other))
            ]
            if not smokers:
                yield this.problem(
                    doc,
                    job.line,
                    f"no smoke job after publish job {job_id}",
                    f"add a job that needs {job_id} and installs from the index with "
                    f"./{SMOKE_ACTION}",
                )


@rule(
    "publish-job",
    "the publish job runs no project code; it downloads the built files, checks "
    "them against the build job's digests (sha256sum --check), attests dist/*, "
    "then publishes",
)
def publish_job(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        for job_id, job in publish_jobs(doc).items():
            yield from _publish_job_content(repo, this, doc, job_id, job)


def _publish_job_content(
    repo: Repo, this: Rule, doc: Doc, job_id: str, job: Map
) -> Iterator[Problem]:
    publish_at, _ = publish_step(job)
    downloaded = checked = attested = -1
    for i, step in enumerate(steps_of(job)):
        uses = uses_of(step)
        run = str(step.get("run", ""))
        if action_name(uses) == CHECKOUT or is_local(uses):
            yield this.problem(
                doc,
                step.line,
                f"publish job {job_id} runs project code ({uses})",
                "remove it: the publish job only downloads, checks, attests and "
                "uploads the verified files",
            )
        code = PROJECT_CODE.search(run) if run else None
        if code:
            yield this.problem(
                doc,
                step.kline("run"),
                f"publish job {job_id} runs a build or project code ({code.group(0)})",
                "do that in the build job; the publish job runs no code",
            )
        if action_name(uses) == DOWNLOAD and downloaded < 0:
            downloaded = i
        if SUMS_CHECK.search(run) and checked < 0:
            checked = i
        subject = str(with_of(step).get("subject-path", ""))
        if action_name(uses) in ATTEST_ACTIONS and "dist/" in subject:
            attested = i
    order = [
        (downloaded, "download the build artifact (actions/download-artifact)"),
        (checked, "check it against the build job's digests (`sha256sum --check`)"),
        (attested, "attest dist/* (actions/attest-build-provenance)"),
        (publish_at, "publish"),
    ]
    previous = -1
    steps = steps_of(job)
    path = analysis.of(repo)
    for position, what in order:
        if position < 0 or position > publish_at or position < previous:
            yield this.problem(
                doc,
                job.line,
                f"publish job {job_id} does not {what} before publishing",
                "publish job steps: download, sha256sum --check, attest, publish",
            )
        else:
            step = steps[position]
            command = SUMS_CHECK if position == checked else None
            why = path.step_weakness(doc, job_id, step, command)
            if why:
                yield weakened(
                    this, doc, step, f"publish job {job_id}'s step to {what}", why
                )
        previous = max(previous, position)


def weakened(this: Rule, doc: Doc, step: Map, what: str, why: str) -> Problem:
    """The problem of a protection whose failure does not stop the release."""
    if "runs after it fails" in why:
        fix = (
            "drop always(), !cancelled() and failure() from that job's `if:` (a job "
            "that needs a failed job must be skipped)"
        )
    elif "continue-on-error" in why:
        fix = "remove continue-on-error: a failed check must stop the release"
    elif "`if:`" in why:
        fix = "remove that `if:` (or make it hold on every run that publishes)"
    else:
        fix = (
            "let the command's exit status fail the step: no `|| true`/`|| :`/"
            "`|| echo`, no `set +e`, no pipe without pipefail (`shell: bash` sets "
            "it), nothing after it that decides the status"
        )
    return this.problem(
        doc, step.line, f"{what} does not stop the release when it fails: {why}", fix
    )


def _dispatch(dry_run: bool, ref_type: str = "tag") -> Context:
    return Context(
        {
            "github.event_name": "workflow_dispatch",
            "github.ref_type": ref_type,
            "github.event.inputs.dry_run": "true" if dry_run else "false",
            "inputs.dry_run": dry_run,
        },
        complete=("inputs",),
    )


@rule(
    "dry-run",
    "a boolean workflow_dispatch input dry_run, true by default, on which the "
    "publish job never runs and a dry-run job runs `make publish-dry-run` instead",
)
def dry_run(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        publishers = publish_jobs(doc)
        if not publishers:
            continue
        on = triggers(doc)
        dispatch = on.get("workflow_dispatch")
        inputs = as_map(as_map(dispatch).get("inputs"))
        spec = inputs.get("dry_run")
        if not isinstance(spec, Map):
            yield this.problem(
                doc,
                doc.data.kline("on"),
                "no workflow_dispatch input dry_run",
                "add `workflow_dispatch: inputs: dry_run: {type: boolean, default: "
                "true}`",
            )
            continue
        if spec.get("type") != "boolean" or spec.get("default") is not True:
            yield this.problem(
                doc,
                inputs.kline("dry_run"),
                "input dry_run is not a boolean that defaults to true",
                "set `type: boolean` and `default: true` (a manual run is a dry run "
                "unless asked otherwise)",
            )
        for job_id, job in publishers.items():
            yield from _publish_condition(repo, this, doc, job_id, job, on)
        yield from _dry_run_jobs(repo, this, doc)


def _publish_condition(
    repo: Repo, this: Rule, doc: Doc, job_id: str, job: Map, on: Map
) -> Iterator[Problem]:
    line, value = job.kline("if"), job.get("if")
    for ref_type in ("tag", "branch"):
        runs = decide(
            this,
            doc,
            line,
            value,
            _dispatch(True, ref_type),
            f"whether publish job {job_id} runs on a dry run",
        )
        if isinstance(runs, Problem) or runs:
            yield (
                runs
                if isinstance(runs, Problem)
                else this.problem(
                    doc,
                    line,
                    f"publish job {job_id} runs on a dry run",
                    "make its `if:` false when inputs.dry_run is true, e.g. "
                    "`github.event_name == 'release' || (github.event_name == "
                    "'workflow_dispatch' && !inputs.dry_run)`",
                )
            )
            return
    index = target_index(repo, doc, publish_step(job)[1])
    allowed = {"pypi": ("release",), "testpypi": ("push",)}[index]
    for event in [e for e in on if e in allowed]:
        context = Context(
            {"github.event_name": event, "github.ref_type": "tag"},
            complete=("inputs",),
        )
        question = f"whether publish job {job_id} runs on {event}"
        runs = decide(this, doc, line, value, context, question)
        if isinstance(runs, Problem):
            yield runs
        elif not runs:
            yield this.problem(
                doc,
                line,
                f"publish job {job_id} never runs on {event}",
                f"let its `if:` hold for github.event_name == '{event}'",
            )


def _dry_run_jobs(repo: Repo, this: Rule, doc: Doc) -> Iterator[Problem]:
    dry_jobs = {
        j: job
        for j, job in jobs_of(doc).items()
        if any(DRY_RUN_TARGET.search(str(s.get("run", ""))) for s in steps_of(job))
    }
    if not dry_jobs:
        yield this.problem(
            doc,
            doc.data.kline("jobs"),
            "no job runs `make publish-dry-run`",
            "add a dry-run job that needs the build and runs `make publish-dry-run`, "
            "only on a dry run",
        )
    for job_id, job in dry_jobs.items():
        steps = steps_of(job)
        target = next(
            i for i, s in enumerate(steps) if DRY_RUN_TARGET.search(str(s.get("run")))
        )
        before = steps[:target]
        downloads = any(action_name(uses_of(s)) == DOWNLOAD for s in before)
        checks = any(SUMS_CHECK.search(str(s.get("run", ""))) for s in before)
        rebuilds = any(
            re.search(r"\bmake\s+(?:[A-Z_]+=\S*\s+)*dist\b", str(s.get("run", "")))
            for s in steps
        )
        if not (downloads and checks) or rebuilds:
            yield this.problem(
                doc,
                steps[target].line,
                f"dry-run job {job_id} does not publish the verified files: "
                + (
                    "it builds its own"
                    if rebuilds
                    else "it does not download them "
                    "and check them with `sha256sum -c SHA256SUMS` first"
                ),
                "download the build job's artifact, run `sha256sum -c SHA256SUMS`, "
                "then `make publish-dry-run` (no make dist)",
            )
        for step in steps[: target + 1]:
            is_check = SUMS_CHECK.search(str(step.get("run", "")))
            if step is steps[target] or is_check:
                command = DRY_RUN_TARGET if step is steps[target] else SUMS_CHECK
                why = analysis.of(repo).step_weakness(doc, job_id, step, command)
                if why:
                    yield weakened(this, doc, step, f"dry-run job {job_id}'s step", why)
        line, value = job.kline("if"), job.get("if")
        question = f"whether dry-run job {job_id} runs exactly on a dry run"
        on_dry = decide(this, doc, line, value, _dispatch(True), question)
        on_real = decide(this, doc, line, value, _dispatch(False), question)
        for answer in (on_dry, on_real):
            if isinstance(answer, Problem):
                yield answer
                break
        else:
            if not on_dry or on_real:
                yield this.problem(
                    doc,
                    line,
                    f"dry-run job {job_id} does not run exactly on a dry run",
                    "set `if: github.event_name == 'workflow_dispatch' && "
                    "inputs.dry_run`",
                )


@rule(
    "environments",
    "every publish job names an environment with a URL on its index (the name "
    "is trusted-publisher's); only the publish jobs of the workflows that publish "
    "(and those they call) name an environment",
)
def environments(repo: Repo, this: Rule) -> Iterator[Problem]:
    seen = set()
    path = analysis.of(repo)
    for doc in repo.workflows.values():
        for job_id, job in jobs_of(doc).items():
            name, _ = environment(job)
            if name and job_id not in publish_jobs(doc) and path.owns(doc):
                yield this.problem(
                    doc,
                    job.kline("environment"),
                    f"job {job_id} names environment {name} but does not publish "
                    "(an environment's secrets and approvals are the publish job's)",
                    "remove `environment:` from it",
                )
        for job_id, job in publish_jobs(doc).items():
            expected = target_index(repo, doc, publish_step(job)[1])
            name, env_url = environment(job)
            line = job.kline("environment")
            seen.add(expected)
            wanted = path.publishers.get(expected)
            env = wanted.environment if wanted else expected
            if not name:
                yield this.problem(
                    doc,
                    line,
                    f"publish job {job_id} names no environment (no reviewers, no "
                    "deployment rule, and the trusted publisher names one)",
                    f"set `environment: {{name: {env}, url: "
                    f"{INDEX_PROJECT_URLS[expected]}project/...}}`",
                )
            elif not (env_url or "").startswith(INDEX_PROJECT_URLS[expected]):
                yield this.problem(
                    doc,
                    line,
                    f"environment {name} of job {job_id} has no URL on "
                    f"{INDEX_PROJECT_URLS[expected]}",
                    f"add `url: {INDEX_PROJECT_URLS[expected]}project/<name>/"
                    "<version>/`",
                )
    for index in ("pypi", "testpypi"):
        if repo.workflows and index not in seen:
            yield this.problem(
                ".github/workflows",
                1,
                f"no publish job publishes to {index}",
                "publish to PyPI and to TestPyPI, each from the workflow its trusted "
                "publisher names ([tool.release-check.trusted-publishers])",
            )


@rule(
    "upload-url",
    "the PyPI workflow uploads to PyPI (no repository-url), without skip-existing "
    "(a file with other bytes must fail, never be skipped); the TestPyPI workflow "
    "uploads to TestPyPI's upload URL with skip-existing",
)
def upload_urls(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        for job_id, job in publish_jobs(doc).items():
            _, step = publish_step(job)
            options, url = with_of(step), upload_url(step)
            index = target_index(repo, doc, step)
            if index == "testpypi":
                if url != TESTPYPI_UPLOAD:
                    yield this.problem(
                        doc,
                        options.kline("repository-url") if url else step.line,
                        f"the TestPyPI upload of job {job_id} goes to "
                        f"{url or 'PyPI (no repository-url)'}",
                        f"set `repository-url: {TESTPYPI_UPLOAD}`",
                    )
                if not is_true(options.get("skip-existing")):
                    yield this.problem(
                        doc,
                        step.line,
                        f"the TestPyPI upload of job {job_id} fails when a re-run "
                        "finds its files there",
                        "set `skip-existing: true`",
                    )
                continue
            if url not in ("", PYPI_UPLOAD):
                where = "TestPyPI" if uploads_to(step) == "testpypi" else url
                yield this.problem(
                    doc,
                    options.kline("repository-url"),
                    f"{doc.path} is the PyPI workflow (PyPI's trusted publisher names "
                    f"it), but the upload of job {job_id} goes to {where} ({url})",
                    "remove repository-url: the PyPI workflow uploads to PyPI",
                )
            for key in ("skip-existing", "skip_existing"):
                if is_true(options.get(key)):
                    yield this.problem(
                        doc,
                        options.kline(key),
                        f"the PyPI upload of job {job_id} has {key}: true: a file "
                        "already on PyPI with other bytes would be skipped silently",
                        f"remove {key} (build-verify's index check skips identical "
                        "files and fails on other bytes, before anything is uploaded)",
                    )


@rule("attestations", "the publish step makes PEP 740 attestations (not false)")
def attestations(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        for job_id, job in publish_jobs(doc).items():
            options = with_of(publish_step(job)[1])
            if "attestations" in options and not is_true(options["attestations"]):
                yield this.problem(
                    doc,
                    options.kline("attestations"),
                    f"the publish step of job {job_id} turns the PEP 740 attestations "
                    f"off ({options['attestations']})",
                    "set `attestations: true`: the smoke job verifies them",
                )


@rule(
    "publisher-summary",
    "a failed publish writes the trusted publisher it needed (owner, repository, "
    "workflow, environment) to the step summary",
)
def publisher_summary(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        for job_id, job in publish_jobs(doc).items():
            name, _ = environment(job)
            if not any(_says_publisher(step, name) for step in steps_of(job)):
                yield this.problem(
                    doc,
                    job.line,
                    f"publish job {job_id} does not say, when it fails, which trusted "
                    "publisher the index must hold",
                    "add an `if: failure()` step writing OWNER, REPOSITORY, "
                    f"WORKFLOW_REF and ENVIRONMENT ({name}) to $GITHUB_STEP_SUMMARY",
                )


def _says_publisher(step: Map, environment_name: Optional[str]) -> bool:
    env = step.get("env")
    return (
        "failure()" in str(step.get("if", ""))
        and "GITHUB_STEP_SUMMARY" in str(step.get("run", ""))
        and isinstance(env, Map)
        and env.get("ENVIRONMENT") == environment_name
        and all(k in env for k in ("OWNER", "REPOSITORY", "WORKFLOW_REF"))
    )


@rule(
    "after-failure",
    "no job on the way to a publish (the publish job, the jobs between it and "
    "the build, the smoke job) runs after a job it needs failed: its `if:` calls "
    "no always(), !cancelled() or failure() that would hold then",
)
def after_failure(repo: Repo, this: Rule) -> Iterator[Problem]:
    path = analysis.of(repo)
    for doc in repo.workflows.values():
        flow = path.publishing(doc)
        for job_id, need, label in path.after_failure(doc):
            job = jobs_of(doc)[job_id]
            kind = (
                "publish job"
                if flow and job_id in flow.publishers
                else "dry-run job" if flow and job_id in flow.dry_runs else "job"
            )
            yield this.problem(
                doc,
                job.kline("if"),
                f"{kind} {job_id} runs after a job it needs failed ({need} or "
                f"another, on {label}): its `if:` holds then",
                "drop always(), !cancelled() and failure() from its `if:` (a job "
                "that needs a failed or skipped job must be skipped)",
            )
        on_path = (flow.before | flow.after) if flow else set()
        if doc.path in path.called_runs:
            on_path = set(jobs_of(doc))
        for job_id, job in jobs_of(doc).items():
            if job_id not in on_path:
                continue
            why = analysis.continue_on_error(job, "the job")
            if why:
                yield this.problem(
                    doc,
                    job.kline("continue-on-error"),
                    f"job {job_id} is on the way to a publish and its failure does "
                    f"not stop it: {why}",
                    "remove continue-on-error: a failed check must stop the release",
                )
