"""GPT-Live: the public names of rtvoice's second protocol.

A session on a GPT-Live model (``gpt-live-1``, ``gpt-live-1.1``) runs the same agents, tools,
approvals, guardrails and middleware as a Realtime one; what differs is configured in
:class:`LiveSettings`. In client delegation the model hands tasks to the application: a
:class:`DelegationBackend` (by default :class:`ResponsesBackend`, which needs
``pip install 'rtvoice[live]'``) decides which of the agent's tools to call.
"""

from __future__ import annotations

from .model._live_settings import LiveSettings, is_live_model
from .model.live import (
    DelegatedTask,
    DelegationBackend,
    LiveModel,
    ResponsesBackend,
    ToolCall,
)

__all__ = [
    "DelegatedTask",
    "DelegationBackend",
    "LiveModel",
    "LiveSettings",
    "ResponsesBackend",
    "ToolCall",
    "is_live_model",
]
