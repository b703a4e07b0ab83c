"""The server side of GPT-Live's client frames: strict reading, and the session rules.

:class:`LiveServerCodec` reads each client frame as the real server does and returns a
:class:`~._commands.LiveCommand` or the :class:`~._commands.LiveCommandError` to answer it
with. It is sans-IO and holds only what the rules need: whether ``session.start`` has been
accepted, and the session's delegation type.

The rules, in the order they are checked:

1. The frame is a JSON object with a string ``type`` naming a client command
   (``invalid_json``, ``invalid_type``, ``invalid_value`` on ``type``).
2. The frame has only the fields of its command, of the right types and values
   (``unknown_parameter``, ``invalid_type``, ``invalid_value``,
   ``missing_required_parameter``, with ``param`` the dotted path).
3. ``session.start`` comes first and once: any other command before it is
   ``session_not_started``, a second one ``session_already_started``. Neither ends the
   connection: the client may send ``session.start`` and carry on (the simulator's choice;
   the real server's behaviour here is not documented).
4. ``session.update`` cannot change what ``session.start`` fixed: ``model``,
   ``instructions``, ``audio`` and ``input`` are ``immutable_parameter`` errors naming the
   param (checked before the strict shape, so the message says why), and the delegation type
   cannot change (``invalid_value`` on ``session.delegation.type``).
5. ``content`` of the three appends is at most 500 tokens, ``instructions`` of
   ``session.start`` at most 16,384 (``token_limit_exceeded``; see
   :func:`~._limits.estimate_tokens` for the estimate).
6. ``response.item.create`` and ``response.create`` need Responses delegation; a non-null
   ``delegation_id`` is refused with it (``delegation_mismatch``).

Every error carries the frame's ``event_id`` as ``client_event_id`` when it was a string.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, cast

from ...openai._wire_errors import WireError, invalid_value
from ...openai.server._wire_validate import validate
from ._commands import (
    AppendContext,
    AppendInputAudio,
    CloseSession,
    CreateBackendItem,
    CreateBackendResponse,
    LiveAudioFormat,
    LiveCommand,
    LiveCommandError,
    LiveStartConfig,
    MuteInputAudio,
    ResponsesBackend,
    StartSession,
    UpdateSession,
)
from ._limits import APPEND_TOKEN_LIMIT, INSTRUCTIONS_TOKEN_LIMIT, estimate_tokens
from ._wire_models import (
    BareCommandW,
    ContextAppendW,
    FunctionCallOutputW,
    FunctionToolW,
    ResponseItemCreateW,
    SessionStartW,
    SessionUpdateW,
)

__all__ = ["CLIENT_EVENT_TYPES", "LiveServerCodec"]

CLIENT_EVENT_TYPES: Final = (
    "session.start",
    "session.update",
    "session.input_audio.append",
    "session.input_audio.mute",
    "session.input_audio.unmute",
    "session.output_audio.fixture.play",
    "session.instructions.append",
    "session.thinking.append",
    "session.commentary.append",
    "decision.create",
    "decision.item.create",
    "decision.item.delete",
    "response.item.create",
    "response.create",
    "session.close",
)
"""The 15 client command types of a primary Live WebSocket."""

_UNSERVED: Final = frozenset(
    {"session.output_audio.fixture.play", "decision.create", "decision.item.create"}
    | {"decision.item.delete"}
)
_IMMUTABLE: Final = ("model", "instructions", "audio", "input")
_AUDIO_KEYS: Final = frozenset({"type", "audio", "event_id"})
_RATES: Final = {"audio/pcm": (16000, 24000), "audio/pcmu": (8000,), "audio/pcma": (8000,)}

Delegation = Literal["client", "responses", "decisions"]


class LiveServerCodec:
    """Reads one connection's client frames (call :meth:`decode` once per text frame)."""

    __slots__ = ("_model_supported", "delegation", "started")

    def __init__(self, model_supported: Callable[[str], bool] | None = None) -> None:
        """Create the codec of one connection.

        Args:
            model_supported: Whether ``session.start`` may name a model (``None``: any
                ``gpt-live*`` name); another model is ``invalid_model`` on ``session.model``.
        """
        self._model_supported = model_supported or _is_live_name
        self.started = False
        """Whether a ``session.start`` was accepted."""
        self.delegation: Delegation = "client"
        """The delegation type ``session.start`` chose."""

    def decode(self, text: str) -> LiveCommand | LiveCommandError:
        """Read one client text frame.

        Returns:
            The command, or the error to answer it with (the session state is unchanged
            by a refused frame).
        """
        try:
            frame = json.loads(text)
        except ValueError:
            return LiveCommandError(
                code="invalid_json",
                message="The frame is not valid JSON: send one JSON object per text frame.",
            )
        if not isinstance(frame, dict):
            return LiveCommandError(
                code="invalid_type",
                message="Invalid client event: expected a JSON object with a 'type'.",
            )
        event_id = frame.get("event_id")
        client_event_id = event_id if isinstance(event_id, str) else None
        try:
            command = self._read(cast("dict[str, Any]", frame), client_event_id)
        except WireError as exc:
            return LiveCommandError(
                code=exc.code, message=exc.message, param=exc.param, client_event_id=client_event_id
            )
        except _Refusal as exc:
            return LiveCommandError(
                code=exc.code, message=exc.message, param=exc.param, client_event_id=client_event_id
            )
        if isinstance(command, StartSession):
            self.started = True
            self.delegation = command.config.delegation
        return command

    def _read(self, frame: dict[str, Any], event_id: str | None) -> LiveCommand:
        kind = frame.get("type")
        if not isinstance(kind, str):
            raise _Refusal(
                "missing_required_parameter" if kind is None else "invalid_type",
                "Missing required parameter: 'type'."
                if kind is None
                else "Invalid type for 'type': expected a string.",
                "type",
            )
        if kind == "session.input_audio.append":  # the hot path: no pydantic
            return self._audio(frame, event_id)
        if kind not in CLIENT_EVENT_TYPES:
            raise invalid_value(("type",), kind, CLIENT_EVENT_TYPES)
        if kind == "session.start":
            if self.started:
                raise _Refusal(
                    "session_already_started",
                    "The session has already started: session.start is accepted once, as "
                    "the first command. Use session.update for delegation changes.",
                    None,
                )
            command = _start(frame, event_id)
            model = command.config.model
            if not self._model_supported(model):
                raise _Refusal(
                    "invalid_model",
                    f"Model {model!r} is not a GPT-Live model here: use gpt-live-1 or "
                    "gpt-live-1.1 (Realtime models connect to /v1/realtime).",
                    "session.model",
                )
            return command
        if not self.started:
            raise _Refusal(
                "session_not_started",
                f"{kind} was sent before session.start: send session.start first and wait "
                "for session.started.",
                None,
            )
        if kind in _UNSERVED:
            raise _Refusal(
                "unsupported_event",
                f"The simulator does not serve {kind} (decisions and audio fixtures).",
                None,
            )
        if kind == "session.update":
            return self._update(frame, event_id)
        if kind in ("session.input_audio.mute", "session.input_audio.unmute"):
            validate(BareCommandW, frame, ())
            return MuteInputAudio(muted=kind.endswith(".mute"), event_id=event_id)
        if kind == "session.close":
            validate(BareCommandW, frame, ())
            return CloseSession(event_id=event_id)
        if kind.endswith(".append"):
            return self._context(frame, event_id)
        if kind == "response.item.create":
            self._need_responses(kind)
            wire = validate(ResponseItemCreateW, frame, ())
            if wire.item.get("type") == "function_call_output":
                validate(FunctionCallOutputW, wire.item, ("item",))
            elif not isinstance(wire.item.get("type"), str):
                raise WireError(
                    "missing_required_parameter",
                    "Missing required parameter: 'item.type'.",
                    "item.type",
                )
            return CreateBackendItem(item=wire.item, event_id=event_id)
        self._need_responses(kind)
        validate(BareCommandW, frame, ())
        return CreateBackendResponse(event_id=event_id)

    def _audio(self, frame: dict[str, Any], event_id: str | None) -> AppendInputAudio:
        if not self.started:
            raise _Refusal(
                "session_not_started",
                "session.input_audio.append was sent before session.start: send "
                "session.start first and wait for session.started.",
                None,
            )
        for key in frame:
            if key not in _AUDIO_KEYS:
                raise WireError("unknown_parameter", f"Unknown parameter: '{key}'.", key)
        audio = frame.get("audio")
        if not isinstance(audio, str):
            if audio is None:
                raise WireError(
                    "missing_required_parameter", "Missing required parameter: 'audio'.", "audio"
                )
            raise WireError("invalid_type", "Invalid type for 'audio': expected a string.", "audio")
        try:
            data = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError):
            raise WireError("invalid_value", "Invalid 'audio': expected base64.", "audio") from None
        return AppendInputAudio(audio=data, event_id=event_id)

    def _update(self, frame: dict[str, Any], event_id: str | None) -> UpdateSession:
        session = frame.get("session")
        if isinstance(session, dict):
            for name in _IMMUTABLE:
                if name in session:
                    raise _Refusal(
                        "immutable_parameter",
                        f"session.{name} is fixed by session.start and cannot be updated; "
                        "start a new session to change it.",
                        f"session.{name}",
                    )
        wire = validate(SessionUpdateW, frame, ())
        delegation = wire.session.delegation
        if delegation is not None and delegation.type != self.delegation:
            raise _Refusal(
                "invalid_value",
                f"The delegation type cannot change (the session uses {self.delegation!r}, "
                f"the update asks for {delegation.type!r}).",
                "session.delegation.type",
            )
        raw = cast("Mapping[str, Any]", frame["session"])
        triggers = raw.get("triggers")
        return UpdateSession(
            delegation=raw.get("delegation"),
            triggers=None if triggers is None else tuple(triggers),
            event_id=event_id,
        )

    def _context(self, frame: dict[str, Any], event_id: str | None) -> AppendContext:
        wire = validate(ContextAppendW, frame, ())
        tokens = estimate_tokens(wire.content)
        if tokens > APPEND_TOKEN_LIMIT:
            raise _Refusal(
                "token_limit_exceeded",
                f"content is about {tokens} tokens; {wire.type} takes at most "
                f"{APPEND_TOKEN_LIMIT}. Shorten it, or split it over several appends.",
                "content",
            )
        if wire.delegation_id is not None and self.delegation == "responses":
            raise _Refusal(
                "delegation_mismatch",
                "delegation_id must be null with Responses delegation (its delegations are "
                "answered with response.item.create and response.create).",
                "delegation_id",
            )
        kind = cast("Literal['instructions', 'thinking', 'commentary']", wire.type.split(".")[1])
        return AppendContext(
            kind=kind, content=wire.content, delegation_id=wire.delegation_id, event_id=event_id
        )

    def _need_responses(self, kind: str) -> None:
        if self.delegation != "responses":
            raise _Refusal("delegation_mismatch", f"{kind} requires Responses delegation.", None)


