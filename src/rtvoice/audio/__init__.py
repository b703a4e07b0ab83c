"""Audio formats, G.711, resampling and levels.

Resampling is anti-aliased when the ``audio`` extra (python-soxr) is installed, and falls back
to a built-in linear converter otherwise (see :data:`ResampleQuality` and ``docs/audio.md``).

A :class:`PlaybackTracker` records what the application actually played, for exact truncation
on interruptions.

PCM16 buffers are signed 16-bit little-endian mono bytes throughout. Functions that take a
whole PCM16 buffer raise :class:`~rtvoice.UserError` when it has an odd length; the streaming
:class:`Resampler` accepts any chunking instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

# Imported on first use (see ``rtvoice._lazy``): the configuration needs only the format names
# and the runner only PlaybackTracker; conversion (G.711 tables, resampling) is for sessions.
if TYPE_CHECKING:
    from ._convert import from_pcm16, to_pcm16
    from ._formats import (
        AudioFormatName,
        bytes_for_ms,
        bytes_per_ms,
        bytes_per_sample,
        duration_ms,
        sample_rate,
    )
    from ._g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
    from ._pcm16 import rms_dbfs
    from ._playback import PlaybackTracker
    from ._resample import ResampleQuality, Resampler, resample_pcm16
else:
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "._convert": ("from_pcm16", "to_pcm16"),
            "._formats": (
                "AudioFormatName",
                "bytes_for_ms",
                "bytes_per_ms",
                "bytes_per_sample",
                "duration_ms",
                "sample_rate",
            ),
            "._g711": ("alaw_decode", "alaw_encode", "ulaw_decode", "ulaw_encode"),
            "._pcm16": ("rms_dbfs",),
            "._playback": ("PlaybackTracker",),
            "._resample": ("ResampleQuality", "Resampler", "resample_pcm16"),
        },
    )

__all__ = [
    "AudioFormatName",
    "PlaybackTracker",
    "ResampleQuality",
    "Resampler",
    "alaw_decode",
    "alaw_encode",
    "bytes_for_ms",
    "bytes_per_ms",
    "bytes_per_sample",
    "duration_ms",
    "from_pcm16",
    "resample_pcm16",
    "rms_dbfs",
    "sample_rate",
    "to_pcm16",
    "ulaw_decode",
    "ulaw_encode",
]
