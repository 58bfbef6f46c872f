"""Where ``__version__`` and the build commit come from.

A build writes ``_version.py`` (see ``hatch_build.py``) with both. A source
checkout that was never built falls back to the installed metadata, and the
commit is then unknown.
"""

import importlib
from typing import Callable, Optional, Tuple

DISTRIBUTION = "glyph-phase-engine"
UNKNOWN_VERSION = "0+unknown"


def _installed_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def resolve_version(
    import_module: Callable[[str], object] = importlib.import_module,
    installed_version: Callable[[str], str] = _installed_version,
) -> Tuple[str, Optional[str]]:
    """Return ``(version, commit)``; commit is ``None`` when not known."""
    try:
        generated = import_module("glyph_phase_engine._version")
    except ImportError:
        try:
            return installed_version(DISTRIBUTION), None
        except Exception:  # PackageNotFoundError: neither built nor installed
            return UNKNOWN_VERSION, None
    return str(getattr(generated, "__version__")), getattr(
        generated, "__commit_id__", None
    )
