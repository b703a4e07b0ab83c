"""Lines typed at the terminal, as an async iterator that ends at end of input (Ctrl-D).

A blocking read of standard input cannot be cancelled, so it runs in a daemon thread of its
own: when the console leaves while the thread waits for a line, the process exits without
waiting for it. Lines cross to the event loop through ``call_soon_threadsafe``; the stream
holds a few lines (a person types slower than the console reads).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import TextIO

import anyio
from anyio.streams.memory import MemoryObjectSendStream

__all__ = ["terminal_lines"]

_BUFFERED_LINES = 16


async def terminal_lines(source: TextIO) -> AsyncIterator[str]:
    """Each line read from ``source``, without its line ending, until end of input."""
    send, receive = anyio.create_memory_object_stream[str | None](_BUFFERED_LINES)
    loop = asyncio.get_running_loop()
    thread = threading.Thread(
        target=_read_lines, args=(source, loop, send), name="rtvoice console input", daemon=True
    )
    thread.start()
    async with receive:
        async for line in receive:
            if line is None:
                return
            yield line


def _read_lines(
    source: TextIO, loop: asyncio.AbstractEventLoop, send: MemoryObjectSendStream[str | None]
) -> None:
    def deliver(line: str | None) -> None:
        try:
            send.send_nowait(line)
        except anyio.WouldBlock:  # typed far ahead of the console: this line is dropped
            pass
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):  # the console left
            pass

    try:
        while True:
            line = source.readline()
            if not line:
                break
            loop.call_soon_threadsafe(deliver, line.rstrip("\r\n"))
    except (OSError, ValueError):  # the terminal went away, or the stream was closed
        pass
    except RuntimeError:  # a line typed after the event loop closed: nobody to give it to
        return
    finally:
        with contextlib.suppress(RuntimeError):  # the event loop has already closed
            loop.call_soon_threadsafe(deliver, None)
