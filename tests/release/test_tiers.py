"""The tiers are honest: the fast tier builds, serves and makes nothing.

tests/release/tiers.py fails a test that does so without ``@pytest.mark.e2e``;
here it runs on probe tests of its own, in a pytest of their own, each case
unmarked (it must fail, saying to mark it) and marked (it must pass).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

from tests.release import tiers
from tests.release.helpers import ROOT
from tools.dev import bench_test

CONFTEST = """
import pytest
from tests.release.tiers import (  # noqa: F401
    pytest_configure,
    pytest_runtest_setup,
    pytest_runtest_teardown,
    pytest_unconfigure,
)


@pytest.fixture
def released(request):
    with open("fixture-ran.txt", "a") as ran:  # it would build here
        ran.write(request.node.name + "\\n")
    return "built"
"""

#: name -> body of a probe test (``here`` is a folder holding a Makefile).
CASES = {
    "make": "subprocess.run(['make', '-C', str(here)], check=True)",
    "make_below": (
        "out = subprocess.run([sys.executable, '-c', 'import subprocess, sys; "
        'sys.exit(subprocess.run(["make", "-C", sys.argv[1]]).returncode)\', '
        "str(here)], capture_output=True, text=True)\n"
        "    assert out.returncode == 0, out.stderr"
    ),
    "build": (
        "subprocess.run([sys.executable, '-m', 'build', '--version'], "
        "capture_output=True)"
    ),
    "writes_dist": (
        "subprocess.run([sys.executable, '-c', 'import pathlib; "
        'd = pathlib.Path("dist"); d.mkdir(); '
        '(d / "p-1.0-py3-none-any.whl").write_bytes(b"")\'], '
        "cwd=here, check=True)"
    ),
    "fixture": "assert released",
}
HARMLESS = {
    "make_dry_run": "subprocess.run(['make', '-n', '-C', str(here)], check=True)",
    "make_question": "subprocess.run(['make', '-pRrq', '-C', str(here), 'x'])",
    "a_fake_wheel_it_writes": (
        "(here / 'dist').mkdir()\n"
        "    (here / 'dist' / 'p-1.0-py3-none-any.whl').write_bytes(b'')\n"
        "    subprocess.run([sys.executable, '-c', 'pass'], cwd=here, check=True)"
    ),
}


def probe(name: str, body: str, marked: bool) -> str:
    fixture = "released" if "released" in body else "tmp_path"
    mark = "@pytest.mark.e2e\n" if marked else ""
    here = "here = tmp_path" if fixture == "tmp_path" else "here = None"
    return (
        f"\n\n{mark}def test_{name}_{'marked' if marked else 'unmarked'}({fixture}):\n"
        f"    {here}\n"
        "    if here is not None:\n"
        "        (here / 'Makefile').write_text('all:\\n\\t@echo made\\n')\n"
        f"    {body}\n"
    )


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Each probe test's outcome (passed, failed, error) and report line."""
    folder = tmp_path_factory.mktemp("tiers")
    (folder / "conftest.py").write_text(CONFTEST)
    (folder / "pytest.ini").write_text("[pytest]\nmarkers =\n    e2e: e2e\n")
    text = "import subprocess\nimport sys\n\nimport pytest\n"
    for name, body in CASES.items():
        text += probe(name, body, marked=False)
    for name, body in {**CASES, **HARMLESS}.items():
        if name != "build":  # build itself may be absent: only the unmarked case
            text += probe(name, body, marked=name in CASES)
    (folder / "test_probes.py").write_text(text)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "1000"}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist"]
        # its own basetemp: pytest's default one would first clean out the
        # older runs' folders of every pytest on the machine (seconds, at times)
        + ["--basetemp", str(folder / "tmp"), "-q", "-rA", "test_probes.py"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    found = {}
    for line in out.stdout.splitlines():
        m = re.match(r"(PASSED|FAILED|ERROR) test_probes\.py::(\w+)( - (.*))?", line)
        if m:
            found.setdefault(m.group(2), []).append((m.group(1), m.group(4) or ""))
    assert found, out.stdout + out.stderr
    ran = folder / "fixture-ran.txt"
    return found, out.stdout, ran.read_text() if ran.exists() else ""


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_unmarked_test_that_builds_serves_or_makes_fails(outcomes, name):
    found, text, fixture_ran = outcomes
    results = found[f"test_{name}_unmarked"]
    assert any(kind in ("FAILED", "ERROR") for kind, _ in results), text
    test = f"test_probes.py::test_{name}_unmarked"
    said = (
        f"{test} (uses released \\(a build or a server\\)|[^\n]* but is not marked e2e)"
    )
    said += ": mark it @pytest.mark.e2e"
    assert re.search(said, text), text
    assert f"test_{name}_unmarked" not in fixture_ran  # failed before it built


@pytest.mark.parametrize("name", sorted(set(CASES) - {"build"}))
def test_the_same_test_marked_e2e_passes(outcomes, name):
    found, text, fixture_ran = outcomes
    assert found[f"test_{name}_marked"] == [("PASSED", "")], text
    if name == "fixture":
        assert fixture_ran == "test_fixture_marked\n"


@pytest.mark.parametrize("name", sorted(HARMLESS))
def test_what_only_prints_or_writes_by_hand_stays_in_the_fast_tier(outcomes, name):
    found, text, _ = outcomes
    assert found[f"test_{name}_unmarked"] == [("PASSED", "")], text


def test_make_options_that_only_print_or_ask():
    assert tiers.why_e2e(["make", "dist"]) == "runs make"
    assert tiers.why_e2e(["/usr/bin/make", "-C", "x", "-j2", "lint"]) == "runs make"
    assert tiers.why_e2e(["make", "-n", "dist"]) is None
    assert tiers.why_e2e(["make", "-pRrq", "-f", "Makefile", ".DEFAULT"]) is None
    assert tiers.why_e2e(["make", "--dry-run"]) is None
    assert tiers.why_e2e(["pypi-server", "run"]) == "starts an index server"
    assert tiers.why_e2e([sys.executable, "-m", "pypiserver"]) is not None
    assert tiers.why_e2e([sys.executable, "-m", "tools.project"]) is None


def test_the_markers_are_registered_and_slow_is_folded_into_e2e():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    markers = config["tool"]["pytest"]["ini_options"]["markers"]
    assert sorted(m.split(":")[0] for m in markers) == ["e2e", "network"]
    uses = [
        str(path.relative_to(ROOT))
        for path in Path(ROOT, "tests").rglob("*.py")
        if re.search(r"mark\.slow\b", path.read_text(encoding="utf-8"))
    ]
    assert uses == [], f"the slow marker is folded into e2e: {uses}"


def test_make_test_fast_runs_the_tier_bench_test_times():
    """One definition of the fast tier: make test-fast's is bench-test's, and
    the e2e tier is the rest."""
    out = subprocess.run(
        ["make", "-n", f"TOOLS_PYTHON={sys.executable}", "test-fast"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    fast = bench_test.TIERS["fast tier"]
    assert f'-m "{fast}" tests/release' in out.stdout, out.stdout
    assert bench_test.TIERS["e2e tier"] == "e2e or network"
    assert fast == "not e2e and not network"  # De Morgan: the rest, exactly
