import math
from fractions import Fraction

import pytest

from glyph_phase_engine import GlyphPhaseEngine, PhaseState


@pytest.fixture
def engine():
    return GlyphPhaseEngine()


@pytest.fixture
def adjusting(engine):
    assert engine.process_symbolic_input("x" * 101) is PhaseState.DELTA_ADJUSTMENT
    return engine


def test_phase_values():
    assert [p.value for p in PhaseState] == [
        "initial",
        "processing",
        "delta_adjustment",
        "stabilized",
        "error",
    ]


def test_new_engine(engine):
    assert engine.current_phase is PhaseState.INITIAL
    assert engine.delta_values == []
    assert engine.symbolic_input is None
    assert engine.metadata == {}


def test_initial_phase_given_as_member_or_value():
    assert GlyphPhaseEngine(PhaseState.ERROR).current_phase is PhaseState.ERROR
    assert GlyphPhaseEngine("stabilized").current_phase is PhaseState.STABILIZED
    with pytest.raises(ValueError):
        GlyphPhaseEngine("bogus")


@pytest.mark.parametrize("text", ["", None, 42, b"bytes", ["a"]])
def test_bad_input_is_error(engine, text):
    assert engine.process_symbolic_input(text) is PhaseState.ERROR
    assert engine.current_phase is PhaseState.ERROR
    assert engine.symbolic_input == text
    assert engine.metadata["input_length"] is None


@pytest.mark.parametrize("length", [1, 99, 100])
def test_short_input_stabilizes(engine, length):
    assert engine.process_symbolic_input("g" * length) is PhaseState.STABILIZED
    assert engine.symbolic_input == "g" * length
    assert engine.metadata["input_length"] == length


@pytest.mark.parametrize("length", [101, 500])
def test_long_input_needs_adjustment(engine, length):
    assert engine.process_symbolic_input("g" * length) is PhaseState.DELTA_ADJUSTMENT


@pytest.mark.parametrize(
    "delta, phase",
    [
        (0.0, PhaseState.STABILIZED),
        (0.0999, PhaseState.STABILIZED),
        (-0.05, PhaseState.STABILIZED),
        (0.1, PhaseState.DELTA_ADJUSTMENT),
        (0.5, PhaseState.DELTA_ADJUSTMENT),
        (1.0, PhaseState.DELTA_ADJUSTMENT),
        (-1.0, PhaseState.DELTA_ADJUSTMENT),
        (1.0001, PhaseState.ERROR),
        (-3, PhaseState.ERROR),
        (Fraction(1, 20), PhaseState.STABILIZED),
    ],
)
def test_delta_while_adjusting(adjusting, delta, phase):
    assert adjusting.adjust_phase_delta(delta) is phase
    assert adjusting.delta_values == [float(delta)]
    assert all(type(v) is float for v in adjusting.delta_values)


@pytest.mark.parametrize(
    "start", [PhaseState.INITIAL, PhaseState.STABILIZED, PhaseState.ERROR]
)
def test_delta_outside_adjustment_keeps_phase(start):
    engine = GlyphPhaseEngine(start)
    assert engine.adjust_phase_delta(0.0) is start
    assert engine.adjust_phase_delta(5.0) is start
    assert engine.delta_values == [0.0, 5.0]


@pytest.mark.parametrize("delta", ["0.5", None, True, False, [0.1], 1j])
def test_non_number_delta_raises_type_error(adjusting, delta):
    with pytest.raises(TypeError, match="delta must be a real number") as info:
        adjusting.adjust_phase_delta(delta)
    assert repr(delta) in str(info.value)
    assert adjusting.delta_values == []
    assert adjusting.current_phase is PhaseState.DELTA_ADJUSTMENT


@pytest.mark.parametrize("delta", [math.nan, math.inf, -math.inf])
def test_non_finite_delta_raises_value_error(adjusting, delta):
    with pytest.raises(ValueError, match="delta must be finite") as info:
        adjusting.adjust_phase_delta(delta)
    assert repr(delta) in str(info.value)
    assert adjusting.delta_values == []
    assert adjusting.current_phase is PhaseState.DELTA_ADJUSTMENT


def test_phase_info_is_a_copy(adjusting):
    adjusting.adjust_phase_delta(0.5)
    info = adjusting.get_phase_info()
    assert info == {
        "current_phase": "delta_adjustment",
        "delta_values": [0.5],
        "symbolic_input": "x" * 101,
        "metadata": {"input_length": 101},
    }
    info["delta_values"].append(9.0)
    info["metadata"]["input_length"] = 0
    assert adjusting.delta_values == [0.5]
    assert adjusting.metadata == {"input_length": 101}


def test_phase_info_copies_mutable_input(engine):
    text = ["not", "a", "string"]
    engine.process_symbolic_input(text)
    engine.get_phase_info()["symbolic_input"].append("!")
    assert engine.symbolic_input == ["not", "a", "string"]


def test_reset_returns_to_initial_phase():
    engine = GlyphPhaseEngine(PhaseState.STABILIZED)
    engine.process_symbolic_input("y" * 200)
    engine.adjust_phase_delta(2.0)
    engine.reset()
    assert engine.current_phase is PhaseState.STABILIZED
    assert engine.delta_values == []
    assert engine.symbolic_input is None
    assert engine.metadata == {}
