"""GPT-Live's streams as the neutral vocabulary's turns (sans-IO: ``now`` is passed in).

GPT-Live reports what is said, not the turns: transcript fragments of the user's speech, the
assistant's audio and its transcript, and nothing that opens or closes a turn. The
:class:`TurnTracker` synthesizes them, so that a session sees what a Realtime server would
send:

* the user's first transcript fragment of a turn gives ``SpeechStarted``, ``ItemAdded`` (a
  user message with one ``InputAudio`` part) and the ``InputTranscriptionDelta``; the turn ends
  when the assistant starts, a delegation arrives, after :attr:`TurnTracker.turn_end_ms` of
  quiet, or at the close: ``SpeechStopped``, ``InputTranscriptionCompleted`` (the whole text),
  ``ItemDone``;
* the assistant's first output gives ``ResponseCreated``, ``OutputItemAdded`` / ``ItemAdded``
  (an assistant message) and ``ContentPartAdded`` (an ``OutputAudio`` part) before its first
  delta; it ends after the same quiet, by a delegation or the close (status ``completed``),
  or when the user starts speaking (``cancelled``: GPT-Live stops itself), with
  ``AudioTranscriptDone``, ``AudioDone``, ``ContentPartDone``, ``ItemDone``,
  ``OutputItemDone`` and ``ResponseDone``;
* a function call (from the client-delegation backend, or the hosted Responses model) is a
  response of its own holding one ``FunctionCallItem`` per call.

Item, response and call ids are synthesized (``live_item_1``, ``live_resp_1``,
``live_call_1``, ...) and stable within the session.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from .._event_values import ResponseInfo, StatusDetails
from ..events import (
    AudioDelta,
    AudioDone,
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ContentPartAdded,
    ContentPartDone,
    FunctionCallArgumentsDone,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    ItemAdded,
    ItemDone,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    ResponseCreated,
    ResponseDone,
    SpeechStarted,
    SpeechStopped,
)
from ..items import FunctionCallItem, InputAudio, Item, MessageItem, OutputAudio

__all__ = ["CONVERSATION_LINES", "TurnTracker"]

CONVERSATION_LINES: Final = 200
"""How many lines of the conversation the tracker keeps for delegated tasks (the oldest go)."""


class TurnTracker:
    """The turns of one Live session; every method returns the events to emit, in order.

    Args:
        turn_end_ms: How long without output (or without user speech) ends a turn.
    """

    def __init__(self, turn_end_ms: int) -> None:
        self.turn_end_ms = turn_end_ms
        self._gap = turn_end_ms / 1000
        self._ids = itertools.count(1)
        self.last_item: str | None = None
        """The newest item announced (the next one's ``previous_item_id``)."""
        self._user_item: str | None = None
        self._user_text: list[str] = []
        self._user_start_ms = 0
        self._user_end_ms = 0
        self._user_last = 0.0
        self._response: str | None = None
        self._assistant_item = ""
        self._assistant_text: list[str] = []
        self._response_last = 0.0
        self._lines: deque[str] = deque(maxlen=CONVERSATION_LINES)
        self.last_request = ""
        """The user's latest finished turn (the request a delegation answers)."""

    def _next(self, prefix: str) -> str:
        return f"live_{prefix}_{next(self._ids)}"

    # -----------------------------------------------------------------------------------------
    # What is open

    @property
    def responding(self) -> bool:
        """The assistant is speaking (a synthesized response is open)."""
        return self._response is not None

    @property
    def deadline(self) -> float | None:
        """When the open turns end if nothing more comes (``None``: none is open)."""
        ends = []
        if self._user_item is not None:
            ends.append(self._user_last + self._gap)
        if self._response is not None:
            ends.append(self._response_last + self._gap)
        return min(ends) if ends else None

    def conversation(self) -> str:
        """The conversation so far as text, one ``role: text`` line per turn."""
        return "\n".join(self._lines)

    def note(self, line: str) -> None:
        """Add a line to :meth:`conversation` (a tool call, its result, a typed message)."""
        self._lines.append(line)

    # -----------------------------------------------------------------------------------------
    # The user's turn

    def user_delta(self, delta: str, start_ms: int, end_ms: int, now: float) -> list[ModelEvent]:
        """A fragment of the user's transcript."""
        events: list[ModelEvent] = []
        if self._user_item is None:
            if self._response is not None:  # the user barged in: GPT-Live stops speaking
                events += self._end_response("cancelled")
            item_id = self._next("item")
            self._user_item = item_id
            self._user_text = []
            self._user_start_ms = start_ms
            item = MessageItem(
                role="user", content=(InputAudio(),), id=item_id, status="in_progress"
            )
            events.append(SpeechStarted(audio_start_ms=start_ms, item_id=item_id))
            events.append(ItemAdded(item=item, previous_item_id=self.last_item))
            self.last_item = item_id
        self._user_text.append(delta)
        self._user_end_ms = max(end_ms, start_ms)
        self._user_last = now
        events.append(InputTranscriptionDelta(item_id=self._user_item, delta=delta))
        return events

    def end_user_turn(self) -> list[ModelEvent]:
        """Close the user's turn if one is open."""
        item_id = self._user_item
        if item_id is None:
            return []
        self._user_item = None
        text = "".join(self._user_text)
        self.last_request = text
        if text.strip():
            self._lines.append(f"user: {text.strip()}")
        item = MessageItem(
            role="user", content=(InputAudio(transcript=text),), id=item_id, status="completed"
        )
        return [
            SpeechStopped(audio_end_ms=self._user_end_ms, item_id=item_id),
            InputTranscriptionCompleted(item_id=item_id, transcript=text),
            ItemDone(item=item),
        ]

    # -----------------------------------------------------------------------------------------
    # The assistant's speech

    def _start_response(self, now: float) -> list[ModelEvent]:
        events = self.end_user_turn()
        response_id = self._next("resp")
        item_id = self._next("item")
        self._response = response_id
        self._assistant_item = item_id
        self._assistant_text = []
        item = MessageItem(role="assistant", content=(), id=item_id, status="in_progress")
        events += [
            ResponseCreated(response=ResponseInfo(id=response_id, status="in_progress")),
            OutputItemAdded(response_id=response_id, output_index=0, item=item),
            ItemAdded(item=item, previous_item_id=self.last_item),
            ContentPartAdded(
                response_id=response_id,
                item_id=item_id,
                output_index=0,
                content_index=0,
                part=OutputAudio(),
            ),
        ]
        self.last_item = item_id
        return events

    def audio_delta(self, audio: bytes, now: float) -> AudioDelta | None:
        """A chunk of the assistant's audio, when a response is open (``None``: call
        :meth:`open_response` first, then this again)."""
        response_id = self._response
        if response_id is None:
            return None
        self._response_last = now
        return AudioDelta(
            response_id=response_id,
            item_id=self._assistant_item,
            output_index=0,
            content_index=0,
            audio=audio,
        )

    def open_response(self, now: float) -> list[ModelEvent]:
        """Open a response for the assistant's output (nothing if one is open)."""
        if self._response is not None:
            return []
        events = self._start_response(now)
        self._response_last = now
        return events

    def output_delta(self, delta: str, now: float) -> list[ModelEvent]:
        """A fragment of the assistant's transcript."""
        events = self.open_response(now)
        assert self._response is not None
        self._assistant_text.append(delta)
        self._response_last = now
        events.append(
            AudioTranscriptDelta(
                response_id=self._response,
                item_id=self._assistant_item,
                output_index=0,
                content_index=0,
                delta=delta,
            )
        )
        return events

    def _end_response(self, status: str) -> list[ModelEvent]:
        response_id = self._response
        if response_id is None:
            return []
        self._response = None
        item_id = self._assistant_item
        text = "".join(self._assistant_text)
        if text.strip():
            self._lines.append(f"assistant: {text.strip()}")
        part = OutputAudio(transcript=text)
        item = MessageItem(
            role="assistant",
            content=(part,),
            id=item_id,
            status="completed" if status == "completed" else "incomplete",
        )
        details = (
            StatusDetails(type="cancelled", reason="turn_detected")
            if status == "cancelled"
            else None
        )
        return [
            AudioTranscriptDone(
                response_id=response_id,
                item_id=item_id,
                output_index=0,
                content_index=0,
                transcript=text,
            ),
            AudioDone(response_id=response_id, item_id=item_id, output_index=0, content_index=0),
            ContentPartDone(
                response_id=response_id,
                item_id=item_id,
                output_index=0,
                content_index=0,
                part=part,
            ),
            ItemDone(item=item),
            OutputItemDone(response_id=response_id, output_index=0, item=item),
            ResponseDone(
                response=ResponseInfo(
                    id=response_id, status=status, status_details=details, output=(item,)
                )
            ),
        ]

    # -----------------------------------------------------------------------------------------
    # Boundaries

    def quiet(self, now: float) -> list[ModelEvent]:
        """The turns whose quiet lasted :attr:`turn_end_ms` by ``now`` end."""
        events: list[ModelEvent] = []
        if self._user_item is not None and now >= self._user_last + self._gap:
            events += self.end_user_turn()
        if self._response is not None and now >= self._response_last + self._gap:
            events += self._end_response("completed")
        return events

    def end_all(self) -> list[ModelEvent]:
        """A delegation, or the session's end: whatever is open ends, completed."""
        return self.end_user_turn() + self._end_response("completed")

    def function_calls(self, calls: Sequence[tuple[str, str, str]]) -> list[ModelEvent]:
        """A synthesized response holding one function call per ``(call_id, name,
        arguments)``, complete at once."""
        events = self.end_all()
        response_id = self._next("resp")
        events.append(ResponseCreated(response=ResponseInfo(id=response_id, status="in_progress")))
        done: list[Item] = []
        for index, (call_id, name, arguments) in enumerate(calls):
            item_id = self._next("item")
            started = FunctionCallItem(call_id=call_id, name=name, id=item_id, status="in_progress")
            item = FunctionCallItem(
                call_id=call_id, name=name, arguments=arguments, id=item_id, status="completed"
            )
            events += [
                OutputItemAdded(response_id=response_id, output_index=index, item=started),
                ItemAdded(item=started, previous_item_id=self.last_item),
                FunctionCallArgumentsDone(
                    response_id=response_id,
                    item_id=item_id,
                    output_index=index,
                    call_id=call_id,
                    name=name,
                    arguments=arguments,
                ),
                ItemDone(item=item),
                OutputItemDone(response_id=response_id, output_index=index, item=item),
            ]
            self.last_item = item_id
            self._lines.append(f"tool call: {name}({arguments})")
            done.append(item)
        events.append(
            ResponseDone(
                response=ResponseInfo(id=response_id, status="completed", output=tuple(done))
            )
        )
        return events

    def new_call_id(self) -> str:
        """A fresh synthesized ``call_id``."""
        return self._next("call")

    def echo(self, item: Item) -> list[ModelEvent]:
        """A client-created item as the server would confirm it (GPT-Live does not), with a
        synthesized id when it has none."""
        if item.id is None:
            item = replace(item, id=self._next("item"))
        events: list[ModelEvent] = [
            ItemAdded(item=item, previous_item_id=self.last_item),
            ItemDone(item=item),
        ]
        self.last_item = item.id
        return events
