"""The public API as a user's type checker sees it (``py.typed``).

This file is type-checked by mypy (``make lint``; ``[tool.mypy] files``),
never run: pytest does not collect it (its name is not ``test_*.py``). Each
``assert_type`` fails the check when an annotation of the API changes; each
``# type: ignore[...]`` is a misuse the API must keep rejecting (strict mode
reports an ignore that is no longer needed).
"""

from fractions import Fraction
from typing import Any, Dict, List, Optional

from typing_extensions import assert_type

import glyph_phase_engine
from glyph_phase_engine import GlyphPhaseEngine, PhaseState
from glyph_phase_engine.cli import main

# The package's metadata.
assert_type(glyph_phase_engine.__version__, str)
assert_type(glyph_phase_engine.__commit_id__, Optional[str])

# Phases: an enum with string values.
assert_type(PhaseState("stabilized"), PhaseState)
phases: List[PhaseState] = list(PhaseState)
assert_type(phases[0].value, str)

# An engine starts in a phase given as a member or as its value.
engine = GlyphPhaseEngine()
assert_type(GlyphPhaseEngine(PhaseState.PROCESSING), GlyphPhaseEngine)
assert_type(GlyphPhaseEngine("stabilized"), GlyphPhaseEngine)
assert_type(GlyphPhaseEngine(initial_phase=PhaseState.ERROR), GlyphPhaseEngine)
GlyphPhaseEngine(3)  # type: ignore[arg-type]

# Processing input and adjusting deltas return the new phase.
assert_type(engine.process_symbolic_input("a" * 150), PhaseState)
assert_type(engine.adjust_phase_delta(0.05), PhaseState)
assert_type(engine.adjust_phase_delta(1), PhaseState)
assert_type(engine.adjust_phase_delta(Fraction(1, 20)), PhaseState)
engine.adjust_phase_delta("0.05")  # type: ignore[arg-type]

# The state, as attributes and as a new dict.
assert_type(engine.current_phase, PhaseState)
assert_type(engine.delta_values, List[float])
assert_type(engine.metadata, Dict[str, Any])
info = engine.get_phase_info()
assert_type(info, Dict[str, Any])
deltas: List[float] = info["delta_values"]
assert_type(engine.reset(), None)
engine.current_phase = "stabilized"  # type: ignore[assignment]

# The command line, as a function.
assert_type(main(["process", "alpha"]), int)
assert_type(main(), int)
main("process alpha")  # type: ignore[arg-type]
