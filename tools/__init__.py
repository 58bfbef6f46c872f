"""The release tooling (not shipped in the wheel), in layers.

From the bottom; a module imports only from its own layer or the ones below
(tests/release/test_layout.py checks it and names the offending import):

1. process and command-line helpers: :mod:`tools.common` (git, output, the
   entry convention ``run_main`` and its exit codes, ``ROOT``),
   :mod:`tools.tool_output` (the one reader of other tools' human output) and
   :mod:`tools.offline_first` (uv's cache first, online on any failure);
2. the project's facts: :mod:`tools.project` (read from ``pyproject.toml`` and
   the build configuration: no name is written in the tooling),
   :mod:`tools.pythons` (the claimed Pythons and where they are here),
   :mod:`tools.matrix` (the CI matrix from them) and :mod:`tools.stages`
   (release-check's stages);
3. distribution files: :mod:`tools.artifacts.archives` and
   :mod:`tools.artifacts.checksums`;
4. the checks of ``dist/`` and the install sandbox: :mod:`tools.artifacts`;
5. publish: :mod:`tools.publish`;
6. the workflow checks: :mod:`tools.workflows`;
7. :mod:`tools.release_check` (``make release-check``) and :mod:`tools.adopt`
   (with :mod:`tools.adopt_ci`, the test workflow it writes);
8. :mod:`tools.dev`: benchmarks, which measure everything below.

Each command-line module carries its make target's name, has a pure core that
tests import (the tests mirror the module path under tests/release/) and a
thin ``main(argv) -> int`` (0 passed, 1 problems, 2 usage, 130 interrupted).
"""
