"""The audio the benchmarks send: the simulator's speech, or noise, cut into chunks.

What the payload holds does not change what ``json.loads`` or base64 cost, but it decides what
permessage-deflate costs and saves, so the bench server sends realistic audio:

* ``speech``: :func:`rtvoice.simulator.encode_speech` of a few sentences (24 kHz PCM16, tones
  in the 300-3400 Hz band at -20 dBFS, no silence inside), about 9 s, cycled;
* ``noise``: uniformly random bytes (a fixed seed), the worst case for deflate.

Only the bench server and :mod:`benchmarks.compression` use it (never a driver): the peer's
venv need not have rtvoice.
"""

from __future__ import annotations

import base64
import functools
import random

__all__ = ["AUDIO_KINDS", "b64_chunks", "pcm_chunks"]

AUDIO_KINDS = ("speech", "noise")

_SENTENCES = (
    "Hello, thanks for calling. ",
    "Your order shipped this morning and should arrive on Thursday. ",
    "Is there anything else I can help you with today? ",
)


@functools.cache
def _clip(audio: str) -> bytes:
    if audio == "speech":
        from rtvoice.simulator import encode_speech

        return b"".join(encode_speech(text) for text in _SENTENCES)
    if audio == "noise":
        return random.Random(7).randbytes(48_000 * 7)  # 7 s of 24 kHz PCM16
    raise ValueError(f"audio must be one of {AUDIO_KINDS}, got {audio!r}")


@functools.cache
def pcm_chunks(audio: str, size: int) -> tuple[bytes, ...]:
    """The clip cut into whole chunks of ``size`` bytes (the tail that does not fill one is
    left out)."""
    clip = _clip(audio)
    return tuple(clip[i : i + size] for i in range(0, len(clip) - size + 1, size))


@functools.cache
def b64_chunks(audio: str, size: int, skip: int) -> tuple[str, ...]:
    """Each chunk's bytes after the first ``skip``, base64-encoded.

    ``skip`` must be a multiple of 3, so that the base64 of the skipped head (the latency
    stamp) and of the rest can be joined.
    """
    if skip % 3:
        raise ValueError("skip must be a multiple of 3")
    return tuple(base64.b64encode(chunk[skip:]).decode() for chunk in pcm_chunks(audio, size))
