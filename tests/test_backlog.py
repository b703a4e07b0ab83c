"""The event loop's backlog of woken tasks (``rtvoice._backlog``): one per loop, counted by
the transport as frames arrive, and a bounded way to give way to it."""

from __future__ import annotations

import asyncio

import anyio
import pytest

from rtvoice._backlog import PASSES, Backlog, loop_backlog
from rtvoice.transport import TransportOptions, WebSocketTransport
from test_transport_splitting import raw_server, text

pytestmark = pytest.mark.anyio


async def passes_while(work: Backlog) -> int:
    """How many other-task steps ran while ``work.give_way()`` did."""
    ticks = 0
    stop = False

    async def ticker() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.get_running_loop().create_task(ticker())
    await asyncio.sleep(0)  # the ticker has started
    before = ticks
    await work.give_way()
    stop = True
    await task
    return ticks - before


async def test_giving_way_with_nothing_waiting_takes_no_pass() -> None:
    assert await passes_while(Backlog()) == 0


async def test_giving_way_is_bounded_however_busy_the_loop_stays() -> None:
    busy = Backlog()
    busy.waiting = 3  # woken tasks that never get counted out: giving way still ends
    assert await passes_while(busy) == PASSES


async def test_one_backlog_per_event_loop() -> None:
    assert loop_backlog() is loop_backlog()
    elsewhere = await anyio.to_thread.run_sync(lambda: asyncio.run(_backlog_of_a_new_loop()))
    assert elsewhere is not loop_backlog()


async def _backlog_of_a_new_loop() -> Backlog:
    return loop_backlog()


def test_outside_an_event_loop_the_backlog_stays_apart() -> None:
    assert loop_backlog() is not loop_backlog()  # nothing shared, nothing counted


async def test_a_reader_woken_by_frames_counts_until_it_runs() -> None:
    backlog = loop_backlog()
    async with raw_server() as server:
        options = TransportOptions(compression=None, close_timeout=0.1)  # no close answer
        transport = await WebSocketTransport.connect(server.url, options=options)
        async with transport:
            counted: list[int] = []

            async def read() -> None:
                await transport.receive()
                counted.append(backlog.waiting)

            async with anyio.create_task_group() as tg:
                tg.start_soon(read)
                await anyio.wait_all_tasks_blocked()
                assert backlog.waiting == 0  # waiting for frames is not waiting to run
                assert server.writer is not None
                server.writer.write(text('{"type":"a"}'))
                seen: set[int] = set()
                with anyio.fail_after(5):
                    while not counted:  # each pass of the loop, until the reader ran
                        seen.add(backlog.waiting)
                        await asyncio.sleep(0)
            assert seen == {0, 1}  # 1 between the frame's arrival and the reader's turn
            assert counted == [0]
    assert backlog.waiting == 0


async def test_a_reader_cancelled_while_waiting_for_frames_leaves_no_count() -> None:
    backlog = loop_backlog()
    async with raw_server() as server:
        options = TransportOptions(compression=None, close_timeout=0.1)  # no close answer
        transport = await WebSocketTransport.connect(server.url, options=options)
        async with transport:
            async with anyio.create_task_group() as tg:
                tg.start_soon(transport.receive)
                await anyio.wait_all_tasks_blocked()
                tg.cancel_scope.cancel()
            assert backlog.waiting == 0
            assert server.writer is not None
            server.writer.write(text('{"type":"a"}'))  # nobody waits: nothing counted
            with anyio.fail_after(5):
                assert await transport.receive() == '{"type":"a"}'
            assert backlog.waiting == 0
