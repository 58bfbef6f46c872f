"""The one list of rules: each registered once, by :func:`rule`, with its description.

A rule is a function ``(repo, rule) -> problems`` decorated with
``@rule("name", "description")``. It makes its problems through the
:class:`Rule` it is given (``rule.problem(doc, line, what, fix)``), so a rule's
name is written once, in its decorator, and every problem names a registered
rule. ``--rules`` and the count of rules come from :data:`RULES`.
"""

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Tuple, Union

from tools import common

from .expressions import ExpressionError, Unknown
from .repo import Doc, Repo


@dataclass(frozen=True)
class Problem(common.Problem):
    """The tooling's :class:`~tools.common.Problem`, found by a rule in a file.

    ``where`` is the file's path; beside it, the ``line`` and the ``rule`` that
    found it. One line of the report: ``path:line: rule: what; fix``.
    """

    line: int = 1
    rule: str = ""

    @property
    def path(self) -> str:
        return self.where

    def sort_key(self) -> Tuple[str, int, str, str, str]:
        """The report's order: by file, line, rule, then text."""
        return (self.where, self.line, self.rule, self.what, self.fix)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.what}; {self.fix}"


Check = Callable[[Repo, "Rule"], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its name, what it asks for, and its check."""

    name: str
    description: str
    check: Check

    def __call__(self, repo: Repo) -> List[Problem]:
        return list(self.check(repo, self))

    def problem(
        self, where: Union[Doc, str], line: int, what: str, fix: str
    ) -> Problem:
        path = where.path if isinstance(where, Doc) else where
        return Problem(what, fix, path, max(line, 1), self.name)

    def unreadable(
        self, where: Union[Doc, str], line: int, text: str, error: ExpressionError
    ) -> Problem:
        """The problem for an expression this rule needs but cannot read."""
        return self.problem(
            where,
            line,
            f"cannot read the expression {' '.join(str(text).split())!r}: {error}",
            "write it in GitHub's expression syntax ('single-quoted' strings, "
            "== != && || !, contexts such as github. or inputs., known functions)",
        )

    def undecided(
        self, where: Union[Doc, str], line: int, question: str, unknown: Unknown
    ) -> Problem:
        """The problem for a condition this rule must decide and cannot."""
        return self.problem(
            where,
            line,
            f"cannot tell {question}: it depends on {unknown}, which is not known "
            "before the run",
            "decide it with github.event_name, github.ref_type, github.ref_name "
            "and inputs only (the values the validator knows for each event)",
        )


RULES: Dict[str, Rule] = {}


def rule(name: str, description: str) -> Callable[[Check], Rule]:
    """Register the decorated check as the rule ``name``."""

    def register(check: Check) -> Rule:
        if name in RULES:
            raise ValueError(f"rule {name} is registered twice")
        RULES[name] = Rule(name, description, check)
        return RULES[name]

    return register
