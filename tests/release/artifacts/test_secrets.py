"""No credentials in the archives (tools.artifacts.secrets, make contents).

Fake tokens in the real formats, made afresh for each run (nothing here is a
credential, and no literal token sits in this file), are put where they hide
in practice: sdist-only files, package data, code. Every test asserts the
finding's message (archive, member, line, kind) and that the token's text
appears nowhere in the output.
"""

import random
import string
from pathlib import Path
from typing import Dict, List

import pytest

from tests.release.helpers import add_to_release_check, texts
from tools.artifacts import secrets
from tools.artifacts.archives import Archive, Member

PKG = "glyph_phase_engine"
_RANDOM = random.SystemRandom()
ALNUM = string.ascii_letters + string.digits


def chars(count: int, alphabet: str = ALNUM) -> str:
    return "".join(_RANDOM.choice(alphabet) for _ in range(count))


def fake_pypi_token() -> str:
    # "pypi-" + the base64 macaroon, whose location is pypi.org
    return "pypi-" + "AgEIcHlwaS5vcmc" + chars(160, ALNUM + "-_")


def fake_testpypi_token() -> str:
    return "pypi-" + "AgENdGVzdC5weXBpLm9yZw" + chars(160, ALNUM + "-_")


def fake_github_token() -> str:
    return "ghp" + "_" + chars(36)


def fake_github_fine_grained_token() -> str:
    return "github" + "_pat_" + chars(22) + "_" + chars(59)


def fake_aws_key_id() -> str:
    return "AKIA" + chars(16, string.ascii_uppercase + string.digits)


def fake_private_key(kind: str) -> str:
    """A PEM-looking block: a header and a random body (not a key)."""
    body = "\n".join(chars(64, ALNUM + "+/") for _ in range(4))
    dashes = "-" * 5
    begin, end = (f"{dashes}{w} {kind}PRIVATE KEY{dashes}" for w in ("BEGIN", "END"))
    return f"{begin}\n{body}\n{end}\n"


def secret_parts(text: str) -> List[str]:
    """What must never be printed: each token, each line of a key's body."""
    return [
        line
        for line in text.splitlines()
        if len(line) >= 16 and "BEGIN" not in line and "END" not in line
    ]


def archive(kind: str, members: Dict[str, str]) -> Archive:
    name = f"{PKG}-1.2.3.tar.gz" if kind == "sdist" else f"{PKG}-1.2.3-py3-none-any.whl"
    top = f"{PKG}-1.2.3" if kind == "sdist" else f"{PKG}-1.2.3.dist-info"
    found = Archive(Path(name), kind, top)
    for member, text in members.items():
        data = text.encode()
        found.members.append(Member(member, len(data), data))
    return found


def assert_never_printed(text: str, *secret_texts: str) -> None:
    for secret_text in secret_texts:
        for part in secret_parts(secret_text) or [secret_text]:
            assert part not in text, "a secret was printed"


# -- the scanner, on members in memory ----------------------------------------

