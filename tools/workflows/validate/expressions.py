"""GitHub's expression language (``${{ }}`` and ``if:``), read and evaluated.

It follows GitHub's documented semantics ("Evaluate expressions in workflows
and actions"):

- literals: ``null``, ``true``, ``false``, numbers as JSON writes them plus
  hex (``0xff``) and exponents (``-2.99e-2``), ``'strings'`` with ``''`` for a
  quote (double quotes are an error);
- context access: ``a.b``, ``a['b']``, ``a[0]``, the object filter
  ``a.*.b``; property names are case-insensitive; a name that is no context
  (``input.x`` for ``inputs.x``) is an error, as on GitHub;
- operators, by precedence: ``( )``, ``[ ]``/``.``, ``!``, ``< <= > >=``,
  ``== !=``, ``&&``, ``||``;
- loose equality: operands of different types are coerced to numbers (null is
  0, true 1, false 0, a string is parsed as a number: ``''`` is 0, ``'0x10'``
  16, ``'abc'`` NaN; arrays and objects never equal anything but themselves),
  so ``1 == '1'``, ``'' == 0`` and ``null == 0`` are true; strings compare
  case-insensitively; NaN equals nothing and every ordering with NaN is false;
- ``&&`` and ``||`` return one of their operands, not a boolean;
- falsy: ``false``, ``0``, ``-0``, NaN, ``''`` and ``null``; everything else,
  ``[]`` and ``{}`` included, is truthy;
- functions (names case-insensitive): ``contains``, ``startsWith``,
  ``endsWith``, ``format``, ``join``, ``toJSON``, ``fromJSON``, ``hashFiles``,
  and the status checks ``success()``, ``always()``, ``cancelled()``,
  ``failure()``, answered from the :class:`Context`'s status.

What the checker does not know is :class:`Unknown`, never ``null`` or false:
a context value the caller did not give (``github.sha`` in a context that only
gives ``github.event_name``) or ``hashFiles()``. Operators carry it through:
``Unknown == 'x'`` is Unknown, but ``false && Unknown`` is false and
``Unknown || true`` is Unknown with a known truthiness (true). The callers
(the rules) decide what Unknown means for them; the rules report a condition
they must decide but cannot as a problem, naming the values it depends on.

An expression that cannot be read, names an unknown context or function, or
fails as it would fail on GitHub (``fromJSON('not json')``) raises
:class:`ExpressionError`, which the rules report as a problem: an expression is
never taken as true or false because it could not be read.
"""

import json
import math
import re
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

__all__ = [
    "CONTEXTS",
    "Context",
    "ExpressionError",
    "Unknown",
    "condition",
    "evaluate",
    "find_expressions",
    "interpolate",
    "is_truthy",
    "loose_equal",
    "parse",
    "to_number",
    "to_string",
    "truth",
]

# The named values an expression may start with.
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


def _unknown(*values: Any, truthy: Optional[bool] = None) -> Unknown:
    sources: FrozenSet[str] = frozenset()
    for value in values:
        if isinstance(value, Unknown):
            sources |= value.sources
    return Unknown(sources, truthy)


class _Object(Dict[str, Any]):
    """An object of the context: keys folded to lower case."""

    partial = False  # a partial object answers Unknown for a key it lacks
    path = ""


class _Filtered(List[Any]):
    """The array an object filter (``.*``) makes: a property maps over it."""


def _lookup(obj: Any, key: str) -> Any:
    if isinstance(obj, _Object):
        for name, value in obj.items():
            if name.lower() == key.lower():
                return value
        if obj.partial:
            where = f"{obj.path}.{key}" if obj.path else key
            return Unknown(frozenset({where}))
    return None


