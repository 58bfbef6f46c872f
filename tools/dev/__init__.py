"""Developer tools: harnesses for maintainers, never part of a release gate.

Owns interpreter discovery (:mod:`.pythons`, which ``make test`` and the
smoke use), the CI test matrix computed from the classifiers (:mod:`.matrix`)
and the benchmarks (:mod:`.bench` for ``make release-check``,
:mod:`.bench_tests` for ``make test``).
"""
