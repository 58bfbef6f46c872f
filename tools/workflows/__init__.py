"""Workflows: the checks of ``.github/`` that GitHub itself cannot run for us.

Owns the workflow validator (:mod:`.validate`: our rules over the workflows
and composite actions) and the input checks of the composite actions
(:mod:`.action_inputs`).
"""
