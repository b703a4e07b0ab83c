"""Which shape of the OpenAI Realtime protocol a server speaks."""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = ["Dialect"]

Dialect: TypeAlias = Literal["ga", "beta"]
"""``ga``: the current protocol (nested session, ``response.output_audio.*``, items announced
by ``conversation.item.added`` and finished by ``conversation.item.done``). ``beta``: the
retired preview shape (flat session, ``response.audio.*``, ``conversation.item.created``),
still spoken by Azure's legacy preview deployments."""
