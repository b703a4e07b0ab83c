"""The session's outboxes: the event channel's backpressure and order, commands in order
from concurrent senders, and the one-way flag (real anyio tasks, no mocks)."""

from __future__ import annotations

from collections.abc import Sequence

import anyio
import pytest
from session_kit import FakeModel, fake_session

from rtvoice.errors import TransportClosedError
from rtvoice.model.commands import CommitInputAudio, ModelCommand, SendRaw
from rtvoice.model.events import AudioDelta
from rtvoice.session._outbox import CommandOutbox, EventOutbox, Flag
from rtvoice.session.events import AudioEndEvent, RealtimeSessionEvent

pytestmark = pytest.mark.anyio


def end_event(n: int) -> AudioEndEvent:
    return AudioEndEvent(item_id=f"item_{n}", content_index=0, response_id="resp")


async def test_events_are_readable_only_once_delivered_and_in_order() -> None:
    box = EventOutbox(8)
    box.put(end_event(0))
    box.put_all([end_event(1), end_event(2)])
    assert box.take() is None  # put, not delivered: the step's commands go first
    await box.deliver()
    assert [box.take(), box.take(), box.take(), box.take()] == [
        end_event(0),
        end_event(1),
        end_event(2),
        None,
    ]


async def test_the_reader_waits_while_more_than_the_buffer_is_unread() -> None:
    box = EventOutbox(2)
    delivered: list[int] = []

    async def reader() -> None:
        for n in range(5):
            box.put(end_event(n))
            await box.deliver()
            delivered.append(n)

    async with anyio.create_task_group() as tg:
        tg.start_soon(reader)
        await anyio.wait_all_tasks_blocked()
        assert delivered == [0, 1]  # the third unread event made it wait
        got = [await box.receive() for _ in range(5)]
        box.end()
    assert got == [end_event(n) for n in range(5)]
    assert delivered == [0, 1, 2, 3, 4]


async def test_an_application_call_never_waits_for_room() -> None:
    box = EventOutbox(1)
    for n in range(4):
        box.put(end_event(n))
        box.deliver_nowait()  # e.g. interrupt() from the task that reads: must not block
    box.end()
    got = [await box.receive() for _ in range(4)]
    assert got == [end_event(n) for n in range(4)]
    with pytest.raises(anyio.EndOfStream):
        await box.receive()


async def test_a_waiting_reader_of_events_wakes_on_delivery_end_and_close() -> None:
    box = EventOutbox(4)
    results: list[object] = []

    async def read_one() -> None:
        try:
            results.append(await box.receive())
        except (anyio.EndOfStream, anyio.ClosedResourceError) as exc:
            results.append(type(exc))

    async with anyio.create_task_group() as tg:
        tg.start_soon(read_one)
        await anyio.wait_all_tasks_blocked()
        box.put(end_event(7))
        box.deliver_nowait()
    async with anyio.create_task_group() as tg:
        tg.start_soon(read_one)
        await anyio.wait_all_tasks_blocked()
        box.end()
    assert results == [end_event(7), anyio.EndOfStream]

    closing = EventOutbox(4)
    box = closing
    box.put(end_event(1))
    box.deliver_nowait()
    box.close()  # unread events are dropped
    with pytest.raises(anyio.ClosedResourceError):
        await box.receive()


async def test_close_releases_a_reader_waiting_for_room() -> None:
    box = EventOutbox(0)
    box.put(end_event(0))
    async with anyio.create_task_group() as tg:
        tg.start_soon(box.deliver)
        await anyio.wait_all_tasks_blocked()
        box.close()  # the deliver task ends instead of waiting forever
    assert box.take() is None


class RecordingModel(FakeModel):
    """Sends slowly, so two tasks flush at once."""

    async def send(self, command: ModelCommand) -> None:
        await anyio.sleep(0.01)
        await super().send(command)


async def test_commands_from_concurrent_flushes_go_out_in_queue_order() -> None:
    model = RecordingModel()
    box = CommandOutbox(model)
    first = [SendRaw(event={"type": "a", "n": n}) for n in range(3)]
    second = [SendRaw(event={"type": "b", "n": n}) for n in range(3)]
    finished: list[str] = []

    async def flush(name: str, commands: list[ModelCommand]) -> None:
        box.put(commands)
        await box.flush()
        finished.append(name)

    async with anyio.create_task_group() as tg:
        tg.start_soon(flush, "first", first)
        await anyio.sleep(0.005)  # the first task is sending
        tg.start_soon(flush, "second", second)
    assert model.sent == [*first, *second]
    assert sorted(finished) == ["first", "second"]
    assert not box


