"""Micro-benchmark: the codec's audio hot path against the wire floor.

The floor is what any client must do with an audio frame: ``json.loads`` plus one base64
decode (down), or one base64 encode plus building the JSON text (up). rtvoice's codec adds
typed events on top; this measures how much that costs.

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


if __name__ == "__main__":
    main()
