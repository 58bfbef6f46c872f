"""make lock: build.txt is locked for the Pythons requires-python claims."""

import pytest

from tests.release.helpers import failed, passed
from tools.artifacts import lock
from tools.artifacts.lock import BUILD_LOCK


@pytest.mark.parametrize(
    "spec, floor",
    [(">=3.8", "3.8"), (">=3.10,<4", "3.10"), ("~=3.9", "3.9"),
     (">=3.9, >=3.11", "3.11"), ("==3.12.*", "3.12"), (">=3", "3.0")],
)  # fmt: skip
def test_the_oldest_python_is_requires_pythons_lower_bound(spec, floor):
    assert lock.python_floor(spec) == floor


@pytest.mark.parametrize(
    "spec, words",
    [("", "gives no oldest Python (not set)"), ("<4", "gives no oldest Python"),
     ("3.8+", "is not a version specifier")],
)  # fmt: skip
def test_a_requires_python_without_a_floor_is_one_line(spec, words):
    with pytest.raises(ValueError) as info:
        lock.python_floor(spec)
    assert words in str(info.value)


def set_requires_python(project, spec: str) -> None:
    path = project.path / "pyproject.toml"
    text = path.read_text()
    old = 'requires-python = ">=3.8"\n'
    assert old in text
    path.write_text(text.replace(old, f"requires-python = {spec!r}\n"))


@pytest.mark.e2e
@pytest.mark.network
def test_make_lock_locks_the_build_for_requires_pythons_floor(project):
    """hatchling 1.29+ needs Python 3.10: a project claiming >=3.10 locks it
    (make lock asked for 3.8 before, and uv found no hatchling for it)."""
    set_requires_python(project, ">=3.10")
    build_in = project.path / "requirements" / "build.in"
    build_in.write_text(
        build_in.read_text().replace("hatchling>=1.27", "hatchling>=1.29")
    )
    text = passed(project.make("lock"))
    assert f"locks: pinning {BUILD_LOCK} (Python 3.10+, from requires-python)" in text
    pins = lock.read_lock(project.path, BUILD_LOCK)
    hatchling = lock.pins_of(pins, "hatchling")
    assert hatchling and all(str(p.version) >= "1.29" for p in hatchling)
    assert "< '3.10'" not in (project.path / BUILD_LOCK).read_text()
    assert "locks: passed" in text


@pytest.mark.e2e
def test_make_lock_without_an_oldest_python_is_one_line(project):
    set_requires_python(project, "<4")
    before = (project.path / BUILD_LOCK).read_text()
    text = failed(
        project.make("lock"),
        "pyproject.toml's [project] requires-python gives no oldest Python "
        "(requires-python '<4'): set one",
    )
    assert "Traceback" not in text
    assert (project.path / BUILD_LOCK).read_text() == before
