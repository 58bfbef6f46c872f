"""The validator's expression evaluator against GitHub's documented semantics.

The cases follow "Evaluate expressions in workflows and actions" (literals,
operators, loose equality with coercion to numbers, case-insensitive strings,
``&&``/``||`` returning an operand, falsy values, the functions) and, where the
page is silent, GitHub's reference implementation (actions/languageservices).
An expression that cannot be read is an error, never true or false.
"""

import math
from typing import Any, Dict

import pytest

from tools.workflows.validator.expressions import (
    Context,
    ExpressionError,
    Unknown,
    condition,
    evaluate,
    find_expressions,
    interpolate,
    truth,
)

UNKNOWN = object()  # expect an Unknown value
JSON_OBJECT = 'fromJSON(\'{"a": {"b": 1}, "list": [1, 2]}\')'
PEOPLE = 'fromJSON(\'[{"name": "Mona"}, {"name": "Hubot"}, {"x": 1}]\')'
EVENT = {"github.event_name": "push", "github.event": {"ref": "refs/heads/main"}}


def same(actual: Any, expected: Any) -> bool:
    """Equal and of the same type (True is not 1.0 here)."""
    if expected is UNKNOWN:
        return isinstance(actual, Unknown)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(map(same, actual, expected))
        )
    return type(actual) is type(expected) and actual == expected


def case(expression: str, expected: Any, context: Dict[str, Any] = {}) -> Any:
    return pytest.param(expression, context, expected, id=expression)


EVALUATIONS = [
    # literals
    case("null", None),
    case("true", True),
    case("false", False),
    case("711", 711.0),
    case("-9.2", -9.2),
    case("0xff", 255.0),
    case("-2.99e-2", -0.0299),
    case("1.5E3", 1500.0),
    case("'It''s open source!'", "It's open source!"),
    case("''", ""),
    # loose equality: different types become numbers
    case("1 == '1'", True),
    case("'' == 0", True),
    case("null == 0", True),
    case("null == ''", True),
    case("null == false", True),
    case("null == null", True),
    case("true == 1", True),
    case("false == 0", True),
    case("true == 'true'", False),
    case("'0x10' == 16", True),
    case("' 2 ' == 2", True),
    case("'1e3' == 1000", True),
    case("'abc' == 0", False),
    case("1 != '2'", True),
    case("'abc' == 'ABC'", True),
    case("'abc' != 'ABD'", True),
    case("fromJSON('[]') == fromJSON('[]')", False),
    case("github.event == github.event", True, EVENT),
    case("fromJSON('{}') == 0", False),
    # ordering
    case("2 > 1", True),
    case("1 >= 1", True),
    case("1 <= 0", False),
    case("'b' > 'A'", True),
    case("'a' < 'B'", True),
    case("'10' > 9", True),
    case("'abc' < 1", False),
    case("'abc' > 1", False),
    case("'abc' >= 'abc'", True),
    case("false < true", True),
    case("null < 1", True),
    case("fromJSON('[]') < 1", False),
    # && and || return an operand
    case("true && 'x'", "x"),
    case("0 && 'x'", 0.0),
    case("'' || 'default'", "default"),
    case("'a' || 'b'", "a"),
    case("null || 0", 0.0),
    case("'x' && ''", ""),
    # ! and what is falsy
    case("!''", True),
    case("!'false'", False),
    case("!0", True),
    case("!-0", True),
    case("!null", True),
    case("!fromJSON('[]')", False),
    case("!fromJSON('{}')", False),
    case("!'0'", False),
    # precedence and grouping
    case("true || false && false", True),
    case("!true == false", True),
    case("1 == 1 && 2 == 2", True),
    case("(false || true) && 'y'", "y"),
    case("1 < 2 == true", True),
    # contexts, properties, indexes, filters
    case("github.event_name", "push", EVENT),
    case("github['event_name']", "push", EVENT),
    case("GitHub.Event_Name", "push", EVENT),
    case("github.event.ref", "refs/heads/main", EVENT),
    case(f"{JSON_OBJECT}.a.b", 1.0),
    case(f"{JSON_OBJECT}.A.B", 1.0),
    case(f"{JSON_OBJECT}['a']['b']", 1.0),
    case(f"{JSON_OBJECT}.list[1]", 2.0),
    case(f"{JSON_OBJECT}.list[5]", None),
    case(f"{JSON_OBJECT}.missing", None),
    case(f"{PEOPLE}.*.name", ["Mona", "Hubot"]),
    case('fromJSON(\'{"a": {"n": 1}, "b": {"n": 2}}\').*.n', [1.0, 2.0]),
    # functions (names are case-insensitive)
    case("contains('Hello world', 'WORLD')", True),
    case("contains('abc', 'd')", False),
    case("contains(123, 2)", True),
    case("contains(fromJSON('[\"bug\", \"help\"]'), 'BUG')", True),
    case("contains(fromJSON('[1, 2]'), '2')", True),
    case(f"contains({PEOPLE}.*.name, 'hubot')", True),
    case("startsWith('Hello', 'he')", True),
    case("STARTSWITH('Hello', 'x')", False),
    case("endsWith('Hello', 'LO')", True),
    case("startsWith(fromJSON('[]'), '')", False),
    case(
        "format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')",
        "Hello Mona the Octocat",
    ),
    case("format('{{Hello {0}}}', 'x')", "{Hello x}"),
    case("format('{0} {1} {2} {3}', true, 3, 1.5, null)", "true 3 1.5 "),
    case("join(fromJSON('[\"a\", \"b\"]'), ', ')", "a, b"),
    case("join(fromJSON('[\"a\", 1, true]'))", "a,1,true"),
    case("join('abc')", "abc"),
    case("toJSON('x')", '"x"'),
    case(
        "toJson(fromJSON('{\"a\": [1, true, null]}'))",
        '{\n  "a": [\n    1,\n    true,\n    null\n  ]\n}',
    ),
    case("fromJSON('true')", True),
    case("fromJSON('1.5')", 1.5),
    case("fromJSON(' \"text\" ')", "text"),
    case("!fromJSON(inputs.dry_run)", False, {"inputs.dry_run": "true"}),
    case("!fromJSON(inputs.dry_run)", False, {"inputs.dry_run": True}),
    case("!fromJSON(inputs.dry_run)", True, {"inputs.dry_run": "false"}),
    case("!inputs.dry_run", False, {"inputs.dry_run": "false"}),
    case("always()", True),
    case("success()", True),
    case("failure()", False),
    case("cancelled()", False),
    # what the checker does not know stays unknown, except where it cannot matter
    case("github.sha", UNKNOWN, EVENT),
    case("github.sha == 'x'", UNKNOWN, EVENT),
    case("!github.sha", UNKNOWN, EVENT),
    case("false && github.sha", False, EVENT),
    case("true || github.sha", True, EVENT),
    case("github.event_name == 'pull_request' && github.sha", False, EVENT),
    case("contains(github.sha, 'x')", UNKNOWN, EVENT),
    case("format('{0}', vars.X)", UNKNOWN),
    case("hashFiles('**/requirements.txt')", UNKNOWN),
]


