"""GPT-Live, OpenAI's second voice protocol (``/v1/live/sessions``), as a
:class:`~rtvoice.model.RealtimeModel`: the client side of its codec (sans-IO), the model that
maps it onto the neutral vocabulary, and the client-delegation backend.

``from rtvoice.model.live import LiveModel`` and ``await LiveModel.connect(request)`` open a
connection; :mod:`rtvoice.live` re-exports the public names.
"""

from __future__ import annotations

from ._codec import ASSISTANT_PREFIX, INSTRUCTIONS_PREFIX, TYPED_USER_PREFIX
from ._delegation import DelegatedTask, DelegationBackend, ToolCall
from ._model import CLOSE_TIMEOUT, LIVE_CAPABILITIES, LiveModel
from ._responses_backend import DEFAULT_BACKEND_MODEL, ResponsesBackend, http_base_url
from ._write_frames import MAX_APPEND_TOKENS, cap_tokens, estimate_tokens

__all__ = [
    "ASSISTANT_PREFIX",
    "CLOSE_TIMEOUT",
    "DEFAULT_BACKEND_MODEL",
    "DelegatedTask",
    "DelegationBackend",
    "INSTRUCTIONS_PREFIX",
    "LIVE_CAPABILITIES",
    "LiveModel",
    "MAX_APPEND_TOKENS",
    "ResponsesBackend",
    "TYPED_USER_PREFIX",
    "ToolCall",
    "cap_tokens",
    "estimate_tokens",
    "http_base_url",
]
