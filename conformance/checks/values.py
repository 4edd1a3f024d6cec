"""Reading whatever JSON a gateway sent: a check reports a malformed value, it never crashes on one.

The schema family judges types; the grammar checks read only what they need. A value of the wrong
type reads as absent (an empty object, list or string), so the rule that needs it reports what is
missing, and an index of the wrong type still works as a dictionary key.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

__all__ = ["as_key", "as_list", "as_object", "as_text", "dig", "index_order", "is_int"]


def as_object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def is_int(value: Any) -> bool:
    """A JSON integer (``True`` is an int to Python, not to JSON)."""
    return isinstance(value, int) and not isinstance(value, bool)


def as_key(value: Any) -> Hashable:
    """``value`` usable as a dict key: lists and objects (unhashable) stand for themselves by repr."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def index_order(value: Any) -> tuple[int, Any]:
    """A sort key that puts integer indices in order and anything else after them, never failing."""
    return (0, value) if is_int(value) else (1, repr(value))


def dig(value: Any, *path: str | int) -> Any:
    """``value[p0][p1]...``, or None as soon as a step is missing or of the wrong type."""
    for step in path:
        if isinstance(step, str) and isinstance(value, dict):
            value = value.get(step)
        elif isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return None
    return value
