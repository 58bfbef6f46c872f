"""A pyproject.toml the tooling cannot read is one line and exit 1, never a
traceback, whichever entry point meets it first (tools.common.run_main)."""

import signal

import pytest

from tools.common import EXIT_PROBLEMS, run_main
from tools.project import ConfigError

TARGETS = [
    "release-check", "dist", "check", "sanity", "contents", "reproducibility",
    "smoke", "publish-dry-run", "validate", "dev-version", "index-check", "lock",
]  # fmt: skip


def break_toml(project) -> str:
    path = project.path / "pyproject.toml"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + ['name = = "oops"']) + "\n")
    return (
        f"{path} is not valid TOML (Invalid value (at line {len(lines) + 1}, column 8))"
    )


@pytest.mark.e2e
def test_every_make_target_says_the_toml_is_invalid_in_one_line(project):
    message = break_toml(project)
    project.commit("break pyproject.toml")
    for target in TARGETS:
        out = project.make(target)
        assert out.returncode != 0, target
        assert "Traceback" not in out.stdout + out.stderr, target
        assert out.stderr.splitlines()[0] == f"error: {message}: fix it there", (
            target,
            out.stderr,
        )
        assert out.stdout == "", (target, out.stdout)
    written = [
        p.name for p in project.path.iterdir() if p.name in ("dist", "SHA256SUMS")
    ]
    assert written == []  # nothing half-written


@pytest.mark.e2e
@pytest.mark.parametrize(
    "module",
    ["tools.release_check", "tools.artifacts.dist", "tools.artifacts.check",
     "tools.publish.index_check", "tools.publish.smoke"],
)  # fmt: skip
def test_each_entry_point_exits_1(project, module):
    message = break_toml(project)
    out = project.run("python", "-m", module)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == f"error: {message}: fix it there\n"


@pytest.mark.e2e
def test_a_pyproject_without_a_name_is_one_line(project):
    path = project.path / "pyproject.toml"
    text = path.read_text()
    assert '\nname = "glyph-phase-engine"\n' in text
    path.write_text(text.replace('\nname = "glyph-phase-engine"\n', "\n", 1))
    out = project.make("release-check")
    assert out.returncode != 0
    assert out.stderr.splitlines()[0] == (
        f"error: {path} has no [project] name: add one"
    )


def test_a_config_error_raised_later_is_one_line_too(capsys):
    previous = signal.getsignal(signal.SIGTERM)  # run_main sets its own

    def main() -> int:
        raise ConfigError("pyproject.toml has no [tool.x]: add one")

    try:
        with pytest.raises(SystemExit) as info:
            run_main(main)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert info.value.code == EXIT_PROBLEMS
    assert capsys.readouterr().err == "error: pyproject.toml has no [tool.x]: add one\n"
