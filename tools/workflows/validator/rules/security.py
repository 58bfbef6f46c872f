"""Rules on trust: pinned actions, the token's permissions, credentials on disk.

zizmor (offline, pedantic) covers part of this ground; what it already reports
with a clear message is left to it: a workflow without top-level permissions
or with write grants there (``excessive-permissions``) and ``${{ }}`` expanded
in a script (``template-injection``).
"""

import re
from typing import Any, Iterator, Optional, Tuple

from .. import analysis
from ..model import Map, YAMLError, as_map, line_of, load_yaml
from ..registry import Problem, Rule, rule
from ..repo import (
    ATTEST_ACTIONS,
    CHECKOUT,
    PUBLISH_ACTION,
    Repo,
    action_name,
    all_steps,
    all_uses,
    is_false,
    is_local,
    jobs_of,
    steps_of,
    uses_of,
    with_of,
)

SHA = re.compile(r"[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\b")
PIN_HELP = "RELEASING.md, 'Pinned actions'"


@rule(
    "pinned-uses",
    "every remote action is pinned to a full commit SHA with its release as a "
    "`# vX.Y.Z` comment. Duplicates zizmor's unpinned-uses for the SHA; kept for "
    "the comment, which zizmor does not ask for, and because it says how to find "
    "the SHA",
)
def pinned_uses(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc, uses in all_uses(repo):
        line = line_of(uses)
        if is_local(uses):
            continue
        if uses.startswith("docker://"):
            if "@sha256:" not in uses:
                yield this.problem(
                    doc,
                    line,
                    f"{uses} is not pinned to an image digest",
                    "pin it: docker://image@sha256:<digest>",
                )
            continue
        name, _, ref = uses.partition("@")
        if not SHA.fullmatch(ref):
            repository = "/".join(name.split("/")[:2])
            yield this.problem(
                doc,
                line,
                f"{name}@{ref or '(no ref)'} is not pinned to a commit",
                f"pin it to the full 40-character SHA of a release, with the release "
                f"as a comment: `uses: {name}@<sha> # vX.Y.Z`; `git ls-remote "
                f"https://github.com/{repository} refs/tags/vX.Y.Z` prints the SHA "
                f"(see {PIN_HELP})",
            )
        elif not VERSION_COMMENT.search(doc.line_text(line)):
            yield this.problem(
                doc,
                line,
                f"{name} is pinned to {ref[:12]}… without saying which release",
                "add the release as a comment on that line: `# vX.Y.Z` (Dependabot "
                "keeps it current)",
            )


def _grants(job: Map) -> Iterator[Tuple[Any, Any, int]]:
    """(scope, level, line) of each permission a job is granted."""
    perms = job.get("permissions")
    if isinstance(perms, str):
        yield perms, perms, job.kline("permissions")
    elif isinstance(perms, Map):
        for scope, level in perms.items():
            yield scope, level, perms.kline(scope)


@rule(
    "job-permissions",
    "every job declares its permissions, {} if it needs none (zizmor only asks "
    "this where the workflow grants something at the top)",
)
def job_permissions(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in analysis.of(repo).owned_workflows():
        for job_id, job in jobs_of(doc).items():
            if "permissions" not in job:
                top = doc.data.get("permissions")
                gets = (
                    "none: the workflow's are {}, so a grant it needs is missing "
                    "unseen"
                    if isinstance(top, Map) and not top
                    else "the workflow's"
                )
                yield this.problem(
                    doc,
                    job.line,
                    f"job {job_id} declares no permissions (it gets {gets})",
                    "add `permissions:` with what it needs (or {}) and a comment why",
                )


@rule(
    "permissions-comment",
    "every permission a job is granted says why, in a comment on its line "
    "(zizmor's undocumented-permissions asks it of write grants only)",
)
def permissions_comment(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in analysis.of(repo).owned_workflows():
        for job_id, job in jobs_of(doc).items():
            for scope, level, line in _grants(job):
                if level != "none" and "#" not in doc.line_text(line):
                    yield this.problem(
                        doc,
                        line,
                        f"job {job_id} is granted {scope}: {level} without saying why",
                        "say why on that line: `# what it needs it for`",
                    )


@rule(
    "publish-permissions",
    "id-token: write and attestations: write only in a job that publishes or "
    "attests, and there both are granted, on a GitHub-hosted runner",
)
def publish_permissions(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in analysis.of(repo).owned_workflows():
        for job_id, job in jobs_of(doc).items():
            perms = job.get("permissions")
            scopes = as_map(perms)
            granted = {s: lv for s, lv, _ in _grants(job)} if scopes else {}
            names = {action_name(uses_of(s)) for s in steps_of(job) if uses_of(s)}
            publishes = PUBLISH_ACTION in names
            attests = bool(names & ATTEST_ACTIONS)
            line = job.kline("permissions")
            if perms == "write-all":
                yield this.problem(
                    doc,
                    line,
                    f"job {job_id} is granted write-all",
                    "grant only the scopes it needs",
                )
            hosted = _github_hosted(job.get("runs-on"))
            if granted.get("id-token") == "write" and hosted is not True:
                yield this.problem(
                    doc,
                    job.kline("runs-on"),
                    f"job {job_id} holds id-token: write on runs-on "
                    f"{job.get('runs-on')!r}, "
                    + (
                        "a self-hosted runner (a persistent machine)"
                        if hosted is False
                        else "which is not known to be GitHub-hosted"
                    ),
                    "run it on a GitHub-hosted runner: `runs-on: ubuntu-latest`",
                )
            if granted.get("id-token") == "write" and not (publishes or attests):
                yield this.problem(
                    doc,
                    scopes.kline("id-token"),
                    f"job {job_id} gets id-token: write but neither publishes nor "
                    "attests",
                    "remove it: only the publish job mints an OIDC token",
                )
            if granted.get("attestations") == "write" and not attests:
                yield this.problem(
                    doc,
                    scopes.kline("attestations"),
                    f"job {job_id} gets attestations: write but makes no attestation",
                    "remove it: only the job that attests writes attestations",
                )
            if publishes and granted.get("id-token") != "write":
                yield this.problem(
                    doc,
                    line,
                    f"job {job_id} publishes without id-token: write: trusted "
                    "publishing cannot get a token",
                    "grant `id-token: write` to this job (only)",
                )
            if attests and not (
                granted.get("id-token") == "write"
                and granted.get("attestations") == "write"
            ):
                yield this.problem(
                    doc,
                    line,
                    f"job {job_id} attests without id-token: write and "
                    "attestations: write",
                    "grant both to this job (only)",
                )


HOSTED = re.compile(r"(ubuntu|windows|macos)-(latest|\d[\w.-]*)$")


def _github_hosted(runs_on: Any) -> Optional[bool]:
    """True for a GitHub-hosted label, False for self-hosted, None unknown."""
    labels = runs_on if isinstance(runs_on, list) else [runs_on]
    if isinstance(runs_on, Map):
        return None
    texts = [str(label) for label in labels]
    if any(t == "self-hosted" for t in texts):
        return False
    if len(texts) == 1 and HOSTED.match(texts[0]):
        return True
    return None


@rule(
    "persist-credentials",
    "every checkout has persist-credentials: false. Overlaps zizmor's artipacked, "
    "which flags a checkout without it; kept because zizmor lets "
    "`persist-credentials: true` through where nothing is uploaded after it",
)
def persist_credentials(repo: Repo, this: Rule) -> Iterator[Problem]:
    path = analysis.of(repo)
    for doc, job_id, step in all_steps(repo):
        if action_name(uses_of(step)) != CHECKOUT:
            continue
        if job_id is not None and not path.owns(doc):
            continue
        if not is_false(with_of(step).get("persist-credentials")):
            where = f" in job {job_id}" if job_id else ""
            yield this.problem(
                doc,
                step.line,
                f"a checkout{where} leaves the token in .git/config",
                "add `persist-credentials: false` under its `with:`",
            )


DEPENDABOT = ".github/dependabot.yml"
COOLDOWN_DAYS = 7


@rule(
    "cooldown",
    "every Dependabot update waits a week after a release (cooldown: "
    "default-days and every semver-*-days at least 7). zizmor's dependabot-"
    "cooldown reads default-days only; a shorter semver-*-days lets most updates "
    "through at once",
)
def cooldown(repo: Repo, this: Rule) -> Iterator[Problem]:
    path = repo.root / DEPENDABOT
    if not path.is_file():
        return
    try:
        config = as_map(load_yaml(path.read_text(encoding="utf-8")))
    except YAMLError:
        return  # check-jsonschema reports it
    updates = config.get("updates")
    for update in updates if isinstance(updates, list) else []:
        update = as_map(update)
        ecosystem = update.get("package-ecosystem", "?")
        block = update.get("cooldown")
        if not isinstance(block, Map):
            yield this.problem(
                DEPENDABOT,
                update.line,
                f"the {ecosystem} updates have no cooldown",
                f"add `cooldown: default-days: {COOLDOWN_DAYS}`",
            )
            continue
        if "default-days" not in block:
            yield this.problem(
                DEPENDABOT,
                block.line,
                f"the {ecosystem} updates' cooldown has no default-days",
                f"add `default-days: {COOLDOWN_DAYS}`",
            )
        for key, days in block.items():
            if not str(key).endswith("-days"):
                continue
            if not isinstance(days, int) or days < COOLDOWN_DAYS:
                yield this.problem(
                    DEPENDABOT,
                    block.kline(key),
                    f"the {ecosystem} updates' cooldown has {key}: {days}, less "
                    f"than {COOLDOWN_DAYS} days",
                    f"set it to {COOLDOWN_DAYS} or more (or remove it: "
                    "default-days applies)",
                )
