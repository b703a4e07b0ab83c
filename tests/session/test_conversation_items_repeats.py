"""A repeated server state of an item is recognised and changes nothing: the history, and
the events it gives, are those of applying every state in full."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rtvoice.model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    InputText,
    Item,
    MessageItem,
    OutputAudio,
)
from rtvoice.session.state._conversation_items import ConversationItems
from rtvoice.session.state._item_order import HistoryEvent

IDS = ["a", "b", "c"]


def _states(item_id: str) -> list[Item]:
    return [
        MessageItem(id=item_id, role="user", status="completed", content=(InputText(text="hi"),)),
        MessageItem(id=item_id, role="user", status="completed", content=(InputAudio(),)),
        MessageItem(id=item_id, role="assistant", status="in_progress", content=()),
        MessageItem(
            id=item_id,
            role="assistant",
            status="completed",
            content=(OutputAudio(transcript="Hello"),),
        ),
        FunctionCallItem(
            id=item_id, call_id="call_1", name="f", arguments="{}", status="completed"
        ),
        FunctionCallOutputItem(id=item_id, call_id="call_1", output="42"),
    ]


_observe = st.tuples(
    st.just("observe"),
    st.sampled_from(IDS),
    st.integers(0, 5),
    st.sampled_from([None, *IDS]),
    st.booleans(),
)
_other = st.one_of(
    st.tuples(st.just("transcript"), st.sampled_from(IDS), st.sampled_from(["one", "two"])),
    st.tuples(st.just("finalise"), st.sampled_from(IDS), st.sampled_from(["Hello", "Hello there"])),
    st.tuples(st.just("call_output"), st.sampled_from(["1", "2"])),
    st.tuples(st.just("remove"), st.sampled_from(IDS)),
    st.tuples(
        st.just("response_ended"),
        st.lists(st.tuples(st.sampled_from(IDS), st.integers(0, 5)), max_size=2),
    ),
)
# Repeats are what the memo is for: draw each observation twice in a row half the time.
_steps = st.lists(
    st.one_of(_observe, _observe.map(lambda s: ("twice", *s[1:])), _other), max_size=25
)


def _apply(history: ConversationItems, step: tuple[Any, ...], forget: bool) -> list[HistoryEvent]:
    if forget:  # the reference: every state applied in full
        history._last_states.clear()
    kind = step[0]
    if kind in ("observe", "twice"):
        _, item_id, state, previous, positioned = step
        item = _states(item_id)[state]
        events = history.observe(item, previous, positioned=positioned, agent_name="A")
        if kind == "twice":
            if forget:
                history._last_states.clear()
            events += history.observe(item, previous, positioned=positioned, agent_name="B")
        return events
    if kind == "transcript":
        return history.fill_transcript(step[1], 0, step[2])
    if kind == "finalise":
        return history.finalise_part(step[1], 0, OutputAudio(transcript=step[2]))
    if kind == "call_output":
        return history.set_call_output("call_1", step[1])
    if kind == "remove":
        return history.remove(step[1])
    output = tuple(_states(item_id)[state] for item_id, state in step[1])
    return history.response_ended(output, "A")


@settings(max_examples=300, deadline=None)
@given(_steps)
def test_skipping_repeated_states_changes_nothing(steps: list[tuple[Any, ...]]) -> None:
    fast, full = ConversationItems(), ConversationItems()
    for step in steps:
        assert _apply(fast, step, forget=False) == _apply(full, step, forget=True), step
        assert fast.items == full.items
        assert fast.take_completed_calls() == full.take_completed_calls()


def test_a_repeated_state_gives_no_event_and_keeps_the_item() -> None:
    history = ConversationItems()
    done = MessageItem(
        id="x", role="assistant", status="completed", content=(OutputAudio(transcript="Hi"),)
    )
    added = history.observe(done, None, positioned=True, agent_name="A")
    assert [event.type for event in added] == ["history_added"]
    kept = history.items
    assert history.observe(done, None, positioned=False, agent_name="A") == []
    assert history.response_ended((done,), "A") == []
    assert history.items is kept
