"""Twilio Media Streams frames, read and written without IO.

A Media Stream is a WebSocket of JSON text frames, each with an ``event`` discriminator.
Twilio sends ``connected``, ``start``, ``media``, ``mark``, ``dtmf`` and ``stop``; the
application sends ``media``, ``mark`` and ``clear`` back (bidirectional streams, opened by
``<Connect><Stream>``). Audio is base64 mu-law, 8 kHz, mono, both ways.

:func:`read_twilio_frame` reads what Twilio sends and :func:`read_app_frame` what an
application sends (the simulated caller uses it); :func:`encode_frame` writes any frame.
:class:`FrameWriter` writes the three frames an application sends for one stream, with the
JSON around the stream's SID built once (it runs once per audio chunk).

Reading is strict where a bridge could only guess (a missing ``streamSid``, a payload that
is not base64, a mark without a name raise :class:`MalformedFrameError`) and lenient where
Twilio may grow: unknown keys are ignored, numbers sent as strings (Twilio's habit for
``sequenceNumber``, ``chunk`` and ``timestamp``) are read as numbers, and an ``event`` this
module does not know becomes an :class:`OtherFrame`.
"""

from __future__ import annotations

import binascii
import json
from base64 import b64decode, b64encode
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from ...errors import RealtimeError

__all__ = [
    "AppFrame",
    "ClearFrame",
    "ConnectedFrame",
    "DtmfFrame",
    "FrameWriter",
    "MalformedFrameError",
    "MarkFrame",
    "MediaFormat",
    "MediaFrame",
    "OtherFrame",
    "StartFrame",
    "StopFrame",
    "TwilioFrame",
    "encode_frame",
    "read_app_frame",
    "read_twilio_frame",
]


class MalformedFrameError(RealtimeError, ValueError):
    """A Media Streams frame that cannot be read; the message says what is wrong with it.

    Attributes:
        frame: The text of the frame (cut to 200 characters).
    """

    def __init__(self, message: str, frame: str) -> None:
        super().__init__(message)
        self.frame = frame[:200]


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaFormat:
    """The audio format of a stream (``start.mediaFormat``); Twilio's is always mu-law 8 kHz."""

    encoding: str = "audio/x-mulaw"
    sample_rate: int = 8000
    channels: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectedFrame:
    """The first frame Twilio sends once the socket is open."""

    protocol: str = "Call"
    version: str = "1.0.0"
    type: Literal["connected"] = "connected"


@dataclass(frozen=True, slots=True, kw_only=True)
class StartFrame:
    """The stream's metadata, sent once after ``connected``.

    Attributes:
        stream_sid: The stream's SID (``MZ...``): every frame sent back must carry it.
        call_sid: The call's SID (``CA...``).
        account_sid: The account's SID (``AC...``).
        tracks: The media tracks that will be sent (``("inbound",)`` for ``<Connect>``).
        custom_parameters: The ``<Parameter>`` names and values of the TwiML ``<Stream>``.
        media_format: The audio format of the ``media`` frames.
        sequence_number: Twilio's running count of frames on this socket, if given.
    """

    stream_sid: str
    call_sid: str = ""
    account_sid: str = ""
    tracks: tuple[str, ...] = ("inbound",)
    custom_parameters: Mapping[str, str] = field(default_factory=dict)
    media_format: MediaFormat = field(default_factory=MediaFormat)
    sequence_number: int | None = None
    type: Literal["start"] = "start"


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaFrame:
    """Audio: from Twilio, what the caller said; from the application, what to play.

    Attributes:
        stream_sid: The stream's SID.
        payload: The audio, mu-law 8 kHz (decoded from base64).
        track: ``"inbound"`` (the caller) in Twilio's frames; ``None`` in the application's.
        chunk: Twilio's chunk counter, from 1 (``None`` in the application's frames).
        timestamp: Milliseconds since the stream began (``None`` in the application's).
        sequence_number: Twilio's frame counter, if given.
    """

    stream_sid: str
    payload: bytes
    track: str | None = None
    chunk: int | None = None
    timestamp: int | None = None
    sequence_number: int | None = None
    type: Literal["media"] = "media"


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkFrame:
    """A named point in the played audio: sent after audio by the application, and echoed
    by Twilio once the audio before it has been played (or cleared)."""

    stream_sid: str
    name: str
    sequence_number: int | None = None
    type: Literal["mark"] = "mark"


@dataclass(frozen=True, slots=True, kw_only=True)
class DtmfFrame:
    """A key the caller pressed (``digit``: ``0``-``9``, ``*``, ``#``)."""

    stream_sid: str
    digit: str
    track: str = "inbound_track"
    sequence_number: int | None = None
    type: Literal["dtmf"] = "dtmf"


@dataclass(frozen=True, slots=True, kw_only=True)
class StopFrame:
    """The stream ended (the caller hung up, or the call left the ``<Connect>``)."""

    stream_sid: str
    call_sid: str = ""
    account_sid: str = ""
    sequence_number: int | None = None
    type: Literal["stop"] = "stop"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearFrame:
    """Sent by the application: drop the audio Twilio has queued and not yet played."""

    stream_sid: str
    type: Literal["clear"] = "clear"


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherFrame:
    """A well-formed frame whose ``event`` this module does not know (kept, not refused)."""

    event: str
    data: Mapping[str, Any]
    type: Literal["other"] = "other"