def _is_live_name(model: str) -> bool:
    return model.startswith("gpt-live")


class _Refusal(Exception):
    """A frame of the right shape that the session rules refuse."""

    def __init__(self, code: str, message: str, param: str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


def _start(frame: dict[str, Any], event_id: str | None) -> StartSession:
    wire = validate(SessionStartW, frame, ())
    raw = cast("Mapping[str, Any]", frame["session"])
    session = wire.session
    if session.instructions is not None:
        tokens = estimate_tokens(session.instructions)
        if tokens > INSTRUCTIONS_TOKEN_LIMIT:
            raise _Refusal(
                "token_limit_exceeded",
                f"instructions are about {tokens} tokens; session.start takes at most "
                f"{INSTRUCTIONS_TOKEN_LIMIT}. Move business rules to the backend prompt.",
                "session.instructions",
            )
    audio_format = voice = None
    if session.audio is not None:
        if session.audio.format is not None:
            fmt = session.audio.format
            rates = _RATES[fmt.type]
            if fmt.rate not in rates:
                loc = ("session", "audio", "format", "rate")
                raise invalid_value(loc, fmt.rate, [str(rate) for rate in rates])
            audio_format = LiveAudioFormat(type=fmt.type, rate=fmt.rate)
        if session.audio.output is not None:
            voice = raw["audio"]["output"].get("voice")
    delegation: Delegation = "client"
    responses = None
    acknowledgement = None
    if session.delegation is not None:
        delegation = session.delegation.type
        acknowledgement = session.delegation.acknowledgement_delay_ms
        raw_delegation = raw["delegation"]
        if delegation == "responses":
            config = raw_delegation["responses"]
            tools = config.get("tools") or []
            for n, tool in enumerate(tools):
                if tool.get("type") == "function":
                    validate(
                        FunctionToolW, tool, ("session", "delegation", "responses", "tools", n)
                    )
            responses = ResponsesBackend(
                model=config["model"],
                instructions=config.get("instructions"),
                tools=tuple(tools),
                raw=config,
            )
    return StartSession(
        config=LiveStartConfig(
            model=session.model,
            instructions=session.instructions,
            voice=voice,
            audio_format=audio_format,
            delegation=delegation,
            acknowledgement_delay_ms=acknowledgement,
            responses=responses,
            input=tuple(raw.get("input") or ()),
            store=session.store,
            safety_identifier=session.safety_identifier,
            raw=raw,
        ),
        event_id=event_id,
    )
