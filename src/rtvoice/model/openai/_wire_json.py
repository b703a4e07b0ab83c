"""The JSON vocabulary every wire module of both sides shares (plain Python, no pydantic)."""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]
"""One decoded JSON object."""


def drop_none(**fields: Any) -> JsonObject:
    """The keyword arguments that are not ``None``, as a JSON object (in argument order)."""
    return {k: v for k, v in fields.items() if v is not None}