def _to_data(value: Any, path: str = "", partial: bool = False) -> Any:
    """Python data (from JSON or the caller) as expression values."""
    if isinstance(value, Unknown) or value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        out = _Object()
        out.partial, out.path = partial, path
        for key, item in value.items():
            out[str(key)] = _to_data(item, f"{path}.{key}", partial)
        return out
    if isinstance(value, (list, tuple)):
        return [_to_data(item) for item in value]
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
    _root: _Object = field(init=False, repr=False)

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
        self._root = _Object()
        self._root.partial = True
        for name in self.complete:
            nested.setdefault(name, {})
        for name, value in nested.items():
            partial = name not in self.complete
            self._root[name] = _to_data(value, name, partial=partial)

    def named(self, name: str) -> Any:
        """The value of a named context (``github``, ``inputs`` ...)."""
        return _lookup(self._root, name)


# ---- coercions ------------------------------------------------------------------

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _kind(value: Any) -> str:
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
    kind = _kind(value)
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
    return float(text) if _DECIMAL.fullmatch(text) else math.nan


def _number_text(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == int(number) and abs(number) < 1e21:
        return str(int(number))
    return repr(number)


def to_string(value: Any) -> str:
    """A value as GitHub writes it into a string (``${{ }}`` in a text)."""
    kind = _kind(value)
    if kind == "null":
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "number":
        return _number_text(value)
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
    kind = _kind(value)
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


def _coerce(left: Any, right: Any) -> Tuple[Any, Any]:
    """Both sides brought to one type where GitHub does (to numbers)."""
    lk, rk = _kind(left), _kind(right)
    if lk == rk:
        return left, right
    if lk in ("null", "boolean"):
        return _coerce(to_number(left), right)
    if rk in ("null", "boolean"):
        return _coerce(left, to_number(right))
    if {lk, rk} == {"number", "string"}:
        return to_number(left), to_number(right)
    return left, right


def loose_equal(left: Any, right: Any) -> bool:
    """GitHub's ``==`` on known values."""
    left, right = _coerce(left, right)
    kind = _kind(left)
    if kind != _kind(right):
        return False
    if kind == "number":
        return bool(left == right)  # NaN equals nothing
    if kind == "string":
        return bool(left.upper() == right.upper())
    if kind in ("array", "object"):
        return left is right
    return bool(left == right)


def _order(left: Any, right: Any) -> Optional[int]:
    """-1, 0 or 1 where GitHub orders the two values; None where it does not."""
    left, right = _coerce(left, right)
    kind = _kind(left)
    if kind != _kind(right) or kind not in ("number", "string", "boolean"):
        return None
    if kind == "number" and (math.isnan(left) or math.isnan(right)):
        return None
    if kind == "string":
        left, right = left.upper(), right.upper()
    return int(left > right) - int(left < right)


# ---- reading ----------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>-?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+
                 |(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
    | (?P<string>'(?:[^']|'')*')
    | (?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\],.*])
    | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.X,
)

Node = Tuple[Any, ...]  # ("literal", v) ("named", n) ("prop", node, name) ...


