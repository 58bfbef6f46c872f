"""Release tooling for glyph-phase-engine (not shipped in the wheel).

One module per concern; each has a pure core that tests import and a thin
``main(argv) -> int`` that the Makefile, tox and the composite actions call.
"""
