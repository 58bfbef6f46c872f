"""`make smoke` and `make publish-dry-run`, end to end, in temporary copies."""

import hashlib
import re
import shutil
import signal
import time

import pytest
from packaging.version import Version

from tests.release.helpers import stop_midway, texts
from tests.release.publish.conftest import NO_SUCH_DEPENDENCY
from tests.release.publish.helpers import assert_server_gone, run_script, server_of
from tools.publish import dry_run as publish_dry_run

pytestmark = pytest.mark.e2e


def test_good_build_passes_make_smoke_and_make_publish_dry_run(good, tmpdir_left_empty):
    env = {"TMPDIR": str(tmpdir_left_empty)}
    smoke = good.make("smoke", env=env)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert re.search(r"smoke: (\d+) of \1 passed", smoke.stdout), smoke.stdout

    dry = good.make("publish-dry-run", env=env)
    out = dry.stdout
    assert dry.returncode == 0, out + dry.stderr
    for path in sorted((good.path / "dist").iterdir()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        size = f"{path.stat().st_size:,} bytes"
        assert re.search(
            rf"  {re.escape(path.name)} +{size}  sha256 {digest}\n", out
        ), out
    assert "uploaded 2 file(s)" in out
    assert "listed on the index with the same SHA-256: 2 file(s)" in out
    assert re.search(
        r"ok    index  glyph-phase-engine==1\.2\.3 from "
        r"http://127\.0\.0\.1:\d+/simple/: listed after 1 look; 2 file\(s\) "
        r"served with the built SHA-256 \(the uploaded files\)",
        out,
    ), out
    assert re.search(
        r"ok    wheel  3\.\d+ +glyph_phase_engine-1\.2\.3-py3-none-any\.whl: "
        r"imports glyph_phase_engine 1\.2\.3; 'glyph-phase-engine --help' and "
        r"'--version' work",
        out,
    ), out
    assert "publish dry run passed in" in out
    assert_server_gone(*server_of(out))


def test_a_broken_wheel_fails_the_dry_run_and_cleans_up(no_import, tmpdir_left_empty):
    out = run_script(no_import, "publish.dry_run", tmp=tmpdir_left_empty)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "uploaded 2 file(s)" in out.stdout
    assert "import failed: ModuleNotFoundError: No module named " in out.stdout
    assert "'glyph_phase_engine.engine'" in out.stdout
    assert "publish dry run FAILED" in out.stdout
    assert_server_gone(*server_of(out.stdout))


def test_a_dist_dir_an_index_would_refuse_stops_before_any_server(
    good, tmp_path, capsys
):
    dist = tmp_path / "dist"
    shutil.copytree(good.path / "dist", dist)
    (dist / "SHA256SUMS").write_text("")
    assert publish_dry_run.main(["--dist-dir", str(dist)]) == 1
    out = capsys.readouterr().out
    assert "SHA256SUMS is neither a wheel nor an sdist" in out
    assert "index:" not in out


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_dry_run_leaves_nothing_behind(good, tmpdir_left_empty, signum):
    """Ctrl-C (or SIGTERM) while the server is up: stopped, folders removed."""

    def ready(proc) -> str:
        first = proc.stdout.readline()
        assert first.startswith("index: "), first
        return first

    argv = ["-m", "tools.publish.dry_run"]
    code, first, rest = stop_midway(good.path, argv, tmpdir_left_empty, signum, ready)
    assert code == 130, first + rest
    assert "index stopped, temporary folders removed" in rest
    assert "publish dry run passed" not in rest
    assert_server_gone(*server_of(first))


def test_verify_listing_catches_a_missing_file_and_another_sha256(
    good_dist, start_index
):
    server = start_index()
    files = sorted(good_dist.iterdir())
    wheel, sdist = [p for p in files if p.suffix == ".whl"], [
        p for p in files if p.name.endswith(".tar.gz")
    ]
    shutil.copy2(wheel[0], server.packages / wheel[0].name)
    version = Version("1.2.3")
    missing = publish_dry_run.verify_listing(server.simple_url, files, version)
    assert texts(missing) == [f"{sdist[0].name} is not listed on {server.simple_url}"]
    assert missing[0].where == sdist[0].name
    (server.packages / sdist[0].name).write_bytes(b"not the built sdist")
    assert texts(publish_dry_run.verify_listing(server.simple_url, files, version)) == [
        f"{sdist[0].name} on {server.simple_url} has another SHA-256"
    ]
    shutil.copy2(sdist[0], server.packages / sdist[0].name)
    assert publish_dry_run.verify_listing(server.simple_url, files, version) == []


# ---- dependencies come from the regular index ----------------------------


def test_a_runtime_dependency_passes_make_smoke_and_make_publish_dry_run(
    with_dependency, tmpdir_left_empty
):
    """Its own files from the local index, packaging from the regular one."""
    env = {"TMPDIR": str(tmpdir_left_empty)}
    smoke = with_dependency.make("smoke", env=env)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert re.search(r"smoke: (\d+) of \1 passed", smoke.stdout), smoke.stdout
    dry = with_dependency.make("publish-dry-run", env=env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "2 file(s) served with the built SHA-256" in dry.stdout
    assert "publish dry run passed" in dry.stdout
    assert_server_gone(*server_of(dry.stdout))


def test_a_dependency_no_index_has_fails_at_once_saying_so(
    missing_dependency, tmpdir_left_empty
):
    """Not retried as "not on the index yet": the dry run waits up to 60 s."""
    start = time.monotonic()
    out = run_script(missing_dependency, "publish.dry_run", tmp=tmpdir_left_empty)
    seconds = time.monotonic() - start
    assert out.returncode == 1, out.stdout + out.stderr
    assert (
        f"dependency {NO_SUCH_DEPENDENCY} could not be found on the regular index"
    ) in out.stdout
    assert "did not appear" not in out.stdout
    assert "publish dry run FAILED" in out.stdout
    assert seconds < 45, seconds
    assert_server_gone(*server_of(out.stdout))

    smoke = missing_dependency.make("smoke", env={"TMPDIR": str(tmpdir_left_empty)})
    assert smoke.returncode != 0, smoke.stdout
    assert "smoke] Error 1" in smoke.stderr
    assert f"dependency {NO_SUCH_DEPENDENCY} could not be found" in smoke.stdout
