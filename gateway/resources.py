"""Where the gateway's data directories (specs, cassettes, fixtures) live.

A wheel carries them inside the package (``gateway/_bundled/<name>``, see pyproject's
force-include); a source checkout keeps them at the repository root. Code asks here instead of
building paths itself, so both layouts work without configuration.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["resource_dir"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The directory holding data set `name` (e.g. ``"specs"``): bundled copy first, then the repo's."""
    bundled = _PACKAGE_DIR / "_bundled" / name
    return bundled if bundled.is_dir() else _PACKAGE_DIR.parent / name
