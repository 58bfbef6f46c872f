"""Every byte uploaded is the byte built: digests by a channel apart from the files.

The build job's ``build-verify`` step outputs each file's SHA-256 (the text of
``SHA256SUMS``); the build job hands it on as a job output, which GitHub
stores apart from the artifacts; every job that uploads (the publish jobs and
the dry run) checks the downloaded ``dist/`` against those digests with
``sha256sum --check`` before it attests or uploads anything. A check against
the ``SHA256SUMS`` inside the artifact proves nothing against a substituted
artifact: it travels with the files it checks. zizmor and the schemas know
nothing of this.
"""

import re
from typing import Dict, Iterator, List, Optional, Tuple

from .. import analysis
from ..model import Map
from ..registry import Problem, Rule, rule
from ..repo import (
    ATTEST_ACTIONS,
    BUILD_ACTION,
    PUBLISH_ACTION,
    Doc,
    Repo,
    action_name,
    is_local,
    jobs_of,
    local_path,
    needs_of,
    steps_of,
    uses_of,
)
from .publish import DRY_RUN_TARGET, SUMS_CHECK, weakened
from .versions import STEP_OUTPUT

DIGESTS_OUTPUT = "sha256sums"  # build-verify's output: the SHA256SUMS text
NEEDS_OUTPUT = re.compile(r"\$\{\{\s*needs\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}")


def _build_digest_outputs(jobs: Dict[str, Map]) -> Dict[str, List[str]]:
    """``{build job: [its outputs carrying build-verify's digests]}``."""
    found: Dict[str, List[str]] = {}
    for job_id, job in jobs.items():
        steps = {
            str(s.get("id")): s
            for s in steps_of(job)
            if is_local(uses_of(s)) and local_path(uses_of(s)) == BUILD_ACTION
        }
        if not steps:
            continue
        outputs = job.get("outputs")
        carried = []
        for name, value in (outputs.items() if isinstance(outputs, Map) else []):
            match = STEP_OUTPUT.fullmatch(str(value).strip())
            if match and match.group(1) in steps and match.group(2) == DIGESTS_OUTPUT:
                carried.append(str(name))
        found[job_id] = carried
    return found


def _uploading_jobs(jobs: Dict[str, Map]) -> Dict[str, Tuple[str, int]]:
    """``{job: (what it does, index of its first attest/upload step)}``."""
    out = {}
    for job_id, job in jobs.items():
        for i, step in enumerate(steps_of(job)):
            uses, run = uses_of(step), str(step.get("run", ""))
            if (
                action_name(uses) in ATTEST_ACTIONS
                or action_name(uses) == PUBLISH_ACTION
            ):
                out[job_id] = ("publish job", i)
                break
            if DRY_RUN_TARGET.search(run):
                out[job_id] = ("dry-run job", i)
                break
    return out


def _checks_file_from(run: str, var: str) -> bool:
    """Does ``run`` check with sha256sum the digests held in ``$var``?

    Either piped (``printf '%s\\n' "$VAR" | sha256sum --check``) or through a
    file written from it (``... "$VAR" > FILE`` then ``sha256sum --check FILE``).
    """
    ref = rf"\$\{{?{re.escape(var)}\b"
    lines = run.splitlines()
    if any(re.search(ref + r".*\|\s*sha256sum\b", line) for line in lines):
        return any(SUMS_CHECK.search(line) and re.search(ref, line) for line in lines)
    written = {
        m.group(1).strip('"')
        for line in lines
        if re.search(ref, line)
        for m in [re.search(r'>\s*("[^"]+"|[^\s;|&]+)', line)]
        if m
    }
    return any(
        SUMS_CHECK.search(line) and any(path in line for path in written)
        for line in lines
    )


def _checks_digests(step: Map, build: str, outputs: List[str]) -> bool:
    """Does this step run ``sha256sum --check`` on the build job's digests?

    Whether its failure stops the upload is the analysis's question.
    """
    run = str(step.get("run", ""))
    if not SUMS_CHECK.search(run):
        return False
    env = step.get("env")
    for name, value in (env.items() if isinstance(env, Map) else []):
        match = NEEDS_OUTPUT.fullmatch(str(value).strip())
        if (
            match
            and match.group(1) == build
            and match.group(2) in outputs
            and _checks_file_from(run, str(name))
        ):
            return True
    return False


@rule(
    "built-digests",
    "the build job outputs build-verify's digests (a channel apart from the "
    "artifact), and every job that attests or uploads checks dist/ against them "
    "with sha256sum --check before it does",
)
def built_digests(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.workflows.values():
        jobs = jobs_of(doc)
        uploading = _uploading_jobs(jobs)
        if not uploading:
            continue
        builds = _build_digest_outputs(jobs)
        for build, outputs in builds.items():
            if not outputs:
                yield this.problem(
                    doc,
                    jobs[build].kline("outputs"),
                    f"build job {build} does not output the digests of the files it "
                    "built",
                    f"add a job output `{DIGESTS_OUTPUT}: ${{{{ steps.<build-verify "
                    f"step id>.outputs.{DIGESTS_OUTPUT} }}}}`",
                )
        for job_id, (what, first) in sorted(uploading.items()):
            yield from _check_job(repo, this, doc, jobs, job_id, what, first, builds)


def _check_job(
    repo: Repo,
    this: Rule,
    doc: Doc,
    jobs: Dict[str, Map],
    job_id: str,
    what: str,
    first: int,
    builds: Dict[str, List[str]],
) -> Iterator[Problem]:
    job = jobs[job_id]
    build: Optional[str] = next((b for b in needs_of(job) if b in builds), None)
    fix = (
        "before it, add a step with env BUILT_SHA256SUMS: ${{ needs.<build>.outputs."
        f"{DIGESTS_OUTPUT} }}}} that writes it to a file and runs `sha256sum --check "
        "--strict` on that file"
    )
    if build is None:
        yield this.problem(
            doc,
            job.kline("needs"),
            f"{what} {job_id} does not need the build job, so it cannot check the "
            "files against its digests",
            "add the build job to its needs; " + fix,
        )
        return
    steps = steps_of(job)
    checked = [
        i for i, s in enumerate(steps) if _checks_digests(s, build, builds[build])
    ]
    if checked and checked[0] < first:
        why = analysis.of(repo).step_weakness(
            doc, job_id, steps[checked[0]], SUMS_CHECK
        )
        if why:
            yield weakened(
                this, doc, steps[checked[0]], f"{what} {job_id}'s digest check", why
            )
        return
    check_lines = [
        line
        for s in steps[:first]
        for line in str(s.get("run", "")).splitlines()
        if SUMS_CHECK.search(line)
    ]
    from_artifact = any("SHA256SUMS" in line for line in check_lines)
    if checked:
        detail = "only after it attests or uploads them"
    elif from_artifact:
        detail = (
            "against the SHA256SUMS in the artifact, which travels with the files "
            "it checks"
        )
    elif check_lines:
        detail = "against a file not written from the build job's digests"
    else:
        detail = "against nothing"
    yield this.problem(
        doc,
        steps[first].line if first < len(steps) else job.line,
        f"{what} {job_id} checks the downloaded files {detail}: check them against "
        f"the build job's {DIGESTS_OUTPUT} output first",
        fix,
    )
