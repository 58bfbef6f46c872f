"""The typing test of the public API (tests/typing) fails when an annotation
of the API changes: mypy, as ``make lint`` runs it, over a broken copy.

Each broken copy starts from a copy of the cache of the intact copy's run:
mypy checks every cached file (size, mtime, then hash), so the broken engine
and what imports it are checked again, and the standard library is not.
"""

import shutil
from pathlib import Path

import pytest

from tests.release.helpers import Project, new_project

ENGINE = Path("src") / "glyph_phase_engine" / "engine.py"


def mypy(project: Project, cache: Path):
    """mypy over the typing test, with the copy's ``[tool.mypy]`` settings."""
    return project.run(
        "python", "-m", "mypy", "--cache-dir", str(cache), "tests/typing"
    )


@pytest.fixture(scope="module")
def intact(tmp_path_factory):
    """The intact copy's run, and the cache it left."""
    project = new_project(tmp_path_factory)
    cache = tmp_path_factory.mktemp("mypy-cache") / "cache"
    return mypy(project, cache), cache


def warm(intact, tmp_path: Path) -> Path:
    cache = tmp_path / "mypy-cache"
    shutil.copytree(intact[1], cache)
    return cache


def break_annotation(project: Project, old: str, new: str) -> None:
    path = project.path / ENGINE
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_the_public_api_type_checks(intact):
    out = intact[0]
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found in 1 source file" in out.stdout


@pytest.mark.parametrize(
    "old, new, message",
    [
        # A return type loosened to Any: the user's code no longer gets a dict.
        (
            "def get_phase_info(self) -> Dict[str, Any]:",
            "def get_phase_info(self) -> Any:",
            'error: Expression is of type "Any", not "Dict[str, Any]"  '
            "[assert-type]",
        ),
        # A return type narrowed: the user's code gets another type.
        (
            "def get_phase_info(self) -> Dict[str, Any]:",
            "def get_phase_info(self) -> Dict[str, object]:",
            'error: Expression is of type "Dict[str, object]", not '
            '"Dict[str, Any]"  [assert-type]',
        ),
        # A parameter loosened to Any: a misuse is no longer rejected.
        (
            "def adjust_phase_delta(self, delta: Union[float, numbers.Real])",
            "def adjust_phase_delta(self, delta: Any)",
            'error: Unused "type: ignore" comment  [unused-ignore]',
        ),
    ],
    ids=["return-any", "return-type", "parameter-any"],
)
def test_a_changed_annotation_fails_the_typing_test(
    intact, project, tmp_path, old, new, message
):
    break_annotation(project, old, new)
    out = mypy(project, warm(intact, tmp_path))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "tests/typing/api.py:" in out.stdout
    assert message in out.stdout, out.stdout
