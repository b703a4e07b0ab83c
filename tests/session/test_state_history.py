"""History merging: order, out-of-order events, transcripts, tool calls, no duplicates."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from state_kit import (
    added,
    assistant,
    audio,
    confirmed_state,
    created,
    done,
    feed,
    finished,
    types,
    user_audio,
    user_text,
)

from rtvoice.agent import RealtimeAgent
from rtvoice.model.commands import RetrieveItem
from rtvoice.model.events import (
    InputTranscriptionCompleted,
    ItemDeleted,
    ItemRetrieved,
    ItemTruncated,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
)
from rtvoice.model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    MessageItem,
    OutputAudio,
)
from rtvoice.session import (
    AssistantMessageItem,
    HistoryAddedEvent,
    HistoryUpdatedEvent,
    ToolCallItem,
    UserMessageItem,
)


def ids(state: object) -> list[str]:
    return [item.item_id for item in state.history]  # type: ignore[attr-defined]


def test_items_follow_previous_item_id_not_arrival() -> None:
    state = confirmed_state()
    feed(
        state,
        added(user_text("u1")),
        added(assistant("a1"), previous="u1"),
        added(user_text("u2"), previous="a1"),
        added(user_text("inserted"), previous="u1"),  # created with previous_item_id=u1
    )
    assert ids(state) == ["u1", "inserted", "a1", "u2"]


def test_unknown_previous_appends_then_moves_into_place() -> None:
    state = confirmed_state()
    feed(state, added(user_text("u1")))
    fx = feed(state, added(assistant("a2"), previous="u2"))
    assert ids(state) == ["u1", "a2"]  # never lost, meanwhile at the end
    fx = feed(state, added(user_text("u2"), previous="u1"))
    assert ids(state) == ["u1", "u2", "a2"]
    assert types(fx) == ["history_added", "history_updated"]


def test_done_before_added_gives_one_item_in_its_final_state() -> None:
    state = confirmed_state()
    feed(state, added(user_text("u1")))
    final = assistant("a1", "Hello there.", status="completed")
    fx = feed(state, done(final, previous="u1"), added(assistant("a1"), previous="u1"))
    assert types(fx) == ["history_added"]
    item = state.history[-1]
    assert isinstance(item, AssistantMessageItem)
    assert item.status == "completed"
    assert item.text == "Hello there."


def test_item_done_updates_and_identical_done_does_not() -> None:
    state = confirmed_state()
    fx = feed(state, added(user_text("u1")), done(user_text("u1")))
    assert types(fx) == ["history_added"]  # the done changed nothing
    fx = feed(
        state,
        added(assistant("a1"), previous="u1"),
        done(assistant("a1", "Hi.", status="completed"), previous="u1"),
        OutputItemDone(
            response_id="r", output_index=0, item=assistant("a1", "Hi.", status="completed")
        ),
    )
    assert types(fx) == ["history_added", "history_updated"]
    update = fx.events[1]
    assert isinstance(update, HistoryUpdatedEvent)
    assert update.history == state.history
    assert update.item == state.history[-1]


def test_transcription_fills_the_user_item() -> None:
    state = confirmed_state()
    feed(state, added(user_audio("u1")), done(user_audio("u1")))
    fx = feed(state, InputTranscriptionCompleted(item_id="u1", transcript="what is the weather"))
    assert types(fx) == ["input_transcript", "history_updated"]
    item = state.history[0]
    assert isinstance(item, UserMessageItem)
    assert item.text == "what is the weather"
    # A later server state of the item (transcript null, §5) keeps it.
    feed(state, done(user_audio("u1")))
    assert state.history[0].text == "what is the weather"  # type: ignore[union-attr]


def test_transcription_before_the_item_is_kept_and_placed() -> None:
    state = confirmed_state()
    feed(state, added(user_text("u0")))
    fx = feed(state, InputTranscriptionCompleted(item_id="u1", transcript="early bird"))
    assert types(fx) == ["input_transcript", "history_added"]
    fx = feed(state, added(user_audio("u1"), previous="u0"), done(user_audio("u1"), previous="u0"))
    assert "history_added" not in types(fx)
    assert ids(state) == ["u0", "u1"]
    item = state.history[1]
    assert isinstance(item, UserMessageItem)
    assert item.status == "completed"
    assert item.content == (InputAudio(transcript="early bird"),)


def test_output_item_without_item_added_appears_when_the_response_ends() -> None:
    state = confirmed_state()
    orphan = assistant("a1", "Lost?", status="completed")
    fx = feed(
        state,
        created("resp_1"),
        OutputItemAdded(response_id="resp_1", output_index=0, item=assistant("a1")),
        finished("resp_1", output=(orphan,)),
    )
    assert types(fx).count("history_added") == 1
    assert state.history[0] == AssistantMessageItem(
        item_id="a1",
        content=(OutputAudio(transcript="Lost?"),),
        status="completed",
        agent_name="Assistant",
    )


def test_output_item_added_before_item_added_is_announced_once() -> None:
    state = confirmed_state()
    fx = feed(
        state,
        added(user_text("u1")),
        created("resp_1"),
        OutputItemAdded(response_id="resp_1", output_index=0, item=assistant("a1")),
        added(assistant("a1"), previous="u1"),
    )
    assert types(fx) == ["history_added", "agent_start", "history_added"]


def test_history_never_holds_audio_bytes() -> None:
    state = confirmed_state()
    with_bytes = MessageItem(
        id="u1", role="user", status="completed", content=(InputAudio(audio=b"\x01\x02"),)
    )
    spoken = MessageItem(
        id="a1",
        role="assistant",
        status="completed",
        content=(OutputAudio(audio=b"\x03" * 10, transcript="Hi"),),
    )
    feed(state, added(with_bytes), ItemRetrieved(item=spoken))
    for item in state.history:
        for part in getattr(item, "content", ()):
            assert getattr(part, "audio", None) is None


def test_truncation_refreshes_the_assistant_transcript() -> None:
    state = confirmed_state()
    full = assistant("a1", "You said: a long story", status="incomplete")
    feed(state, added(user_text("u1")), added(assistant("a1"), previous="u1"), done(full, "u1"))
    fx = feed(state, ItemTruncated(item_id="a1", content_index=0, audio_end_ms=500))
    assert fx.events == []
    retrieve = fx.commands[0]
    assert isinstance(retrieve, RetrieveItem)
    assert retrieve.item_id == "a1"
    heard = MessageItem(
        id="a1",
        role="assistant",
        status="incomplete",
        content=(OutputAudio(audio=b"\x00" * 4800, transcript="You said"),),
    )
    fx = feed(state, ItemRetrieved(item=heard))
    assert types(fx) == ["history_updated"]
    assert state.history[1].text == "You said"  # type: ignore[union-attr]
    assert state.history[1].agent_name == "Assistant"  # type: ignore[union-attr]


def test_deleted_item_leaves_its_followers_in_place() -> None:
    state = confirmed_state()
    feed(
        state,
        added(user_text("u1")),
        added(assistant("a1"), previous="u1"),
        added(user_text("u2"), previous="a1"),
    )
    fx = feed(state, ItemDeleted(item_id="a1"))
    assert ids(state) == ["u1", "u2"]
    update = fx.events[0]
    assert isinstance(update, HistoryUpdatedEvent)
    assert update.item is None
    feed(state, added(user_text("u3"), previous="u2"))
    assert ids(state) == ["u1", "u2", "u3"]


def test_tool_call_and_output_are_one_item_and_the_call_is_reported_once() -> None:
    state = confirmed_state()
    call = FunctionCallItem(
        id="f1", call_id="call_1", name="get_weather", arguments="", status="in_progress"
    )
    complete = FunctionCallItem(
        id="f1",
        call_id="call_1",
        name="get_weather",
        arguments='{"city":"Oslo"}',
        status="completed",
    )
    feed(state, added(user_text("u1")))
    fx = feed(
        state,
        added(call, "u1"),
        done(complete, "u1"),
        OutputItemDone(response_id="r", output_index=0, item=complete),
    )
    assert [item.call_id for item in fx.function_calls] == ["call_1"]
    output = FunctionCallOutputItem(id="o1", call_id="call_1", output="Sunny", status="completed")
    fx = feed(state, added(output, "f1"), done(output, "f1"))
    assert types(fx) == ["history_updated"]
    assert ids(state) == ["u1", "f1"]
    tool = state.history[1]
    assert isinstance(tool, ToolCallItem)
    assert (tool.arguments, tool.output, tool.agent_name) == (
        '{"city":"Oslo"}',
        "Sunny",
        "Assistant",
    )
    # The next item follows the (hidden) output item.
    feed(state, added(assistant("a2"), previous="o1"))
    assert ids(state) == ["u1", "f1", "a2"]


def test_assistant_items_name_the_agent_active_at_creation() -> None:
    state = confirmed_state()
    feed(state, added(assistant("a1")))
    state.update_agent(RealtimeAgent(name="Billing"), None)
    feed(state, added(assistant("a2"), previous="a1"), done(assistant("a1", "x", "completed")))
    names = [item.agent_name for item in state.history]  # type: ignore[union-attr]
    assert names == ["Assistant", "Billing"]


def test_audio_deltas_do_not_touch_the_history() -> None:
    state = confirmed_state()
    feed(state, added(user_text("u1")), created("resp_1"), added(assistant("a1"), "u1"))
    before = state.history
    for _ in range(100):
        state.on_audio_delta(audio("a1", 960), 0.0)
    assert state.history is before  # the cached snapshot was not rebuilt


# ---------------------------------------------------------------------------------------------
# Properties


def _chain_events(n: int) -> list[ModelEvent]:
    events: list[ModelEvent] = []
    for index in range(n):
        item_id = f"i{index}"
        previous = f"i{index - 1}" if index else None
        if index % 2:
            start, end = assistant(item_id), assistant(item_id, f"t{index}", "completed")
        else:
            start = end = user_text(item_id, f"u{index}")
        events += [added(start, previous), done(end, previous)]
    return events


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=12).flatmap(lambda n: st.permutations(_chain_events(n))))
def test_any_arrival_order_keeps_every_item_once_in_order(events: list[ModelEvent]) -> None:
    state = confirmed_state()
    fx = feed(state, *events)
    n = len(events) // 2
    expected = [f"i{index}" for index in range(n)]
    added_ids = [event.item.item_id for event in fx.events if isinstance(event, HistoryAddedEvent)]
    assert sorted(added_ids) == sorted(expected)  # once each
    assert ids(state) == expected  # in the server's order
    for index, item in enumerate(state.history):
        assert item.status == "completed"  # type: ignore[union-attr]
        if index % 2:
            assert item.text == f"t{index}"  # type: ignore[union-attr]
    seen: set[str] = set()
    for event in fx.events:
        if isinstance(event, HistoryAddedEvent):
            seen.add(event.item.item_id)
        elif isinstance(event, HistoryUpdatedEvent) and event.item is not None:
            assert event.item.item_id in seen  # added before any update about it


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_random_insertions_match_a_linked_list(data: st.DataObject) -> None:
    # The server inserts each item right after the one it names; in-order delivery of any
    # such sequence must reproduce the server's list exactly.
    n = data.draw(st.integers(min_value=1, max_value=15))
    server: list[str] = []
    state = confirmed_state()
    for index in range(n):
        item_id = f"i{index}"
        previous = data.draw(st.sampled_from([None, *server])) if server else None
        if previous is None:
            server.append(item_id)  # "None -> append"
        else:
            server.insert(server.index(previous) + 1, item_id)
        feed(state, added(user_text(item_id), previous))
    assert ids(state) == server
