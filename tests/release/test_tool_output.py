"""tools.tool_output against what the pinned tools really printed.

Each fixture in ``tests/release/data/`` is the output of the tool and version
in its name (``<tool>-<version>-<case>.txt``), captured on this project's
machine; ``test_the_fixtures_are_of_the_pinned_versions`` fails when a lock
moves a tool, so that its output is captured again.
"""

from pathlib import Path

import pytest

from tools.artifacts.lock import BUILD_LOCK, TOOLS_LOCK, read_lock
from tools.common import ROOT
from tools.tool_output import (
    PythonMismatch,
    build_error,
    headline,
    lock_error,
    missing_dependency,
    python_mismatch,
    twine_http_status,
)

DATA = Path(__file__).parent / "data"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_the_fixtures_are_of_the_pinned_versions():
    pinned = {
        (pin.name, str(pin.version))
        for lock in (TOOLS_LOCK, BUILD_LOCK)
        for pin in read_lock(ROOT, lock)
    }
    tools = ("check-wheel-contents", "validate-pyproject", "build", "twine", "pip")
    seen = set()
    for path in DATA.glob("*.txt"):
        tool = next((t for t in tools + ("uv",) if path.name.startswith(f"{t}-")), None)
        if tool is None:
            continue
        version = path.name[len(tool) + 1 :].split("-", 1)[0]
        seen.add(tool)
        assert (tool, version) in pinned, f"{path.name}: {tool} {version} not pinned"
    assert seen == set(tools + ("uv",))


@pytest.mark.parametrize(
    "name, line",
    [
        (
            "uv-0.13.9-hash-mismatch.txt",
            "L: the hash of packaging==25.0 is not the hash of the file the index "
            "serves (the lock was edited, or the file changed): re-pin with make "
            "lock and review the diff",
        ),
        (
            "pip-26.3-hash-mismatch.txt",
            "L: the hash of packaging==25.0 is not the hash of the file the index "
            "serves (the lock was edited, or the file changed): re-pin with make "
            "lock and review the diff",
        ),
        ("uv-0.13.9-no-hash.txt", "L pins packaging without a hash: re-pin "
         "with make lock"),
        ("pip-26.3-no-hash.txt", "L pins packaging without a hash: re-pin with "
         "make lock"),
        (
            "build-1.6.1-unmet-dependencies.txt",
            "the build needs hatch-vcs>=0.4, which requirements/build.txt does not "
            "provide: add it to requirements/build.in, then make lock",
        ),
        ("uv-0.13.9-offline-cold-cache.txt", None),
        ("build-1.6.1-backend-error.txt", None),
    ],
)  # fmt: skip
def test_a_lock_that_cannot_be_installed_is_named(name, line):
    lock = "requirements/build.txt" if name.startswith("build-") else "L"
    assert lock_error(sample(name), lock) == line


def test_a_failed_build_is_told_by_its_exception():
    assert build_error(sample("build-1.6.1-backend-error.txt")) == (
        "ValueError: Error parsing field `project.license` - Unknown license: "
        "'not-a-license'"
    )
    assert build_error(sample("build-1.6.1-unmet-dependencies.txt")) == (
        "ERROR Unmet dependencies (checked against /tmp/fresh-cap/b1/bin/python):"
    )
    assert build_error("") == "no output"


@pytest.mark.parametrize(
    "name, found",
    [
        ("uv-0.13.9-not-found.txt", "release-check-no-such-dependency"),
        ("uv-0.13.9-no-such-version.txt", "packaging"),
        ("pip-26.3-not-found.txt", "release-check-no-such-dependency"),
        ("uv-0.13.9-hash-mismatch.txt", None),
        ("build-1.6.1-backend-error.txt", None),
    ],
)
def test_a_missing_dependency_is_told_from_other_failures(name, found):
    result = missing_dependency(sample(name))
    assert (result[0] if result else None) == found
    if result:
        assert result[1].startswith(("Because", "No matching distribution found"))


@pytest.mark.parametrize(
    "name, requirement",
    [
        ("uv-0.13.9-requires-python.txt", "iniconfig==2.3.0"),
        ("uv-0.13.9-requires-python-wrapped.txt", "iniconfig==2.3.0"),
        ("uv-0.13.9-requires-python-range.txt", "iniconfig>=2.3.0"),
    ],
)
def test_a_dependency_without_a_release_for_the_python_is_named(name, requirement):
    assert python_mismatch(sample(name)) == PythonMismatch(
        requirement, "iniconfig", "3.8", ">=3.10"
    )


def test_pip_says_which_dependency_needs_another_python():
    assert python_mismatch(
        sample("pip-26.3-requires-python.txt"), "3.11"
    ) == PythonMismatch("django==6.0", "django", "3.11", ">=3.12")


@pytest.mark.parametrize(
    "name",
    ["uv-0.13.9-not-found.txt", "pip-26.3-not-found.txt",
     "uv-0.13.9-no-such-version.txt"],
)  # fmt: skip
def test_other_resolver_failures_are_no_python_mismatch(name):
    assert python_mismatch(sample(name)) is None


def test_twines_refusal_gives_its_status():
    assert twine_http_status(sample("twine-7.0.0-upload-403.txt")) == 403
    assert twine_http_status(sample("twine-7.0.0-upload-400-exists.txt")) == 400
    assert twine_http_status(sample("twine-7.0.0-check-markup.txt")) is None


@pytest.mark.parametrize(
    "name, line",
    [
        ("twine-7.0.0-check-markup.txt", "ERROR `long_description` has syntax "
         "errors in markup and would not be rendered on PyPI."),
        ("check-wheel-contents-0.6.3-toplevel.txt", "wheels/pkga-1.0-py2.py3-none-"
         "any.whl: W201: Wheel library is missing specified toplevel entry:"),
        ("validate-pyproject-0.27-invalid.txt", "[ERROR] `project.name` must be "
         "pep508-identifier"),
    ],
)  # fmt: skip
def test_a_failed_checks_headline_is_its_error_line(name, line):
    assert headline(sample(name)) == line