def _tokens(text: str) -> List[Tuple[str, str, int]]:
    out: List[Tuple[str, str, int]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            rest = text[pos:].strip()
            hint = " (strings take single quotes)" if rest.startswith('"') else ""
            raise ExpressionError(f"cannot read {rest[:20]!r}{hint}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return out


_FUNCTIONS: Dict[str, Tuple[int, int]] = {  # lower-case name: (min, max) arguments
    "contains": (2, 2),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "format": (1, 255),
    "join": (1, 2),
    "tojson": (1, 1),
    "fromjson": (1, 1),
    "hashfiles": (1, 255),
    "success": (0, 0),
    "always": (0, 0),
    "cancelled": (0, 0),
    "failure": (0, 0),
}
_KEYWORDS = {"true": True, "false": False, "null": None}
_COMPARE = ("==", "!=", "<", "<=", ">", ">=")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("the expression is empty")
        node = self._or()
        if self.pos != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.pos][1]!r}")
        return node

    def _peek(self) -> Optional[str]:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self, expected: Optional[str] = None) -> Tuple[str, str, int]:
        if self.pos >= len(self.tokens):
            wanted = f"{expected!r}" if expected else "more"
            raise ExpressionError(f"the expression ends where {wanted} should follow")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def _binary(self, ops: Sequence[str], inner: Callable[[], Node]) -> Node:
        node = inner()
        while self._peek() in ops and self.tokens[self.pos][0] == "op":
            op = self._take()[1]
            node = ("op", op, node, inner())
        return node

    def _or(self) -> Node:
        return self._binary(("||",), self._and)

    def _and(self) -> Node:
        return self._binary(("&&",), self._equality)

    def _equality(self) -> Node:
        return self._binary(("==", "!="), self._relation)

    def _relation(self) -> Node:
        return self._binary(("<", "<=", ">", ">="), self._unary)

    def _unary(self) -> Node:
        if self._peek() == "!":
            self._take()
            return ("not", self._unary())
        return self._postfix(self._primary())

    def _postfix(self, node: Node) -> Node:
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                kind, text, _ = self._take()
                if text == "*":
                    node = ("filter", node)
                elif kind == "name":
                    node = ("prop", node, text)
                else:
                    raise ExpressionError(
                        f"expected a property name after '.': {text!r}"
                    )
            else:
                if self._peek() == "*":
                    self._take()
                    node = ("filter", node)
                else:
                    node = ("index", node, self._or())
                self._take("]")
        return node

    def _primary(self) -> Node:
        kind, text, _ = self._take()
        if text == "(" and kind == "op":
            inner = self._or()
            self._take(")")
            return inner
        if kind == "number":
            return ("literal", _number_literal(text))
        if kind == "string":
            return ("literal", text[1:-1].replace("''", "'"))
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r}")
        if self._peek() == "(":
            return self._call(text)
        if text in _KEYWORDS:
            return ("literal", _KEYWORDS[text])
        if text.lower() not in CONTEXTS:
            raise ExpressionError(
                f"unrecognized named-value {text!r} (contexts: "
                f"{', '.join(sorted(CONTEXTS))})"
            )
        return ("named", text)

    def _call(self, name: str) -> Node:
        low = name.lower()
        if low not in _FUNCTIONS:
            raise ExpressionError(f"unknown function {name}()")
        self._take("(")
        args: List[Node] = []
        while self._peek() != ")":
            if args:
                self._take(",")
            args.append(self._or())
        self._take(")")
        least, most = _FUNCTIONS[low]
        if not least <= len(args) <= most:
            count = str(least) if least == most else f"{least} to {most}"
            raise ExpressionError(f"{name}() takes {count} arguments, not {len(args)}")
        return ("call", low, tuple(args))


def _number_literal(text: str) -> float:
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("-")
    if body[:2].lower() == "0x":
        return sign * int(body[2:], 16)
    if body[:2].lower() == "0o":
        return sign * int(body[2:], 8)
    return float(text)


def parse(text: str) -> Node:
    """The syntax tree of one expression (without ``${{ }}``)."""
    return _Parser(text).parse()


# ---- evaluating --------------------------------------------------------------------


def _evaluate(node: Node, context: Context) -> Any:
    kind = node[0]
    if kind == "literal":
        return node[1]
    if kind == "named":
        return context.named(node[1])
    if kind == "not":
        value = _evaluate(node[1], context)
        known = truth(value)
        return _unknown(value) if known is None else not known
    if kind == "op":
        return _operator(node[1], node[2], node[3], context)
    if kind in ("prop", "index"):
        base = _evaluate(node[1], context)
        key = node[2] if kind == "prop" else _evaluate(node[2], context)
        return _member(base, key)
    if kind == "filter":
        base = _evaluate(node[1], context)
        if isinstance(base, Unknown):
            return base
        if isinstance(base, dict):
            return _Filtered(base.values())
        if isinstance(base, list):
            return _Filtered(base)
        return _Filtered()
    return _function(node[1], [_evaluate(arg, context) for arg in node[2]], context)


