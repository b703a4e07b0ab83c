"""Each flow of PROTOCOL.md §7 against the simulator, over a real loopback socket, asserting
the exact wire order and fields; plus fault injection and session expiry."""

from __future__ import annotations

import base64
import random

import anyio
import pytest
from sim_wire import Connect, WireClient, types

from rtvoice import ConnectionLostError
from rtvoice.audio import bytes_for_ms, ulaw_decode
from rtvoice.simulator import Faults, Simulator, decode_speech, encode_speech

pytestmark = pytest.mark.anyio

USER_TEXT = {
    "type": "conversation.item.create",
    "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
}

AUDIO_RESPONSE_MIDDLE_END = [
    "response.output_audio.done",
    "response.output_audio_transcript.done",
    "response.content_part.done",
    "conversation.item.done",
    "response.output_item.done",
    "response.done",
]


def user_text(text: str) -> dict[str, object]:
    return {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        },
    }


async def append_audio(client: WireClient, audio: bytes, *, seed: int = 1) -> None:
    """Send ``audio`` in random chunk sizes (10-120 ms of PCM16), as a phone bridge would."""
    rng = random.Random(seed)
    offset = 0
    while offset < len(audio):
        size = bytes_for_ms(rng.randint(10, 120), "pcm16")
        chunk = audio[offset : offset + size]
        offset += size
        await client.send(
            {"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk).decode()}
        )


def silence(ms: int) -> bytes:
    return bytes(bytes_for_ms(ms, "pcm16"))


async def test_7_0_session_update_answered_with_full_config(connect: Connect) -> None:
    client = await connect()
    await client.send(
        {"type": "session.update", "session": {"type": "realtime", "instructions": "Be brief."}}
    )
    updated = await client.recv()
    assert updated["type"] == "session.updated"
    assert updated["session"]["instructions"] == "Be brief."
    assert updated["session"]["audio"]["output"]["voice"] == "alloy"  # untouched fields kept
    assert "event_id" not in updated["session"]


async def test_7_a_text_message_to_audio_response(connect: Connect) -> None:
    client = await connect()
    await client.send(USER_TEXT)
    await client.send({"type": "response.create"})
    frames = await client.recv_until("rate_limits.updated")
    names = types(frames)
    assert names[:8] == [
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        *names[6:8],
    ]
    streamed = names[6 : -len(AUDIO_RESPONSE_MIDDLE_END) - 1]
    assert set(streamed) == {
        "response.output_audio.delta",
        "response.output_audio_transcript.delta",
    }
    assert names[-len(AUDIO_RESPONSE_MIDDLE_END) - 1 :] == [
        *AUDIO_RESPONSE_MIDDLE_END,
        "rate_limits.updated",
    ]
    user_added, _, created, out_added, assistant_added, part_added = frames[:6]
    assert user_added["item"]["role"] == "user"
    assert user_added["item"]["status"] == "completed"
    assert created["response"]["status"] == "in_progress"
    assert created["response"]["output"] == []
    assert created["response"]["usage"] is None
    assert out_added["output_index"] == 0
    assert assistant_added["item"]["content"] == []
    assert assistant_added["previous_item_id"] == user_added["item"]["id"]
    assert part_added["part"] == {"type": "audio", "transcript": ""}

    deltas = [f for f in frames if f["type"] == "response.output_audio.delta"]
    sizes = [len(base64.b64decode(f["delta"])) for f in deltas]
    assert len(set(sizes)) > 1  # delta sizes vary
    # 50-200 ms each (PROTOCOL.md §9); the last one carries what is left.
    assert all(
        bytes_for_ms(50, "pcm16") <= size <= bytes_for_ms(200, "pcm16") for size in sizes[:-1]
    )
    audio = b"".join(base64.b64decode(f["delta"]) for f in deltas)
    transcript = "".join(
        f["delta"] for f in frames if f["type"] == "response.output_audio_transcript.delta"
    )
    done = {f["type"]: f for f in frames}
    assert done["response.output_audio_transcript.done"]["transcript"] == transcript
    assert transcript == "You said: hi"
    assert decode_speech(audio) == transcript  # what was said is what was heard
    item_done = done["conversation.item.done"]["item"]
    assert item_done["status"] == "completed"
    assert item_done["content"] == [{"type": "output_audio", "transcript": transcript}]
    response = done["response.done"]["response"]
    assert response["status"] == "completed"
    assert response["usage"]["output_tokens"] > 0
    assert "audio" not in response["output"][0]["content"][0]  # no bytes outside retrieve


async def test_text_only_mode(connect: Connect) -> None:
    client = await connect()
    await client.send(
        {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}}
    )
    await client.recv()
    await client.send(user_text("ping"))
    await client.send({"type": "response.create"})
    frames = await client.recv_until("rate_limits.updated")
    names = types(frames)
    assert "response.output_audio.delta" not in names
    part = next(f for f in frames if f["type"] == "response.content_part.added")["part"]
    assert part == {"type": "text", "text": ""}
    text = "".join(f["delta"] for f in frames if f["type"] == "response.output_text.delta")
    assert text == "You said: ping"
    assert names[-6:] == [
        "response.output_text.done",
        "response.content_part.done",
        "conversation.item.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ]
    item = next(
        f
        for f in frames
        if f["type"] == "conversation.item.done" and f["item"]["role"] == "assistant"
    )
    assert item["item"]["content"] == [{"type": "output_text", "text": text}]


async def test_7_b_speech_in_with_server_vad_and_transcription(connect: Connect) -> None:
    client = await connect()
    await client.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}},
            },
        }
    )
    await client.recv()
    spoken = "what is the weather"
    await append_audio(client, silence(400) + encode_speech(spoken) + silence(600))
    frames = await client.recv_until("response.done")
    while "conversation.item.input_audio_transcription.completed" not in types(frames):
        frames.append(await client.recv())
    names = types(frames)
    assert names[:5] == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    started, stopped, committed, added = frames[:4]
    assert started["item_id"] == stopped["item_id"] == committed["item_id"] == added["item"]["id"]
    assert 0 < started["audio_start_ms"] < 400  # prefix padding included
    assert stopped["audio_end_ms"] > started["audio_start_ms"]
    assert added["item"]["content"] == [{"type": "input_audio", "transcript": None}]
    completed = next(
        f for f in frames if f["type"] == "conversation.item.input_audio_transcription.completed"
    )
    assert completed["item_id"] == committed["item_id"]
    assert completed["transcript"] == spoken
    transcript_done = next(
        f for f in frames if f["type"] == "response.output_audio_transcript.done"
    )
    assert transcript_done["transcript"] == f"You said: {spoken}"


