"""tools.matrix: the CI test matrix from the classifiers, pre-releases only
for a Python whose final release is not out yet."""

import datetime
import json

import pytest

from tools import matrix, pythons

DAY_BEFORE_315 = datetime.date(2026, 9, 30)
PEP_790_FINAL = datetime.date(2026, 10, 1)


def test_a_python_is_final_from_its_release_day_on():
    assert not matrix.is_final("3.15", DAY_BEFORE_315)
    assert matrix.is_final("3.15", PEP_790_FINAL)
    assert matrix.is_final("3.8", DAY_BEFORE_315)
    assert not matrix.is_final("3.16", datetime.date(2026, 11, 25))


def test_an_unknown_python_is_not_final():
    assert not matrix.is_final("3.99", datetime.date(2100, 1, 1))


def test_the_matrix_has_every_classifier_with_its_allow_prereleases():
    versions = pythons.supported_versions()
    out = matrix.compute_matrix(versions, DAY_BEFORE_315)
    assert [e["python-version"] for e in out["include"]] == versions
    pre = {
        e["python-version"] for e in out["include"] if e["allow-prereleases"] == "true"
    }
    assert pre == {v for v in versions if v not in matrix.FINAL_RELEASES or v == "3.15"}
    after = matrix.compute_matrix(["3.14", "3.15", "3.16"], PEP_790_FINAL)
    assert [e["allow-prereleases"] for e in after["include"]] == [
        "false",
        "false",
        "true",
    ]


def test_the_github_outputs(tmp_path):
    out = tmp_path / "github_output"
    out.write_text("before=1\n")
    code = matrix.main(["--today", "2026-11-25", "--github-output", str(out)])
    assert code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "before=1"
    assert json.loads(lines[1].split("=", 1)[1]) == matrix.compute_matrix(
        pythons.supported_versions(), datetime.date(2026, 11, 25)
    )
    start = lines.index("python-versions<<END_OF_PYTHON_VERSIONS")
    end = lines.index("END_OF_PYTHON_VERSIONS")
    assert lines[start + 1 : end] == pythons.supported_versions()
    assert lines[-1] == "allow-prereleases=false"
    assert [
        line.split("=")[0].split("<<")[0]
        for line in (lines[1], lines[start], lines[-1])
    ] == list(matrix.OUTPUTS)


def test_a_pre_release_python_makes_allow_prereleases_true(tmp_path):
    out = tmp_path / "github_output"
    assert matrix.main(["--today", "2026-09-30", "--github-output", str(out)]) == 0
    assert out.read_text().splitlines()[-1] == "allow-prereleases=true"


def test_no_classifier_fails_with_the_fix(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert matrix.main(["--root", str(tmp_path)]) == 1
    assert "has no 'Programming Language :: Python :: 3.X' classifier" in (
        capsys.readouterr().err
    )


def test_a_bad_date_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        matrix.main(["--today", "tomorrow"])
    assert exc.value.code == 2
    assert "'tomorrow' is not a date (YYYY-MM-DD)" in capsys.readouterr().err
