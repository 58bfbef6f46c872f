"""Workflows: the checks of ``.github/`` that GitHub itself cannot run for us.

The layer above publish and below release-check: it reads the workflows, the
actions, tox and the project's facts, and requires CI to run release-check's
stages (:mod:`tools.stages`, a fact, not the runner). Owns ``make validate``
(:mod:`.validate`: zizmor, the GitHub JSON schemas, then our validator,
:mod:`.validator`) and the input checks of the composite actions
(:mod:`.action_inputs`).
"""
