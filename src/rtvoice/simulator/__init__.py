"""The local realtime server (the simulator), and the speech it can hear.

:class:`Simulator` serves the GA Realtime protocol over real WebSockets on loopback, with a
deterministic model (:func:`default_responder`, or your own :data:`Responder`).
:class:`SimulatorThread` runs one in a background thread, and :class:`SimulatorProvider`
gives every session of a runner a simulator of its own. :func:`encode_speech` turns text into
audio that :func:`transcribe` and :class:`SpeechDecoder` turn back into the text, so
audio in and out can be tested end to end with no real model; the simulator's own voice is
made the same way.
"""

from __future__ import annotations

from ._defaults import SimulatorOptions
from ._faults import Faults
from ._provider import SimulatorProvider
from ._responder import (
    CallToolPlan,
    Responder,
    ResponderView,
    ResponsePlan,
    SpeakPlan,
    default_responder,
)
from ._server import DEFAULT_API_KEY, Simulator, SimulatorThread
from ._speech import SpeechDecoder, decode_speech, encode_speech, transcribe
from .sip import SimulatedSipCall
from .twilio import SimulatedTwilioCaller

__all__ = [
    "CallToolPlan",
    "DEFAULT_API_KEY",
    "Faults",
    "Responder",
    "ResponderView",
    "ResponsePlan",
    "SimulatedSipCall",
    "SimulatedTwilioCaller",
    "Simulator",
    "SimulatorOptions",
    "SimulatorProvider",
    "SimulatorThread",
    "SpeakPlan",
    "SpeechDecoder",
    "decode_speech",
    "default_responder",
    "encode_speech",
    "transcribe",
]
