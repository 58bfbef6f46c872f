"""The documents name only make variables and targets the Makefile has."""

import re

import pytest

from tools.common import ROOT

DOCS = ["README.md", "RELEASING.md", "docs/pipeline.md"]
MAKE_LINE = re.compile(
    r"(?:`|^ *(?:\$ )?)make ([a-z][\w-]*)((?: +[A-Z][A-Z_]*=[^`\s]*)*)", re.M
)
VARIABLE = re.compile(r"^([A-Z][A-Z_]*) *\?=|\$\(([A-Z][A-Z_]*)\)", re.M)
TARGET = re.compile(r"^\.PHONY: ([a-zA-Z_-]+) +## ", re.M)


def makefile_names(text):
    found = {a or b for a, b in VARIABLE.findall(text)}
    return found, set(TARGET.findall(text))


def doc_problems(doc: str, makefile: str):
    variables, targets = makefile_names(makefile)
    problems = []
    for match in MAKE_LINE.finditer(doc):
        target, assigned = match.group(1), match.group(2)
        if target not in targets:
            problems.append(f"make {target}: no such target")
        for name in re.findall(r"([A-Z][A-Z_]*)=", assigned):
            if name not in variables:
                problems.append(f"make {target} {name}=: no such variable")
    return problems


@pytest.mark.parametrize("name", DOCS)
def test_every_make_command_in_the_docs_exists(name):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert doc_problems((ROOT / name).read_text(encoding="utf-8"), makefile) == []


def test_a_renamed_variable_is_caught():
    makefile = "BENCH_TEST_RUNS ?= 3\n.PHONY: bench-test  ## time it\n"
    assert doc_problems("run `make bench-test RUNS=3`, make a cake", makefile) == [
        "make bench-test RUNS=: no such variable"
    ]
