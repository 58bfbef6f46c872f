"""The first import package of the fixture."""

from alpha.version import __version__

__all__ = ["__version__"]
