"""Micro-benchmark: the codec's hot paths against the wire floor.

The floor is what any client must do with an audio frame: ``json.loads`` plus one base64
decode (down), or one base64 encode plus building the JSON text (up). rtvoice's codec adds
typed events on top; this measures how much that costs.

"decode one turn" is every server frame of one voice turn: the literal frames of the server-VAD
turn fixture (``tests/codec/fixtures/7_b_audio_vad.flow``, up to its ``rate_limits.updated``: VAD,
transcription, one response with one audio delta). Its floor is ``json.loads`` of each frame
plus the base64 decode of the audio; "its non-delta frames" is the same turn without the audio
delta. The per-frame rows are the turn's main frame types one at a time (and the GA
``session.created`` of ``7_0_session_start.flow``), against ``json.loads`` of the frame.

Run: ``python benchmarks/bench_codec.py`` (prints a table, writes
``benchmarks/results/codec.json``).
"""

from __future__ import annotations

import base64
import json
import platform
import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

from rtvoice.model.commands import AppendInputAudio
from rtvoice.model.openai import OpenAICodec

REPEATS = 7
RESULTS = Path(__file__).parent / "results" / "codec.json"
FIXTURES = Path(__file__).parent.parent / "tests" / "codec" / "fixtures"
TURN_FLOW = FIXTURES / "7_b_audio_vad.flow"
SESSION_FLOW = FIXTURES / "7_0_session_start.flow"
PER_FRAME_TYPES = (
    "session.created",
    "response.created",
    "response.done",
    "conversation.item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.output_audio_transcript.done",
    "conversation.item.input_audio_transcription.completed",
    "input_audio_buffer.speech_started",
    "rate_limits.updated",
)


def audio_delta_frame(num_bytes: int) -> str:
    """A GA ``response.output_audio.delta`` frame carrying ``num_bytes`` of PCM16."""
    pcm = bytes(i % 251 for i in range(num_bytes))
    return json.dumps(
        {
            "type": "response.output_audio.delta",
            "event_id": "event_CbKfu2dwYcQ2sV0AbdUxQ",
            "response_id": "resp_CbKfu1bS9kYw3yE2Ppq0t",
            "item_id": "item_CbKfu1yO7HkNLzX4R8sIv",
            "output_index": 0,
            "content_index": 0,
            "delta": base64.b64encode(pcm).decode("ascii"),
        }
    )


def turn_frames() -> list[str]:
    """The server frames of the fixture's turn, up to and including its ``rate_limits.updated``."""
    frames: list[str] = []
    for line in TURN_FLOW.read_text().splitlines():
        if line.startswith("S> "):
            frames.append(line[3:])
            if json.loads(line[3:])["type"] == "rate_limits.updated":
                break
    return frames


def per_call_ns(func: Callable[[], object]) -> float:
    """Median nanoseconds per call over ``REPEATS`` timing runs."""
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    runs = timer.repeat(repeat=REPEATS, number=number)
    return statistics.median(runs) / number * 1e9


def main() -> None:
    codec = OpenAICodec()
    rows: list[dict[str, object]] = []
    for label, size in (("20 ms", 960), ("100 ms", 4800)):
        frame = audio_delta_frame(size)
        pcm = bytes(i % 251 for i in range(size))

        def floor_decode(frame: str = frame) -> object:
            data = json.loads(frame)
            return base64.b64decode(data["delta"])

        def rtvoice_decode(frame: str = frame) -> object:
            return codec.decode(frame)

        def floor_encode(pcm: bytes = pcm) -> object:
            audio = base64.b64encode(pcm).decode("ascii")
            return json.dumps({"type": "input_audio_buffer.append", "audio": audio})

        command = AppendInputAudio(audio=pcm)

        def rtvoice_encode(command: AppendInputAudio = command) -> object:
            return codec.encode(command)

        for direction, floor, ours in (
            ("decode output_audio.delta", floor_decode, rtvoice_decode),
            ("encode input_audio_buffer.append", floor_encode, rtvoice_encode),
        ):
            floor_ns = per_call_ns(floor)
            ours_ns = per_call_ns(ours)
            rows.append(
                {
                    "operation": f"{direction} ({label}, {size} B PCM16)",
                    "floor_us": round(floor_ns / 1000, 2),
                    "rtvoice_us": round(ours_ns / 1000, 2),
                    "ratio": round(ours_ns / floor_ns, 2),
                }
            )

    rows.extend(turn_rows(codec))
    width = max(len(str(row["operation"])) for row in rows)
    print(f"{'operation':<{width}}  {'floor µs':>9}  {'rtvoice µs':>10}  {'ratio':>6}")
    for row in rows:
        print(
            f"{row['operation']!s:<{width}}  {row['floor_us']:>9}  "
            f"{row['rtvoice_us']:>10}  {row['ratio']:>6}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "platform": platform.platform(),
                "repeats": REPEATS,
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten to {RESULTS}")


def turn_rows(codec: OpenAICodec) -> list[dict[str, object]]:
    """Decoding every server frame of one turn, then the main frame types one at a time."""
    frames = turn_frames()

    def floor_turn() -> object:
        out = []
        for frame in frames:
            data = json.loads(frame)
            if data["type"] == "response.output_audio.delta":
                out.append(base64.b64decode(data["delta"]))
            out.append(data)
        return out

    def rtvoice_turn() -> object:
        decode = codec.decode
        return [decode(frame) for frame in frames]

    others = [f for f in frames if json.loads(f)["type"] != "response.output_audio.delta"]

    def floor_others() -> object:
        return [json.loads(frame) for frame in others]

    def rtvoice_others() -> object:
        decode = codec.decode
        return [decode(frame) for frame in others]

    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (f"decode one turn ({len(frames)} frames, 1 audio delta)", floor_turn, rtvoice_turn),
        (f"decode its {len(others)} non-delta frames", floor_others, rtvoice_others),
    ]
    session_created = next(
        line[3:] for line in SESSION_FLOW.read_text().splitlines() if line.startswith("S> ")
    )
    for event_type in PER_FRAME_TYPES:
        frame = next(f for f in [*frames, session_created] if json.loads(f)["type"] == event_type)

        def floor_frame(frame: str = frame) -> object:
            return json.loads(frame)

        def rtvoice_frame(frame: str = frame) -> object:
            return codec.decode(frame)

        cases.append((f"decode {event_type}", floor_frame, rtvoice_frame))
    rows: list[dict[str, object]] = []
    for operation, floor, ours in cases:
        floor_ns = per_call_ns(floor)
        ours_ns = per_call_ns(ours)
        rows.append(
            {
                "operation": operation,
                "floor_us": round(floor_ns / 1000, 2),
                "rtvoice_us": round(ours_ns / 1000, 2),
                "ratio": round(ours_ns / floor_ns, 2),
            }
        )
    return rows


if __name__ == "__main__":
    main()