@pytest.mark.parametrize("expression, context, expected", EVALUATIONS)
def test_evaluates_as_github_does(expression, context, expected):
    result = evaluate(expression, Context(context))
    assert same(result, expected), f"{expression} gave {result!r}, not {expected!r}"


@pytest.mark.parametrize(
    "expression, message",
    [
        ("", "empty"),
        ("github.event_name ==", "ends"),
        ("1 ==== 1", "unexpected"),
        ("github.event_name = 'push'", "cannot read"),
        ('github.event_name == "push"', "single quotes"),
        ("'unterminated", "cannot read"),
        ("(1 == 1", "')' should follow"),
        ("1 2", "unexpected"),
        ("github.", "ends"),
        ("github.'x'", "property name"),
        ("input.dry_run", "unrecognized named-value 'input'"),
        ("dry_run", "unrecognized named-value"),
        ("NaN", "unrecognized named-value"),
        ("True", "unrecognized named-value"),
        ("nosuch('x')", "unknown function nosuch()"),
        ("contains('a')", "contains() takes 2 arguments, not 1"),
        ("success(1)", "takes 0 arguments"),
        ("join()", "takes 1 to 2 arguments"),
        ("fromJSON('not json')", "is not JSON"),
        ("fromJSON('NaN')", "is not JSON"),
        ("format('{1}', 'a')", "only 1 argument"),
        ("format('{', 'a')", "bad placeholder"),
        ("format('}', 'a')", "lone"),
    ],
)
def test_an_unreadable_expression_is_an_error(expression, message):
    with pytest.raises(
        ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        evaluate(expression, Context({"github.event_name": "push"}))


def test_falsy_values_and_nan():
    assert [truth(v) for v in (False, 0.0, -0.0, math.nan, "", None)] == [False] * 6
    assert [truth(v) for v in (True, 1.0, "0", "false", [], {})] == [True] * 6
    assert truth(Unknown(frozenset({"x"}))) is None


def test_an_unknown_says_what_it_depends_on():
    result = evaluate("github.event.release.tag_name", Context(EVENT))
    assert (
        isinstance(result, Unknown) and str(result) == "github.event.release.tag_name"
    )
    both = evaluate("vars.A == secrets.B", Context())
    assert isinstance(both, Unknown) and str(both) == "secrets.B, vars.A"
    assert evaluate("github.sha && false", Context()) == Unknown(
        frozenset({"github.sha"}), False
    )
    assert evaluate("github.sha || true", Context()) == Unknown(
        frozenset({"github.sha"}), True
    )


def test_a_complete_context_has_null_for_what_is_not_given():
    """On a push there are no inputs: inputs.dry_run is null, not unknown."""
    push = Context({"github.event_name": "push"}, complete=("inputs",))
    assert evaluate("inputs.dry_run", push) is None
    assert evaluate("!inputs.dry_run", push) is True
    assert isinstance(evaluate("inputs.dry_run", Context()), Unknown)


def test_the_right_side_is_not_evaluated_after_a_short_circuit():
    assert evaluate("false && fromJSON('not json')", Context()) is False
    with pytest.raises(ExpressionError):
        evaluate("true && fromJSON('not json')", Context())


@pytest.mark.parametrize(
    "value, context, status, expected",
    [
        (None, {}, "success", True),
        (None, {}, "failure", False),
        (True, {}, "success", True),
        ("${{ !inputs.dry_run }}", {"inputs.dry_run": False}, "success", True),
        ("!inputs.dry_run", {"inputs.dry_run": True}, "success", False),
        ("inputs.dry_run", {"inputs.dry_run": True}, "failure", False),
        ("always() && inputs.dry_run", {"inputs.dry_run": True}, "failure", True),
        ("failure()", {}, "failure", True),
        ("cancelled()", {}, "cancelled", True),
        ("success() || failure()", {}, "cancelled", False),
        ("github.sha", {}, "success", UNKNOWN),
        ("${{ github.event_name }} or not", {"github.event_name": ""}, "success", True),
    ],
)
def test_conditions_hold_as_on_github(value, context, status, expected):
    result = condition(value, Context(context, status=status))
    assert same(result, expected), f"{value!r} gave {result!r}"


def test_a_condition_that_cannot_be_read_is_an_error():
    with pytest.raises(ExpressionError):
        condition("github.ref_type = 'tag'", Context())
    with pytest.raises(ValueError, match="status must be one of"):
        Context(status="skipped")


RELEASE = {"github.ref_type": "tag", "github.ref_name": "v1"}
PUSH = {"github.ref_type": "branch", "github.ref_name": "main"}
TAG_OR_EMPTY = "${{ github.ref_type == 'tag' && github.ref_name || '' }}"


@pytest.mark.parametrize(
    "value, context, expected",
    [
        (TAG_OR_EMPTY, RELEASE, "v1"),
        (TAG_OR_EMPTY, PUSH, ""),
        ("${{ github.ref_type != 'tag' }}", RELEASE, False),
        ("  ${{ 1 }}  ", {}, 1.0),
        ("v${{ 1 }}-${{ true }}-${{ null }}-${{ 0.5 }}", {}, "v1-true--0.5"),
        ("plain text", {}, "plain text"),
        (14, {}, 14),
        ("${{ github.sha }}-x", {}, UNKNOWN),
    ],
)
def test_interpolates_values_into_text(value, context, expected):
    result = interpolate(value, Context(context))
    assert same(result, expected), f"{value!r} gave {result!r}"


def test_finds_expressions_without_cutting_quoted_braces():
    text = "a ${{ format('}}{0}', 1) }} b ${{ x }}"
    found = [inner.strip() for _, _, inner in find_expressions(text)]
    assert found == ["format('}}{0}', 1)", "x"]
    with pytest.raises(ExpressionError, match="without its"):
        list(find_expressions("a ${{ x"))
