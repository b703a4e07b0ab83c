"""What a GPT-Live session needs beyond the neutral session configuration: who handles the
work the model delegates, and the settings GPT-Live fixes when the session starts. The runner
builds one from the run config (``model_settings["live"]``) and hands it to the connector in
:attr:`~rtvoice.model.ConnectRequest.live`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = ["LiveSettings", "is_live_model"]

_LIVE_MODEL: Final = re.compile(r"gpt-live-\d")


def is_live_model(model_name: str) -> bool:
    """Whether ``model_name`` names a GPT-Live model (``gpt-live-1``, ``gpt-live-1.1``, ...),
    which speaks GPT-Live's protocol rather than the Realtime one. (``gpt-live-transcribe``
    is a transcription model of the Realtime protocol.)"""
    return _LIVE_MODEL.match(model_name) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveSettings:
    """GPT-Live's own settings for one session.

    Attributes:
        delegation: ``"client"``: the application does the delegated work (rtvoice runs the
            agent's tools through the session and answers with commentary); ``"responses"``: a
            Responses model hosted by the server does it, and its function calls come back to
            the agent's tools.
        responses_model: The hosted Responses model (``"responses"`` delegation only;
            required there).
        responses_instructions: The hosted model's backend prompt (``"responses"`` only).
        acknowledgement_delay_ms: How long the server waits before it has the model
            acknowledge a delegation aloud (``None``: the server's default).
        silent_tools: Tools whose results go back silently (``session.thinking.append``)
            instead of being spoken (``session.commentary.append``); client delegation only.
        store: Ask the server to store the session (for forking and recordings).
        safety_identifier: A stable id of the end user, for the server's abuse detection.
        turn_end_ms: How long without output ends an assistant turn (GPT-Live does not mark
            the end of a turn; rtvoice ends it after this much quiet).
        backend: The client-delegation backend (an object with an ``async plan(task)``
            method); ``None``: the built-in Responses backend when the agent has tools.
    """

    delegation: Literal["client", "responses"] = "client"
    responses_model: str | None = None
    responses_instructions: str | None = None
    acknowledgement_delay_ms: int | None = None
    silent_tools: frozenset[str] = frozenset()
    store: bool | None = None
    safety_identifier: str | None = None
    turn_end_ms: int = 700
    backend: Any = field(default=None, compare=False)