async def test_manual_turn_mode_commit_then_response(connect: Connect) -> None:
    client = await connect()
    await client.send(
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"input": {"turn_detection": None}}},
        }
    )
    assert (await client.recv())["session"]["audio"]["input"]["turn_detection"] is None
    await append_audio(client, encode_speech("manual turn"))
    await client.send({"type": "input_audio_buffer.commit"})
    frames = await client.recv_until("conversation.item.done")
    assert types(frames) == [
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    await client.send({"type": "response.create"})
    frames = await client.recv_until("response.done")
    transcript = next(f for f in frames if f["type"] == "response.output_audio_transcript.done")
    assert transcript["transcript"] == "You said: manual turn"


async def test_commit_of_a_short_buffer_is_an_error(connect: Connect) -> None:
    client = await connect()
    await client.send(
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"input": {"turn_detection": None}}},
        }
    )
    await client.recv()
    await append_audio(client, silence(40))
    await client.send({"type": "input_audio_buffer.commit", "event_id": "evt_c"})
    error = (await client.recv())["error"]
    assert error["code"] == "input_audio_buffer_commit_empty"
    assert error["event_id"] == "evt_c"
    assert "Expected at least 100ms of audio" in error["message"]


async def test_7_c_function_call_round_trip(connect: Connect) -> None:
    client = await connect()
    tool = {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
    await client.send({"type": "session.update", "session": {"type": "realtime", "tools": [tool]}})
    assert (await client.recv())["session"]["tools"][0]["name"] == "get_weather"
    await client.send(user_text('call get_weather {"city": "Paris"}'))
    await client.send({"type": "response.create"})
    frames = await client.recv_until("rate_limits.updated")
    names = types(frames)
    assert names[2:5] == [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
    ]
    assert "response.content_part.added" not in names
    assert names[-5:] == [
        "response.function_call_arguments.done",
        "conversation.item.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ]
    added = frames[3]["item"]
    assert added["type"] == "function_call"
    assert added["arguments"] == ""
    assert added["status"] == "in_progress"
    args_done = next(f for f in frames if f["type"] == "response.function_call_arguments.done")
    deltas = "".join(
        f["delta"] for f in frames if f["type"] == "response.function_call_arguments.delta"
    )
    assert args_done["arguments"] == deltas == '{"city": "Paris"}'
    assert args_done["name"] == "get_weather"
    call_id = args_done["call_id"]
    assert call_id.startswith("call_")
    i_done = names.index("conversation.item.done", 5)
    assert names.index("response.output_item.done") > i_done
    await client.send(
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": call_id, "output": "Sunny, 21 C"},
        }
    )
    frames = await client.recv_until("conversation.item.done")
    assert types(frames) == ["conversation.item.added", "conversation.item.done"]
    # The server does not answer a tool output on its own (§7.c).
    with anyio.move_on_after(0.2):
        extra = await client.recv()
        pytest.fail(f"unexpected frame after a tool output: {extra['type']}")
    await client.send({"type": "response.create"})
    frames = await client.recv_until("response.done")
    transcript = next(f for f in frames if f["type"] == "response.output_audio_transcript.done")
    assert transcript["transcript"] == "get_weather returned: Sunny, 21 C"


async def test_7_d_barge_in_cancels_with_turn_detected_then_truncate(connect: Connect) -> None:
    async with Simulator(pace=4.0) as sim:
        client = await connect(sim=sim)
        await client.send(user_text("tell me a long story about the sea and the ships on it"))
        await client.send({"type": "response.create"})
        frames = await client.recv_until("response.output_audio.delta")
        item_id = frames[-1]["item_id"]
        received = len(base64.b64decode(frames[-1]["delta"]))
        # The user talks over the assistant.
        await append_audio(client, silence(100) + encode_speech("stop") + silence(400))
        frames = await client.recv_until("response.done")
        for frame in frames:
            if frame["type"] == "response.output_audio.delta":
                received += len(base64.b64decode(frame["delta"]))
        names = types(frames)
        i_started = names.index("input_audio_buffer.speech_started")
        tail = [n for n in names[i_started:] if not n.endswith(".delta")]
        assert tail[:7] == [
            "input_audio_buffer.speech_started",
            "response.output_audio.done",
            "response.output_audio_transcript.done",
            "response.content_part.done",
            "conversation.item.done",
            "response.output_item.done",
            "response.done",
        ]
        done = frames[-1]["response"]
        assert done["status"] == "cancelled"
        assert done["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
        item = next(f for f in frames if f["type"] == "conversation.item.done")["item"]
        assert item["status"] == "incomplete"

        received_ms = received // 48
        played_ms = min(received_ms, 300)
        await client.send(
            {
                "type": "conversation.item.truncate",
                "item_id": item_id,
                "content_index": 0,
                "audio_end_ms": played_ms,
            }
        )
        truncated = await _next_of(client, "conversation.item.truncated", "error")
        assert truncated["type"] == "conversation.item.truncated"
        assert truncated["audio_end_ms"] == played_ms
        await client.send(
            {
                "type": "conversation.item.truncate",
                "item_id": item_id,
                "content_index": 0,
                "audio_end_ms": received_ms + 5000,
                "event_id": "evt_past",
            }
        )
        error = await _next_of(client, "error")
        assert error["error"]["event_id"] == "evt_past"
        assert "is already shorter than" in error["error"]["message"]


async def _next_of(client: WireClient, *wanted: str) -> dict[str, object]:
    """The next frame of one of ``wanted`` types (the new user turn may interleave)."""
    while True:
        frame = await client.recv()
        if frame["type"] in wanted:
            return frame


async def test_truncate_shrinks_the_transcript_to_what_was_heard(connect: Connect) -> None:
    client = await connect()
    await client.send(user_text("a fairly long sentence to be cut"))
    await client.send({"type": "response.create"})
    frames = await client.recv_until("rate_limits.updated")
    item_id = frames[-2]["response"]["output"][0]["id"]
    await client.send(
        {
            "type": "conversation.item.truncate",
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": 900,
        }
    )
    assert (await client.recv())["type"] == "conversation.item.truncated"
    await client.send({"type": "conversation.item.retrieve", "item_id": item_id})
    retrieved = (await client.recv())["item"]
    part = retrieved["content"][0]
    assert len(base64.b64decode(part["audio"])) == bytes_for_ms(900, "pcm16")
    assert part["transcript"] == decode_speech(base64.b64decode(part["audio"]))
    assert "You said: a fairly long sentence to be cut".startswith(part["transcript"])
    assert len(part["transcript"]) < len("You said: a fairly long sentence to be cut")


async def test_7_e_cancel_and_cancel_not_active(connect: Connect) -> None:
    async with Simulator(pace=2.0) as sim:
        client = await connect(sim=sim)
        await client.send({"type": "response.cancel", "event_id": "evt_x"})
        error = (await client.recv())["error"]
        assert error["code"] == "response_cancel_not_active"
        assert error["event_id"] == "evt_x"
        await client.send(user_text("hello there my friend"))
        await client.send({"type": "response.create"})
        await client.recv_until("response.output_audio.delta")
        await client.send({"type": "response.cancel"})
        frames = await client.recv_until("response.done")
        assert frames[-1]["response"]["status_details"] == {
            "type": "cancelled",
            "reason": "client_cancelled",
        }
        assert (await client.recv())["type"] == "rate_limits.updated"


async def test_7_f_second_response_create_is_refused_and_the_first_continues(
    connect: Connect,
) -> None:
    async with Simulator(pace=4.0) as sim:
        client = await connect(sim=sim)
        await client.send(USER_TEXT)
        await client.send({"type": "response.create"})
        created = (await client.recv_until("response.created"))[-1]
        await client.send({"type": "response.create", "event_id": "evt_2"})
        frames = await client.recv_until("response.done")
        errors = [f for f in frames if f["type"] == "error"]
        assert len(errors) == 1
        error = errors[0]["error"]
        assert error["code"] == "conversation_already_has_active_response"
        assert error["event_id"] == "evt_2"
        assert created["response"]["id"] in error["message"]
        assert types(frames).count("response.created") == 0
        assert frames[-1]["response"]["status"] == "completed"


async def test_7_g_transcription_session(connect: Connect) -> None:
    client = await connect(query="intent=transcription", expect_session=False)
    assert (await client.recv())["session"]["type"] == "transcription"
    await client.send(
        {
            "type": "session.update",
            "session": {
                "type": "transcription",
                "audio": {
                    "input": {
                        "format": {"type": "audio/pcm", "rate": 24000},
                        "transcription": {"model": "gpt-4o-mini-transcribe"},
                        "turn_detection": {"type": "server_vad"},
                    }
                },
            },
        }
    )
    assert (await client.recv())["type"] == "session.updated"
    await append_audio(client, silence(300) + encode_speech("only words") + silence(500))
    frames = await client.recv_until("conversation.item.input_audio_transcription.completed")
    assert frames[-1]["transcript"] == "only words"
    assert not any(name.startswith("response.") for name in types(frames))
    with anyio.move_on_after(0.2):
        extra = await client.recv()
        pytest.fail(f"unexpected frame in a transcription session: {extra['type']}")


async def test_g711_output_deltas_are_8_khz_mu_law(connect: Connect) -> None:
    client = await connect()
    await client.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {"output": {"format": {"type": "audio/pcmu"}}},
            },
        }
    )
    await client.recv()
    await client.send(user_text("phone call"))
    await client.send({"type": "response.create"})
    frames = await client.recv_until("response.done")
    audio = b"".join(
        base64.b64decode(f["delta"]) for f in frames if f["type"] == "response.output_audio.delta"
    )
    assert decode_speech(audio, "g711_ulaw") == "You said: phone call"
    assert len(ulaw_decode(audio)) == 2 * len(audio)