def _member(base: Any, key: Any) -> Any:
    if isinstance(base, Unknown) and isinstance(key, str) and len(base.sources) == 1:
        (source,) = base.sources
        if not source.endswith(")"):  # a path: name the value, not its context
            return Unknown(frozenset({f"{source}.{key}"}))
    if isinstance(base, Unknown) or isinstance(key, Unknown):
        return _unknown(base, key)
    if isinstance(base, _Filtered):
        out = _Filtered()
        for item in base:
            value = _member(item, key)
            if isinstance(value, _Filtered):
                out.extend(value)
            elif value is not None:
                out.append(value)
        return out
    if isinstance(base, dict) and _kind(key) != "array":
        return _lookup(base, to_string(key) if _kind(key) != "object" else "")
    if isinstance(base, list) and _kind(key) in ("number", "string", "boolean"):
        number = to_number(key)
        if math.isnan(number) or number < 0 or number != int(number):
            return None
        return base[int(number)] if int(number) < len(base) else None
    return None


def _operator(op: str, left_node: Node, right_node: Node, context: Context) -> Any:
    left = _evaluate(left_node, context)
    if op in ("&&", "||"):
        known = truth(left)
        stop = known is False if op == "&&" else known is True
        if stop:
            return left  # short-circuit: the right side is not evaluated
        right = _evaluate(right_node, context)
        if known is not None:  # the left side let it through: the right decides
            return right
        right_truth = truth(right)
        # The result is the unknown left, or the right; only its truth may be known.
        if op == "&&":
            return _unknown(left, right, truthy=False if right_truth is False else None)
        return _unknown(left, right, truthy=True if right_truth is True else None)
    right = _evaluate(right_node, context)
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return _unknown(left, right)
    if op == "==":
        return loose_equal(left, right)
    if op == "!=":
        return not loose_equal(left, right)
    order = _order(left, right)
    if order is None:
        return False
    return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[op]


def _function(name: str, args: List[Any], context: Context) -> Any:
    if name == "always":
        return True
    if name in STATUSES:
        return context.status == name
    if name == "hashfiles":
        return Unknown(frozenset({"hashFiles()"}))
    if any(isinstance(arg, Unknown) for arg in args):
        return _unknown(*args)
    if name == "contains":
        search, item = args
        if isinstance(search, list):
            return any(loose_equal(element, item) for element in search)
        if _kind(search) in ("array", "object") or _kind(item) in ("array", "object"):
            return False
        return to_string(item).upper() in to_string(search).upper()
    if name in ("startswith", "endswith"):
        text, part = args
        if any(_kind(arg) in ("array", "object") for arg in args):
            return False
        text, part = to_string(text).upper(), to_string(part).upper()
        return text.startswith(part) if name == "startswith" else text.endswith(part)
    if name == "format":
        return _format(args[0], args[1:])
    if name == "join":
        separator = to_string(args[1]) if len(args) > 1 else ","
        if isinstance(args[0], list):
            return separator.join(to_string(item) for item in args[0])
        return to_string(args[0])
    if name == "tojson":
        return json.dumps(_to_json(args[0]), indent=2)
    return _from_json(to_string(args[0]) if _kind(args[0]) != "string" else args[0])


def _format(template: Any, args: Sequence[Any]) -> str:
    text, out, pos = to_string(template), [], 0
    while pos < len(text):
        char = text[pos]
        if text.startswith("{{", pos) or text.startswith("}}", pos):
            out.append(char)
            pos += 2
            continue
        if char == "}":
            raise ExpressionError(f"format(): a lone '}}' in {text!r} (write '}}}}')")
        if char == "{":
            end = text.find("}", pos)
            index = text[pos + 1 : end] if end > 0 else ""
            if not index.isdigit():
                raise ExpressionError(f"format(): bad placeholder in {text!r}")
            if int(index) >= len(args):
                raise ExpressionError(
                    f"format(): {{{index}}} but only {len(args)} argument(s)"
                )
            out.append(to_string(args[int(index)]))
            pos = end + 1
            continue
        out.append(char)
        pos += 1
    return "".join(out)


