"""glyph_phase_engine: a phase-state engine for symbolic input.

>>> from glyph_phase_engine import GlyphPhaseEngine, PhaseState
>>> engine = GlyphPhaseEngine()
>>> engine.process_symbolic_input("alpha") is PhaseState.STABILIZED
True
"""

from ._meta import resolve_version
from .engine import GlyphPhaseEngine, PhaseState

__version__, __commit_id__ = resolve_version()

__all__ = ["GlyphPhaseEngine", "PhaseState", "__commit_id__", "__version__"]
