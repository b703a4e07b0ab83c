"""The neutral events a GA server sends for common turns, in the server's event order.

:class:`ServerEvents` keeps the little state a server would (ids, the effective session, the
last item of the conversation), so the sequences it builds link up the way real ones do.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any, Literal, TypedDict

from ..audio import AudioFormatName, bytes_for_ms, duration_ms
from ..errors import UserError
from ..model.commands import CreateItem, UpdateSession
from ..model.events import (
    AudioDelta,
    AudioDone,
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ContentPartAdded,
    ContentPartDone,
    ErrorEvent,
    ErrorInfo,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    ItemAdded,
    ItemDone,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    ResponseCreated,
    ResponseDone,
    ResponseInfo,
    SessionCreated,
    SessionUpdated,
    TextDelta,
    TextDone,
    Usage,
)
from ..model.items import FunctionCallItem, InputText, Item, MessageItem, OutputAudio, OutputText
from ..model.session_config import SessionConfig
from ..simulator import SimulatorOptions, encode_speech
from ..simulator._defaults import default_session
from ..simulator._error_catalog import SimulatorError
from ..simulator._ids import CountingIds
from ..simulator._session_update import apply_session_update
from ._mismatch import ScriptMismatchError

__all__ = ["ServerEvents"]


class ServerEvents:
    """Builds the neutral events a GA server sends for common turns, in the server's order.

    Ids are deterministic (``item_1``, ``resp_1``, ``call_1``, ...; one counter per prefix
    and per instance) unless you pass your own. The instance follows the conversation the
    way a server does: each new item's ``previous_item_id`` is the item added before it,
    and :meth:`session_updated_for` merges an update into the session it last reported.
    So call the helpers in conversation order: all while building a script, or all inside
    ``reply=`` callbacks of :meth:`ScriptedModel.expect` (which run in wire order); mixing
    the two for one conversation links the items in build order.

    Args:
        model: The model name reported in the session.
        options: Default instructions and voice of a fresh session (the simulator's).
    """

    def __init__(
        self, *, model: str = "gpt-realtime", options: SimulatorOptions | None = None
    ) -> None:
        self._model = model
        self._options = options or SimulatorOptions()
        self._ids = CountingIds()
        self.session: SessionConfig = self._merged(
            default_session(model, self._options), SessionConfig()
        )
        """The full effective session, as last reported."""
        self.session_id = "sess_1"
        self.conversation_id = "conv_1"
        self.last_item_id: str | None = None
        """The item the next new item follows (``None``: the conversation is empty)."""

    def new_id(self, prefix: str) -> str:
        """The next ``<prefix>_<n>`` id of this instance."""
        return self._ids.new_id(prefix)

    # -- session -----------------------------------------------------------------------------

    def session_created(
        self, session: SessionConfig | None = None, *, expires_at: int | None = None
    ) -> SessionCreated:
        """``session.created``: the default session, with ``session``'s fields set on top.

        Args:
            session: Fields that differ from a fresh session (a patch, as in an update).
                ``type="transcription"`` starts from a transcription session.
            expires_at: Epoch seconds to report; ``None`` by default, for determinism.
        """
        base = default_session(
            self._model, self._options, session_type=session.type if session else "realtime"
        )
        self.session = self._merged(base, session or SessionConfig())
        return SessionCreated(
            session=self.session, session_id=self.session_id, expires_at=expires_at
        )

    def session_updated_for(self, command: UpdateSession) -> SessionUpdated:
        """``session.updated`` for ``command``: the last reported session with its patch merged
        the way the server merges it (the simulator's rules).

        Raises:
            ScriptMismatchError: The real server would refuse this update (e.g. a changed
                ``type``, a value out of range); the message gives the server's error.
        """
        self.session = self._merged(self.session, command.session)
        return SessionUpdated(session=self.session, session_id=self.session_id)

    def _merged(self, current: SessionConfig, patch: SessionConfig) -> SessionConfig:
        try:
            merged = apply_session_update(current, patch, voice_is_locked=False)
        except SimulatorError as exc:
            raise ScriptMismatchError(
                f"the server would reject this session.update ({exc.info.code}, "
                f"param {exc.info.param!r}): {exc}"
            ) from exc
        # As a GA client decodes it: ``temperature`` is a beta-only field.
        return dataclasses.replace(merged, temperature=None)

    def error(
        self,
        message: str,
        *,
        code: str | None = None,
        type: str = "invalid_request_error",
        param: str | None = None,
        event_id: str | None = None,
    ) -> ErrorEvent:
        """An ``error`` event; ``event_id`` names the failed command's id."""
        info = ErrorInfo(type=type, message=message, code=code, param=param, event_id=event_id)
        return ErrorEvent(error=info)

    # -- items ---------------------------------------------------------------------------------

    def item_events_for(self, command: CreateItem) -> list[ModelEvent]:
        """``conversation.item.added`` + ``.done`` echoing a created item.

        The item gets an id (``item_<n>``, unless it has one) and, for messages and function
        calls, the status ``completed``; it goes after ``command.previous_item_id`` (first
        for ``"root"``), or at the end.
        """
        item = command.item
        item_id = item.id or self.new_id("item")
        status = item.status
        if isinstance(item, MessageItem | FunctionCallItem) and status is None:
            status = "completed"
        echoed: Item = _with_id(item, item_id, status)
        previous = command.previous_item_id
        if previous is None or previous == self.last_item_id:
            previous, self.last_item_id = self.last_item_id, item_id
        elif previous == "root":
            previous = None
            if self.last_item_id is None:
                self.last_item_id = item_id
        return [
            ItemAdded(item=echoed, previous_item_id=previous),
            ItemDone(item=echoed, previous_item_id=previous),
        ]

    def user_item_events(self, text: str, *, item_id: str | None = None) -> list[ModelEvent]:
        """``conversation.item.added`` + ``.done`` for a completed user text message."""
        item = MessageItem(role="user", content=(InputText(text=text),), id=item_id)
        return self.item_events_for(CreateItem(item=item))

    # -- responses -----------------------------------------------------------------------------

    def text_response(
        self,
        text: str,
        *,
        response_id: str | None = None,
        item_id: str | None = None,
        usage: Usage | None = None,
    ) -> list[ModelEvent]:
        """A completed text-only response with one assistant message.

        ``ResponseCreated``, ``OutputItemAdded``, ``ItemAdded`` (empty, in progress),
        ``ContentPartAdded``, one ``TextDelta`` per word, ``TextDone``, ``ContentPartDone``,
        ``ItemDone``, ``OutputItemDone``, ``ResponseDone`` (with ``usage``; by default one
        output token per word and no input tokens).
        """
        rid = response_id or self.new_id("resp")
        iid = item_id or self.new_id("item")
        where = _PartRef(response_id=rid, item_id=iid, output_index=0, content_index=0)
        pieces = _words(text)
        body: list[ModelEvent] = [TextDelta(**where, delta=piece) for piece in pieces]
        body.append(TextDone(**where, text=text))
        usage = usage or _usage(output_text=len(pieces))
        return self._message_response(
            where, OutputText(text=""), OutputText(text=text), body, ("text",), usage
        )

    def audio_response(
        self,
        transcript: str,
        audio: bytes | None = None,
        *,
        chunk_ms: int = 100,
        audio_format: AudioFormatName | None = None,
        response_id: str | None = None,
        item_id: str | None = None,
        usage: Usage | None = None,
    ) -> list[ModelEvent]:
        """A completed audio response with one assistant message.

        ``ResponseCreated``, ``OutputItemAdded``, ``ItemAdded`` (empty, in progress),
        ``ContentPartAdded``, then ``AudioTranscriptDelta`` (one per word) interleaved with
        ``AudioDelta`` (one per ``chunk_ms`` of audio), ``AudioDone``,
        ``AudioTranscriptDone``, ``ContentPartDone``, ``ItemDone``, ``OutputItemDone``,
        ``ResponseDone``.

        Args:
            transcript: What the assistant says.
            audio: The audio, in the session's output format. By default the transcript
                spoken by the simulator's voice, which :func:`rtvoice.simulator.decode_speech`
                turns back into the text.
            chunk_ms: The duration of each audio delta (the last one may be shorter).
            audio_format: The format of the default audio and of the chunk math; defaults to
                the session's output format.
            response_id: The response's id (default ``resp_<n>``).
            item_id: The assistant item's id (default ``item_<n>``).
            usage: Reported in ``ResponseDone``; by default one output token per word and
                per 50 ms of audio, and no input tokens.
        """
        if chunk_ms <= 0:
            raise UserError(f"chunk_ms must be positive, got {chunk_ms}")
        fmt: AudioFormatName = audio_format or self.session.output_format or "pcm16"
        data = encode_speech(transcript, fmt) if audio is None else audio
        size = max(1, bytes_for_ms(chunk_ms, fmt))
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        rid = response_id or self.new_id("resp")
        iid = item_id or self.new_id("item")
        where = _PartRef(response_id=rid, item_id=iid, output_index=0, content_index=0)
        pieces = _words(transcript)
        body: list[ModelEvent] = []
        for i in range(max(len(pieces), len(chunks))):  # interleaved, as a server streams
            if i < len(pieces):
                body.append(AudioTranscriptDelta(**where, delta=pieces[i]))
            if i < len(chunks):
                body.append(AudioDelta(**where, audio=chunks[i]))
        body.append(AudioDone(**where))
        body.append(AudioTranscriptDone(**where, transcript=transcript))
        audio_ms = duration_ms(len(data), fmt)
        usage = usage or _usage(output_text=len(pieces), output_audio=math.ceil(audio_ms / 50))
        final = OutputAudio(transcript=transcript)
        return self._message_response(
            where, OutputAudio(transcript=""), final, body, ("audio",), usage
        )

    def function_call_response(
        self,
        name: str,
        arguments: str | Mapping[str, Any] = "{}",
        *,
        call_id: str | None = None,
        response_id: str | None = None,
        item_id: str | None = None,
        usage: Usage | None = None,
    ) -> list[ModelEvent]:
        """A completed response that calls one function.

        ``ResponseCreated``, ``OutputItemAdded`` and ``ItemAdded`` (the call, in progress,
        empty arguments), ``FunctionCallArgumentsDelta`` (16 characters each),
        ``FunctionCallArgumentsDone``, ``ItemDone``, ``OutputItemDone``, ``ResponseDone``.

        Args:
            name: The function's name.
            arguments: JSON text, or a mapping that is dumped as JSON.
            call_id: The call's id (default ``call_<n>``).
            response_id: The response's id (default ``resp_<n>``).
            item_id: The call item's id (default ``item_<n>``).
            usage: Reported in ``ResponseDone`` (by default 10 output tokens).
        """
        args = arguments if isinstance(arguments, str) else json.dumps(arguments)
        rid = response_id or self.new_id("resp")
        iid = item_id or self.new_id("item")
        cid = call_id or self.new_id("call")
        modalities = self.session.output_modalities or ("audio",)
        started = FunctionCallItem(call_id=cid, name=name, id=iid, status="in_progress")
        final = FunctionCallItem(call_id=cid, name=name, arguments=args, id=iid, status="completed")
        where = _CallRef(response_id=rid, item_id=iid, output_index=0, call_id=cid)
        previous, self.last_item_id = self.last_item_id, iid
        return [
            ResponseCreated(response=self._response_info(rid, "in_progress", modalities)),
            OutputItemAdded(response_id=rid, output_index=0, item=started),
            ItemAdded(item=started, previous_item_id=previous),
            *(
                FunctionCallArgumentsDelta(**where, delta=args[i : i + 16])
                for i in range(0, len(args), 16)
            ),
            FunctionCallArgumentsDone(**where, name=name, arguments=args),
            ItemDone(item=final, previous_item_id=previous),
            OutputItemDone(response_id=rid, output_index=0, item=final),
            ResponseDone(
                response=self._response_info(
                    rid, "completed", modalities, (final,), usage or _usage(output_text=10)
                )
            ),
        ]

    def _message_response(
        self,
        where: _PartRef,
        empty_part: OutputText | OutputAudio,
        final_part: OutputText | OutputAudio,
        body: list[ModelEvent],
        modalities: tuple[Literal["audio", "text"], ...],
        usage: Usage,
    ) -> list[ModelEvent]:
        """Wrap a content part's own events (``body``) in the events of its item and
        response."""
        rid, iid = where["response_id"], where["item_id"]
        started = MessageItem(role="assistant", id=iid, status="in_progress")
        final = MessageItem(role="assistant", content=(final_part,), id=iid, status="completed")
        previous, self.last_item_id = self.last_item_id, iid
        return [
            ResponseCreated(response=self._response_info(rid, "in_progress", modalities)),
            OutputItemAdded(response_id=rid, output_index=0, item=started),
            ItemAdded(item=started, previous_item_id=previous),
            ContentPartAdded(**where, part=empty_part),
            *body,
            ContentPartDone(**where, part=final_part),
            ItemDone(item=final, previous_item_id=previous),
            OutputItemDone(response_id=rid, output_index=0, item=final),
            ResponseDone(
                response=self._response_info(rid, "completed", modalities, (final,), usage)
            ),
        ]

    def _response_info(
        self,
        response_id: str,
        status: Literal["in_progress", "completed"],
        modalities: tuple[str, ...],
        output: tuple[Item, ...] = (),
        usage: Usage | None = None,
    ) -> ResponseInfo:
        return ResponseInfo(
            id=response_id,
            status=status,
            output=output,
            conversation_id=self.conversation_id,
            output_modalities=modalities,
            max_output_tokens=self.session.max_output_tokens or "inf",
            voice=self.session.voice,
            usage=usage,
        )


class _PartRef(TypedDict):
    """Where a content part's events point (the common fields of the part events)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int


class _CallRef(TypedDict):
    """The common fields of the function-call argument events."""

    response_id: str
    item_id: str
    output_index: int
    call_id: str


def _words(text: str) -> list[str]:
    """``text`` in word-sized pieces that join back to it exactly."""
    return re.findall(r"\s*\S+\s*|\s+", text)


def _usage(*, output_text: int = 0, output_audio: int = 0) -> Usage:
    out = output_text + output_audio
    return Usage(
        total_tokens=out,
        output_tokens=out,
        output_text_tokens=output_text,
        output_audio_tokens=output_audio,
    )


def _with_id(item: Item, item_id: str, status: Any) -> Item:
    values = {f.name: getattr(item, f.name) for f in fields(item)}
    values.update(id=item_id, status=status)
    return type(item)(**values)
