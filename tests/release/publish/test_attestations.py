"""The smoke job's attestation check: which commands, for which files."""

from tests.release.helpers import texts
from tools.publish import attestations as va

SUMS = (
    "ab" * 32
    + "  dist/glyph_phase_engine-1.2.3-py3-none-any.whl\n"
    + "cd" * 32
    + " *dist/glyph_phase_engine-1.2.3.tar.gz\n"
    + "\n"
)
REF = "me/glyph/.github/workflows/publish-pypi.yml@refs/tags/v1.2.3"


def test_files_from_checksums():
    assert va.files_from_checksums(SUMS) == [
        "dist/glyph_phase_engine-1.2.3-py3-none-any.whl",
        "dist/glyph_phase_engine-1.2.3.tar.gz",
    ]


def test_a_bad_checksums_file_is_one_line(tmp_path, capsys):
    bad = tmp_path / "SHA256SUMS"
    bad.write_text("not a digest  dist/a.whl\n")
    argv = ["--index", "pypi", "--repository", "me/glyph", "--workflow-ref", REF]
    assert va.main(argv + ["--checksums", str(bad), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad} is not a sha256sum file (line 1 is not")
    assert len(err.splitlines()) == 1


def test_pypi_verifies_provenance_and_pep740_for_each_file():
    files = va.files_from_checksums(SUMS)
    commands = va.compute_commands(files, "me/glyph", REF, "pypi", "pypi-attestations")
    assert commands[0] == [
        "gh", "attestation", "verify", files[0], "--repo", "me/glyph",
        "--signer-workflow", "me/glyph/.github/workflows/publish-pypi.yml",
    ]  # fmt: skip
    assert commands[1] == [
        "pypi-attestations", "verify", "pypi",
        "--repository", "https://github.com/me/glyph",
        "pypi:glyph_phase_engine-1.2.3-py3-none-any.whl",
    ]  # fmt: skip
    assert len(commands) == 4


def test_testpypi_verifies_provenance_only():
    commands = va.compute_commands(["dist/a.whl"], "me/glyph", REF, "testpypi", "x")
    assert [c[0] for c in commands] == ["gh"]


def test_arguments_are_checked_first():
    assert texts(va.check_arguments([], "me", "x")) == [
        "SHA256SUMS lists no files: download the build artifact",
        '--repository "me" is not OWNER/REPO',
        '--workflow-ref "x" is not a workflow of me',
    ]
    assert va.check_arguments(["dist/a.whl"], "me/glyph", REF) == []


def test_dry_run_prints_the_commands(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "SHA256SUMS").write_text(SUMS)
    argv = ["--index", "testpypi", "--repository", "me/glyph", "--workflow-ref", REF]
    assert va.main(argv + ["--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "PyPI only" in out
    assert out.count("$ gh attestation verify dist/") == 2


def test_missing_checksums_fail_before_running(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["--index", "pypi", "--repository", "me/glyph", "--workflow-ref", REF]
    assert va.main(argv) == 2
    assert "lists no files" in capsys.readouterr().err


def test_failures_are_counted_and_summarized(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "SHA256SUMS").write_text(SUMS)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setattr(va, "_verifier", lambda: "false")

    class Done:
        def __init__(self, code):
            self.returncode = code

    monkeypatch.setattr(
        va.subprocess, "run", lambda cmd: Done(1 if cmd[0] == "false" else 0)
    )
    argv = ["--index", "pypi", "--repository", "me/glyph", "--workflow-ref", REF]
    assert va.main(argv) == 1
    assert "2 verification(s) failed" in capsys.readouterr().err
    assert summary.read_text().count("FAILED") == 2


def test_the_verifier_is_the_tool_environments():
    """pypi-attestations comes from requirements/tools.txt, not a pin in code."""
    pins = (
        va.Path(__file__).resolve().parents[3] / "requirements/tools.txt"
    ).read_text()
    assert "\npypi-attestations==" in "\n" + pins
    assert va.PYPI_ATTESTATIONS == "pypi-attestations"
    exe = va.Path(va._verifier())
    if exe.is_absolute():
        assert exe.name == "pypi-attestations" and exe.exists()