class BatchingModel(FakeModel):
    """A model that sends several commands together, as the OpenAI model does: a batch it
    cannot encode (a ``SendRaw`` holding a set) raises ``TypeError`` before sending any."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[ModelCommand]] = []

    async def send_batch(self, commands: Sequence[ModelCommand]) -> None:
        if self.closed:
            raise TransportClosedError("closed")
        for command in commands:
            if isinstance(command, SendRaw) and isinstance(command.event.get("bad"), set):
                raise TypeError("not JSON")
        self.batches.append(list(commands))
        self.sent += commands

    async def send(self, command: ModelCommand) -> None:
        if isinstance(command, SendRaw) and isinstance(command.event.get("bad"), set):
            raise TypeError("not JSON")
        await super().send(command)


async def test_queued_commands_go_to_a_batching_model_together() -> None:
    model = BatchingModel()
    box = CommandOutbox(model)
    box.put([CommitInputAudio(event_id="a"), CommitInputAudio(event_id="b")])
    await box.flush()
    box.put([CommitInputAudio(event_id="c")])  # alone: a plain send
    await box.flush()
    assert model.batches == [[CommitInputAudio(event_id="a"), CommitInputAudio(event_id="b")]]
    assert [c.event_id for c in model.sent] == ["a", "b", "c"]


async def test_a_batch_with_an_unencodable_command_is_sent_one_by_one() -> None:
    model = BatchingModel()
    box = CommandOutbox(model)
    bad = SendRaw(event={"type": "x", "bad": {1}})
    box.put([CommitInputAudio(event_id="a"), bad, CommitInputAudio(event_id="b")])
    with pytest.raises(TypeError):
        await box.flush()
    await box.flush()  # the one after the bad command was kept, in order
    assert model.batches == []
    assert [c.event_id for c in model.sent] == ["a", "b"]


@pytest.mark.parametrize("model_class", [FakeModel, BatchingModel])
async def test_a_closed_model_keeps_every_command_queued_in_order(
    model_class: type[FakeModel],
) -> None:
    """Sent one by one or as a batch: a closed transport sends nothing, so every command stays
    queued, in order, for the next connection (a reconnect hands them over)."""
    model = model_class()
    box = CommandOutbox(model)
    box.put([CommitInputAudio(event_id="a"), CommitInputAudio(event_id="b")])
    model.closed = True
    with pytest.raises(TransportClosedError):
        await box.flush()
    model.closed = False
    await box.flush()
    assert model.sent == [CommitInputAudio(event_id="a"), CommitInputAudio(event_id="b")]


async def test_a_held_outbox_sends_nothing_and_hands_over_its_queue() -> None:
    model = FakeModel()
    box = CommandOutbox(model)
    box.put([CommitInputAudio(event_id="a")])
    box.hold()
    box.put_one(CommitInputAudio(event_id="b"))
    await box.flush()  # held: returns at once, raises nothing
    assert model.sent == []
    assert box.take_all() == [CommitInputAudio(event_id="a"), CommitInputAudio(event_id="b")]
    assert not box


async def test_flag_wakes_waiters_and_stays_set() -> None:
    flag = Flag()
    woke: list[int] = []

    async def wait(n: int) -> None:
        await flag.wait()
        woke.append(n)

    async with anyio.create_task_group() as tg:
        tg.start_soon(wait, 1)
        tg.start_soon(wait, 2)
        await anyio.wait_all_tasks_blocked()
        assert not flag.is_set()
        assert woke == []
        flag.set()
    assert sorted(woke) == [1, 2]
    with anyio.fail_after(1):
        await flag.wait()  # already set: returns at once
    assert flag.is_set()


async def test_a_session_reader_stops_reading_the_model_while_the_application_lags() -> None:
    model = FakeModel()
    async with fake_session(model, event_buffer_size=4) as session:
        for n in range(40):
            model.push(
                AudioDelta(
                    response_id="resp", item_id="item", output_index=0, content_index=0,
                    audio=bytes([n]) * 48,
                )
            )  # fmt: skip
        await anyio.wait_all_tasks_blocked()
        # The reader delivered up to the buffer (plus the event that overflowed it) and waits:
        # the rest are still in the model's own queue.
        assert model._receive.statistics().current_buffer_used == 40 - 5
        got: list[RealtimeSessionEvent] = []
        while len(got) < 40:
            got.append(await session.__anext__())
    assert [event.audio.data[0] for event in got if event.type == "audio"] == list(range(40))


async def test_a_pushed_event_is_readable_at_once_after_the_pending_ones() -> None:
    box = EventOutbox(2)
    assert box.push(end_event(0)) is False  # the first one makes the buffer
    box.put(end_event(1))  # pending, e.g. a raw model event queued first
    assert box.push(end_event(2)) is True  # 3 unread > 2: the reader must wait for room
    assert [box.take(), box.take(), box.take(), box.take()] == [
        end_event(0),
        end_event(1),
        end_event(2),
        None,
    ]


async def test_a_push_wakes_the_waiting_application_and_a_closed_box_drops_it() -> None:
    box = EventOutbox(8)
    box.push(end_event(0))
    assert box.take() == end_event(0)
    got: list[RealtimeSessionEvent] = []

    async def application() -> None:
        got.append(await box.receive())

    async with anyio.create_task_group() as tg:
        tg.start_soon(application)
        await anyio.wait_all_tasks_blocked()
        assert box.push(end_event(1)) is False
    assert got == [end_event(1)]
    box.close()
    assert box.push(end_event(2)) is False
    with pytest.raises(anyio.ClosedResourceError):
        await box.receive()


async def test_a_receive_cancelled_while_waiting_leaves_the_box_usable() -> None:
    box = EventOutbox(4)
    with anyio.move_on_after(0.01) as scope:
        await box.receive()  # nothing comes: the wait is cancelled
    assert scope.cancelled_caught
    got: list[RealtimeSessionEvent] = []

    async def read_one() -> None:
        got.append(await box.receive())

    async with anyio.create_task_group() as tg:
        tg.start_soon(read_one)  # waits again, before anything was pushed
        await anyio.wait_all_tasks_blocked()
        box.push(end_event(1))
    assert got == [end_event(1)]
