"""``python -m benchmarks.resampler``: the resampler's figures, old (linear) vs new (high).

For each pair of 8/16/24/48 kHz, through rtvoice's public API (``resample_pcm16`` and
``Resampler`` with ``quality="linear"`` or ``"high"``):

* **alias** (downsampling): the worst level, over tones from just above the lower Nyquist
  frequency up to the higher one, of what folds back below it, in dB relative to the tone
  ("silent" when every output sample rounds to zero);
* **image** (upsampling): the worst level of the images (``k * src +- f``) of tones up to the
  lower Nyquist frequency;
* **ripple**: the largest gain error, in dB, of tones up to 0.9 x the lower Nyquist frequency;
* **delay**: where a click at 50 ms comes out, relative to 50 ms (the filter's delay on the
  timeline), and the stream's latency fed 20 ms chunks: how much output, in ms, it still holds
  back after a chunk, at most and on average;
* **CPU**: process time per second of audio (mono PCM16, speech-like tones), the median of
  several runs, for one call on the whole signal and for a stream of 20 ms chunks.

Needs the ``audio`` extra (python-soxr, numpy). Levels are a Hann-windowed single-bin DFT over
100 ms in the middle of the output. ``--quick`` measures fewer tones and runs.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from typing import Any

from rtvoice.audio import ResampleQuality, Resampler, resample_pcm16

RATES = (8_000, 16_000, 24_000, 48_000)
PAIRS = [(src, dst) for src in RATES for dst in RATES if src != dst]
AMPLITUDE = 10_000.0
CHUNK_MS = 20


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        sys.exit("the resampler benchmark needs numpy and soxr: pip install 'rtvoice[audio]'")
    return numpy


np = _numpy()


def tone(frequency: float, rate: int, seconds: float) -> bytes:
    n = np.arange(int(rate * seconds))
    return bytes(np.rint(AMPLITUDE * np.sin(2 * np.pi * frequency * n / rate)).astype("<i2"))


def level_db(samples: Any, frequency: float, rate: int) -> float:
    window = np.hanning(len(samples))
    phase = np.exp(-2j * np.pi * frequency * np.arange(len(samples)) / rate)
    amplitude = 2 * abs(np.sum(samples * window * phase)) / np.sum(window)
    return float(20 * np.log10(max(amplitude, 1e-9) / AMPLITUDE))


def converted(frequency: float, src: int, dst: int, quality: ResampleQuality) -> Any:
    out = np.frombuffer(resample_pcm16(tone(frequency, src, 0.2), src, dst, quality=quality), "<i2")
    return out[dst // 20 : dst // 20 + dst // 10].astype(np.float64)  # 50-150 ms


def fold(frequency: float, rate: int) -> float:
    folded = frequency % rate
    return min(folded, rate - folded)


def alias_db(src: int, dst: int, quality: ResampleQuality, tones: int) -> float:
    low, high = 1.02 * dst / 2, 0.98 * src / 2
    worst = -math.inf
    for frequency in np.linspace(low, high, tones):
        out = converted(frequency, src, dst, quality)
        worst = max(worst, level_db(out, fold(frequency, dst), dst))
    return worst


def image_db(src: int, dst: int, quality: ResampleQuality, tones: int) -> float:
    worst = -math.inf
    for frequency in np.linspace(0.05 * src / 2, 0.98 * src / 2, tones):
        out = converted(frequency, src, dst, quality)
        for k in range(1, dst // src + 1):
            for image in (k * src - frequency, k * src + frequency):
                if image < 0.99 * dst / 2:
                    worst = max(worst, level_db(out, image, dst))
    return worst


def ripple_db(src: int, dst: int, quality: ResampleQuality, tones: int) -> float:
    edge = 0.9 * min(src, dst) / 2
    return max(
        abs(level_db(converted(f, src, dst, quality), f, dst))
        for f in np.linspace(50.0, edge, tones)
    )


def click_delay_ms(src: int, dst: int, quality: ResampleQuality) -> float:
    click = np.zeros(src // 10, dtype="<i2")
    click[src // 20] = 30_000
    out = np.frombuffer(resample_pcm16(bytes(click), src, dst, quality=quality), "<i2")
    return float((int(np.argmax(np.abs(out))) - dst // 20) * 1000 / dst)


def speech_like(rate: int, seconds: float) -> bytes:
    """Tones of 300-3400 Hz switching every 30 ms, like the simulator's speech."""
    n = np.arange(int(rate * seconds))
    frequency = 300 + 3_100 * ((n // (rate * 3 // 100) * 7919) % 32) / 31
    return bytes(np.rint(AMPLITUDE * np.sin(2 * np.pi * frequency * n / rate)).astype("<i2"))


def stream_latency_ms(src: int, dst: int, quality: ResampleQuality) -> tuple[float, float]:
    resampler = Resampler(src, dst, quality=quality)
    audio = speech_like(src, 2.0)
    chunk = 2 * src * CHUNK_MS // 1000
    held, received, emitted = [], 0, 0
    for start in range(0, len(audio), chunk):
        emitted += len(resampler.process(audio[start : start + chunk])) // 2
        received += chunk // 2
        held.append((received * dst / src - emitted) * 1000 / dst)
    resampler.flush()
    return max(held), statistics.fmean(held)


def cpu_ms_per_s(src: int, dst: int, quality: ResampleQuality, runs: int) -> tuple[float, float]:
    seconds = 4.0
    audio = speech_like(src, seconds)
    chunk = 2 * src * CHUNK_MS // 1000
    chunks = [audio[i : i + chunk] for i in range(0, len(audio), chunk)]
    whole, streamed = [], []
    for _ in range(runs):
        started = time.process_time()
        resample_pcm16(audio, src, dst, quality=quality)
        whole.append((time.process_time() - started) * 1000 / seconds)
        resampler = Resampler(src, dst, quality=quality)
        started = time.process_time()
        for piece in chunks:
            resampler.process(piece)
        resampler.flush()
        streamed.append((time.process_time() - started) * 1000 / seconds)
    return statistics.median(whole), statistics.median(streamed)


def measure(src: int, dst: int, quality: ResampleQuality, quick: bool) -> dict[str, float]:
    tones, runs = (8, 3) if quick else (24, 9)
    rejection = (
        alias_db(src, dst, quality, tones) if dst < src else image_db(src, dst, quality, tones)
    )
    latency_max, latency_mean = stream_latency_ms(src, dst, quality)
    cpu_whole, cpu_stream = cpu_ms_per_s(src, dst, quality, runs)
    return {
        "rejection": rejection,
        "ripple": ripple_db(src, dst, quality, tones),
        "click": click_delay_ms(src, dst, quality),
        "latency_max": latency_max,
        "latency_mean": latency_mean,
        "cpu_whole": cpu_whole,
        "cpu_stream": cpu_stream,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.resampler", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer tones and runs")
    args = parser.parse_args()
    if Resampler(24_000, 8_000).quality != "high":
        sys.exit("python-soxr is not installed: pip install 'rtvoice[audio]'")
    print(
        "| pair (kHz) | quality | alias / image (dB) | ripple to 0.9 Nyquist (dB) "
        "| click delay (ms) | stream holds, max / mean (ms) | CPU whole / 20 ms chunks (ms/s) |"
    )
    print("|---|---|---|---|---|---|---|")
    for src, dst in PAIRS:
        for quality in ("linear", "high"):
            m = measure(src, dst, quality, args.quick)
            kind = "alias" if dst < src else "image"
            # Below about -100 dB a tone rounds to silence in 16 bits: there is nothing left.
            level = "silent" if m["rejection"] < -150 else f"{m['rejection']:.1f}"
            print(
                f"| {src // 1000} -> {dst // 1000} | {quality} | {kind} {level} "
                f"| {m['ripple']:.2f} | {m['click']:.2f} "
                f"| {m['latency_max']:.1f} / {m['latency_mean']:.1f} "
                f"| {m['cpu_whole']:.2f} / {m['cpu_stream']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
