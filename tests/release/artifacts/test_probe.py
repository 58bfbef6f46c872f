"""The install probe (tools/artifacts/probe.py), run as the smoke runs it."""

import json
import subprocess
import sys

from tools.artifacts.environments import PROBE


def run_probe(asked):
    out = subprocess.run(
        [sys.executable, "-I", str(PROBE), json.dumps(asked)],
        capture_output=True,
        text=True,
    )
    return out.returncode, out.stdout, out.stderr


def test_it_reports_packages_and_scripts(tmp_path):
    tool = tmp_path / "tool"
    tool.write_text(
        "#!/usr/bin/env python\nimport sys\n"
        "if sys.argv[1] == '--help':\n    print('usage: tool')\n"
        "else:\n    sys.exit('no --version here')\n"
    )
    asked = {"packages": ["json"], "scripts": ["tool", "gone"], "bin": str(tmp_path)}
    code, out, err = run_probe(asked)
    assert code == 0, err
    report = json.loads(out.splitlines()[-1])
    assert report["packages"]["json"]["file"].endswith("__init__.py")
    script = report["scripts"]["tool"]
    assert script["first_line"] == "#!/usr/bin/env python"
    assert script["help"] == [0, "usage: tool\n"]
    assert script["version"] == [1, "no --version here\n"]
    assert report["scripts"]["gone"] is None


def test_a_package_that_does_not_import_fails_the_probe(tmp_path):
    code, out, err = run_probe({"packages": ["no_such_pkg"], "scripts": [], "bin": ""})
    assert code == 1 and out == ""
    assert "ModuleNotFoundError: No module named 'no_such_pkg'" in err