TwilioFrame: TypeAlias = (
    ConnectedFrame | StartFrame | MediaFrame | MarkFrame | DtmfFrame | StopFrame | OtherFrame
)
"""What Twilio sends to the application."""

AppFrame: TypeAlias = MediaFrame | MarkFrame | ClearFrame | OtherFrame
"""What the application sends to Twilio."""

Frame: TypeAlias = TwilioFrame | ClearFrame


def read_twilio_frame(text: str | bytes) -> TwilioFrame:
    """Read one frame Twilio sent.

    Raises:
        MalformedFrameError: The text is not a JSON object with an ``event``, or a known
            event lacks a field it needs (the message names it), or a payload is not base64.
    """
    data, event = _load(text)
    match event:
        case "media":
            media = _object(data, "media", text)
            return MediaFrame(
                stream_sid=_sid(data, text),
                payload=_payload(media, text),
                track=_optional_str(media, "track", text) or "inbound",
                chunk=_optional_int(media, "chunk", text),
                timestamp=_optional_int(media, "timestamp", text),
                sequence_number=_optional_int(data, "sequenceNumber", text),
            )
        case "mark":
            return _read_mark(data, text)
        case "connected":
            return ConnectedFrame(
                protocol=_optional_str(data, "protocol", text) or "Call",
                version=_optional_str(data, "version", text) or "1.0.0",
            )
        case "start":
            return _read_start(data, text)
        case "dtmf":
            dtmf = _object(data, "dtmf", text)
            return DtmfFrame(
                stream_sid=_sid(data, text),
                digit=_str(dtmf, "digit", text, where="dtmf."),
                track=_optional_str(dtmf, "track", text) or "inbound_track",
                sequence_number=_optional_int(data, "sequenceNumber", text),
            )
        case "stop":
            stop = data.get("stop")
            stop = stop if isinstance(stop, dict) else {}
            return StopFrame(
                stream_sid=_sid(data, text),
                call_sid=_optional_str(stop, "callSid", text) or "",
                account_sid=_optional_str(stop, "accountSid", text) or "",
                sequence_number=_optional_int(data, "sequenceNumber", text),
            )
        case _:
            return OtherFrame(event=event, data=data)


def read_app_frame(text: str | bytes) -> AppFrame:
    """Read one frame an application sent to Twilio (``media``, ``mark``, ``clear``).

    Raises:
        MalformedFrameError: As :func:`read_twilio_frame`.
    """
    data, event = _load(text)
    match event:
        case "media":
            return MediaFrame(
                stream_sid=_sid(data, text), payload=_payload(_object(data, "media", text), text)
            )
        case "mark":
            return _read_mark(data, text)
        case "clear":
            return ClearFrame(stream_sid=_sid(data, text))
        case _:
            return OtherFrame(event=event, data=data)


def encode_frame(frame: Frame) -> str:
    """The JSON text of a frame, as Twilio (or an application) puts it on the wire."""
    out: dict[str, Any]
    match frame:
        case ConnectedFrame():
            return json.dumps(
                {"event": "connected", "protocol": frame.protocol, "version": frame.version}
            )
        case StartFrame():
            fmt = frame.media_format
            out = {
                "event": "start",
                "start": {
                    "accountSid": frame.account_sid,
                    "streamSid": frame.stream_sid,
                    "callSid": frame.call_sid,
                    "tracks": list(frame.tracks),
                    "mediaFormat": {
                        "encoding": fmt.encoding,
                        "sampleRate": fmt.sample_rate,
                        "channels": fmt.channels,
                    },
                    "customParameters": dict(frame.custom_parameters),
                },
                "streamSid": frame.stream_sid,
            }
        case MediaFrame():
            media: dict[str, Any] = {}
            if frame.track is not None:
                media["track"] = frame.track
            if frame.chunk is not None:
                media["chunk"] = str(frame.chunk)
            if frame.timestamp is not None:
                media["timestamp"] = str(frame.timestamp)
            media["payload"] = b64encode(frame.payload).decode("ascii")
            out = {"event": "media", "streamSid": frame.stream_sid, "media": media}
        case MarkFrame():
            out = {"event": "mark", "streamSid": frame.stream_sid, "mark": {"name": frame.name}}
        case DtmfFrame():
            out = {
                "event": "dtmf",
                "streamSid": frame.stream_sid,
                "dtmf": {"track": frame.track, "digit": frame.digit},
            }
        case StopFrame():
            out = {
                "event": "stop",
                "streamSid": frame.stream_sid,
                "stop": {"accountSid": frame.account_sid, "callSid": frame.call_sid},
            }
        case ClearFrame():
            out = {"event": "clear", "streamSid": frame.stream_sid}
        case OtherFrame():
            out = {**frame.data, "event": frame.event}
    sequence_number = getattr(frame, "sequence_number", None)
    if sequence_number is not None:
        out["sequenceNumber"] = str(sequence_number)
    return json.dumps(out)


