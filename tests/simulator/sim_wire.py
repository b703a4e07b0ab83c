"""Wire-level client for tests that talk to the simulator over a real loopback socket.

``WireClient`` sends and receives raw JSON dicts, so tests assert the exact frames the
simulator puts on the wire, independent of rtvoice's own codec.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from rtvoice.transport import WebSocketTransport

WIRE_TIMEOUT = 10.0


class WireClient:
    """A raw JSON client over a real WebSocket, recording every server frame it reads."""

    def __init__(self, transport: WebSocketTransport, *, dialect: str = "ga") -> None:
        self.transport = transport
        self.dialect = dialect
        self.received: list[dict[str, Any]] = []

    async def send(self, event: dict[str, Any]) -> None:
        await self.transport.send(json.dumps(event))

    async def recv(self) -> dict[str, Any]:
        with anyio.fail_after(WIRE_TIMEOUT):
            frame = json.loads(await self.transport.receive())
        self.received.append(frame)
        return frame

    async def recv_until(self, event_type: str) -> list[dict[str, Any]]:
        """Frames up to and including the first of ``event_type``."""
        frames = []
        while True:
            frame = await self.recv()
            frames.append(frame)
            if frame["type"] == event_type:
                return frames

    async def close(self) -> None:
        await self.transport.close()


Connect = Callable[..., Awaitable[WireClient]]


def types(frames: list[dict[str, Any]]) -> list[str]:
    """The ``type`` of each frame."""
    return [frame["type"] for frame in frames]


_SDK_SERVER_EVENT: Any = None


def assert_parsed_by_openai_sdk(frames: list[dict[str, Any]]) -> None:
    """Every frame validates as the official ``openai`` SDK's GA server event of its type.

    The dev extra installs the SDK and CI's main environment checks that it imports; the
    dependency matrix's environments (each websockets release) run without it, and there
    this check is left out.
    """
    global _SDK_SERVER_EVENT
    if _SDK_SERVER_EVENT is None:
        try:
            from openai.types.realtime import RealtimeServerEvent
        except ImportError:
            _SDK_SERVER_EVENT = False
            return
        from pydantic import TypeAdapter

        _SDK_SERVER_EVENT = TypeAdapter(RealtimeServerEvent)
    if _SDK_SERVER_EVENT is False:
        return
    for frame in frames:
        try:
            parsed = _SDK_SERVER_EVENT.validate_python(frame)
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(
                f"the openai SDK rejects simulator frame {frame['type']}: {exc}\n{frame}"
            ) from exc
        assert parsed.type == frame["type"], (parsed.type, frame["type"])
