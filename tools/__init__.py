"""The release tooling (not shipped in the wheel), in packages by concern.

- :mod:`tools.project`: every fact about the project, read from
  ``pyproject.toml`` and the build configuration (no name is written here);
- :mod:`tools.common`: git, output, the entry convention and exit codes;
- :mod:`tools.offline_first`: an installer run from uv's cache first, made
  again online on any failure (an optimisation, never a verdict);
- :mod:`tools.tool_output`: the one reader of other tools' human output
  (uv, pip, build, twine...), tested on captured output of the pinned versions;
- :mod:`tools.artifacts`: build and verify ``dist/``;
- :mod:`tools.publish`: upload to an index, the dry run, attestations;
- :mod:`tools.workflows`: the workflow validator and the actions' inputs;
- :mod:`tools.dev`: benchmarks, interpreter discovery and the CI test matrix;
- :mod:`tools.release_check`: ``make release-check``, every stage in order.

Each command-line module has a pure core that tests import and a thin
``main(argv) -> int`` (0 passed, 1 problems, 2 usage, 130 interrupted).
"""
