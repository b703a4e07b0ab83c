"""The agent ``rtvoice console`` talks to when ``--agent`` is not given: the demo's concierge,
whose billing specialist asks before it looks up a balance (to show an approval)."""

from __future__ import annotations

from dataclasses import replace

from .._demo import BILLING, CONCIERGE, lookup_balance
from ..agent import RealtimeAgent

__all__ = ["DEFAULT_AGENT"]

_BILLING: RealtimeAgent[None] = BILLING.clone(tools=[replace(lookup_balance, needs_approval=True)])
DEFAULT_AGENT: RealtimeAgent[None] = CONCIERGE.clone(handoffs=[_BILLING])
"""Concierge (``get_weather``) hands off to Billing (``lookup_balance``, approved first)."""
