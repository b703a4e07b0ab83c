"""Builders for driving a ``ConversationState`` in pure tests (no event loop, no socket)."""

from __future__ import annotations

from typing import Any

from rtvoice.agent import RealtimeAgent
from rtvoice.audio import PlaybackTracker
from rtvoice.config import SessionTimeouts, normalize_model_settings
from rtvoice.model.events import (
    AudioDelta,
    AudioDone,
    ItemAdded,
    ItemDone,
    ModelEvent,
    ResponseCreated,
    ResponseDone,
    ResponseInfo,
    ResponseStatus,
    SessionUpdated,
    SpeechStarted,
    Usage,
)
from rtvoice.model.items import InputAudio, InputText, Item, ItemStatus, MessageItem, OutputAudio
from rtvoice.session.state._machine import ConversationState, Effects
from rtvoice.session.state._notes import StreamStarts

AGENT = RealtimeAgent(name="Assistant", instructions="Be brief.")


def new_state(
    model_settings: dict[str, Any] | None = None,
    *,
    tracker: PlaybackTracker | None = None,
    agent: RealtimeAgent[Any] = AGENT,
    run_guardrails: bool = False,
    streams: StreamStarts | None = None,
    timeouts: SessionTimeouts | None = None,
) -> ConversationState:
    """A fresh state; ``run_guardrails``: the run has input and output guardrails;
    ``streams`` hears when a response's audio (per part) or text begins."""
    settings = normalize_model_settings(model_settings)
    if tracker is not None:
        tracker.set_audio_format(settings.output_format)
    return ConversationState(
        agent=agent,
        settings=settings,
        playback_tracker=tracker,
        run_output_guardrails=run_guardrails,
        run_input_guardrails=run_guardrails,
        streams=streams,
        timeouts=timeouts,
    )


def confirmed_state(
    model_settings: dict[str, Any] | None = None, **kwargs: Any
) -> ConversationState:
    """A state whose first session.update the server confirmed (echoing it as effective)."""
    state = new_state(model_settings, **kwargs)
    update = state.configure("Be brief.")
    state.handle(SessionUpdated(session=update.session), 0.0)
    assert state.configuration == "confirmed"
    return state


def feed(state: ConversationState, *events: ModelEvent, now: float = 0.0) -> Effects:
    """Handle ``events`` in order; all their effects together."""
    total = Effects()
    for event in events:
        total.add(state.handle(event, now))
    return total


def types(fx: Effects) -> list[str]:
    return [event.type for event in fx.events]


def user_text(item_id: str, text: str = "hi", status: ItemStatus | None = "completed") -> Item:
    return MessageItem(id=item_id, role="user", status=status, content=(InputText(text=text),))


def user_audio(item_id: str, transcript: str | None = None) -> Item:
    return MessageItem(
        id=item_id, role="user", status="completed", content=(InputAudio(transcript=transcript),)
    )


def assistant(
    item_id: str, transcript: str | None = None, status: ItemStatus = "in_progress"
) -> Item:
    content = () if transcript is None else (OutputAudio(transcript=transcript),)
    return MessageItem(id=item_id, role="assistant", status=status, content=content)


def added(item: Item, previous: str | None = None) -> ItemAdded:
    return ItemAdded(item=item, previous_item_id=previous)


def done(item: Item, previous: str | None = None) -> ItemDone:
    return ItemDone(item=item, previous_item_id=previous)


def created(response_id: str) -> ResponseCreated:
    return ResponseCreated(response=ResponseInfo(id=response_id, status="in_progress"))


def finished(
    response_id: str,
    status: ResponseStatus = "completed",
    usage: Usage | None = None,
    output: tuple[Item, ...] = (),
) -> ResponseDone:
    return ResponseDone(
        response=ResponseInfo(id=response_id, status=status, usage=usage, output=output)
    )


def audio(item_id: str, num_bytes: int, response_id: str = "resp_1") -> AudioDelta:
    return AudioDelta(
        response_id=response_id,
        item_id=item_id,
        output_index=0,
        content_index=0,
        audio=bytes(num_bytes),
    )


def audio_done(item_id: str, response_id: str = "resp_1") -> AudioDone:
    return AudioDone(response_id=response_id, item_id=item_id, output_index=0, content_index=0)


def speech(item_id: str = "item_user_2") -> SpeechStarted:
    return SpeechStarted(audio_start_ms=1000, item_id=item_id)
