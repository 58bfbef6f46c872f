"""The phase-state engine: symbolic input in, a phase out."""

import copy
import math
import numbers
from enum import Enum
from typing import Any, Dict, List, Union

#: Inputs longer than this many characters need a delta adjustment.
MAX_STABLE_INPUT_LENGTH = 100
#: While adjusting, a delta smaller than this (in absolute value) stabilizes.
STABILIZE_BELOW = 0.1
#: While adjusting, a delta larger than this (in absolute value) is an error.
ERROR_ABOVE = 1.0


class PhaseState(Enum):
    """The phases an engine can be in."""

    INITIAL = "initial"
    PROCESSING = "processing"
    DELTA_ADJUSTMENT = "delta_adjustment"
    STABILIZED = "stabilized"
    ERROR = "error"


class GlyphPhaseEngine:
    """Track the phase of a piece of symbolic input.

    ``process_symbolic_input`` moves the engine to a phase decided by the
    input; ``adjust_phase_delta`` records deltas and, while the engine is in
    ``DELTA_ADJUSTMENT``, settles it to ``STABILIZED`` or ``ERROR``.
    """

    def __init__(
        self, initial_phase: Union[PhaseState, str] = PhaseState.INITIAL
    ) -> None:
        """Create an engine in ``initial_phase`` (a PhaseState or its value)."""
        self._initial_phase = PhaseState(initial_phase)
        self.current_phase: PhaseState = self._initial_phase
        self.delta_values: List[float] = []
        self.symbolic_input: Any = None
        self.metadata: Dict[str, Any] = {}

    def process_symbolic_input(self, text: Any) -> PhaseState:
        """Record ``text`` and move to the phase it calls for.

        Empty or non-string input gives ``ERROR``; a string longer than 100
        characters gives ``DELTA_ADJUSTMENT``; any other string gives
        ``STABILIZED``. Returns the new phase.
        """
        self.symbolic_input = text
        self.current_phase = PhaseState.PROCESSING
        if not isinstance(text, str) or not text:
            self.metadata["input_length"] = None
            self.current_phase = PhaseState.ERROR
            return self.current_phase
        self.metadata["input_length"] = len(text)
        if len(text) > MAX_STABLE_INPUT_LENGTH:
            self.current_phase = PhaseState.DELTA_ADJUSTMENT
        else:
            self.current_phase = PhaseState.STABILIZED
        return self.current_phase

    def adjust_phase_delta(self, delta: Union[float, numbers.Real]) -> PhaseState:
        """Record ``delta`` and, while in ``DELTA_ADJUSTMENT``, settle the phase.

        ``|delta| < 0.1`` gives ``STABILIZED`` and ``|delta| > 1.0`` gives
        ``ERROR``; otherwise, or in any other phase, the phase stays.

        Raises:
            TypeError: ``delta`` is not a real number (``bool`` included).
            ValueError: ``delta`` is NaN or infinite.

        Nothing is recorded when an error is raised. Returns the phase.
        """
        if isinstance(delta, bool) or not isinstance(delta, numbers.Real):
            raise TypeError(
                f"delta must be a real number, not {type(delta).__name__}: {delta!r}"
            )
        value = float(delta)
        if not math.isfinite(value):
            raise ValueError(f"delta must be finite, got {delta!r}")
        self.delta_values.append(value)
        if self.current_phase is PhaseState.DELTA_ADJUSTMENT:
            if abs(value) < STABILIZE_BELOW:
                self.current_phase = PhaseState.STABILIZED
            elif abs(value) > ERROR_ABOVE:
                self.current_phase = PhaseState.ERROR
        return self.current_phase

    def get_phase_info(self) -> Dict[str, Any]:
        """Return the engine's state as a new dict (copies: safe to mutate)."""
        return {
            "current_phase": self.current_phase.value,
            "delta_values": list(self.delta_values),
            "symbolic_input": copy.deepcopy(self.symbolic_input),
            "metadata": copy.deepcopy(self.metadata),
        }

    def reset(self) -> None:
        """Go back to the initial phase and forget input, deltas and metadata."""
        self.current_phase = self._initial_phase
        self.delta_values = []
        self.symbolic_input = None
        self.metadata = {}