def _to_json(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return _number_text(value)
        return int(value) if value == int(value) else value
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_json(item) for item in value]
    return value


def _from_json(text: str) -> Any:
    try:
        return _to_data(json.loads(text))
    except json.JSONDecodeError as exc:
        message = f"fromJSON(): {text[:40]!r} is not JSON ({exc.msg})"
        raise ExpressionError(message) from None


# ---- the public entry points -----------------------------------------------------

ExpressionText = Union[str, Node]


def evaluate(expression: ExpressionText, context: Context) -> Any:
    """The value of one expression (text without ``${{ }}``, or a tree)."""
    node = parse(expression) if isinstance(expression, str) else expression
    return _evaluate(node, context)


def find_expressions(text: str) -> Iterator[Tuple[int, int, str]]:
    """(start, end, inner text) of every ``${{ … }}`` in ``text``.

    A ``}}`` inside a quoted string does not end the expression; an opening
    without its closing raises :class:`ExpressionError`.
    """
    pos = 0
    while True:
        start = text.find("${{", pos)
        if start < 0:
            return
        index, quoted = start + 3, False
        while index < len(text):
            if text[index] == "'":
                quoted = not quoted
            elif not quoted and text.startswith("}}", index):
                break
            index += 1
        else:
            raise ExpressionError(
                f"'${{{{' without its '}}}}' in {text[start:][:40]!r}"
            )
        yield start, index + 2, text[start + 3 : index]
        pos = index + 2


def interpolate(value: Any, context: Context) -> Any:
    """A YAML value as GitHub passes it on: one ``${{ }}`` gives its value.

    A text with expressions in it gives the text with each value written in;
    a text or value without any is returned as it is.
    """
    if not isinstance(value, str):
        return value
    found = list(find_expressions(value))
    if not found:
        return value
    if len(found) == 1 and not (value[: found[0][0]] + value[found[0][1] :]).strip():
        return evaluate(found[0][2], context)
    parts: List[str] = []
    unknown: List[Any] = []
    pos = 0
    for start, end, inner in found:
        result = evaluate(inner, context)
        if isinstance(result, Unknown):
            unknown.append(result)
        else:
            parts += [value[pos:start], to_string(result)]
        pos = end
    return _unknown(*unknown) if unknown else "".join(parts) + value[pos:]


def _nodes(node: Node) -> Iterator[Node]:
    yield node
    for part in node[1:]:
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            yield from _nodes(part)
        elif isinstance(part, tuple):
            for child in part:
                yield from _nodes(child)


def _uses_status(node: Node) -> bool:
    return any(n[0] == "call" and n[1] in ("always",) + STATUSES for n in _nodes(node))


def condition(value: Any, context: Context) -> Union[bool, Unknown]:
    """Whether an ``if:`` holds, or the :class:`Unknown` it depends on.

    A missing ``if:`` holds when the job's status is success. As on GitHub,
    ``success() &&`` is put in front of a condition that calls no status
    function. ``${{ }}`` around the whole condition is allowed.
    """
    if value is None:
        return context.status == "success"
    text = value.strip() if isinstance(value, str) else to_string(value)
    found = list(find_expressions(text))
    whole = len(found) == 1 and found[0][:2] == (0, len(text))
    if found and not whole:
        # Text around ${{ }}: GitHub evaluates the whole as a (non-empty) string.
        result = interpolate(text, context)
    else:
        node = parse(found[0][2] if whole else text)
        if not _uses_status(node):
            node = ("op", "&&", ("call", "success", ()), node)
        result = _evaluate(node, context)
    known = truth(result)
    return result if known is None else known
