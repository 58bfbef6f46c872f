"""A real sdist and its real PEP 740 provenance, taken from a pinned sdist on PyPI.

Nothing third-party is kept in this repository: pypi-attestations ships, in
its own sdist, the test assets ``test/assets/pypi_attestations-0.0.19.tar.gz``
(its 0.0.19 sdist as PyPI serves it) and ``...tar.gz.provenance`` (PyPI's
integrity API answer for that file). The ``real_assets`` fixture
(``conftest.py``) downloads one sdist of pypi-attestations with pip, by exact
version and SHA-256 (the ones requirements/tools.txt pins), checks the hash,
and reads the two assets out of it. The downloaded sdist is cached by its hash
(pytest's cache, or beside pytest's numbered temporary folders when the cache
is off), and checked again on every use: a second run needs no network.
"""

import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import NamedTuple, Optional

import pytest

# requirements/tools.txt pins pypi-attestations==0.0.30 (Python >= 3.10); this
# is the SHA-256 of that release's sdist, one of the two hashes it lists.
PROJECT = "pypi-attestations"
VERSION = "0.0.30"
SHA256 = "14ff13c76bbef02a483c2b77532da02bfd746b5141b881f355e06b9807434423"
ARCHIVE = f"pypi_attestations-{VERSION}.tar.gz"
ASSETS = f"pypi_attestations-{VERSION}/test/assets/"

# The asset: pypi-attestations' own 0.0.19 sdist, with the SHA-256 PyPI lists.
SDIST = "pypi_attestations-0.0.19.tar.gz"
DIGEST = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3"


class RealAssets(NamedTuple):
    sdist: Path  # pypi_attestations-0.0.19.tar.gz
    provenance: Path  # its PEP 740 provenance object, as PyPI serves it


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cache_dir(config: pytest.Config, basetemp: Path) -> Optional[Path]:
    """Where the pinned sdist is kept across runs, or None (no such place)."""
    cache = getattr(config, "cache", None)
    if cache is not None:  # .pytest_cache/d/..., unless -p no:cacheprovider
        return Path(cache.mkdir("pypi-attestations-sdist")) / SHA256
    for parent in basetemp.parents:  # pytest-of-USER: pytest prunes only pytest-N
        if parent.name.startswith("pytest-of-"):
            return parent / "pypi-attestations-sdist" / SHA256
    return None


def download(work: Path) -> Path:
    """The pinned sdist, downloaded by pip into ``work`` (pip checks the hash)."""
    requirement = work / "requirement.txt"
    requirement.write_text(f"{PROJECT}=={VERSION} --hash=sha256:{SHA256}\n")
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    command += ["--no-binary", PROJECT, "--require-hashes", "-r", str(requirement)]
    command += ["--ignore-requires-python"]  # read, never installed: any Python
    (work / "tmp").mkdir()
    out = subprocess.run(
        command + ["--dest", str(work / "dl")],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, TMPDIR=str(work / "tmp")),  # pip's build, kept here
    )
    path = work / "dl" / ARCHIVE
    if out.returncode != 0 or not path.is_file():
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.fail(
            f"could not download {PROJECT}=={VERSION}'s sdist from PyPI ({last}): "
            "these tests need the internet (marked network; leave them out with "
            "-m 'not network')",
            pytrace=False,
        )
    return path


def pinned_sdist(cache: Optional[Path], work: Path) -> Path:
    """The pinned sdist, from the cache if it holds it intact, else downloaded
    (and then put in the cache, by an atomic rename)."""
    if cache is not None and (cache / ARCHIVE).is_file():
        if sha256_of(cache / ARCHIVE) == SHA256:
            return cache / ARCHIVE
    path = download(work)
    got = sha256_of(path)
    if got != SHA256:
        pytest.fail(
            f"{ARCHIVE} has SHA-256 {got}, not the pinned {SHA256}", pytrace=False
        )
    if cache is None:
        return path
    cache.mkdir(parents=True, exist_ok=True)
    os.replace(path, cache / ARCHIVE)
    return cache / ARCHIVE


def extract(archive: Path, into: Path) -> RealAssets:
    """The two assets, read out of ``archive`` into ``into``."""
    with tarfile.open(archive) as tar:
        for name in (SDIST, f"{SDIST}.provenance"):
            member = tar.extractfile(ASSETS + name)
            assert member is not None, f"{archive.name} has no {ASSETS}{name}"
            (into / name).write_bytes(member.read())
    assets = RealAssets(into / SDIST, into / f"{SDIST}.provenance")
    assert sha256_of(assets.sdist) == DIGEST, f"{SDIST} in {archive.name} changed"
    return assets
