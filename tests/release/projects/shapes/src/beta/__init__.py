"""The second import package of the fixture."""

from alpha import __version__

__all__ = ["__version__"]
