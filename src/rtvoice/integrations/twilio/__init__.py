"""Put an agent on a Twilio phone number: a bridge for Twilio Media Streams.

Twilio answers a call with your TwiML; :func:`connect_stream_twiml` writes the
``<Connect><Stream>`` that opens a bidirectional Media Stream to your server, and
:func:`check_twilio_signature` checks that the webhook came from Twilio. On the stream's
socket, :func:`run_twilio_call` runs the whole call with a session of your runner: G.711
mu-law both ways, a ``mark`` after each chunk of the agent's audio so a barge-in truncates
the agent's item at what the caller heard, ``clear`` on a barge-in, keys pressed handed to
``on_dtmf``, and a clean end on hang-up.

The frames themselves are read and written, without IO, by :func:`read_twilio_frame`,
:func:`read_app_frame`, :func:`encode_frame` and :class:`FrameWriter`. Any WebSocket plugs in
through the two-method :class:`MediaStreamSocket`; adapters for websockets, Starlette/FastAPI
and aiohttp are here (none of those libraries is imported until its adapter is built).

See ``docs/twilio.md``; :mod:`rtvoice.simulator.twilio` plays Twilio's side in tests.
"""

from __future__ import annotations

from ._bridge import (
    DEFAULT_DRAIN_TIMEOUT,
    DEFAULT_START_TIMEOUT,
    MediaStreamSocket,
    TwilioCall,
    run_twilio_call,
)
from ._frames import (
    AppFrame,
    ClearFrame,
    ConnectedFrame,
    DtmfFrame,
    FrameWriter,
    MalformedFrameError,
    MarkFrame,
    MediaFormat,
    MediaFrame,
    OtherFrame,
    StartFrame,
    StopFrame,
    TwilioFrame,
    encode_frame,
    read_app_frame,
    read_twilio_frame,
)
from ._marks import MarkLedger
from ._sockets import AiohttpMediaSocket, StarletteMediaSocket, WebsocketsMediaSocket
from ._twiml import check_twilio_signature, connect_stream_twiml

__all__ = [
    "AiohttpMediaSocket",
    "AppFrame",
    "ClearFrame",
    "ConnectedFrame",
    "DEFAULT_DRAIN_TIMEOUT",
    "DEFAULT_START_TIMEOUT",
    "DtmfFrame",
    "FrameWriter",
    "MalformedFrameError",
    "MarkFrame",
    "MarkLedger",
    "MediaFormat",
    "MediaFrame",
    "MediaStreamSocket",
    "OtherFrame",
    "StarletteMediaSocket",
    "StartFrame",
    "StopFrame",
    "TwilioCall",
    "TwilioFrame",
    "WebsocketsMediaSocket",
    "check_twilio_signature",
    "connect_stream_twiml",
    "encode_frame",
    "read_app_frame",
    "read_twilio_frame",
    "run_twilio_call",
]
