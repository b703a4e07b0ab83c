"""rtvoice: server-side realtime voice agents over the OpenAI Realtime protocol.

The public API fits on one screen; everything else lives in the submodules
(:mod:`rtvoice.model`, :mod:`rtvoice.transport`, :mod:`rtvoice.simulator`, ...).
"""

from __future__ import annotations

from ._version import __version__ as __version__
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
from .handoffs import Handoff, handoff
from .middleware import ApprovalDecision, ApprovalPolicy, AuditLog, Middleware
from .providers import AzureOpenAIProvider, OpenAIProvider, RealtimeProvider
from .runner import RealtimeModelConfig, RealtimeRunner
from .session import RealtimeSession, RealtimeSessionEvent
from .tools import (
    FunctionTool,
    StopConversation,
    ToolContext,
    ToolResult,
    function_tool,
    stop_conversation,
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
    "RealtimeAgent",
    "RealtimeError",
    "RealtimeModelConfig",
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
