"""The tooling's layout and entry convention, checked so that they cannot drift.

- every package opens with a docstring saying what it owns;
- no module is over 700 lines;
- every command-line module has ``main(argv) -> int`` and runs it through
  ``run_main`` (exit 0 passed, 1 problems, 2 usage, 130 interrupted).
"""

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

import pytest

from tools.common import ROOT

MAX_LINES = 700


def tool_modules():
    listed = subprocess.run(
        [
            "git",
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "tools",
        ],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(
        Path(n) for n in listed.split("\0") if n.endswith(".py") and (ROOT / n).exists()
    )


# Run by another interpreter (a fresh environment's), where the tooling is not
# importable: plain ``if __name__ == "__main__"``, no run_main.
ELSEWHERE = {
    Path("tools/artifacts/probe.py"),
    Path("tools/artifacts/build_requires.py"),
}


def is_entry(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)
        for node in tree.body
    )


@pytest.mark.parametrize("path", tool_modules(), ids=str)
def test_module_size_docstring_and_entry(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines <= MAX_LINES, f"{path} has {lines} lines: split it by concern"
    tree = ast.parse(text)
    if path.name == "__init__.py":
        assert ast.get_docstring(tree), f"{path}: say what the package owns"
    if not is_entry(tree) or path in ELSEWHERE:
        return
    mains = [
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"
    ]
    if not mains:  # a package's __main__ runs the main of one of its modules
        imported = [
            n
            for n in tree.body
            if isinstance(n, ast.ImportFrom) and "main" in [a.name for a in n.names]
        ]
        assert imported, f"{path} runs as a command but has no main(argv)"
        node = imported[0]
        base = path.parent if node.level else Path()
        source = ROOT / base / Path(*(node.module or "").split(".")).with_suffix(".py")
        mains = [
            n
            for n in ast.parse(source.read_text(encoding="utf-8")).body
            if isinstance(n, ast.FunctionDef) and n.name == "main"
        ]
    assert mains, f"{path} runs as a command but has no main(argv)"
    (main,) = mains
    args = [a.arg for a in main.args.args]
    assert args == ["argv"], f"{path}: main takes argv, not {args}"
    assert main.returns is not None and ast.unparse(main.returns) == "int", path
    guard = next(
        n
        for n in tree.body
        if isinstance(n, ast.If) and is_entry(ast.Module(body=[n], type_ignores=[]))
    )
    assert "run_main(main)" in ast.unparse(
        guard
    ), f"{path}: run it with run_main(main), which gives 130 on Ctrl-C/SIGTERM"


def test_usage_errors_exit_2_everywhere():
    """argparse's usage error is 2; an unknown option is one for every command."""
    entries = [
        p
        for p in tool_modules()
        if is_entry(ast.parse((ROOT / p).read_text())) and p not in ELSEWHERE
    ]
    assert entries
    for path in entries:
        module = ".".join(path.with_suffix("").parts)
        out = subprocess.run(
            [sys.executable, "-m", module, "--no-such-option"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 2, (module, out.stdout, out.stderr)
        assert "usage" in out.stderr.lower(), module


# ---- layers --------------------------------------------------------------
# From the bottom: a module imports only from its own layer or the ones below.
# Each package's docstring says why it sits where it does.
LAYERS = (
    ("process and command-line helpers", ("tools.common", "tools.tool_output",
                                          "tools.offline_first")),
    ("the project's facts", ("tools.project", "tools.pythons", "tools.matrix",
                             "tools.stages")),
    ("distribution files", ("tools.artifacts.archives", "tools.artifacts.checksums")),
    ("checks and the install sandbox", ("tools.artifacts",)),
    ("publish", ("tools.publish",)),
    ("workflow checks", ("tools.workflows",)),
    ("release-check and adopt", ("tools.release_check", "tools.adopt",
                                 "tools.adopt_ci")),
    ("measurements of the layers below", ("tools.dev",)),
)  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    """The layer of ``module``: its longest matching prefix decides."""
    if module == "tools":  # the package itself: a docstring, no import
        return 0
    best, length = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(
                prefix
            ) > length:
                best, length = index, len(prefix)
    assert best >= 0, f"{module} is in no layer: add it to LAYERS in {__file__}"
    return best


def imports_of(path: Path) -> List[Tuple[int, str]]:
    """``(line, module)`` of every tools import in ``path``, lazy ones too."""
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            for alias in node.names:  # `from tools import project`: the module
                target = f"{base}.{alias.name}"
                is_module = (ROOT / Path(*target.split("."))).is_dir() or (
                    ROOT / Path(*target.split("."))
                ).with_suffix(".py").is_file()
                found.append((node.lineno, target if is_module else base))
    return [(line, name) for line, name in found if name.split(".")[0] == "tools"]


def layer_problems(paths: Iterable[Path]) -> List[str]:
    problems = []
    for path in paths:
        mine = layer_of(module_name(path))
        for line, target in imports_of(path):
            theirs = layer_of(target)
            if theirs > mine:
                problems.append(
                    f"{path}:{line} imports {target} ({LAYERS[theirs][0]}), a layer "
                    f"above its own ({LAYERS[mine][0]}): move the code it needs down"
                )
    return problems


def test_no_module_imports_a_higher_layer():
    assert layer_problems(tool_modules()) == []


def test_the_layer_check_names_the_offending_import(tmp_path, monkeypatch):
    """The broken case: the facts importing the publish layer."""
    copy = tmp_path / "tools"
    copy.mkdir()
    (copy / "project.py").write_text("import os\n\nfrom tools.publish import smoke\n")
    (copy / "publish").mkdir()
    (copy / "publish" / "smoke.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert layer_problems([Path("tools/project.py")]) == [
        "tools/project.py:3 imports tools.publish.smoke (publish), a layer above "
        "its own (the project's facts): move the code it needs down"
    ]


def test_every_package_says_why_it_sits_in_its_layer():
    for path in tool_modules():
        if path.name == "__init__.py" and path.parent.name != "tools":
            doc = ast.get_docstring(ast.parse((ROOT / path).read_text())) or ""
            assert "layer" in doc.lower(), f"{path}: say which layer and why"


# ---- target -> module -> test --------------------------------------------
# Targets that run no module of their own: tox, pytest, go, rm, grep.
NOT_A_MODULE = {"help", "tools", "test", "test-fast", "lint", "format", "actionlint",
                "clean", "distclean"}  # fmt: skip
PUBLIC = re.compile(r"^\.PHONY: ([a-zA-Z_-]+) +## ", re.M)
RUNS = re.compile(r" -m (tools(?:\.\w+)+)")


def targets() -> List[str]:
    return PUBLIC.findall((ROOT / "Makefile").read_text(encoding="utf-8"))


def target_module(target: str) -> str:
    """The module named after ``target`` among those its recipe runs."""
    out = subprocess.run(
        ["make", "-n", target, f"TOOLS_PYTHON={sys.executable}", "TARGET=x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, (target, out.stderr)
    want = target.replace("-", "_")
    modules = RUNS.findall(out.stdout)
    named = [
        m
        for m in modules
        if m.rsplit(".", 1)[-1] == want or "_".join(m.split(".")[-2:]) == want
    ]
    assert named, f"make {target} runs {modules or 'no module'}: name one {want}.py"
    return named[0]


def mirrored_test(module: str) -> Path:
    parts = module.split(".")[1:]
    return Path("tests/release", *parts[:-1], f"test_{parts[-1]}.py")


@pytest.mark.parametrize("target", sorted(set(targets()) - NOT_A_MODULE))
def test_target_module_and_test_are_one_hop_each(target):
    module = target_module(target)
    test = mirrored_test(module)
    assert (ROOT / test).is_file(), f"make {target} runs {module}: test it in {test}"


def import_cycle(graph: Dict[str, Set[str]]) -> List[str]:
    """One cycle of ``graph`` (module -> the modules it imports), or []."""
    state: Dict[str, int] = {}  # 1 on the path, 2 done
    path: List[str] = []

    def visit(node: str) -> List[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_no_two_modules_import_each_other():
    """Lazy imports too: a cycle inside a layer still means a misplaced function."""
    graph = {
        module_name(p): {
            t for _, t in imports_of(p) if t != module_name(p) and "." in t
        }
        for p in tool_modules()
    }
    assert import_cycle(graph) == []


def test_the_cycle_check_finds_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycle(graph) == ["a", "b", "c", "a"]
