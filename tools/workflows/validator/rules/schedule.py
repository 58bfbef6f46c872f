"""Only the index audit runs on a schedule, and it only reads.

A scheduled run starts with nobody watching, on the default branch, every
day: the one workflow allowed that is the index audit (``make index-audit``,
:mod:`tools.publish.index_audit`), which needs nothing but to read the code
and the index. So a scheduled workflow must run the audit, grant its jobs
``read`` or ``none`` only (never ``id-token``: it publishes nothing) and use
no secret. Everything else the other rules ask (pins, permissions at the
top, no credentials left in the checkout) applies to it as to every
workflow.

The rule applies to the pipeline's workflows (the owned ones and the
audit's, :meth:`..analysis.Analysis.pipeline_workflows`): a project's own
scheduled CI or CodeQL scan is its business, and zizmor still audits it.
"""

from typing import Iterator

from .. import analysis
from ..model import Map
from ..registry import Problem, Rule, rule
from ..repo import Repo, jobs_of, steps_of, strings_in, triggers

AUDIT = "make index-audit"
READ_ONLY = ("read", "none")


@rule(
    "scheduled-audit-only",
    f"only the index audit runs on a schedule (its jobs run `{AUDIT}`), and it "
    "only reads: every job's permissions are read or none, no id-token, no secret",
)
def scheduled_audit_only(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in analysis.of(repo).pipeline_workflows():
        on = triggers(doc)
        if "schedule" not in on:
            continue
        jobs = jobs_of(doc)
        runs = [str(s.get("run", "")) for job in jobs.values() for s in steps_of(job)]
        if not any(AUDIT in run for run in runs):
            yield this.problem(
                doc,
                on.kline("schedule"),
                f"the workflow runs on a schedule but not `{AUDIT}`: only the index "
                "audit may run unattended",
                "remove `schedule:` (run it on push, pull_request or by hand)",
            )
        for job_id, job in jobs.items():
            perms = job.get("permissions")
            grants = perms.items() if isinstance(perms, Map) else [("all", perms)]
            for scope, level in grants:
                if perms is not None and str(level) not in READ_ONLY:
                    yield this.problem(
                        doc,
                        job.kline("permissions"),
                        f"scheduled job {job_id} grants {scope}: {level}",
                        "grant only `read` (the audit reads the code and the index)",
                    )
        for text in strings_in(doc.data):
            if "secrets." in text.replace(" ", ""):
                yield this.problem(
                    doc,
                    text.line,
                    "a scheduled workflow uses a secret",
                    "remove it: the audit reads public answers and needs none",
                )
