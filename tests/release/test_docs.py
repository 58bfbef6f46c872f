"""The documents name only make targets the Makefile has, with variables their
recipes read (`make bench-test RUNS=3` would silently run the default)."""

import re
from typing import Dict, List, Set

import pytest

from tools.common import ROOT

DOCS = ["README.md", "RELEASING.md", "docs/pipeline.md", "CONTRIBUTING.md"]
MAKE = re.compile(r"(?:`|^ *(?:\$ )?)make ([a-z][\w-]*)((?: +[A-Z][A-Z_]*=[^`\s]*)*)")
SPAN = re.compile(r"`([A-Z][A-Z_]*)=[^`]*`")
TARGET = re.compile(r"^\.PHONY: ([a-zA-Z_-]+) +## ", re.M)
DEFINED = re.compile(r"^([A-Z][A-Z_]*) *[:?]?= *(.*)$", re.M)
USED = re.compile(r"\$\$?[({]([A-Z][A-Z_]*)")


def recipes(makefile: str) -> Dict[str, Set[str]]:
    """The variables each public target's recipe reads (one level of ``X = $(Y)``)."""
    bodies = {name: body for name, body in DEFINED.findall(makefile)}
    lines = makefile.splitlines()
    found: Dict[str, Set[str]] = {}
    for target in TARGET.findall(makefile):
        start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
        block = [lines[start]]
        for line in lines[start + 1 :]:
            if not line.startswith("\t"):
                break
            block.append(line)
        used = set(USED.findall("\n".join(block)))
        for name in list(used):
            used |= set(USED.findall(bodies.get(name, "")))
        found[target] = used
    return found


def doc_problems(doc: str, makefile: str) -> List[str]:
    reads = recipes(makefile)
    problems = []
    for line in doc.splitlines():
        commands = MAKE.findall(line)
        for target, assigned in commands:
            if target not in reads:
                problems.append(f"make {target}: no such target")
                continue
            named = re.findall(r"([A-Z][A-Z_]*)=", assigned)
            if len(commands) == 1:  # a table row: `make x` ... (`VAR=...`)
                named += SPAN.findall(line)
            for name in named:
                if name not in reads[target]:
                    problems.append(
                        f"make {target} {name}=: its recipe reads no {name}"
                    )
    return problems


@pytest.mark.parametrize("name", [d for d in DOCS if (ROOT / d).is_file()])
def test_every_make_command_in_the_docs_exists(name):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert doc_problems((ROOT / name).read_text(encoding="utf-8"), makefile) == []


def test_a_variable_of_another_target_is_caught():
    makefile = (
        "RUNS ?= 5\nBENCH_TEST_RUNS ?= 3\n"
        ".PHONY: bench  ## time it\nbench:\n\tbench --runs $(RUNS)\n"
        ".PHONY: bench-test  ## time the tests\n"
        "bench-test:\n\tbench_test --runs $(BENCH_TEST_RUNS)\n"
    )
    doc = (
        "run `make bench-test RUNS=3`, make a cake\n| `make bench-test` | (`RUNS=3`) |"
    )
    assert doc_problems(doc, makefile) == [
        "make bench-test RUNS=: its recipe reads no RUNS",
        "make bench-test RUNS=: its recipe reads no RUNS",
    ]
    assert doc_problems("`make bench RUNS=3`", makefile) == []
