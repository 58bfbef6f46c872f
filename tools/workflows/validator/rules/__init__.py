"""The rules, by theme; importing this package registers every one of them.

In the workflow-checks layer, with the validator that runs them.

- :mod:`.security`: actions pinned, least privilege for the token, no
  credentials left in a checkout;
- :mod:`.structure`: files that load, expressions that read, local actions that
  exist, composite actions' metadata, one concurrency block, job names;
- :mod:`.dataflow`: inputs, outputs and artifacts that exist where they are used;
- :mod:`.publish`: the publish job and its chain, dry run, environments, URLs;
- :mod:`.publishers`: the workflows match the trusted publishers written once
  in pyproject.toml;
- :mod:`.digests`: every job that uploads checks the files against the build
  job's digests, which travel apart from the artifact;
- :mod:`.triggers`: when a publish runs: the project's own repository only,
  PyPI from a tag only, never cancelled half-way;
- :mod:`.release`: what the build before a publish must do, and the smoke after;
- :mod:`.versions`: one set of Pythons in tox, the test matrix and the metadata;
- :mod:`.schedule`: only the index audit runs on a schedule, and it only reads.
- :mod:`.ci`: the test workflow runs, with effect, every check the protections
  rely on; every tox environment and make target called exists.
"""

from . import (
    ci,
    dataflow,
    digests,
    publish,
    publishers,
    release,
    schedule,
    security,
    structure,
    triggers,
    versions,
)

# The order `--rules` lists them in.
THEMES = (
    security,
    structure,
    dataflow,
    publish,
    publishers,
    digests,
    triggers,
    release,
    versions,
    schedule,
    ci,
)

__all__ = [
    "THEMES",
    "ci",
    "dataflow",
    "digests",
    "publish",
    "publishers",
    "release",
    "schedule",
    "security",
    "structure",
    "triggers",
    "versions",
]
