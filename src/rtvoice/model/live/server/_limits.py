"""GPT-Live's size limits, as the simulator enforces them."""

from __future__ import annotations

import math
from typing import Final

__all__ = ["APPEND_TOKEN_LIMIT", "INSTRUCTIONS_TOKEN_LIMIT", "estimate_tokens"]

APPEND_TOKEN_LIMIT: Final = 500
"""The most tokens one ``session.commentary.append``, ``session.thinking.append`` or
``session.instructions.append`` may carry."""

INSTRUCTIONS_TOKEN_LIMIT: Final = 16_384
"""The most client-supplied tokens of ``session.start``'s ``instructions``."""


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate of ``text``'s token count: one token per four characters,
    rounded up, and never fewer than its whitespace-separated words. English prose runs at
    about four characters per token, so the estimate errs on the high side for it; the real
    server counts with its tokenizer, so text close to a limit may be judged differently."""
    return max(math.ceil(len(text) / 4), len(text.split()))
