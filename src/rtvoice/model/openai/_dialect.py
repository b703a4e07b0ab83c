"""Which shape of the OpenAI Realtime protocol a server speaks (see :mod:`rtvoice._dialect`)."""

from __future__ import annotations

from ..._dialect import Dialect

__all__ = ["Dialect"]
