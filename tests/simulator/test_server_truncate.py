"""Truncating an item whose response is still streaming, over the wire (PROTOCOL.md §4.1):
openai-agents' interrupt() sends the truncate before the cancel."""

from __future__ import annotations

import base64

import pytest
from sim_wire import Connect, types

from rtvoice.simulator import Simulator, decode_speech

pytestmark = pytest.mark.anyio

STORY = (
    "tell me a long story about the sea, the ships that sail on it, the fish that swim in "
    "it and the storms that blow over it all through the winter nights"
)


async def test_truncate_then_cancel_mid_response_keeps_what_was_played(
    connect: Connect,
) -> None:
    # Paced at four times real time: the answer (about 9 s of audio) takes seconds to
    # stream, so it is still streaming when the client reacts after three deltas.
    async with Simulator(pace=4.0) as sim:
        client = await connect(sim=sim)
        await client.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": STORY}],
                },
            }
        )
        await client.recv_until("conversation.item.done")
        await client.send({"type": "response.create"})
        received = b""
        deltas = 0
        item_id = None
        while deltas < 3:
            frame = await client.recv()
            if frame["type"] == "response.output_audio.delta":
                item_id = frame["item_id"]
                received += base64.b64decode(frame["delta"])
                deltas += 1
        played_ms = len(received) // 48 // 2  # the client played half of what it got
        assert played_ms > 0
        await client.send(
            {
                "type": "conversation.item.truncate",
                "item_id": item_id,
                "content_index": 0,
                "audio_end_ms": played_ms,
                "event_id": "evt_truncate",
            }
        )
        await client.send({"type": "response.cancel", "event_id": "evt_cancel"})
        tail = await client.recv_until("response.done")
        assert "error" not in types(tail)
        truncated = next(f for f in tail if f["type"] == "conversation.item.truncated")
        assert truncated == {
            "type": "conversation.item.truncated",
            "event_id": truncated["event_id"],
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": played_ms,
        }
        done = tail[-1]
        assert done["response"]["status"] == "cancelled"
        assert done["response"]["status_details"]["reason"] == "client_cancelled"
        # The history holds what the user heard, and no more.
        heard = decode_speech(received[: played_ms * 48])
        assert heard
        assert f"You said: {STORY}".startswith(heard)
        (item,) = done["response"]["output"]
        assert item["status"] == "incomplete"
        assert item["content"][0]["transcript"] == heard
        item_done = next(f for f in tail if f["type"] == "conversation.item.done")
        assert item_done["item"]["content"][0]["transcript"] == heard
        await client.send({"type": "conversation.item.retrieve", "item_id": item_id})
        retrieved = (await client.recv_until("conversation.item.retrieved"))[-1]
        (part,) = retrieved["item"]["content"]
        assert base64.b64decode(part["audio"]) == received[: played_ms * 48]
        assert part["transcript"] == heard


async def test_truncate_mid_response_past_what_was_sent_is_refused(connect: Connect) -> None:
    async with Simulator(pace=4.0) as sim:
        client = await connect(sim=sim)
        await client.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": STORY}],
                },
            }
        )
        await client.recv_until("conversation.item.done")
        await client.send({"type": "response.create"})
        delta = (await client.recv_until("response.output_audio.delta"))[-1]
        # Far past anything streamed yet (the whole answer is about 9 s).
        await client.send(
            {
                "type": "conversation.item.truncate",
                "item_id": delta["item_id"],
                "content_index": 0,
                "audio_end_ms": 60_000,
                "event_id": "evt_truncate",
            }
        )
        error = (await client.recv_until("error"))[-1]
        assert error["error"]["param"] == "audio_end_ms"
        assert error["error"]["event_id"] == "evt_truncate"
        assert error["error"]["message"].endswith("is already shorter than 60000ms")
        await client.send({"type": "response.cancel"})
        done = (await client.recv_until("response.done"))[-1]
        assert done["response"]["status"] == "cancelled"
