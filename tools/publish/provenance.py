"""A file's PEP 740 provenance, read from an index and checked against our publisher.

Used by the index audit (:mod:`tools.publish.index_audit`). The publisher
that the index writes into a provenance object is the index's word; what
counts is each attestation's sigstore certificate. A file passes when one of
its attestations

- was signed by this repository's publish workflow (the certificate's Build
  Config URI is ``https://github.com/OWNER/REPO/.github/workflows/FILE@REF``,
  OWNER/REPO from ``[project.urls] Source``, FILE from
  ``[tool.release-check.trusted-publishers]``),
- attests the file's name and the SHA-256 the index lists for it,
- was made from the release's own tag (``refs/tags/<tag>``; any ref for a dev
  build, which has no tag),
- and verifies: pypi-attestations' ``Attestation.verify`` with
  ``GitHubPublisher(repository, workflow)``, offline, against sigstore's
  trust root bundled with sigstore-python (no TUF refresh, no network).

The first three are read from the certificate and the statement first, so
that a failure says which of them it is (another identity, other bytes,
another ref); the verification then proves the signature, the certificate
chain and the transparency log entry.
"""

from typing import Callable, Mapping, Optional

from tools.common import Checked, Problem
from tools.publish.index_check import Answer

# Fulcio certificate extensions (sigstore's OIDs), as pypi-attestations'
# Attestation.certificate_claims returns them.
CLAIM_SOURCE_REPOSITORY = "1.3.6.1.4.1.57264.1.12"
CLAIM_SOURCE_DIGEST = "1.3.6.1.4.1.57264.1.13"
CLAIM_SOURCE_REF = "1.3.6.1.4.1.57264.1.14"
CLAIM_BUILD_CONFIG = "1.3.6.1.4.1.57264.1.18"
#: What PyPI's integrity API serves; any other Accept header is a 406.
INTEGRITY_ACCEPT = "application/vnd.pypi.integrity.v1+json, application/json;q=0.9"


def signer_of(claims: Mapping[str, str]) -> str:
    """What a certificate names as its signer (workflow URI, else repository)."""
    found = claims.get(CLAIM_BUILD_CONFIG) or claims.get(CLAIM_SOURCE_REPOSITORY)
    return found or "an unknown identity"


def check_provenance(
    name: str,
    sha256: str,
    document: bytes,
    repository: str,
    workflow: str,
    tag: Optional[str],
) -> Checked[str]:
    """The table cell and the problems of the provenance ``document`` of the
    file ``name`` whose listed SHA-256 is ``sha256`` (``where``: ``name``).

    It passes when one of its attestations verifies against ``repository``'s
    ``workflow`` and the file, and was made for ``refs/tags/<tag>`` (``tag``
    None: a dev build, any ref). Otherwise the problem of the first attestation.
    """
    from pypi_attestations import (
        AttestationError,
        Distribution,
        GitHubPublisher,
        Provenance,
    )

    try:
        provenance = Provenance.model_validate_json(document)
    except ValueError as exc:
        first = str(exc).splitlines()[0]
        what = (
            f"{name}: the index's provenance is not a PEP 740 provenance object "
            f"({first}): nothing proves who uploaded the file"
        )
        return Checked("invalid", [Problem(what, "", name)])
    identity = GitHubPublisher(repository=repository, workflow=workflow)
    ours = f"https://github.com/{repository}/.github/workflows/{workflow}"
    dist = Distribution(name=name, digest=sha256)
    attestations = [a for b in provenance.attestation_bundles for a in b.attestations]
    if not attestations:
        empty = Problem(f"{name}: its provenance holds no attestation", "", name)
        return Checked("empty", [empty])
    findings = []
    for attestation in attestations:
        claims = attestation.certificate_claims
        signer = signer_of(claims)
        subjects = attestation.statement.get("subject") or [{}]
        digest = str((subjects[0].get("digest") or {}).get("sha256", ""))
        ref = claims.get(CLAIM_SOURCE_REF, "")
        if signer.split("@", 1)[0] != ours:
            findings.append(
                (
                    "other identity",
                    f"{name} was attested by {signer}, not by {ours}: someone else "
                    "published it",
                )
            )
        elif digest != sha256:
            findings.append(
                (
                    "other digest",
                    f"{name} on the index has SHA-256 {sha256} but its provenance "
                    f"attests {digest}: the index serves other bytes than were "
                    "published",
                )
            )
        elif tag is not None and ref != f"refs/tags/{tag}":
            findings.append(
                (
                    "other ref",
                    f"{name} was published by our workflow from {ref or 'no ref'}, "
                    f"not from its tag refs/tags/{tag}",
                )
            )
        else:
            try:
                attestation.verify(identity, dist, offline=True)
            except (AttestationError, ValueError) as exc:
                findings.append(
                    (
                        "not verified",
                        f"{name}: its attestation by {signer} does not verify ({exc})",
                    )
                )
                continue
            commit = claims.get(CLAIM_SOURCE_DIGEST, "")[:12]
            return Checked(f"verified ({workflow} @ {commit or ref})")
    cell, line = findings[0]
    return Checked(cell, [Problem(line, "", name)])


def provenance_of(
    url: Optional[str], get: Callable[..., Answer], timeout: float
) -> Checked[Optional[bytes]]:
    """The provenance document at ``url``; None when the index has none (no
    URL, or a 404); None and the problem when the index did not answer it."""
    if url is None:
        return Checked(None)
    answer = get(url, timeout=timeout, accept=INTEGRITY_ACCEPT)
    if answer.status == 200:
        return Checked(answer.body)
    if answer.status == 404:
        return Checked(None)
    error = f"{answer.error or f'HTTP {answer.status}'} on {url}"
    return Checked(None, [Problem(error, "", url)])
