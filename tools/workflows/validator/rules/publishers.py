"""The trusted publishers, written once: pyproject.toml against the workflows.

PyPI and TestPyPI accept an upload from a workflow run only when the
repository, the workflow's file name and the environment match the trusted
publisher registered on the index, exactly. Those settings are written once,
in ``[tool.release-check.trusted-publishers]`` (read by
:attr:`tools.project.Project.publishers`); this rule checks the workflows
against them, and says, for a renamed file or environment, the settings to
change on the index and in ``pyproject.toml``, or in the workflow. zizmor and
the schemas know nothing of this.
"""

from typing import Iterator

from .. import analysis
from ..registry import Problem, Rule, rule
from ..repo import Repo
from .publish import (
    INDEX_PROJECT_URLS,
    environment,
    publish_jobs,
    publish_step,
    uploads_to,
)


@rule(
    "trusted-publisher",
    "the workflows match the trusted publishers written once in pyproject.toml's "
    "[tool.release-check.trusted-publishers]: the named workflow file publishes "
    "to that index from a job whose environment has the named name and the "
    "index's URL of the project",
)
def trusted_publisher(repo: Repo, this: Rule) -> Iterator[Problem]:
    path = analysis.of(repo)
    if path.project_error:
        yield this.problem("pyproject.toml", 1, path.project_error, "fix it")
        return
    if not path.publishers and path.workflows:
        yield this.problem(
            "pyproject.toml",
            1,
            "no [tool.release-check.trusted-publishers]: nothing says which workflow "
            "file and environment PyPI's and TestPyPI's trusted publishers hold",
            'add pypi = { workflow = "publish-pypi.yml", environment = "pypi" } and '
            "the same for testpypi under [tool.release-check.trusted-publishers]",
        )
    name = path.project_name
    for index, publisher in sorted(path.publishers.items()):
        label = "PyPI" if index == "pypi" else "TestPyPI"
        wanted = f".github/workflows/{publisher.workflow}"
        doc = repo.workflows.get(wanted)
        if doc is None or not publish_jobs(doc):
            found = sorted(
                d.path.rsplit("/", 1)[-1]
                for d in repo.workflows.values()
                for job in publish_jobs(d).values()
                if uploads_to(publish_step(job)[1]) == index
            )
            yield this.problem(
                "pyproject.toml",
                1,
                f"{label}'s trusted publisher names the workflow {publisher.workflow}"
                f", but {wanted} "
                + ("does not exist" if doc is None else "publishes nothing")
                + (f" (the {label} upload is in {', '.join(found)})" if found else ""),
                f"rename the workflow file back to {publisher.workflow}, or change "
                f"the trusted publisher on {label} (Workflow name: "
                f"{found[0] if found else '<file>'}) and {index}.workflow in "
                "[tool.release-check.trusted-publishers] together",
            )
            continue
        for job_id, job in publish_jobs(doc).items():
            env_name, env_url = environment(job)
            line = job.kline("environment")
            if env_name != publisher.environment:
                yield this.problem(
                    doc,
                    line,
                    f"publish job {job_id} uses environment {env_name or '(none)'}, "
                    f"but {label}'s trusted publisher names environment "
                    f"{publisher.environment} (a 403 invalid-publisher after the "
                    "tests, the build and the approval)",
                    f"set `environment: name: {publisher.environment}`, or change "
                    f"the trusted publisher on {label} (Environment name: "
                    f"{env_name}) and {index}.environment in "
                    "[tool.release-check.trusted-publishers] together",
                )
            project_url = f"{INDEX_PROJECT_URLS[index]}project/{name}/"
            if name and not (env_url or "").startswith(project_url):
                yield this.problem(
                    doc,
                    line,
                    f"the environment URL of publish job {job_id} is "
                    f"{env_url or '(none)'}, not the project on {label}",
                    f"set `url: {project_url}${{{{ needs.build.outputs.version }}}}/`",
                )
