"""The JSON vocabulary every wire module shares, kept free of pydantic (PROTOCOL.md §2).

The writers and the direct readers import only this; :mod:`._wire_models` (pydantic) is
loaded by the validating readers alone, on first use.
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]
"""One decoded JSON object."""


def drop_none(**fields: Any) -> JsonObject:
    """The keyword arguments that are not ``None``, as a JSON object (in argument order)."""
    return {k: v for k, v in fields.items() if v is not None}
