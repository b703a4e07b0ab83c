"""rtvoice: server-side realtime voice agents over the OpenAI Realtime protocol.

The public API fits on one screen; everything else lives in the submodules
(:mod:`rtvoice.model`, :mod:`rtvoice.transport`, :mod:`rtvoice.simulator`, ...).

The names below are imported lazily, each from its submodule the first time it is used
(:mod:`rtvoice._lazy`): ``import rtvoice`` itself loads nothing else, and
``from rtvoice import RealtimeAgent, RealtimeRunner`` loads what those two need, not the
connection (websockets, the OpenAI codec, pydantic) nor the session machinery, which come in
when the first session connects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from ._version import __version__ as __version__

# Type checkers see the imports; at run time each name is imported on first use.
if TYPE_CHECKING:
    from .agent import RealtimeAgent
    from .audio import PlaybackTracker
    from .config import RealtimeRunConfig, RealtimeSessionModelSettings
    from .errors import (
        AuthenticationError,
        ConnectionLostError,
        ConnectTimeoutError,
        InvalidRequestError,
        MessageTooBigError,
        ProviderError,
        RealtimeError,
        TransportClosedError,
        TransportError,
        UserError,
    )
    from .guardrails import (
        GuardrailFunctionOutput,
        GuardrailResult,
        InputGuardrail,
        OutputGuardrail,
        input_guardrail,
        output_guardrail,
    )
    from .handoffs import RECOMMENDED_PROMPT_PREFIX, Handoff, handoff
    from .middleware import ApprovalDecision, ApprovalPolicy, AuditLog, Middleware
    from .providers import AzureOpenAIProvider, OpenAIProvider, RealtimeProvider
    from .runner import RealtimeModelConfig, RealtimeRunner
    from .session import RealtimeModelSendRawMessage, RealtimeSession, RealtimeSessionEvent
    from .tools import (
        FunctionTool,
        StopConversation,
        ToolContext,
        ToolResult,
        function_tool,
        stop_conversation,
    )
else:
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            ".agent": ("RealtimeAgent",),
            ".audio": ("PlaybackTracker",),
            ".config": ("RealtimeRunConfig", "RealtimeSessionModelSettings"),
            ".errors": (
                "AuthenticationError",
                "ConnectionLostError",
                "ConnectTimeoutError",
                "InvalidRequestError",
                "MessageTooBigError",
                "ProviderError",
                "RealtimeError",
                "TransportClosedError",
                "TransportError",
                "UserError",
            ),
            ".guardrails": (
                "GuardrailFunctionOutput",
                "GuardrailResult",
                "InputGuardrail",
                "OutputGuardrail",
                "input_guardrail",
                "output_guardrail",
            ),
            ".handoffs": ("RECOMMENDED_PROMPT_PREFIX", "Handoff", "handoff"),
            ".middleware": ("ApprovalDecision", "ApprovalPolicy", "AuditLog", "Middleware"),
            ".providers": ("AzureOpenAIProvider", "OpenAIProvider", "RealtimeProvider"),
            ".runner": ("RealtimeModelConfig", "RealtimeRunner"),
            ".session": (
                "RealtimeModelSendRawMessage",
                "RealtimeSession",
                "RealtimeSessionEvent",
            ),
            ".tools": (
                "FunctionTool",
                "StopConversation",
                "ToolContext",
                "ToolResult",
                "function_tool",
                "stop_conversation",
            ),
        },
    )

__all__ = [
    "ApprovalDecision",
    "ApprovalPolicy",
    "AuditLog",
    "AuthenticationError",
    "AzureOpenAIProvider",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "FunctionTool",
    "GuardrailFunctionOutput",
    "GuardrailResult",
    "Handoff",
    "InputGuardrail",
    "InvalidRequestError",
    "MessageTooBigError",
    "Middleware",
    "OpenAIProvider",
    "OutputGuardrail",
    "PlaybackTracker",
    "ProviderError",
    "RECOMMENDED_PROMPT_PREFIX",
    "RealtimeAgent",
    "RealtimeError",
    "RealtimeModelConfig",
    "RealtimeModelSendRawMessage",
    "RealtimeProvider",
    "RealtimeRunConfig",
    "RealtimeRunner",
    "RealtimeSession",
    "RealtimeSessionEvent",
    "RealtimeSessionModelSettings",
    "StopConversation",
    "ToolContext",
    "ToolResult",
    "TransportClosedError",
    "TransportError",
    "UserError",
    "function_tool",
    "handoff",
    "input_guardrail",
    "output_guardrail",
    "stop_conversation",
]