async def test_voice_change_after_audio_is_refused(connect: Connect) -> None:
    client = await connect()
    await client.send(USER_TEXT)
    await client.send({"type": "response.create"})
    await client.recv_until("response.done")
    await client.send(
        {
            "type": "session.update",
            "event_id": "evt_v",
            "session": {"type": "realtime", "audio": {"output": {"voice": "ash"}}},
        }
    )
    frame = await _next_of(client, "error", "session.updated")
    assert frame["type"] == "error"
    assert frame["error"]["code"] == "cannot_update_voice"
    assert frame["error"]["event_id"] == "evt_v"


# --- Faults and expiry ------------------------------------------------------------------------


async def test_fault_drop_after_n_events_is_an_abnormal_close(connect: Connect) -> None:
    async with Simulator(faults=Faults(drop_after_events=3)) as sim:
        client = await connect(sim=sim)
        await client.send(USER_TEXT)
        assert (await client.recv())["type"] == "conversation.item.added"
        assert (await client.recv())["type"] == "conversation.item.done"
        with pytest.raises(ConnectionLostError) as excinfo:
            await client.recv()
        assert excinfo.value.code == 1006


async def test_fault_drop_at_event_type(connect: Connect) -> None:
    async with Simulator(faults=Faults(drop_at_event="response.output_audio.delta")) as sim:
        client = await connect(sim=sim)
        await client.send(USER_TEXT)
        await client.send({"type": "response.create"})
        seen: list[str] = []

        async def read_all() -> None:
            while True:
                seen.append((await client.recv())["type"])

        with pytest.raises(ConnectionLostError):
            await read_all()
        assert "response.content_part.added" in seen
        assert "response.output_audio.delta" not in seen


async def test_fault_injected_error_is_non_fatal(connect: Connect) -> None:
    async with Simulator(faults=Faults(error_after_events=1)) as sim:
        client = await connect(sim=sim)
        error = await client.recv()
        assert error["type"] == "error"
        assert error["error"]["type"] == "server_error"
        await client.send({"type": "input_audio_buffer.clear"})
        assert (await client.recv())["type"] == "input_audio_buffer.cleared"
