"""The workflow validator: the project's rules over ``.github/``, proven from the files.

GitHub is the only place the workflows run, so what can be proven before a
push is proven here, from ``.github/workflows/*.yml``,
``.github/actions/*/action.yml``, ``tox.ini`` and ``pyproject.toml``. Every
problem is collected, then printed as ``file:line: rule: what is wrong; how to
fix``; the exit code is 1 when there is any.

    python -m tools.workflows.validator [--root PATH] [--rules]

- :mod:`.model`: the YAML model with line numbers (PyYAML; the reason is there);
- :mod:`.expressions`: GitHub's expression language, read and evaluated, and
  :mod:`.values`: its values and coercions (loose equality, truthiness);
- :mod:`.repo`: the files, loaded once, and the walks over jobs and steps;
- :mod:`.registry`: :class:`Problem`, :class:`Rule` and the ``@rule`` decorator,
  the one list of rules (:data:`RULES`);
- :mod:`.rules`: the rules, by theme;
- :mod:`.cli`: ``main(argv)``.

Part of the workflow-checks layer (:mod:`tools.workflows`): it imports the
project's facts and the stage list, never the runner above it.

It checks what zizmor (offline, pedantic) and the GitHub JSON schemas, which
``make validate`` runs first, do not; the descriptions of the few rules that
overlap them say why each is kept.
"""

from .cli import check_all, check_repo, main
from .registry import RULES, Problem, Rule, rule
from .repo import Repo

__all__ = [
    "RULES",
    "Problem",
    "Repo",
    "Rule",
    "check_all",
    "check_repo",
    "main",
    "rule",
]
