"""Bytes on the wire per second of audio, with permessage-deflate and without.

For budget line 6 (the default ``TransportOptions.compression``). Both ends are websockets'
own Sans-I/O protocols in one process, configured as in the suite: the client offers what
rtvoice's transport offers (``ClientPerMessageDeflateFactory(compress_settings={"memLevel":
5})``, websockets' default offer), the server answers as websockets' default server does
(``server_max_window_bits=12``, ``client_max_window_bits=12``, ``memLevel`` 5), which is what
the bench server runs. The bytes counted are each side's ``data_to_send()`` after the
handshake: exactly what the socket would carry (frame headers and the client's masks
included, TCP/IP headers not).

Per second of audio, for 20 ms PCM16 chunks of :mod:`benchmarks.audio` (speech, noise):

* server -> client: 50 ``response.output_audio.delta`` frames and 25 transcript deltas, as
  the bench server writes them;
* client -> server: 50 ``input_audio_buffer.append`` frames, as rtvoice's codec writes them.

It also times (wall, µs per message, median of repeats) what websockets does with each
message on the client side: ``send_text`` + ``data_to_send`` for an append, ``receive_data``
+ ``events_received`` for a delta. Run::

    .venv/bin/python -m benchmarks.compression
"""

from __future__ import annotations

import base64
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    enable_server_permessage_deflate,
)
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

from benchmarks.audio import AUDIO_KINDS, pcm_chunks
from benchmarks.server import WORDS, audio_delta, transcript_delta

CHUNK = 960  # 20 ms of 24 kHz PCM16
PER_SECOND = 50
REPEATS = 5


def connected(deflate: bool) -> tuple[ClientProtocol, ServerProtocol]:
    """A client and a server protocol after the opening handshake."""
    offer = [ClientPerMessageDeflateFactory(compress_settings={"memLevel": 5})]
    client = ClientProtocol(
        parse_uri("ws://127.0.0.1/v1/realtime"), extensions=offer if deflate else None
    )
    server = ServerProtocol(extensions=enable_server_permessage_deflate(None) if deflate else None)
    client.send_request(client.connect())
    for data in client.data_to_send():
        server.receive_data(data)
    (request,) = server.events_received()
    server.send_response(server.accept(request))
    for data in server.data_to_send():
        client.receive_data(data)
    client.events_received()
    if bool(client.extensions) != deflate:
        raise RuntimeError("permessage-deflate was not negotiated as asked")
    return client, server


def one_pass(audio: str, deflate: bool) -> dict[str, float]:
    """Every chunk of the clip once each way: bytes per second and client µs per message."""
    from rtvoice.model.commands import AppendInputAudio
    from rtvoice.model.openai import OpenAICodec

    encode = OpenAICodec().encode
    client, server = connected(deflate)
    chunks = pcm_chunks(audio, CHUNK)
    down = up = 0
    receive_s = send_s = 0.0
    for index, chunk in enumerate(chunks):
        frames = [audio_delta("resp_1", "item_1", base64.b64encode(chunk).decode())]
        if index % 2:
            frames.append(transcript_delta("resp_1", "item_1", WORDS[index % len(WORDS)]))
        for text in frames:
            server.send_text(text.encode())
            data = b"".join(server.data_to_send())
            down += len(data)
            t0 = time.perf_counter()
            client.receive_data(data)
            client.events_received()
            receive_s += time.perf_counter() - t0
        text = encode(AppendInputAudio(audio=chunk))
        t0 = time.perf_counter()
        client.send_text(text.encode())
        data = b"".join(client.data_to_send())
        send_s += time.perf_counter() - t0
        up += len(data)
        server.receive_data(data)
        server.events_received()
    seconds = len(chunks) / PER_SECOND
    return {
        "server_to_client_bytes_per_s": down / seconds,
        "client_to_server_bytes_per_s": up / seconds,
        "client_receive_us_per_delta": receive_s / len(chunks) * 1e6,
        "client_send_us_per_append": send_s / len(chunks) * 1e6,
    }


def measure() -> dict[str, dict[str, dict[str, float]]]:
    """audio -> setting -> figures (bytes are exact; times are medians of repeats)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for audio in AUDIO_KINDS:
        out[audio] = {}
        for setting in ("off", "deflate"):
            passes = [one_pass(audio, setting == "deflate") for _ in range(REPEATS)]
            out[audio][setting] = {
                key: statistics.median(p[key] for p in passes) for key in passes[0]
            }
    return out


def report(figures: dict[str, dict[str, dict[str, Any]]]) -> str:
    rows = [
        ("server -> client, B/s", "server_to_client_bytes_per_s", "{:,.0f}"),
        ("client -> server, B/s", "client_to_server_bytes_per_s", "{:,.0f}"),
        ("client receive, µs/delta", "client_receive_us_per_delta", "{:.1f}"),
        ("client send, µs/append", "client_send_us_per_append", "{:.1f}"),
    ]
    lines = [f"{'audio':7} {'':26} {'off':>9} {'deflate':>9} {'deflate/off':>11}"]
    for audio, settings in figures.items():
        for label, key, form in rows:
            off, on = settings["off"][key], settings["deflate"][key]
            lines.append(
                f"{audio:7} {label:26} {form.format(off):>9} {form.format(on):>9} {on / off:10.2f}x"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(measure()))
