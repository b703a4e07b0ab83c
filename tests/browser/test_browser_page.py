"""examples/browser in real headless Chromium: the page's microphone is a WAV file of simulator
speech, its AudioWorklet plays the agent's answer, and a barge-in cuts the history where the
page's speaker stopped.

Chromium is Debian's (``/usr/bin/chromium``, or ``RTVOICE_CHROMIUM``), driven by Playwright
(the ``browser`` extra). Without either the test skips, except under ``CI=true``, where it fails:
CI must run it (``.ci/run`` installs both).

The WAV holds three utterances: "hi" (answered, and heard to the end), "how are you" (answered)
and "stop", which starts while that second answer is still playing. Chromium plays the file in
real time, so this test takes as long as the conversation: about 7 s.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import shutil
import wave
from pathlib import Path
from typing import Any

import pytest

from rtvoice.audio import resample_pcm16
from rtvoice.simulator import decode_speech, encode_speech

from .running_app import RunningApp

WAV_RATE = 48_000  # Chromium's fake capture device runs at 48 kHz
BYTES_PER_MS = 48  # PCM16 at 24 kHz, the session's rate

# (silence before it in ms, what is said): the simulator answers "You said: <text>" to each.
SCRIPT = [(300, "hi"), (1700, "how are you"), (900, "stop")]
ANSWER_TWO_MS = 150 + 60 * len("You said: how are you")  # the modem's length (encode_speech)


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true the browser test must run, not skip")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> str:
    """Chromium's path, once both it and Playwright are known to be there."""
    path = os.environ.get("RTVOICE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        _skip_or_fail(f"no Chromium at {path} (apt-get install chromium, or set RTVOICE_CHROMIUM)")
    if importlib.util.find_spec("playwright") is None:
        _skip_or_fail("playwright is not installed (pip install 'rtvoice[browser]')")
    return path


def _speech_wav(path: Path) -> Path:
    pcm = bytearray()
    for silence_ms, text in SCRIPT:
        pcm += bytes(silence_ms * BYTES_PER_MS)
        pcm += encode_speech(text)
    pcm += bytes(3000 * BYTES_PER_MS)  # then quiet: the file plays once (%noloop)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(WAV_RATE)
        out.writeframes(resample_pcm16(bytes(pcm), 24_000, WAV_RATE))
    return path


def _played(page: Any, item_id: str) -> bytes:
    """The PCM16 the page's worklet sent to the speaker for one item, in order."""
    encoded: str = page.evaluate(
        """(id) => {
            const parts = window.voicePage.played.filter((p) => p.item_id === id);
            const bytes = new Uint8Array(parts.reduce((n, p) => n + p.samples.byteLength, 0));
            let at = 0;
            for (const p of parts) {
                bytes.set(new Uint8Array(p.samples.buffer, p.samples.byteOffset,
                                         p.samples.byteLength), at);
                at += p.samples.byteLength;
            }
            let text = "";
            for (const b of bytes) text += String.fromCharCode(b);
            return btoa(text);
        }""",
        item_id,
    )
    return base64.b64decode(encoded)


def test_the_page_hears_the_answer_and_a_barge_in_cuts_history_at_what_it_played(
    chromium: str, browser_app: RunningApp, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    wav = _speech_wav(tmp_path / "speech.wav")
    args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",
        "--autoplay-policy=no-user-gesture-required",
        # Nothing but loopback resolves: the page and its socket are all there is.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        try:
            page = browser.new_page()
            page.goto(browser_app.url)
            page.click("#start")
            # The barge-in: the page is told to stop, and the session's history shows the cut.
            page.wait_for_function("window.voicePage.stops.length > 0", timeout=15_000)
            stop = page.evaluate("window.voicePage.stops[0]")
            # The answer to "stop" comes after the cut item was truncated and retrieved.
            page.wait_for_function(
                """() => window.voicePage.history.some((item) => item.text === "You said: stop")""",
                timeout=5_000,
            )
            history = page.evaluate("window.voicePage.history")
            received = page.evaluate("window.voicePage.received")
            played = {item["item_id"]: _played(page, item["item_id"]) for item in history}
        finally:
            browser.close()
        # The page is gone, and so is its session.
        browser_app.wait_for_line("page left; session closed")

        assistant = [item for item in history if item["role"] == "assistant"]
        user = [item["text"] for item in history if item["role"] == "user"]
        assert user[:2] == ["hi", "how are you"]

        # The first answer went out of the page's speaker whole: decoding it gives the words.
        first = assistant[0]
        assert decode_speech(played[first["item_id"]]) == "You said: hi"
        assert first["text"] == "You said: hi"

        # The second was cut by "stop": the history keeps what the page had played, no more.
        cut = next(item for item in assistant if item["item_id"] == stop["item_id"])
        heard = played[cut["item_id"]]
        chunks = [r["bytes"] for r in received if r["item_id"] == cut["item_id"]]
        one_chunk_ms = max(chunks) / BYTES_PER_MS
        played_ms = len(heard) / BYTES_PER_MS
        assert 0 < stop["played_ms"] < ANSWER_TWO_MS - 200
        # The page played a little on while "stop" travelled to it: within one chunk.
        assert stop["played_ms"] <= played_ms <= stop["played_ms"] + one_chunk_ms
        # ... and dropped the rest at once, though it had it all (it streams faster than real
        # time).
        assert sum(chunks) / BYTES_PER_MS == ANSWER_TWO_MS > played_ms + 200
        heard_text = decode_speech(heard)
        assert "You said: how are you".startswith(heard_text)
        assert heard_text.startswith(cut["text"])
        assert len(heard_text) - len(cut["text"]) <= one_chunk_ms / 60 + 1
