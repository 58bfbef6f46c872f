"""The values of GitHub's expressions, and how GitHub converts between them.

Null, booleans, numbers (floats), strings, arrays (lists) and objects (dicts,
keys matched case-insensitively), plus :class:`Unknown` for what the checker
cannot know. The coercions follow GitHub's documentation and its reference
implementation (actions/languageservices): numbers for loose equality, the
upper-cased text for string comparisons, JavaScript's ``Number()`` for a
string read as a number, JavaScript's number formatting for a number written
as text. :mod:`.expressions` reads and evaluates the expressions.
"""

import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

__all__ = [
    "CONTEXTS",
    "STATUSES",
    "Context",
    "ExpressionError",
    "Unknown",
    "is_truthy",
    "loose_equal",
    "to_number",
    "to_string",
    "truth",
]

CONTEXTS = frozenset(
    "github env vars job jobs steps runner secrets strategy matrix needs inputs".split()
)
STATUSES = ("success", "failure", "cancelled")


class ExpressionError(ValueError):
    """An expression GitHub would reject, or that fails when evaluated."""


@dataclass(frozen=True)
class Unknown:
    """A value the checker cannot know; ``sources`` says which values made it.

    ``truthy`` is set when the truthiness is known although the value is not
    (``x && false`` is falsy whatever ``x`` is).
    """

    sources: FrozenSet[str]
    truthy: Optional[bool] = None

    def __str__(self) -> str:
        return ", ".join(sorted(self.sources))


def unknown_of(*values: Any, truthy: Optional[bool] = None) -> Unknown:
    sources: FrozenSet[str] = frozenset()
    for value in values:
        if isinstance(value, Unknown):
            sources |= value.sources
    return Unknown(sources, truthy)


class ContextObject(Dict[str, Any]):
    """An object of the context: keys folded to lower case."""

    partial = False  # a partial object answers Unknown for a key it lacks
    path = ""


class Filtered(List[Any]):
    """The array an object filter (``.*``) makes: a property maps over it."""


def lookup(obj: Any, key: str) -> Any:
    if isinstance(obj, ContextObject):
        for name, value in obj.items():
            if name.lower() == key.lower():
                return value
        if obj.partial:
            where = f"{obj.path}.{key}" if obj.path else key
            return Unknown(frozenset({where}))
    return None


def to_data(value: Any, path: str = "", partial: bool = False) -> Any:
    """Python data (from JSON or the caller) as expression values."""
    if isinstance(value, Unknown) or value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        out = ContextObject()
        out.partial, out.path = partial, path
        for key, item in value.items():
            out[str(key)] = to_data(item, f"{path}.{key}", partial)
        return out
    if isinstance(value, (list, tuple)):
        return [to_data(item) for item in value]
    raise TypeError(f"not expression data: {value!r}")


@dataclass
class Context:
    """What an expression may read: the values given, and the job's status.

    ``values`` maps dotted names (``"github.event_name"``, ``"inputs.dry_run"``)
    or whole objects (``"inputs": {...}``) to values. Everything not given is
    :class:`Unknown`, except in the contexts named in ``complete``: there what
    is not given is null, as on GitHub (``("inputs",)`` on a push: no inputs).
    ``status`` answers ``success()``, ``failure()`` and ``cancelled()``:
    "success" (the default), "failure" or "cancelled".
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    status: str = "success"
    complete: Tuple[str, ...] = ()
    _root: ContextObject = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        nested: Dict[str, Any] = {}
        for dotted, value in self.values.items():
            *parents, last = dotted.split(".")
            here = nested
            for part in parents:
                here = here.setdefault(part, {})
            here[last] = value
        self._root = ContextObject()
        self._root.partial = True
        for name in self.complete:
            nested.setdefault(name, {})
        for name, value in nested.items():
            partial = name not in self.complete
            self._root[name] = to_data(value, name, partial=partial)

    def named(self, name: str) -> Any:
        """The value of a named context (``github``, ``inputs`` ...)."""
        return lookup(self._root, name)


# ---- coercions ---------------------------------------------------------------

DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def to_number(value: Any) -> float:
    """GitHub's number coercion: null 0, true 1, a string parsed, else NaN."""
    kind = kind_of(value)
    if kind == "null":
        return 0.0
    if kind in ("boolean", "number"):
        return float(value)
    if kind != "string":
        return math.nan
    text = value.strip()
    if not text:
        return 0.0
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if text[:2].lower() == prefix:
            try:
                return float(int(text[2:], base))
            except ValueError:
                return math.nan
    if text.lstrip("+-") == "Infinity":
        return -math.inf if text.startswith("-") else math.inf
    return float(text) if DECIMAL.fullmatch(text) else math.nan


def number_text(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == int(number) and abs(number) < 1e21:
        return str(int(number))
    return repr(number)


def to_string(value: Any) -> str:
    """A value as GitHub writes it into a string (``${{ }}`` in a text)."""
    kind = kind_of(value)
    if kind == "null":
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "number":
        return number_text(value)
    if kind == "string":
        return str(value)
    if kind == "array":
        return "Array"
    if kind == "object":
        return "Object"
    raise TypeError("an Unknown value has no text")  # callers check first


def truth(value: Any) -> Optional[bool]:
    """Truthiness: False for false, 0, -0, NaN, '' and null; None if unknown."""
    if isinstance(value, Unknown):
        return value.truthy
    kind = kind_of(value)
    if kind == "null":
        return False
    if kind == "boolean":
        return bool(value)
    if kind == "number":
        return not (value == 0 or math.isnan(value))
    if kind == "string":
        return bool(value != "")
    return True


def is_truthy(value: Any) -> bool:
    """:func:`truth` for a value known not to be Unknown."""
    known = truth(value)
    if known is None:
        raise TypeError(f"the truth of an unknown value ({value}) is unknown")
    return known


def coerce(left: Any, right: Any) -> Tuple[Any, Any]:
    """Both sides brought to one type where GitHub does (to numbers)."""
    lk, rk = kind_of(left), kind_of(right)
    if lk == rk:
        return left, right
    if lk in ("null", "boolean"):
        return coerce(to_number(left), right)
    if rk in ("null", "boolean"):
        return coerce(left, to_number(right))
    if {lk, rk} == {"number", "string"}:
        return to_number(left), to_number(right)
    return left, right


def loose_equal(left: Any, right: Any) -> bool:
    """GitHub's ``==`` on known values."""
    left, right = coerce(left, right)
    kind = kind_of(left)
    if kind != kind_of(right):
        return False
    if kind == "number":
        return bool(left == right)  # NaN equals nothing
    if kind == "string":
        return bool(left.upper() == right.upper())
    if kind in ("array", "object"):
        return left is right
    return bool(left == right)


def order(left: Any, right: Any) -> Optional[int]:
    """-1, 0 or 1 where GitHub orders the two values; None where it does not."""
    left, right = coerce(left, right)
    kind = kind_of(left)
    if kind != kind_of(right) or kind not in ("number", "string", "boolean"):
        return None
    if kind == "number" and (math.isnan(left) or math.isnan(right)):
        return None
    if kind == "string":
        left, right = left.upper(), right.upper()
    return int(left > right) - int(left < right)


def to_json(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return number_text(value)
        return int(value) if value == int(value) else value
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value
