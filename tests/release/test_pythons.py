from pathlib import Path

from tools.dev import pythons


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
    import sys

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
        'classifiers = [\n  "Programming Language :: Python :: 3.10",\n'
        '  "Programming Language :: Python :: 3.9",\n'
        '  "Programming Language :: Python :: 3 :: Only",\n]\n'
    )
    assert pythons.supported_versions(tmp_path) == ["3.9", "3.10"]
    assert pythons.supported_versions(tmp_path / "pyproject.toml") == ["3.9", "3.10"]
