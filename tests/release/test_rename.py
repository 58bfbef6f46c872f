"""The tooling names no project: a renamed copy passes with no edit to tools/."""

import re
import subprocess
from pathlib import Path

import pytest

from tools import project as facts
from tools import release_check

pytestmark = pytest.mark.e2e

TOOLING = "tools/"


def name_forms(name: str):
    words = re.split(r"[-_.]+", name)
    return {
        "-".join(words),
        "_".join(words),
        "_".join(words).upper(),
        "".join(w.capitalize() for w in words),
    }


def test_the_tooling_names_no_project():
    """No spelling of the project's name (or its packages) appears in tools/."""
    root = facts.ROOT
    this = facts.load(root)
    forms = name_forms(this.name) | {p.name for p in this.packages}
    listed = subprocess.run(
        ["git", "ls-files", "-z", TOOLING], cwd=root, capture_output=True, check=True
    ).stdout.decode()
    found = []
    for name in filter(None, listed.split("\0")):
        text = (root / name).read_text(encoding="utf-8", errors="replace")
        for form in forms:
            if form.lower() in text.lower():
                found.append(f"{name}: {form}")
    assert not found, found


def rename(root: Path, old: str, new: str) -> None:
    """Rename the project in every file and path but the tooling's."""
    old_forms = sorted(name_forms(old), key=len, reverse=True)
    new_words = re.split(r"[-_.]+", new)
    replace = {
        "-".join(re.split(r"[-_.]+", old)): "-".join(new_words),
        "_".join(re.split(r"[-_.]+", old)): "_".join(new_words),
        "_".join(re.split(r"[-_.]+", old)).upper(): "_".join(new_words).upper(),
        "".join(w.capitalize() for w in re.split(r"[-_.]+", old)): "".join(
            w.capitalize() for w in new_words
        ),
    }
    assert set(replace) == set(old_forms)
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, files.split("\0")):
        if name.startswith(TOOLING):
            continue
        path = root / name
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        new_text = text
        for form in old_forms:
            new_text = new_text.replace(form, replace[form])
        if new_text != text:
            path.write_text(new_text, encoding="utf-8")
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        rel = path.relative_to(root).as_posix()
        if rel.startswith((".git/", TOOLING)) or rel == ".git":
            continue
        if any(form in path.name for form in old_forms):
            target = path.name
            for form in old_forms:
                target = target.replace(form, replace[form])
            path.rename(path.with_name(target))


def test_a_renamed_project_passes_release_check(project):
    """A renamed copy: its development build (the pretend version reaches
    hatch-vcs through the renamed project's own variable), then release-check
    on a tag (release-check DEV=1 of a project named otherwise than this one
    runs in test_adopt.py's shapes test)."""
    old = facts.load(project.path).name
    new = "tidal-rune-kit"
    rename(project.path, old, new)
    project.commit("rename the project")
    renamed = facts.load(project.path)
    assert renamed.name == new and renamed.import_name == "tidal_rune_kit"
    assert renamed.pretend_env.endswith("_FOR_TIDAL_RUNE_KIT")
    # The tooling is byte for byte the original's.
    diff = project.git("diff", "--stat", "HEAD~1", "--", TOOLING)
    assert diff == ""

    dev = project.make("dist", "DEV=1")
    assert dev.returncode == 0, dev.stdout + dev.stderr
    version = project.run("python", "-m", "tools.artifacts.dist", "--show-version")
    assert "+" not in version.stdout and ".dev" in version.stdout, version.stdout
    assert (
        project.path / "dist" / f"tidal_rune_kit-{version.stdout.strip()}.tar.gz"
    ).exists()

    project.tag("v3.1.4")
    release = project.make("release-check")
    assert release.returncode == 0, release.stdout + release.stderr
    assert (
        f"release-check passed: {len(release_check.stages())} stages" in release.stdout
    ), release.stdout
    wheel = project.path / "dist" / "tidal_rune_kit-3.1.4-py3-none-any.whl"
    assert wheel.exists(), sorted(p.name for p in (project.path / "dist").iterdir())
