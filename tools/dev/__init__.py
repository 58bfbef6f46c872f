"""Developer tools: benchmarks for maintainers, never part of a release gate.

The top layer: they measure what every layer below does (``make bench`` times
release-check, :mod:`.bench`; ``make bench-test`` times the test suite,
:mod:`.bench_test`), and nothing imports them.
"""
