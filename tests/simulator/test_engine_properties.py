"""Invariants of the simulated session under arbitrary command sequences (hypothesis).

Whatever the client does, and whenever it does it relative to the streamed steps, the event
log must keep the protocol's promises (PROTOCOL.md §7, §12.3-4).
"""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from rtvoice.model.commands import (
    AppendInputAudio,
    CancelResponse,
    CreateItem,
    CreateResponse,
    DeleteItem,
    ModelCommand,
    ResponseParams,
    TruncateItem,
)
from rtvoice.model.events import (
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ErrorEvent,
    ItemAdded,
    ItemDone,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    RateLimitsUpdated,
    ResponseCreated,
    ResponseDone,
)
from rtvoice.model.items import InputAudio, InputText, Item, MessageItem, OutputAudio
from rtvoice.simulator._engine import SimulatedSession
from rtvoice.simulator._ids import CountingIds
from rtvoice.simulator._speech import encode_speech

NOW = 1_700_000_000.0
SPEECH = bytes(4800) + encode_speech("hi") + bytes(14400)

Action = tuple[str, int]

actions = st.lists(
    st.one_of(
        st.tuples(st.just("say"), st.integers(0, 2)),
        st.tuples(st.just("respond"), st.integers(0, 1)),
        st.tuples(st.just("steps"), st.integers(1, 6)),
        st.tuples(st.just("cancel"), st.integers(0, 1)),
        st.tuples(st.just("truncate"), st.integers(0, 3000)),
        st.tuples(st.just("delete"), st.integers(0, 3)),
        st.tuples(st.just("speak"), st.just(0)),
    ),
    max_size=14,
)

KNOWN_CODES = {
    "conversation_already_has_active_response",
    "response_cancel_not_active",
    "invalid_value",
    "unsupported_content_type",
    "item_truncate_invalid_item_id",
    "item_delete_invalid_item_id",
}


def command_for(action: Action, log: list[ModelEvent]) -> ModelCommand | None:
    name, value = action
    assistant = [e.item.id or "" for e in log if isinstance(e, OutputItemAdded)]
    if name == "say":
        text = ["hello", "call nothing", "what time is it"][value]
        return CreateItem(item=MessageItem(role="user", content=(InputText(text=text),)))
    if name == "respond":
        if value:
            return CreateResponse(
                response=ResponseParams(conversation="none", output_modalities=("text",))
            )
        return CreateResponse()
    if name == "cancel":
        return CancelResponse()
    if name == "truncate":
        return TruncateItem(item_id=assistant[-1] if assistant else "none", audio_end_ms=value)
    if name == "delete":
        return DeleteItem(item_id=f"item_{value}")
    if name == "speak":
        return AppendInputAudio(audio=SPEECH)
    return None


def run(script: list[Action]) -> list[ModelEvent]:
    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds())
    log = session.start()
    for action in script:
        command = command_for(action, log)
        if command is not None:
            log += session.handle(command, NOW)
            continue
        for _ in range(action[1]):
            step = session.next_step(NOW)
            if step is None:
                break
            log += step.events
    return log + session.drain(NOW)


def no_audio_bytes(item: Item) -> bool:
    if not isinstance(item, MessageItem):
        return True
    return all(
        not isinstance(part, InputAudio | OutputAudio) or part.audio is None
        for part in item.content
    )


@settings(max_examples=40, deadline=None)
@given(actions)
def test_the_event_log_keeps_the_protocol(script: list[Action]) -> None:
    log = run(script)
    created: list[str] = []
    done: list[str] = []
    open_in_band: set[str] = set()
    item_events: defaultdict[str, list[str]] = defaultdict(list)
    transcripts: defaultdict[str, str] = defaultdict(str)
    for index, event in enumerate(log):
        if isinstance(event, ResponseCreated):
            response = event.response
            created.append(response.id)
            if response.conversation_id is not None:
                assert not open_in_band, "two responses writing to the conversation at once"
                open_in_band.add(response.id)
        elif isinstance(event, ResponseDone):
            done.append(event.response.id)
            open_in_band.discard(event.response.id)
            assert isinstance(log[index + 1], RateLimitsUpdated)
            assert all(no_audio_bytes(item) for item in event.response.output)
            assert event.response.status in ("completed", "cancelled")
        elif isinstance(event, OutputItemAdded | OutputItemDone | ItemAdded | ItemDone):
            assert no_audio_bytes(event.item)
            assert event.item.id is not None
            item_events[event.item.id].append(event.type)
        elif isinstance(event, AudioTranscriptDelta):
            transcripts[event.item_id] += event.delta
        elif isinstance(event, AudioTranscriptDone):
            assert event.transcript == transcripts[event.item_id]
        elif isinstance(event, ErrorEvent):
            assert event.error.code in KNOWN_CODES, event.error
    # Every response that started also finished, once.
    assert sorted(created) == sorted(done)
    assert len(set(done)) == len(done)
    for item_id, kinds in item_events.items():
        if "output_item_added" not in kinds:
            assert kinds == ["item_added", "item_done"], item_id  # client or user audio item
            continue
        in_band = "item_added" in kinds
        expected = (
            ["output_item_added", "item_added", "item_done", "output_item_done"]
            if in_band
            else ["output_item_added", "output_item_done"]
        )
        assert kinds == expected, item_id
