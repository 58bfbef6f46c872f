"""Rules on shape: files that load, expressions that read, local actions that exist,
composite actions' metadata, one concurrency block per workflow, job names."""

import re
from typing import Any, Iterator, List, Optional, Tuple

from .. import analysis
from ..expressions import ExpressionError, find_expressions, parse
from ..model import Map, Str, as_map, line_of
from ..registry import Problem, Rule, rule
from ..repo import (
    Doc,
    Repo,
    all_steps,
    all_uses,
    is_local,
    jobs_of,
    step_label,
    strings_in,
    uses_of,
)
from .dataflow import STEP_REF

KEBAB = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


@rule(
    "yaml",
    "every workflow and action file is YAML with `jobs:` or `runs:`. Overlaps "
    "check-jsonschema, which rejects the same files; kept because the other rules "
    "skip such a file and this says why",
)
def yaml_files(repo: Repo, this: Rule) -> Iterator[Problem]:
    for error in repo.load_errors:
        yield this.problem(error.path, error.line, error.what, error.fix)


def _conditions(repo: Repo) -> Iterator[Tuple[Doc, Str]]:
    """The `if:` of every job and step without ${{ }} (read as a whole)."""
    found: List[Tuple[Doc, Any]] = []
    for doc in repo.workflows.values():
        found += [(doc, job.get("if")) for job in jobs_of(doc).values()]
    found += [(doc, step.get("if")) for doc, _, step in all_steps(repo)]
    for doc, value in found:
        if isinstance(value, Str) and "${{" not in value:
            yield doc, value


@rule(
    "expression-syntax",
    "every ${{ }} and every if: is an expression GitHub can read (actionlint "
    "checks this too, but only in CI; zizmor and the schemas do not)",
)
def expression_syntax(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in [*repo.workflows.values(), *repo.actions.values()]:
        for text in strings_in(doc.data):
            try:
                for _, _, inner in find_expressions(text):
                    try:
                        parse(inner)
                    except ExpressionError as exc:
                        yield this.unreadable(doc, line_of(text), inner, exc)
            except ExpressionError as exc:
                yield this.unreadable(doc, line_of(text), text, exc)
    for doc, condition in _conditions(repo):
        try:
            parse(condition)
        except ExpressionError as exc:
            yield this.unreadable(doc, line_of(condition), condition, exc)


@rule("local-uses", "every local action or workflow that is used exists")
def local_uses(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc, uses in all_uses(repo):
        if is_local(uses) and not repo.local_exists(uses):
            yield this.problem(
                doc,
                line_of(uses),
                f"uses {uses}, which does not exist",
                "fix the path (an action folder holds action.yml; a workflow is "
                ".github/workflows/<name>.yml)",
            )


@rule(
    "composite-shell",
    "every run step of a composite action declares its shell. Duplicates the "
    "actions JSON schema; kept because the schema's message for it names neither "
    "the step nor `shell` ('runs: ... is not valid under any of the given schemas')",
)
def composite_shell(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc, job_id, step in all_steps(repo):
        if job_id is None and "run" in step and "shell" not in step:
            yield this.problem(
                doc,
                step.line,
                f"{step_label(step)} of a composite action declares no shell",
                "add `shell: bash`",
            )


@rule(
    "action-metadata",
    "composite action inputs are kebab-case, described, with a string default; "
    "outputs are bound to a step (the schema checks only that a description "
    "exists and a default, if any, is a string)",
)
def action_metadata(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in repo.actions.values():
        inputs = as_map(doc.data.get("inputs"))
        for name, value in inputs.items():
            line, spec = inputs.kline(name), as_map(value)
            if not KEBAB.fullmatch(str(name)):
                yield this.problem(
                    doc,
                    line,
                    f"input {name} is not kebab-case",
                    f"rename it {re.sub(r'[_ ]+', '-', str(name)).lower()}",
                )
            if not str(spec.get("description") or "").strip():
                yield this.problem(
                    doc,
                    line,
                    f"input {name} has no description",
                    "add `description:` saying what it does and which values it takes",
                )
            if "default" not in spec or not isinstance(spec["default"], str):
                yield this.problem(
                    doc,
                    spec.kline("default") if "default" in spec else line,
                    f"input {name} has no string default",
                    'give it a quoted default, e.g. `default: ""` or '
                    '`default: "false"`',
                )
        outputs = as_map(doc.data.get("outputs"))
        for name, spec in outputs.items():
            value = as_map(spec).get("value")
            if not (isinstance(value, str) and STEP_REF.search(value)):
                yield this.problem(
                    doc,
                    outputs.kline(name),
                    f"output {name} is not bound to a step",
                    "set `value: ${{ steps.<id>.outputs.<name> }}`",
                )


def _group(doc: Doc, caller_name: str) -> Optional[str]:
    block = doc.data.get("concurrency")
    group = block.get("group") if isinstance(block, Map) else block
    if group is None:
        return None
    return re.sub(r"\$\{\{\s*github\.workflow\s*\}\}", caller_name, str(group))


@rule(
    "concurrency",
    "one concurrency block per workflow, none in jobs; a called workflow's group "
    "differs from its caller's (zizmor's concurrency-limits does not flag these)",
)
def concurrency(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in analysis.of(repo).owned_workflows():
        block = doc.data.get("concurrency")
        group = block.get("group") if isinstance(block, Map) else block
        if not group:
            yield this.problem(
                doc,
                doc.data.kline("jobs"),
                "the workflow has no concurrency group",
                "add one top-level `concurrency:` with a group naming the workflow "
                "and the ref",
            )
        for job_id, job in jobs_of(doc).items():
            if "concurrency" in job:
                yield this.problem(
                    doc,
                    job.kline("concurrency"),
                    f"job {job_id} has a concurrency block of its own",
                    "keep the workflow's one block",
                )
            called = repo.local_workflow(uses_of(job))
            if not called or not group:
                continue
            name = str(doc.data.get("name") or doc.path)
            mine, theirs = _group(doc, name), _group(called, name)
            if mine == theirs:
                yield this.problem(
                    called,
                    line_of(called.data.get("concurrency"), 1),
                    f"{called.path}'s concurrency group is the same as its caller's "
                    f"({mine}): the run would cancel or wait for itself",
                    f"give {called.path}'s group a prefix of its own (e.g. "
                    "tests-${{ github.workflow }}-${{ github.ref }})",
                )


def _without_expressions(text: str) -> str:
    try:
        spans = list(find_expressions(text))
    except ExpressionError:
        return text
    for start, end, _ in reversed(spans):
        text = text[:start] + "X" + text[end:]
    return text


@rule(
    "job-name",
    "every job has a name that reads as a sentence (capital, three words or "
    "more, no final period). zizmor's anonymous-definition asks only for a name",
)
def job_name(repo: Repo, this: Rule) -> Iterator[Problem]:
    for doc in analysis.of(repo).owned_workflows():
        for job_id, job in jobs_of(doc).items():
            name = job.get("name")
            text = _without_expressions(str(name or ""))
            if not name or not (
                text[:1].isupper() and len(text.split()) >= 3 and not text.endswith(".")
            ):
                said = f"is named {name!r}, not a sentence" if name else "has no name"
                yield this.problem(
                    doc,
                    job.kline("name"),
                    f"job {job_id} {said}",
                    "name it with what it does, e.g. `name: Build and verify the "
                    "release files once`",
                )