class FrameWriter:
    """Writes the frames an application sends on one stream.

    The JSON around the stream's SID is built once, so writing a ``media`` frame costs one
    base64 encoding and one string join (it runs once per audio chunk).

    Args:
        stream_sid: The ``streamSid`` of the stream's ``start`` frame.
    """

    __slots__ = ("_clear", "_mark_prefix", "_media_prefix")

    def __init__(self, stream_sid: str) -> None:
        sid = json.dumps(stream_sid)
        self._media_prefix = f'{{"event":"media","streamSid":{sid},"media":{{"payload":"'
        self._mark_prefix = f'{{"event":"mark","streamSid":{sid},"mark":{{"name":'
        self._clear = f'{{"event":"clear","streamSid":{sid}}}'

    def media(self, audio: bytes) -> str:
        """A ``media`` frame that plays ``audio`` (mu-law 8 kHz)."""
        return self._media_prefix + b64encode(audio).decode("ascii") + '"}}'

    def mark(self, name: str) -> str:
        """A ``mark`` frame: Twilio echoes it once the audio sent before it has played."""
        return self._mark_prefix + json.dumps(name) + "}}"

    def clear(self) -> str:
        """A ``clear`` frame: Twilio drops the audio it has not played yet."""
        return self._clear


# --- reading helpers -------------------------------------------------------------------------


def _load(text: str | bytes) -> tuple[dict[str, Any], str]:
    shown = text if isinstance(text, str) else text.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedFrameError(f"not JSON: {exc}", shown) from exc
    if not isinstance(data, dict):
        raise MalformedFrameError("a frame must be a JSON object", shown)
    event = data.get("event")
    if not isinstance(event, str):
        raise MalformedFrameError("a frame needs an 'event' string", shown)
    return data, event


def _shown(text: str | bytes) -> str:
    return text if isinstance(text, str) else text.decode("utf-8", "replace")


def _object(data: Mapping[str, Any], key: str, text: str | bytes) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise MalformedFrameError(f"a {data['event']!r} frame needs a {key!r} object", _shown(text))
    return value


def _str(data: Mapping[str, Any], key: str, text: str | bytes, *, where: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedFrameError(f"{where}{key} must be a non-empty string", _shown(text))
    return value


def _sid(data: Mapping[str, Any], text: str | bytes) -> str:
    return _str(data, "streamSid", text, where=f"a {data['event']!r} frame's ")


def _optional_str(data: Mapping[str, Any], key: str, text: str | bytes) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise MalformedFrameError(f"{key} must be a string, got {value!r}", _shown(text))


def _optional_int(data: Mapping[str, Any], key: str, text: str | bytes) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise MalformedFrameError(f"{key} must be a whole number, got {value!r}", _shown(text))


def _payload(media: Mapping[str, Any], text: str | bytes) -> bytes:
    value = media.get("payload")
    if not isinstance(value, str):
        raise MalformedFrameError("media.payload must be a base64 string", _shown(text))
    try:
        return b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedFrameError(f"media.payload is not base64: {exc}", _shown(text)) from exc


def _read_mark(data: dict[str, Any], text: str | bytes) -> MarkFrame:
    mark = _object(data, "mark", text)
    return MarkFrame(
        stream_sid=_sid(data, text),
        name=_str(mark, "name", text, where="mark."),
        sequence_number=_optional_int(data, "sequenceNumber", text),
    )


def _read_start(data: dict[str, Any], text: str | bytes) -> StartFrame:
    start = _object(data, "start", text)
    stream_sid = start.get("streamSid") or data.get("streamSid")
    if not isinstance(stream_sid, str) or not stream_sid:
        raise MalformedFrameError("start.streamSid must be a non-empty string", _shown(text))
    params = start.get("customParameters") or {}
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise MalformedFrameError(
            "start.customParameters must be an object of strings", _shown(text)
        )
    tracks = start.get("tracks") or ["inbound"]
    if not isinstance(tracks, list) or not all(isinstance(t, str) for t in tracks):
        raise MalformedFrameError("start.tracks must be a list of strings", _shown(text))
    fmt = start.get("mediaFormat") or {}
    if not isinstance(fmt, dict):
        raise MalformedFrameError("start.mediaFormat must be an object", _shown(text))
    media_format = MediaFormat(
        encoding=_optional_str(fmt, "encoding", text) or "audio/x-mulaw",
        sample_rate=_optional_int(fmt, "sampleRate", text) or 8000,
        channels=_optional_int(fmt, "channels", text) or 1,
    )
    return StartFrame(
        stream_sid=stream_sid,
        call_sid=_optional_str(start, "callSid", text) or "",
        account_sid=_optional_str(start, "accountSid", text) or "",
        tracks=tuple(tracks),
        custom_parameters=dict(params),
        media_format=media_format,
        sequence_number=_optional_int(data, "sequenceNumber", text),
    )
