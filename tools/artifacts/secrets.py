"""No credentials in what ships: every member of both archives is scanned.

Two nets, over the members' bytes in memory (nothing is extracted to disk):

- **Contents**: Yelp's detect-secrets, through its plugin API
  (``RegexBasedDetector.analyze_string`` on each line), with every plugin that
  looks for a known credential format: PyPI and TestPyPI upload tokens,
  GitHub, GitLab, AWS, private-key blocks, Slack, Stripe, npm, OpenAI, JWTs,
  URLs with a password, ... (:data:`PLUGINS`), plus two of our own in its
  format for what it lacks: GitHub fine-grained tokens (``github_pat_``) and
  encrypted PKCS#8 private keys. Its entropy and keyword detectors are left
  out: they flag test data and hashes by the dozen, and a check that cries
  wolf gets switched off. Calling the plugins directly skips detect-secrets'
  global settings and its verification step, which would send the candidate
  secret over the network.
- **Names**: files that hold credentials whatever their contents
  (:data:`NAME_RULES`: ``.env``, ``.pypirc``, ``id_rsa``, ``*.pem``, ...).

Why detect-secrets: offline, pure Python, maintained by Yelp (1.5, 2024),
with a plugin API that scans a string in-process and a plugin for PyPI
tokens already. The others serve worse here: ggshield needs a GitGuardian
account and sends the contents to its service; gitleaks and TruffleHog 3 are
Go programs (TruffleHog 2 on PyPI has had no release since 2021); whispers is
a command-line scanner of files on disk, so the archives would have to be
extracted first.

Binary members (a NUL byte in their first 8 KiB, git's own test) are not
scanned line by line; the name rules still apply to them. A finding names
the archive, the member, the line and the kind of secret, never the secret.
False positives: ``# pragma: allowlist secret`` on the line (detect-secrets'
own pragma, any comment style it knows), or an entry in ``pyproject.toml``::

    [tool.release-check]
    allow-secrets = [
      { member = "tests/data/fake.pem", kind = "Private Key", reason = "..." },
    ]

``member`` is the path inside the archive (without the sdist's top folder;
shell wildcards allowed), ``kind`` the kind as printed (``file name`` for a
name rule), ``reason`` is required. Each allowed finding is printed as
allowed, never hidden.
"""

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from tools.artifacts.archives import Archive, Member
from tools.common import Checked, Problem
from tools.project import Allowance as Allow
from tools.project import entries_with_reason
from tools.project import load as load_project

CONFIG_TABLE = "release-check"
CONFIG_KEY = "allow-secrets"
PRAGMA = "# pragma: allowlist secret"

# detect-secrets plugins, by module and class: those that look for a known
# credential format (no entropy or keyword guesses, no public IP addresses).
PLUGINS = [
    ("artifactory", "ArtifactoryDetector"),
    ("aws", "AWSKeyDetector"),
    ("azure_storage_key", "AzureStorageKeyDetector"),
    ("basic_auth", "BasicAuthDetector"),
    ("cloudant", "CloudantDetector"),
    ("discord", "DiscordBotTokenDetector"),
    ("github_token", "GitHubTokenDetector"),
    ("gitlab_token", "GitLabTokenDetector"),
    ("ibm_cloud_iam", "IbmCloudIamDetector"),
    ("ibm_cos_hmac", "IbmCosHmacDetector"),
    ("jwt", "JwtTokenDetector"),
    ("mailchimp", "MailchimpDetector"),
    ("npm", "NpmDetector"),
    ("openai", "OpenAIDetector"),
    ("private_key", "PrivateKeyDetector"),
    ("pypi_token", "PypiTokenDetector"),
    ("sendgrid", "SendGridDetector"),
    ("slack", "SlackDetector"),
    ("softlayer", "SoftlayerDetector"),
    ("square_oauth", "SquareOAuthDetector"),
    ("stripe", "StripeDetector"),
    ("telegram_token", "TelegramBotTokenDetector"),
    ("twilio", "TwilioKeyDetector"),
]

# file name pattern (matched against the base name) -> what it is
NAME_RULES = {
    ".env": "a dotenv file",
    ".env.*": "a dotenv file",
    "*.env": "a dotenv file",
    ".pypirc": "a PyPI credentials file",
    ".netrc": "a netrc credentials file",
    "_netrc": "a netrc credentials file",
    ".npmrc": "an npm credentials file",
    ".git-credentials": "a git credentials file",
    ".htpasswd": "a password file",
    "id_rsa": "an SSH private key",
    "id_dsa": "an SSH private key",
    "id_ecdsa": "an SSH private key",
    "id_ed25519": "an SSH private key",
    "*.pem": "a PEM key or certificate",
    "*.key": "a private key",
    "*.ppk": "a PuTTY private key",
    "*.p12": "a PKCS#12 key store",
    "*.pfx": "a PKCS#12 key store",
    "*.jks": "a Java key store",
    "*.keystore": "a key store",
    "*.kdbx": "a KeePass database",
    "credentials.json": "a credentials file",
    "client_secret*.json": "an OAuth client secret",
    "secrets.json": "a secrets file",
    "secrets.toml": "a secrets file",
    "secrets.yaml": "a secrets file",
    "secrets.yml": "a secrets file",
    "secrets.ini": "a secrets file",
    "secrets.env": "a secrets file",
}
# templates of dotenv files carry names, not values (their contents are scanned)
NAME_EXEMPT = {".env.example", ".env.sample", ".env.template", ".env.dist"}
NAME_KIND = "file name"


