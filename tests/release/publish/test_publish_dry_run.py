"""`make smoke` and `make publish-dry-run`, end to end, in temporary copies."""

import hashlib
import re
import shutil
import signal

import pytest
from packaging.version import Version

from tests.release.helpers import stop_midway
from tests.release.publish.helpers import assert_server_gone, run_script, server_of
from tools.publish import dry_run as publish_dry_run

pytestmark = pytest.mark.slow


def test_good_build_passes_make_smoke_and_make_publish_dry_run(good, tmpdir_left_empty):
    env = {"TMPDIR": str(tmpdir_left_empty)}
    smoke = good.make("smoke", env=env)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "smoke: 2 of 2 passed" in smoke.stdout

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
        r"http://127\.0\.0\.1:\d+/simple/: installed after 1 look; "
        r"imports 1\.2\.3, '--version' and 'process' work",
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
    assert publish_dry_run.verify_listing(server.simple_url, files, version) == [
        f"{sdist[0].name} is not listed on {server.simple_url}"
    ]
    (server.packages / sdist[0].name).write_bytes(b"not the built sdist")
    assert publish_dry_run.verify_listing(server.simple_url, files, version) == [
        f"{sdist[0].name} on {server.simple_url} has another SHA-256"
    ]
    shutil.copy2(sdist[0], server.packages / sdist[0].name)
    assert publish_dry_run.verify_listing(server.simple_url, files, version) == []
