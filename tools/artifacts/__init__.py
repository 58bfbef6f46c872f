"""Build and verify: what a release uploads, checked before anything is uploaded.

Two layers. At the bottom of this package, just above the project's facts,
the distribution files themselves: reading the built archives
(:mod:`.archives`) and their digests in ``SHA256SUMS`` (:mod:`.checksums`),
which every later layer uses. Above them, the checks of ``dist/`` and the
install sandbox: the build (:mod:`.dist`), the metadata and layout checks
(:mod:`.check`, :mod:`.sanity`, :mod:`.contents`, :mod:`.pypi_rules`), the
tag/version guard and the TestPyPI dev version (:mod:`.dev_version`), the
rebuild that proves the bytes (:mod:`.reproducibility`), the locks
(:mod:`.lock`) and fresh environments of every claimed Python
(:mod:`.environments`). Nothing here talks to an index: that is the publish
layer's, above.
"""
