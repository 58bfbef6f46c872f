"""The digests' second channel: build job output -> publish job check.

``python -m tools.artifacts.dist --sums-output`` writes the SHA256SUMS text as a
multi-line step output; the publish and dry-run jobs write it back to a file
and check the downloaded ``dist/`` with ``sha256sum``. The step under test is
the workflows' own ``run:`` text, run with bash as GitHub runs it, on a copy
of a real build.
"""

import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from tools.artifacts import dist as dist_module
from tools.common import ROOT, sha256

pytestmark = pytest.mark.e2e

WORKFLOWS = ("publish-pypi.yml", "publish-testpypi.yml")
WHEEL = "glyph_phase_engine-1.2.3-py3-none-any.whl"


def github_outputs(text: str) -> Dict[str, str]:
    """Read ``$GITHUB_OUTPUT`` as the runner does (``name=value``, ``name<<D``)."""
    outputs, lines = {}, iter(text.split("\n"))
    for line in lines:
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            value: List[str] = []
            for more in lines:
                if more == delimiter:
                    break
                value.append(more)
            else:
                raise AssertionError(f"no closing {delimiter!r}")
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs


def check_steps():
    """(workflow, job, run text) of every step that checks the build's digests."""
    found = []
    for name in WORKFLOWS:
        doc = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
        for job_id, job in doc["jobs"].items():
            for step in job.get("steps", []):
                if "BUILT_SHA256SUMS" in (step.get("env") or {}):
                    found.append((name, job_id, step["run"]))
    return found


@pytest.fixture
def workspace(good, tmp_path) -> Path:
    """The build job's workspace: dist/ and SHA256SUMS of a real build."""
    root = tmp_path / "build"
    shutil.copytree(good.path / "dist", root / "dist")
    shutil.copy2(good.path / "SHA256SUMS", root / "SHA256SUMS")
    return root


def sums_output(workspace: Path, capsys) -> str:
    argv = ["--sums-output", "--dist-dir", str(workspace / "dist")]
    assert dist_module.main(argv) == 0
    return capsys.readouterr().out


def run_step(script: str, downloaded: Path, built_sums: str):
    """The step's script, run as GitHub runs a bash step, in ``downloaded``."""
    runner_temp = downloaded.parent / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    step = runner_temp / "step.sh"
    step.write_text(script)
    env = {
        "PATH": "/usr/bin:/bin",
        "BUILT_SHA256SUMS": built_sums,
        "RUNNER_TEMP": str(runner_temp),
    }
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(step)],
        cwd=downloaded,
        env=env,
        capture_output=True,
        text=True,
    )


def test_every_publish_and_dry_run_job_checks_the_build_jobs_digests():
    jobs = {(name, job) for name, job, _ in check_steps()}
    assert jobs == {(name, job) for name in WORKFLOWS for job in ("publish", "dry-run")}


def test_the_sums_output_is_the_sha256sums_text(workspace, capsys):
    text = sums_output(workspace, capsys)
    first, *_ = text.split("\n")
    assert first.startswith("sha256sums<<ghadelimiter_"), text
    outputs = github_outputs(text)
    assert list(outputs) == ["sha256sums"]
    assert outputs["sha256sums"] + "\n" == (workspace / "SHA256SUMS").read_text()
    assert (
        f"{sha256(workspace / 'dist' / WHEEL)}  dist/{WHEEL}" in outputs["sha256sums"]
    )
    # A random delimiter each time, as GitHub advises.
    assert sums_output(workspace, capsys).split("\n")[0] != first


def test_the_sums_output_refuses_a_dist_that_differs(workspace, capsys):
    wheel = workspace / "dist" / WHEEL
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    assert dist_module.main(["--sums-output", "--dist-dir", str(wheel.parent)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"error: dist/{WHEEL} has SHA-256 {sha256(wheel)} but SHA256SUMS" in (
        captured.err
    )
    with pytest.raises(SystemExit) as exc:
        dist_module.main(["--sums-output", "bad name"])
    assert exc.value.code == 2


@pytest.mark.parametrize("workflow, job, script", check_steps())
def test_the_publish_step_checks_the_files_against_the_job_output(
    workspace, tmp_path, capsys, workflow, job, script
):
    built = github_outputs(sums_output(workspace, capsys))["sha256sums"]
    downloaded = tmp_path / "publish"
    shutil.copytree(workspace, downloaded)
    wheel = downloaded / "dist" / WHEEL

    ok = run_step(script, downloaded, built)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"dist/{WHEEL}: OK" in ok.stdout

    # The artifact substituted whole: another wheel and a SHA256SUMS that
    # matches it. Only the job output catches it.
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    with open(downloaded / "SHA256SUMS", "w") as sums:
        subprocess.run(["sha256sum", "dist/" + WHEEL], cwd=downloaded, stdout=sums)
    out = run_step(script, downloaded, built)
    assert out.returncode != 0
    assert f"dist/{WHEEL}: FAILED" in out.stdout
    shutil.copy2(workspace / "dist" / WHEEL, wheel)

    # A file the build did not make.
    extra = downloaded / "dist" / WHEEL.replace("none-any", "none-linux_x86_64")
    shutil.copy2(wheel, extra)
    out = run_step(script, downloaded, built)
    assert out.returncode == 1
    assert "::error::dist/ holds other files than the build job built" in out.stdout
    extra.unlink()

    # No output from the build job (renamed, or never set).
    out = run_step(script, downloaded, "")
    assert out.returncode != 0
    assert "no properly formatted checksum lines found" in out.stderr
