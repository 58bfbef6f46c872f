"""Build and verify: what a release uploads, checked before anything is uploaded.

Owns ``dist/`` and ``SHA256SUMS``: the build (:mod:`.dist`), reading the built
archives (:mod:`.archives`), the metadata and layout checks (:mod:`.check`,
:mod:`.sanity`), the tag/version guard and the TestPyPI dev version
(:mod:`.versioning`), the rebuild that proves the bytes (:mod:`.reproducible`)
and the smoke install (:mod:`.smoke`, in fresh environments of every claimed
Python: :mod:`.environments`).
"""
