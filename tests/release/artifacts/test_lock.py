"""make lock: build.txt is locked for the Pythons requires-python claims."""

import pytest

from tests.release.helpers import ROOT, failed, passed
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


def fake_uv(folder, monkeypatch):
    """A uv that writes each lock it is asked for (its -o) and logs its argv."""
    script = folder / "uv"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {folder / "calls.txt"}\n'
        'while [ "$#" -gt 1 ]; do [ "$1" = -o ] && echo pinned > "$2"; shift; done\n'
    )
    script.chmod(0o755)
    monkeypatch.setattr(lock, "_uv", lambda: str(script))
    return folder / "calls.txt"


def locked_project(folder):
    (folder / "requirements").mkdir(parents=True)
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "p"\nrequires-python = ">=3.10"\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["src/p"]\n'
    )
    return folder


@pytest.mark.parametrize(
    "build_only, pinned",
    [(False, ["tools.txt", "bootstrap.txt", "build.txt"]), (True, ["build.txt"])],
)
def test_build_only_pins_the_build_lock_alone(
    tmp_path, monkeypatch, build_only, pinned
):
    calls = fake_uv(tmp_path, monkeypatch)
    root = locked_project(tmp_path / "p")
    assert lock.write_locks(root, build_only=build_only) == []
    made = sorted(path.name for path in (root / "requirements").iterdir())
    assert made == sorted(pinned)
    asked = calls.read_text().splitlines()
    assert len(asked) == len(pinned)
    assert "--python-version 3.10 requirements/build.in" in asked[-1]


def test_build_only_without_write_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        lock.main(["--build-only"])
    assert exited.value.code == 2
    assert "--build-only re-pins a lock: use it with --write" in capsys.readouterr().err


def test_the_tool_lock_pins_every_tool_it_asks_for():
    assert lock.check_tools_lock() == []


@pytest.mark.parametrize(
    "added, words",
    [
        ("twine>=99\n", "pins twine=="),
        ("no-such-tool-here\n", "pins nothing for 'no-such-tool-here'"),
    ],
)
def test_a_tool_the_lock_does_not_pin_is_one_line(tmp_path, added, words):
    for name in ("tools.in", "tools.txt"):
        source = ROOT / "requirements" / name
        (tmp_path / "requirements").mkdir(exist_ok=True)
        (tmp_path / "requirements" / name).write_bytes(source.read_bytes())
    with open(tmp_path / "requirements" / "tools.in", "a") as handle:
        handle.write(added)
    (problem,) = lock.check_tools_lock(tmp_path)
    assert words in str(problem)
    assert str(problem).endswith("make lock re-pins it from requirements/tools.in")
    assert problem.where.startswith("requirements/tools.in:")