@dataclass(frozen=True)
class Finding:
    """One suspected credential; ``secret`` is never printed."""

    member: str
    line: Optional[int]  # 1-based; None for a name rule
    kind: str  # the plugin's secret type, or NAME_KIND
    what: str = ""  # for a name rule: what the file is
    pragma: bool = False  # the line carries the allowlist pragma

    @property
    def where(self) -> str:
        return self.member if self.line is None else f"{self.member}:{self.line}"


def _custom_plugins() -> List[Any]:
    from detect_secrets.plugins.base import RegexBasedDetector

    class GitHubFineGrainedTokenDetector(RegexBasedDetector):
        """GitHub fine-grained personal access tokens (not in detect-secrets 1.5)."""

        secret_type = "GitHub Token"
        denylist = [re.compile(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}")]

    class EncryptedPrivateKeyDetector(RegexBasedDetector):
        """Encrypted PKCS#8 private keys (a passphrase is no reason to ship one)."""

        secret_type = "Private Key"
        denylist = [re.compile(r"BEGIN ENCRYPTED PRIVATE KEY")]

    return [GitHubFineGrainedTokenDetector(), EncryptedPrivateKeyDetector()]


_PLUGINS: List[Any] = []


def plugins() -> List[Any]:
    """The detect-secrets plugin objects (made once)."""
    if not _PLUGINS:
        import importlib

        for module, name in PLUGINS:
            found = importlib.import_module(f"detect_secrets.plugins.{module}")
            _PLUGINS.append(getattr(found, name)())
        _PLUGINS.extend(_custom_plugins())
    return _PLUGINS


def is_binary(data: bytes) -> bool:
    """Git's test: a NUL byte in the first 8 KiB."""
    return b"\0" in data[:8192]


def name_finding(member: str) -> Optional[Finding]:
    """A finding if the member's file name is one that holds credentials."""
    base = member.rsplit("/", 1)[-1]
    if base in NAME_EXEMPT:
        return None
    for pattern, what in NAME_RULES.items():
        if fnmatch.fnmatchcase(base, pattern):
            return Finding(member, None, NAME_KIND, what=f"{what} ({base})")
    return None


def scan_text(member: str, text: str) -> List[Finding]:
    """Every line of ``text`` through every plugin; one finding per line and kind."""
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.util.code_snippet import get_code_snippet

    lines = text.splitlines()
    found: List[Finding] = []
    for number, line in enumerate(lines, 1):
        kinds = sorted(
            {p.secret_type for p in plugins() if next(p.analyze_string(line), None)}
        )
        if not kinds:
            continue
        context = get_code_snippet(lines, number)
        pragma = bool(is_line_allowlisted(member, line, context))
        found += [Finding(member, number, kind, pragma=pragma) for kind in kinds]
    return found


def scan_member(member: Member) -> Tuple[List[Finding], bool]:
    """``(findings, scanned)``: ``scanned`` is False for a binary member."""
    findings = []
    by_name = name_finding(member.name)
    if by_name:
        findings.append(by_name)
    if is_binary(member.data):
        return findings, False
    text = member.data.decode("utf-8", "replace")
    return findings + scan_text(member.name, text), True


def load_allowlist(root: Path) -> Checked[List[Allow]]:
    """The entries and problems of ``[tool.release-check] allow-secrets``."""
    found = entries_with_reason(
        load_project(root),
        CONFIG_KEY,
        ("member", "kind", "reason"),
        '{ member = "tests/data/x.pem", kind = "Private Key", reason = "a fake key '
        'for the tests" }',
    )
    return Checked([Allow(**entry) for entry in found.value], found.problems)


@dataclass
class ScanResult:
    problems: List[Problem]
    allowed: List[str]
    scanned: int = 0  # members scanned line by line
    binary: int = 0  # members only checked by name


def _fix(archive: Archive, finding: Finding) -> str:
    target = f"[tool.hatch.build.targets.{archive.kind}] exclude"
    if finding.kind == NAME_KIND:
        remove = f"delete it (git rm) or exclude it in {target}"
    else:
        remove = (
            "take it out of the file and revoke it (it may be public already), or "
            f"exclude the file in {target}"
        )
    entry = f"an entry in [tool.{CONFIG_TABLE}] {CONFIG_KEY}"
    if finding.kind == NAME_KIND:
        allow = f'{entry} (kind = "{NAME_KIND}") with a reason'
    else:
        allow = f"{PRAGMA!r} on the line, or {entry} with a reason"
    return f"{remove}; then make dist. A false positive: {allow}"


def check_archive(archive: Archive, allow: Sequence[Allow]) -> ScanResult:
    """The credential problems of one archive; allowed findings apart."""
    result = ScanResult([], [])
    for member in archive.members:
        findings, scanned = scan_member(member)
        result.scanned += scanned
        result.binary += not scanned
        for finding in findings:
            kind = finding.what or finding.kind
            text = f"{archive.label}: {finding.where}: {kind}"
            entry = next(
                (a for a in allow if a.matches(finding.member, finding.kind)), None
            )
            if finding.pragma:
                result.allowed.append(f"{text} (allowed: {PRAGMA!r} on the line)")
            elif entry is not None:
                result.allowed.append(
                    f"{text} (allowed by [tool.{CONFIG_TABLE}] {CONFIG_KEY}: "
                    f"{entry.reason})"
                )
            else:
                result.problems.append(
                    Problem(
                        text,
                        _fix(archive, finding),
                        f"{archive.path.name}:{finding.where}",
                    )
                )
    return result


def check_archives(
    archives: Iterable[Archive], root: Path
) -> Checked[List[ScanResult]]:
    """:func:`check_archive` of each, and the allowlist's own problems."""
    allow = load_allowlist(root)
    return Checked([check_archive(a, allow.value) for a in archives], allow.problems)