FORMATS = {
    "PyPI": (fake_pypi_token, "PyPI Token"),
    "TestPyPI": (fake_testpypi_token, "PyPI Token"),
    "GitHub classic": (fake_github_token, "GitHub Token"),
    "GitHub fine-grained": (fake_github_fine_grained_token, "GitHub Token"),
    "AWS": (fake_aws_key_id, "AWS Access Key"),
    "OpenSSH key": (lambda: fake_private_key("OPENSSH "), "Private Key"),
    "RSA key": (lambda: fake_private_key("RSA "), "Private Key"),
    "EC key": (lambda: fake_private_key("EC "), "Private Key"),
    "encrypted PKCS#8 key": (lambda: fake_private_key("ENCRYPTED "), "Private Key"),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_is_found_and_never_printed(name):
    make, kind = FORMATS[name]
    token = make()
    text = f"# settings\n[upload]\nvalue = {token}\n"
    result = secrets.check_archive(archive("wheel", {f"{PKG}/conf.cfg": text}), [])
    (problem,) = texts(result.problems)
    assert problem.startswith(
        f"wheel {PKG}-1.2.3-py3-none-any.whl: {PKG}/conf.cfg:3: {kind}: "
    )
    assert "revoke it" in problem and "pragma: allowlist secret" in problem
    assert_never_printed(problem, token)


def test_clean_members_pass():
    members = {"README.md": "# A project\n\nNo secrets: `pypi-` alone is no token.\n"}
    result = secrets.check_archive(archive("sdist", members), [])
    assert result.problems == [] and result.allowed == [] and result.scanned == 1


@pytest.mark.parametrize(
    "member",
    [
        "tests/.env",
        "tests/.env.local",
        ".pypirc",
        "tests/fixtures/id_rsa",
        "tests/fixtures/id_ed25519",
        "src/pkg/server.pem",
        "src/pkg/tls.key",
        "tests/data/client.p12",
        "tests/data/client.pfx",
        "credentials.json",
        ".netrc",
        ".npmrc",
        "tests/data/release.keystore",
        "config/secrets.yaml",
    ],
)
def test_file_names_that_hold_credentials(member):
    result = secrets.check_archive(archive("sdist", {member: "nothing to see\n"}), [])
    (problem,) = texts(result.problems)
    base = member.rsplit("/", 1)[-1]
    assert problem.startswith(f"sdist {PKG}-1.2.3.tar.gz: {member}: ")
    assert f"({base})" in problem and "delete it (git rm)" in problem


def test_templates_of_dotenv_files_are_only_scanned():
    members = {"tests/.env.example": "TWINE_PASSWORD=\n"}
    assert secrets.check_archive(archive("sdist", members), []).problems == []


def test_the_inline_pragma_allows_and_says_so():
    token = fake_github_token()
    members = {f"{PKG}/client.py": f'TOKEN = "{token}"  # pragma: allowlist secret\n'}
    result = secrets.check_archive(archive("wheel", members), [])
    assert result.problems == []
    (allowed,) = result.allowed
    assert f"{PKG}/client.py:1: GitHub Token" in allowed
    assert "allowlist secret" in allowed
    assert_never_printed(allowed, token)


def test_an_allowlist_entry_allows_with_its_reason():
    key = fake_private_key("RSA ")
    members = {"tests/data/fake_key.txt": key, "tests/data/other.txt": key}
    allow = [secrets.Allow("tests/data/fake_*", "private key", "a fake key")]
    result = secrets.check_archive(archive("sdist", members), allow)
    (problem,) = texts(result.problems)  # the entry allows one file, not the other
    assert "tests/data/other.txt:1: Private Key" in problem
    (allowed,) = result.allowed
    assert "tests/data/fake_key.txt:1: Private Key" in allowed
    assert "allow-secrets: a fake key" in allowed
    assert_never_printed(problem + allowed, key)


def test_the_allowlist_is_read_from_pyproject(project):
    add_to_release_check(
        project.path / "pyproject.toml",
        "allow-secrets = [\n"
        + '  { member = "tests/x.pem", kind = "file name", reason = "a CA bundle" },\n'
        + '  { member = "tests/y.pem", kind = "file name" },\n'
        + "]\n",
    )
    loaded = secrets.load_allowlist(project.path)
    assert loaded.value == [secrets.Allow("tests/x.pem", "file name", "a CA bundle")]
    (problem,) = texts(loaded.problems)
    assert loaded.problems[0].where.endswith("allow-secrets, entry 2")
    assert "entry 2: needs member, kind and reason" in problem


# -- real builds in a copy: where tokens hide ---------------------------------


def output(result) -> str:
    return result.stdout + result.stderr


def build_and_check(project, files: Dict[str, str]) -> str:
    """Commit ``files`` into the tagged copy, make dist, make contents (fails)."""
    for name, text in files.items():
        path = project.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    project.commit("a secret slips in")
    project.git("tag", "-f", "-a", "v1.2.3", "-m", "v1.2.3")
    built = project.make("dist")
    assert built.returncode == 0, output(built)
    result = project.make("contents")
    text = output(result)
    assert result.returncode != 0, text
    return text


SDIST = f"sdist {PKG}-1.2.3.tar.gz"
WHEEL = f"wheel {PKG}-1.2.3-py3-none-any.whl"


@pytest.mark.e2e
def test_secrets_that_slip_in_ship_and_are_caught(tagged_project):
    """Four ways a secret slips into a release, in one build (each is a finding
    of its own): issue 9's first case, tests/.env with an upload token,
    committed; an SSH key in a test fixture; a TestPyPI token in package data
    (in both archives); tokens left in a module."""
    pypi, key, testpypi = (
        fake_pypi_token(),
        fake_private_key("OPENSSH "),
        (fake_testpypi_token()),
    )
    github, fine, aws = (
        fake_github_token(),
        fake_github_fine_grained_token(),
        fake_aws_key_id(),
    )
    module = (
        f'"""Talks to the API."""\n\nTOKEN = "{github}"\nPAT = "{fine}"\n'
        f'AWS = "{aws}"\n'
    )
    text = build_and_check(
        tagged_project,
        {
            "tests/.env": f"TWINE_USERNAME=__token__\nTWINE_PASSWORD={pypi}\n",
            "tests/fixtures/deploy_key": "# a fixture\n" + key,
            f"src/{PKG}/upload.ini": f"[testpypi]\npassword = {testpypi}\n",
            f"src/{PKG}/_client.py": module,
        },
    )
    # tests/.env: the token, and the file by its name; the wheel has no tests
    assert f"{SDIST}: tests/.env:2: PyPI Token: " in text
    assert f"{SDIST}: tests/.env: a dotenv file (.env): " in text
    assert ".env" not in "".join(
        line for line in text.splitlines() if line.strip().startswith(WHEEL)
    )
    assert f"{SDIST}: tests/fixtures/deploy_key:2: Private Key: " in text
    assert f"{SDIST}: src/{PKG}/upload.ini:2: PyPI Token: " in text
    assert f"{WHEEL}: {PKG}/upload.ini:2: PyPI Token: " in text
    for line, kind in ((3, "GitHub Token"), (4, "GitHub Token"), (5, "AWS Access Key")):
        assert f"{SDIST}: src/{PKG}/_client.py:{line}: {kind}: " in text
        assert f"{WHEEL}: {PKG}/_client.py:{line}: {kind}: " in text
    assert "contents: 11 problems" in text
    assert_never_printed(text, pypi, key, testpypi, github, fine, aws)


@pytest.mark.e2e
def test_allowed_findings_pass_and_are_printed(tagged_project):
    key, token = fake_private_key("RSA "), fake_github_token()
    add_to_release_check(
        tagged_project.path / "pyproject.toml",
        "allow-secrets = [\n"
        + '  { member = "tests/data/fake_key.txt", kind = "Private Key",'
        + ' reason = "a fake key the tests parse" },\n]\n',
    )
    files = {
        "tests/data/fake_key.txt": key,
        f"src/{PKG}/_example.py": f'EXAMPLE = "{token}"  # pragma: allowlist secret\n',
    }
    for name, text in files.items():
        path = tagged_project.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    tagged_project.commit("allowed examples")
    tagged_project.git("tag", "-f", "-a", "v1.2.3", "-m", "v1.2.3")
    assert tagged_project.make("dist").returncode == 0
    result = tagged_project.make("contents")
    text = output(result)
    assert result.returncode == 0, text
    assert (
        f"allowed: {SDIST}: tests/data/fake_key.txt:1: Private Key (allowed by "
        "[tool.release-check] allow-secrets: a fake key the tests parse)"
    ) in text
    assert f"allowed: {WHEEL}: {PKG}/_example.py:1: GitHub Token" in text
    assert f"allowed: {SDIST}: src/{PKG}/_example.py:1: GitHub Token" in text
    assert_never_printed(text, key, token)
