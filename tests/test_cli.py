import json
import runpy
import sys

import pytest

import glyph_phase_engine
from glyph_phase_engine import cli


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(capsys, *argv):
    with pytest.raises(SystemExit) as info:
        cli.main(list(argv))
    out, err = capsys.readouterr()
    assert info.value.code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("glyph-phase-engine: error: ")
    return err


def test_process_prints_phase_info(capsys):
    code, out, err = run(capsys, "process", "alpha")
    assert code == 0
    assert err == ""
    assert json.loads(out) == {
        "current_phase": "stabilized",
        "delta_values": [],
        "symbolic_input": "alpha",
        "metadata": {"input_length": 5},
    }


def test_process_applies_deltas_in_order(capsys):
    code, out, _ = run(capsys, "process", "z" * 150, "--delta", "0.5", "--delta=0.05")
    assert code == 0
    info = json.loads(out)
    assert info["current_phase"] == "stabilized"
    assert info["delta_values"] == [0.5, 0.05]


def test_process_empty_text_is_error_phase(capsys):
    code, out, _ = run(capsys, "process", "")
    assert code == 0
    assert json.loads(out)["current_phase"] == "error"


def test_no_command(capsys):
    assert "a command is required" in usage_error(capsys)


def test_unknown_option(capsys):
    assert "unrecognized arguments: --bogus" in usage_error(
        capsys, "process", "a", "--bogus"
    )


def test_missing_text(capsys):
    assert "TEXT" in usage_error(capsys, "process")


def test_delta_not_a_number(capsys):
    assert "not a number: 'abc'" in usage_error(
        capsys, "process", "a", "--delta", "abc"
    )


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_delta_not_finite(capsys, bad):
    err = usage_error(capsys, "process", "a", f"--delta={bad}")
    assert "argument --delta: delta must be finite" in err


def test_version(capsys, monkeypatch):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    out, _ = capsys.readouterr()
    assert info.value.code == 0
    assert out.startswith(f"glyph-phase-engine {glyph_phase_engine.__version__}")


def test_version_is_one_line_on_a_narrow_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")
    monkeypatch.setattr(cli, "__commit_id__", "0123456789abcdef" * 2 + "01234567")
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    out, _ = capsys.readouterr()
    assert info.value.code == 0
    assert out == cli.version_string() + "\n"


@pytest.mark.parametrize(
    "commit, expected",
    [
        ("0123abc", "glyph-phase-engine 1.0 (commit 0123abc)"),
        (None, "glyph-phase-engine 1.0"),
    ],
)
def test_version_string(monkeypatch, commit, expected):
    monkeypatch.setattr(cli, "__version__", "1.0")
    monkeypatch.setattr(cli, "__commit_id__", commit)
    assert cli.version_string() == expected


def test_python_dash_m(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["glyph_phase_engine", "process", "b"])
    with pytest.raises(SystemExit) as info:
        runpy.run_module("glyph_phase_engine", run_name="__main__")
    assert info.value.code == 0
    assert json.loads(capsys.readouterr().out)["current_phase"] == "stabilized"


def test_main_module_imports_without_running():
    module = runpy.run_module("glyph_phase_engine.__main__", run_name="not_main")
    assert module["main"] is cli.main
