"""The model layer: one live connection to one realtime backend.

Its vocabulary is provider-neutral: :mod:`.events` (what the backend reports),
:mod:`.commands` (what the client asks), :mod:`.items` and :mod:`.session_config` (the values
both carry). :mod:`.openai` maps that vocabulary to the OpenAI Realtime wire protocol.

:class:`RealtimeModel` is the contract a session relies on, :class:`ModelConnector` opens one
per session from a :class:`ConnectRequest`, and :class:`OpenAIRealtimeModel` is the default
implementation (a transport plus the OpenAI codec). :data:`ModelEvent` and
:data:`ModelCommand` are the two closed unions that flow through it. For tests without a
socket, see :class:`rtvoice.testing.ScriptedModel`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

# Imported on first use (see ``rtvoice._lazy``): the configuration needs
# ``model.session_config`` without the OpenAI implementation (websockets, the codec, pydantic)
# or the event vocabulary, which only a connecting session needs.
if TYPE_CHECKING:
    from ._base import (
        CapabilityReport,
        ConnectRequest,
        ModelCapabilities,
        ModelConnector,
        RealtimeModel,
    )
    from ._openai_model import OpenAIRealtimeModel
    from .commands import ModelCommand
    from .events import ModelEvent
else:
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "._base": (
                "CapabilityReport",
                "ConnectRequest",
                "ModelCapabilities",
                "ModelConnector",
                "RealtimeModel",
            ),
            "._openai_model": ("OpenAIRealtimeModel",),
            ".commands": ("ModelCommand",),
            ".events": ("ModelEvent",),
        },
    )

__all__ = [
    "CapabilityReport",
    "ConnectRequest",
    "ModelCapabilities",
    "ModelCommand",
    "ModelConnector",
    "ModelEvent",
    "OpenAIRealtimeModel",
    "RealtimeModel",
]
