import sys
import threading
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from tools import pythons


def fake_pyenv(tmp_path, names):
    root = tmp_path / "pyenv"
    for name in names:
        minor = ".".join(name.split(".")[:2])
        bindir = root / "versions" / name / "bin"
        bindir.mkdir(parents=True)
        (bindir / f"python{minor}").write_text("")
    return root


def test_supported_versions_come_from_the_classifiers():
    versions = pythons.supported_versions()
    assert versions[0] == "3.8"
    assert versions == sorted(versions, key=lambda v: int(v.split(".")[1]))


def test_newest_patch_of_each_wanted_minor(tmp_path):
    root = fake_pyenv(tmp_path, ["3.8.1", "3.8.18", "3.9.2", "3.7.16", "3.13.0rc1"])
    found = pythons.pyenv_interpreters(root, ["3.8", "3.9", "3.13"])
    assert found == {
        "3.8": root / "versions" / "3.8.18" / "bin",
        "3.9": root / "versions" / "3.9.2" / "bin",
    }


def test_path_gets_links_to_pyenv_interpreters(tmp_path):
    root = fake_pyenv(tmp_path, ["3.8.18", "3.12.1"])
    links = tmp_path / "links"
    path = pythons.compute_path(
        {"PYENV_ROOT": str(root), "PATH": "/usr/bin"}, ["3.8", "3.12"], links
    )
    assert path.split(":") == [str(links), "/usr/bin"]
    assert sorted(p.name for p in links.iterdir()) == ["python3.12", "python3.8"]
    assert (links / "python3.8").resolve() == (
        root / "versions" / "3.8.18" / "bin" / "python3.8"
    )


def test_without_pyenv_path_is_unchanged(tmp_path):
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    assert pythons.pyenv_root(environ) is None
    assert pythons.compute_path(environ, ["3.8"], tmp_path / "l") == "/usr/bin:/bin"
    assert not (tmp_path / "l").exists()


def test_report_names_missing_versions(tmp_path):
    environ = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    lines = pythons.report(environ, ["3.8", "3.99"])
    assert lines[0] == "Pythons for the tox matrix:"
    assert "not found: Python 3.8, 3.99" in lines[-1]
    assert "py38, py399 as skipped" in lines[-1]


def test_report_finds_a_working_interpreter(tmp_path, monkeypatch):
    link = tmp_path / "python3.99"
    link.symlink_to(Path(sys.executable))
    environ = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    assert pythons.report(environ, ["3.99"]) == [
        "Pythons for the tox matrix:",
        f"  py399: {link}",
    ]


def test_supported_versions_of_a_folder(tmp_path):
    assert pythons.supported_versions(tmp_path) == []
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nclassifiers = [\n  "Programming Language :: Python :: 3.10",\n'
        '  "Programming Language :: Python :: 3.9",\n'
        '  # "Programming Language :: Python :: 3.7",\n'
        '  "Programming Language :: Python :: 3 :: Only",\n]\n'
        '[tool.x]\nnote = "Programming Language :: Python :: 3.6"\n'
    )
    # the parsed classifiers: not a commented-out one, nor a string elsewhere
    assert pythons.supported_versions(tmp_path) == ["3.9", "3.10"]
    assert pythons.supported_versions(tmp_path / "pyproject.toml") == ["3.9", "3.10"]


def pyproject(tmp_path, requires_python, classifiers):
    """A project folder of its own (tools.project reads each root once)."""
    tmp_path = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
    tmp_path.mkdir()
    lines = "".join(
        f'  "Programming Language :: Python :: {v}",\n' for v in classifiers
    )
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "p"\nrequires-python = "{requires_python}"\n'
        f"classifiers = [\n{lines}]\n"
    )
    pkg = tmp_path / "p"
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    return tmp_path


def test_claimed_versions_are_the_classifiers_and_requires_python(tmp_path):
    assert pythons.claimed_versions() == pythons.supported_versions()  # this project
    claimed = pythons.claimed_versions
    # requires-python reaches below the classifiers: those minors are claimed too
    assert claimed(pyproject(tmp_path, ">=3.8", ["3.10", "3.11"])) == [
        "3.8", "3.9", "3.10", "3.11"
    ]  # fmt: skip
    # a classifier requires-python shuts out is no claim
    assert claimed(pyproject(tmp_path, ">=3.9,<3.11", ["3.8", "3.9", "3.10"])) == [
        "3.9", "3.10"
    ]  # fmt: skip
    assert claimed(pyproject(tmp_path, "!=3.9.*", ["3.8", "3.9", "3.10"])) == [
        "3.8", "3.10"
    ]  # fmt: skip
    # no lower bound: the classifiers alone
    assert claimed(pyproject(tmp_path, "", ["3.12"])) == ["3.12"]
    # no classifiers: from requires-python's floor up to the running Python
    running = sys.version_info[1]
    assert claimed(pyproject(tmp_path, f">={sys.version_info[0]}.{running - 1}", []))[
        -2:
    ] == [f"3.{running - 1}", f"3.{running}"]


def test_find_interpreters_says_which_run_and_which_are_missing(tmp_path):
    root = fake_pyenv(tmp_path, ["3.8.18"])  # an empty file: it cannot run
    good = tmp_path / "bin" / "python3.99"
    good.parent.mkdir()
    good.symlink_to(Path(sys.executable))
    environ = {"PYENV_ROOT": str(root), "PATH": str(good.parent), "HOME": str(tmp_path)}
    links = tmp_path / "links"
    found = pythons.find_interpreters(environ, ["3.8", "3.99", "3.77"], links)
    assert found == {"3.8": None, "3.99": str(good), "3.77": None}
    assert (links / "python3.8").is_symlink()


def test_links_are_replaced_atomically_by_runs_at_once(tmp_path):
    """make test and the smoke both link: never a missing or half-made link."""
    root = fake_pyenv(tmp_path, ["3.8.18", "3.12.1", "3.13.0"])
    found = pythons.pyenv_interpreters(root, ["3.8", "3.12", "3.13"])
    links = tmp_path / "links"
    (links).mkdir()
    (links / "python3.7").symlink_to("/nowhere")  # stale: removed
    errors = []

    def link() -> None:
        try:
            for _ in range(50):
                pythons.link_interpreters(found, links)
        except OSError as exc:  # pragma: no cover (the failure being tested)
            errors.append(exc)

    threads = [threading.Thread(target=link) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(p.name for p in links.iterdir()) == [
        "python3.12", "python3.13", "python3.8"
    ]  # fmt: skip
    assert (links / "python3.12").resolve() == found["3.12"] / "python3.12"


@pytest.mark.parametrize(
    "spec, bound, minor",
    [
        (">=3.8", "3.8", 8),
        (">=3.8,>=3.10", "3.10", 10),  # both hold: the higher binds
        ("~=3.9.1", "3.9.1", 9),
        ("==3.11.*", "3.11", 11),
        (">3.9", "3.9", 9),
        (">=2.7", "2.7", None),
        (">=3", "3", None),
        ("==3.*", "3", None),
        ("<4", None, None),
    ],
)
def test_the_lower_bound_of_requires_python_is_one_function(spec, bound, minor):
    """The lock (python_floor) and the claimed Pythons (floor_of) read it alike."""
    found = pythons.lower_bound(SpecifierSet(spec))
    assert (str(found) if found else None) == bound
    assert pythons.floor_of(SpecifierSet(spec)) == minor
