"""Publish: putting the built files on an index, and proving they arrived.

Owns the index guard and upload (:mod:`.index`), the dry run against a
throwaway local pypiserver (:mod:`.dry_run`), taking the project's own files
back from an index by digest (:mod:`.fetch`) and the check of the PEP 740
attestations an index serves (:mod:`.attestations`).
"""
