"""What the bench server and the drivers agree on: the latency stamp and the stream parameters.

Imports nothing from rtvoice, so the server and the peer driver (another venv) can use it.

The stamp: the first 16 bytes of every audio delta's PCM are ``(sequence: u64, send time:
f64)``, little-endian, where the send time is the server's ``time.monotonic()`` (seconds,
CLOCK_MONOTONIC, shared by every process on the host) taken just before the frame is written.
A client reads it from the bytes it was handed (``event.audio.data`` for rtvoice) and compares
it with its own ``time.monotonic()``: added latency, measured without the library's help.
Two padding bytes follow, so the stamped header is 18 bytes, a multiple of 3: it is exactly 24
base64 characters, and the rest of each chunk can be base64-encoded once per process.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, fields, replace
from urllib.parse import parse_qsl, urlsplit

__all__ = ["HEADER", "PCM_BYTES_PER_MS", "STAMP", "StreamParams"]

STAMP = struct.Struct("<Qd")
"""(sequence, server monotonic send time in seconds): the first 16 bytes of each delta's PCM."""

HEADER = struct.Struct("<Qd2x")
"""The stamp as the server writes it: 18 bytes, i.e. exactly 24 base64 characters."""

PCM_BYTES_PER_MS = 48
"""PCM16 mono at 24 kHz: 20 ms = 960 B, 100 ms = 4,800 B."""

_BOOL = {"1": True, "0": False, "true": True, "false": False}


@dataclass(frozen=True)
class StreamParams:
    """How the bench server answers ``response.create`` on one connection.

    They travel in the URL path (``/deltas=50/size=960/.../v1``) so that every client,
    including one that only takes a ``base_url``, reaches the same server with them. Query
    parameters of the same names work too.

    Attributes:
        deltas: Audio deltas per response.
        size: PCM bytes per audio delta (960 = 20 ms, 4,800 = 100 ms); at least 18, and
            18 plus a multiple of 3.
        audio: What the PCM holds after the stamp: ``speech`` (the simulator's) or ``noise``
            (:mod:`benchmarks.audio`).
        pace: 0 floods (everything as fast as the socket takes it); 1.0 sends each delta
            when its audio would start playing in real time; 2.0 twice as fast.
        transcripts: One ``response.output_audio_transcript.delta`` after every second audio
            delta (and after the last one when their number is odd).
        barrier: When > 0, responses of the connections in ``group`` wait until ``barrier``
            of them were asked for, then all are released at once (paced K=100).
        group: The barrier's name (unique per run).
        spread_ms: Once released, the *i*-th connection to have asked starts its stream
            ``i / barrier * spread_ms`` later: 20 (one chunk period) staggers the streams, so
            that each connection's deltas arrive at their own phase of the period, as calls
            in life do; 0 synchronises them (every stream's delta *j* is sent in the same
            instant).
    """

    deltas: int = 50
    size: int = 960
    audio: str = "speech"
    pace: float = 0.0
    transcripts: bool = True
    barrier: int = 0
    group: str = ""
    spread_ms: float = 20.0

    def path(self) -> str:
        """The URL path prefix that carries these parameters (no trailing slash)."""
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "group" and not value:
                continue
            if isinstance(value, bool):
                value = int(value)
            parts.append(f"{f.name}={value}")
        return "/" + "/".join(parts)

    def base_url(self, port: int) -> str:
        """``ws://127.0.0.1:<port>/<params>/v1``: what ``OpenAIProvider(base_url=...)`` takes."""
        return f"ws://127.0.0.1:{port}{self.path()}/v1"

    def realtime_url(self, port: int) -> str:
        """The full realtime URL (what the provider would build from :meth:`base_url`)."""
        return f"{self.base_url(port)}/realtime?model=gpt-realtime"

    def with_(self, **changes: object) -> StreamParams:
        """A changed copy."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_path(cls, path: str) -> StreamParams:
        """Read the parameters from a request path (path segments, then the query)."""
        split = urlsplit(path)
        found: dict[str, str] = {}
        for segment in split.path.split("/"):
            name, sep, value = segment.partition("=")
            if sep:
                found[name] = value
        found.update(parse_qsl(split.query))
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            if f.name not in found:
                continue
            raw = found[f.name]
            if f.type in ("int", int):
                kwargs[f.name] = int(raw)
            elif f.type in ("float", float):
                kwargs[f.name] = float(raw)
            elif f.type in ("bool", bool):
                kwargs[f.name] = _BOOL[raw.lower()]
            else:
                kwargs[f.name] = raw
        params = cls(**kwargs)  # type: ignore[arg-type]
        if params.size < HEADER.size or (params.size - HEADER.size) % 3:
            raise ValueError(f"size must be {HEADER.size} bytes plus a multiple of 3")
        return params
