"""The client side of the GPT-Live codec (sans-IO): neutral commands in, Live frames out;
Live records in, neutral events out; and the delegated tasks to plan.

It never awaits and never reads the clock (``now`` is passed in). :class:`~._model.LiveModel`
moves frames between it and the socket and runs the delegation backend.

How the neutral commands map (GPT-Live owns turn-taking and its conversation):

* the first ``UpdateSession`` is ``session.start`` (model, instructions, the one audio format,
  the voice, delegation, ``store``, ``safety_identifier``); a later one appends changed
  instructions (``session.instructions.append``: GPT-Live cannot replace them), updates the
  hosted model's tools (``responses``) or just remembers them (``client``), and refuses a
  changed voice, format or model with :class:`~rtvoice.errors.UserError`;
* ``AppendInputAudio`` is ``session.input_audio.append``; ``SendRaw`` goes as given;
* a text message (``CreateItem``) is appended as instructions, worded by its role
  (:data:`TYPED_USER_PREFIX`, :data:`ASSISTANT_PREFIX`; a system message as is); a function
  output goes to its delegation (``session.commentary.append``, or ``session.thinking.append``
  for a silent tool) or to the hosted model (``response.item.create``);
* ``CreateResponse`` is ``response.create`` only after function outputs in ``responses``
  delegation (the model speaks on its own otherwise);
* commit, clear, truncate, cancel, retrieve and delete are not sent (logged once at DEBUG).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ...errors import UserError
from .._event_values import ErrorInfo
from .._live_events import SessionClosed, SessionUsageUpdated
from .._live_settings import LiveSettings
from ..commands import (
    AppendInputAudio,
    CancelResponse,
    ClearInputAudio,
    ClearOutputAudio,
    CommitInputAudio,
    CreateItem,
    CreateResponse,
    DeleteItem,
    ModelCommand,
    RetrieveItem,
    SendRaw,
    TruncateItem,
    UpdateSession,
)
from ..events import (
    DecodeError,
    ErrorEvent,
    ModelEvent,
    SessionCreated,
    SessionUpdated,
    UnknownEvent,
)
from ..items import FunctionCallOutputItem, InputText, MessageItem, OutputText
from ..session_config import FunctionTool, ServerVad, SessionConfig
from ._delegation import DelegatedTask, ToolCall
from ._read_frames import (
    DelegationCreated,
    LiveFrame,
    ResponseEnvelope,
    SessionState,
    TranscriptDelta,
)
from ._turns import TurnTracker
from ._write_frames import (
    MAX_APPEND_TOKENS,
    append_frame,
    audio_frame,
    dumps,
    format_to_wire,
    function_output_frame,
    response_create_frame,
    responses_tools_update_frame,
    start_frame,
    tools_to_wire,
)

__all__ = [
    "ASSISTANT_PREFIX",
    "INSTRUCTIONS_PREFIX",
    "TYPED_USER_PREFIX",
    "Encoded",
    "LiveClientCodec",
]

logger = logging.getLogger("rtvoice.model.live")

TYPED_USER_PREFIX: Final = "The user typed this message (answer it as if they had said it): "
"""How a user text message reaches GPT-Live, which has no user text input: as appended
instructions beginning with this."""

ASSISTANT_PREFIX: Final = "Earlier in this conversation, you said: "
"""How an assistant text message (a seeded history, say) reaches GPT-Live."""

INSTRUCTIONS_PREFIX: Final = "Your instructions change. From now on: "
"""How changed instructions are appended (GPT-Live cannot replace its instructions)."""

_FORMAT_NAMES: Final = {"audio/pcm": "pcm16", "audio/pcmu": "g711_ulaw", "audio/pcma": "g711_alaw"}


@dataclass(slots=True)
class Encoded:
    """What one command became: frames to send, then events to emit (the confirmations a
    Realtime server would send and GPT-Live does not)."""

    frames: list[str] = field(default_factory=list)
    events: list[ModelEvent] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Call:
    name: str
    delegation_id: str | None  # None: the hosted Responses model's call


def _chunks(text: str) -> list[str]:
    """``text`` in pieces that each fit one append (split at line or word ends)."""
    limit = MAX_APPEND_TOKENS * 3 - 16
    pieces: list[str] = []
    rest = text
    while len(rest.encode("utf-8")) > limit:
        head = rest.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
        cut = max(head.rfind("\n"), head.rfind(" "))
        if cut <= 0:
            cut = len(head)
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


class LiveClientCodec:
    """One Live session's client codec.

    Args:
        model: The Live model (``session.start`` carries it).
        settings: The session's GPT-Live settings.
        turns: The turn tracker (its quiet ends turns: the model calls :meth:`quiet`).
    """

    def __init__(self, model: str, settings: LiveSettings, turns: TurnTracker) -> None:
        self.model = model
        self.settings = settings
        self.turns = turns
        self.started = False
        self.tasks: list[DelegatedTask] = []
        """Client delegations to plan, oldest first (the model takes them)."""
        self._start_sent = False
        self._voice: str | None = None
        self._format: dict[str, Any] | None = None
        self._instructions: str | None = None
        self._tools: tuple[FunctionTool, ...] = ()
        self._calls: dict[str, _Call] = {}
        self._outputs_waiting = False
        self._not_sent: set[str] = set()

    @property
    def start_sent(self) -> bool:
        """Whether ``session.start`` went out (the first ``UpdateSession``)."""
        return self._start_sent

    @property
    def tools(self) -> tuple[FunctionTool, ...]:
        """The function tools the session set last."""
        return self._tools

    # -----------------------------------------------------------------------------------------
    # Commands -> frames

    def encode(self, command: ModelCommand) -> Encoded:
        """Map one command.

        Raises:
            UserError: An ``UpdateSession`` changes the voice, audio format or model after
                the start, or asks for ``responses`` delegation without a model, or sets
                different input and output formats.
            TypeError: A ``SendRaw`` event is not JSON-serialisable.
        """
        out = Encoded()
        match command:
            case AppendInputAudio():
                out.frames.append(audio_frame(command.audio, command.event_id))
            case UpdateSession():
                if self._start_sent:
                    self._update(command, out)
                else:
                    self._start(command, out)
            case CreateItem():
                self._create_item(command, out)
            case CreateResponse():
                if self.settings.delegation == "responses" and self._outputs_waiting:
                    self._outputs_waiting = False
                    out.frames.append(response_create_frame(command.event_id))
                else:
                    self._skip(command.type)
            case SendRaw():
                out.frames.append(dumps(dict(command.event)))
            case (
                CommitInputAudio()
                | ClearInputAudio()
                | TruncateItem()
                | CancelResponse()
                | ClearOutputAudio()
                | RetrieveItem()
                | DeleteItem()
            ):
                self._skip(command.type)
        return out

    def _skip(self, kind: str) -> None:
        if kind not in self._not_sent:
            self._not_sent.add(kind)
            logger.debug("GPT-Live owns turn-taking and its conversation: %s is not sent", kind)

    def _function_tools(self, config: SessionConfig) -> tuple[FunctionTool, ...] | None:
        if config.tools is None:
            return None
        return tuple(tool for tool in config.tools if isinstance(tool, FunctionTool))

    def _delegation(self) -> dict[str, Any]:
        settings = self.settings
        delegation: dict[str, Any]
        if settings.delegation == "responses":
            if not settings.responses_model:
                raise UserError(
                    "GPT-Live 'responses' delegation needs the hosted model: set "
                    "model_settings['live']['responses_model'] (e.g. 'gpt-5-mini')"
                )
            responses: dict[str, Any] = {"model": settings.responses_model}
            if settings.responses_instructions is not None:
                responses["instructions"] = settings.responses_instructions
            if self._tools:
                responses["tools"] = tools_to_wire(self._tools)
            delegation = {"type": "responses", "responses": responses}
        else:
            delegation = {"type": "client"}
        if settings.acknowledgement_delay_ms is not None:
            delegation["acknowledgement_delay_ms"] = settings.acknowledgement_delay_ms
        return delegation

    def _start(self, command: UpdateSession, out: Encoded) -> None:
        config = command.session
        self._tools = self._function_tools(config) or ()
        frame = start_frame(
            model=self.model,
            config=config,
            delegation=self._delegation(),
            store=self.settings.store,
            safety_identifier=self.settings.safety_identifier,
            event_id=command.event_id,
        )
        self._start_sent = True
        self._voice = config.voice
        self._format = format_to_wire(config)
        self._instructions = config.instructions
        out.frames.append(frame)

    def _update(self, command: UpdateSession, out: Encoded) -> None:
        config = command.session
        if config.voice is not None and self._voice is not None and config.voice != self._voice:
            raise UserError(
                f"GPT-Live fixes the voice when the session starts ({self._voice!r}); it "
                f"cannot change to {config.voice!r}: start a new session for another voice"
            )
        fmt = format_to_wire(config)
        if fmt is not None and self._format is not None and fmt != self._format:
            raise UserError(
                "GPT-Live fixes the audio format when the session starts; it cannot change: "
                "start a new session for another format"
            )
        if config.model is not None and config.model != self.model:
            raise UserError(
                f"GPT-Live fixes the model when the session starts ({self.model!r}); it "
                f"cannot change to {config.model!r}: start a new session"
            )
        self._voice = self._voice or config.voice
        self._format = self._format or fmt
        confirmed_by_server = False
        instructions = config.instructions
        if instructions is not None and instructions != self._instructions:
            self._instructions = instructions
            for piece in _chunks(INSTRUCTIONS_PREFIX + instructions):
                out.frames.append(append_frame("instructions", piece))
        tools = self._function_tools(config)
        if tools is not None and tools != self._tools:
            self._tools = tools
            if self.settings.delegation == "responses":
                out.frames.append(responses_tools_update_frame(tools, command.event_id))
                confirmed_by_server = True
        if not confirmed_by_server:
            out.events.append(SessionUpdated(session=self._config()))

    def _config(self, state: SessionState | None = None) -> SessionConfig:
        fmt_type = state.format_type if state is not None else None
        if fmt_type is None and self._format is not None:
            fmt_type = self._format["type"]
        fmt = _FORMAT_NAMES.get(fmt_type or "")
        return SessionConfig(
            model=(state.model if state is not None else None) or self.model,
            instructions=(state.instructions if state is not None else None) or self._instructions,
            input_format=fmt,  # type: ignore[arg-type]
            output_format=fmt,  # type: ignore[arg-type]
            voice=(state.voice if state is not None else None) or self._voice,
            # GPT-Live owns turn-taking and stops speaking when the user starts.
            turn_detection=ServerVad(create_response=True, interrupt_response=True),
            tools=self._tools,
        )

    def _create_item(self, command: CreateItem, out: Encoded) -> None:
        item = command.item
        if isinstance(item, FunctionCallOutputItem):
            self._function_output(item, command.event_id, out)
            return
        if not isinstance(item, MessageItem):
            self._skip(f"{command.type} of a {item.type} item")
            return
        texts = [part.text for part in item.content if isinstance(part, (InputText, OutputText))]
        text = "\n".join(texts)
        if not text.strip():
            out.events.append(
                _error(
                    "live_unsupported_item",
                    f"GPT-Live takes text only from the client; a {item.role} message without "
                    "text was not sent",
                )
            )
            return
        if item.role == "user":
            wording, line = TYPED_USER_PREFIX + text, f"user (typed): {text}"
        elif item.role == "assistant":
            wording, line = ASSISTANT_PREFIX + text, f"assistant: {text}"
        else:
            wording, line = text, f"system: {text}"
        for piece in _chunks(wording):
            out.frames.append(append_frame("instructions", piece, event_id=command.event_id))
        self.turns.note(line)
        out.events += self.turns.echo(item)

    def _function_output(
        self, item: FunctionCallOutputItem, event_id: str | None, out: Encoded
    ) -> None:
        call = self._calls.pop(item.call_id, None)
        if call is None:
            out.events.append(
                _error(
                    "live_unknown_call",
                    f"no GPT-Live delegation is waiting for the output of call "
                    f"{item.call_id!r}; it was not sent",
                )
            )
            return
        if call.delegation_id is None:
            out.frames.append(function_output_frame(item.call_id, item.output, event_id))
            self._outputs_waiting = True
        else:
            kind = "thinking" if call.name in self.settings.silent_tools else "commentary"
            out.frames.append(append_frame(kind, item.output, delegation_id=call.delegation_id))
        self.turns.note(f"tool result ({call.name}): {item.output}")
        out.events += self.turns.echo(item)

    # -----------------------------------------------------------------------------------------
    # Records -> events

    def handle(self, record: LiveFrame, now: float) -> list[ModelEvent]:
        """The events of one read frame (audio bytes go to
        :meth:`TurnTracker.audio_delta` first; this handles the bytes only when no response
        is open)."""
        turns = self.turns
        if isinstance(record, bytes):
            events = turns.open_response(now)
            delta = turns.audio_delta(record, now)
            assert delta is not None
            events.append(delta)
            return events
        if isinstance(record, TranscriptDelta):
            if record.side == "input":
                return turns.user_delta(record.delta, record.start_ms, record.end_ms, now)
            return turns.output_delta(record.delta, now)
        if isinstance(record, DelegationCreated):
            return self._delegated(record)
        if isinstance(record, ResponseEnvelope):
            return self._envelope(record)
        if isinstance(record, SessionState):
            config = self._config(record)
            if record.started:
                self.started = True
                sid, expires = record.session_id, record.expires_at
                return [
                    SessionCreated(session=config, session_id=sid, expires_at=expires),
                    SessionUpdated(session=config, session_id=sid, expires_at=expires),
                ]
            return [SessionUpdated(session=config, session_id=record.session_id)]
        if isinstance(record, SessionClosed):
            events = turns.end_all()
            events.append(record)
            return events
        if record is None:
            return []
        if isinstance(record, (SessionUsageUpdated, ErrorEvent, UnknownEvent, DecodeError)):
            return [record]
        return []

    def quiet(self, now: float) -> list[ModelEvent]:
        """The turns that ended by ``now`` for lack of output."""
        return self.turns.quiet(now)

    def _delegated(self, record: DelegationCreated) -> list[ModelEvent]:
        events = self.turns.end_all()
        if record.target == "client":
            self.tasks.append(
                DelegatedTask(
                    delegation_id=record.delegation_id,
                    request=self.turns.last_request,
                    conversation=self.turns.conversation(),
                    instructions=self._instructions,
                    tools=self._tools,
                )
            )
            self.turns.last_request = ""  # this delegation answers it
        return events

    def _envelope(self, record: ResponseEnvelope) -> list[ModelEvent]:
        event = record.event
        if event.get("type") != "response.output_item.done":
            return []  # the Live model speaks the hosted model's result itself
        item = event.get("item")
        if not isinstance(item, dict) or item.get("type") != "function_call":
            return []
        call_id, name, arguments = item.get("call_id"), item.get("name"), item.get("arguments")
        if not (isinstance(call_id, str) and isinstance(name, str) and isinstance(arguments, str)):
            return [
                DecodeError(
                    reason="malformed response.event: event.item needs string call_id, name "
                    "and arguments",
                    text=json.dumps(dict(event))[:300],
                    event_type="response.event",
                )
            ]
        self._calls[call_id] = _Call(name=name, delegation_id=None)
        return self.turns.function_calls([(call_id, name, arguments)])

    # -----------------------------------------------------------------------------------------
    # Delegation outcomes

    def planned(self, task: DelegatedTask, plan: Sequence[ToolCall] | str) -> Encoded:
        """The backend's plan for ``task``: a spoken answer, or the calls to run."""
        out = Encoded()
        if isinstance(plan, str):
            out.frames.append(append_frame("commentary", plan, delegation_id=task.delegation_id))
            self.turns.note(f"delegated result: {plan}")
            return out
        if not plan:
            out.frames.append(
                append_frame(
                    "thinking",
                    "Nothing needed doing for this task.",
                    delegation_id=task.delegation_id,
                )
            )
            return out
        calls: list[tuple[str, str, str]] = []
        for call in plan:
            call_id = self.turns.new_call_id()
            self._calls[call_id] = _Call(name=call.name, delegation_id=task.delegation_id)
            calls.append((call_id, call.name, call.arguments))
        out.events += self.turns.function_calls(calls)
        return out

    def plan_failed(self, task: DelegatedTask, code: str, message: str) -> Encoded:
        """The task cannot be done (the backend failed, or there is none): an ``error``
        event, and a silent note so that the model tells the user."""
        out = Encoded()
        out.events.append(_error(code, message))
        out.frames.append(
            append_frame(
                "thinking",
                "This task could not be done (the application failed to handle it). "
                "Tell the user briefly that you could not do it.",
                delegation_id=task.delegation_id,
            )
        )
        return out


def _error(code: str, message: str) -> ErrorEvent:
    return ErrorEvent(error=ErrorInfo(type="live_client_error", code=code, message=message))
