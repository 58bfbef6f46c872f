"""The tooling's layout and entry convention, checked so that they cannot drift.

- every package opens with a docstring saying what it owns;
- no module is over 700 lines;
- every command-line module has ``main(argv) -> int`` and runs it through
  ``run_main`` (exit 0 passed, 1 problems, 2 usage, 130 interrupted).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tools import project

ROOT = project.ROOT
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
    if not is_entry(tree):
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
    entries = [p for p in tool_modules() if is_entry(ast.parse((ROOT / p).read_text()))]
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
