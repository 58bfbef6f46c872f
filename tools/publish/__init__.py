"""Publish: putting the built files on an index, and proving they arrived.

The layer above the artifacts (it uploads and installs what they built and
checked) and below the workflow checks. Owns the index guard and upload
(:mod:`.index_check`), the smoke install from ``dist/`` or from an index
(:mod:`.smoke`: its index mode is this layer's index client, hence here), the
dry run against a throwaway local pypiserver (:mod:`.dry_run`), taking the
project's own files back from an index by digest (:mod:`.fetch`), the PEP 740
attestations (:mod:`.attestations`, :mod:`.provenance`) and the audit of what
an index serves (:mod:`.index_audit`, its files' download and rebuild in
:mod:`.audit_files`).
"""
