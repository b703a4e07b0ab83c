"""The simulator's GPT-Live mode: the session engine behind ``/v1/live/sessions`` and the
Responses model behind ``POST /v1/responses`` (see :mod:`._engine` for the simulated
model's rules)."""

from __future__ import annotations

from ._connection import FrameObserver, LiveConnection
from ._engine import ACKNOWLEDGEMENT, CONTEXT_TOKENS, LiveSimulatedSession
from ._responses import ResponsesEndpoint
from ._session_resource import DEFAULT_LIVE_VOICE

__all__ = [
    "ACKNOWLEDGEMENT",
    "CONTEXT_TOKENS",
    "DEFAULT_LIVE_VOICE",
    "FrameObserver",
    "LiveConnection",
    "LiveSimulatedSession",
    "ResponsesEndpoint",
]
