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

:func:`condition` reads an ``if:`` as GitHub does: ``success() &&`` in front
unless it calls a status function. :func:`interpolate` gives the value a
``with:`` or ``env:`` text passes on. The values themselves and the coercions
are in :mod:`.values`.

An expression that cannot be read, names an unknown context or function, or
fails as it would fail on GitHub (``fromJSON('not json')``) raises
:class:`ExpressionError`, which the rules report as a problem: an expression is
never taken as true or false because it could not be read.
"""

import json
import math
import re
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from .values import (
    CONTEXTS,
    STATUSES,
    Context,
    ExpressionError,
    Filtered,
    Unknown,
    is_truthy,
    kind_of,
    lookup,
    loose_equal,
    order,
    to_data,
    to_json,
    to_number,
    to_string,
    truth,
    unknown_of,
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
        return unknown_of(value) if known is None else not known
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
            return Filtered(base.values())
        if isinstance(base, list):
            return Filtered(base)
        return Filtered()
    return _function(node[1], [_evaluate(arg, context) for arg in node[2]], context)


def _member(base: Any, key: Any) -> Any:
    if isinstance(base, Unknown) and isinstance(key, str) and len(base.sources) == 1:
        (source,) = base.sources
        if not source.endswith(")"):  # a path: name the value, not its context
            return Unknown(frozenset({f"{source}.{key}"}))
    if isinstance(base, Unknown) or isinstance(key, Unknown):
        return unknown_of(base, key)
    if isinstance(base, Filtered):
        out = Filtered()
        for item in base:
            value = _member(item, key)
            if isinstance(value, Filtered):
                out.extend(value)
            elif value is not None:
                out.append(value)
        return out
    if isinstance(base, dict) and kind_of(key) != "array":
        return lookup(base, to_string(key) if kind_of(key) != "object" else "")
    if isinstance(base, list) and kind_of(key) in ("number", "string", "boolean"):
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
            return unknown_of(
                left, right, truthy=False if right_truth is False else None
            )
        return unknown_of(left, right, truthy=True if right_truth is True else None)
    right = _evaluate(right_node, context)
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return unknown_of(left, right)
    if op == "==":
        return loose_equal(left, right)
    if op == "!=":
        return not loose_equal(left, right)
    rank = order(left, right)
    if rank is None:
        return False
    return {"<": rank < 0, "<=": rank <= 0, ">": rank > 0, ">=": rank >= 0}[op]


def _function(name: str, args: List[Any], context: Context) -> Any:
    if name == "always":
        return True
    if name in STATUSES:
        return context.status == name
    if name == "hashfiles":
        return Unknown(frozenset({"hashFiles()"}))
    if any(isinstance(arg, Unknown) for arg in args):
        return unknown_of(*args)
    if name == "contains":
        search, item = args
        if isinstance(search, list):
            return any(loose_equal(element, item) for element in search)
        if kind_of(search) in ("array", "object") or kind_of(item) in (
            "array",
            "object",
        ):
            return False
        return to_string(item).upper() in to_string(search).upper()
    if name in ("startswith", "endswith"):
        text, part = args
        if any(kind_of(arg) in ("array", "object") for arg in args):
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
        return json.dumps(to_json(args[0]), indent=2)
    return _from_json(to_string(args[0]) if kind_of(args[0]) != "string" else args[0])


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


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def _from_json(text: str) -> Any:
    try:
        return to_data(json.loads(text, parse_constant=_no_constant))
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
    return unknown_of(*unknown) if unknown else "".join(parts) + value[pos:]


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
