"""OpenAI SIP calls and ephemeral client secrets (the ``sip`` extra: the ``openai`` SDK).

:class:`SipCalls` verifies the ``realtime.call.incoming`` webhook (Standard Webhooks
signature and timestamp), answers each call once however often the webhook is delivered,
accepts it with the agent's session configuration (or rejects, refers, hangs up), and
attaches a :class:`~rtvoice.RealtimeSession` to the call by ``call_id``.
:func:`mint_client_secret` gives a browser a short-lived key for the same configuration.
See ``docs/sip.md``.
"""

from __future__ import annotations

from ._calls import (
    CallEndedError,
    IncomingCall,
    MalformedWebhookError,
    SipCalls,
    WebhookReply,
    WebhookVerificationError,
    read_incoming_call,
)
from ._client_secret import ClientSecret, mint_client_secret
from ._dedupe import MemoryWebhookIds, WebhookIdStore
from ._session_config import session_configuration

__all__ = [
    "CallEndedError",
    "ClientSecret",
    "IncomingCall",
    "MalformedWebhookError",
    "MemoryWebhookIds",
    "SipCalls",
    "WebhookIdStore",
    "WebhookReply",
    "WebhookVerificationError",
    "mint_client_secret",
    "read_incoming_call",
    "session_configuration",
]
