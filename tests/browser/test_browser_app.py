"""examples/browser/app.py without a browser: the files it serves, and its socket spoken by a
plain WebSocket client as the page speaks it (runs in the plain suite: no Chromium needed)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

from websockets.sync.client import connect

from rtvoice.simulator import decode_speech, encode_speech

from .running_app import RunningApp


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def test_the_app_serves_the_page_and_its_worklet_on_the_socket_port(
    browser_app: RunningApp,
) -> None:
    status, kind, page = _get(browser_app.url)
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert "<script" in page
    assert "/audio-worklet.js" in page
    assert "http://" not in page
    assert "https://" not in page
    status, kind, worklet = _get(browser_app.url + "audio-worklet.js")
    assert (status, kind) == (200, "text/javascript; charset=utf-8")
    assert 'registerProcessor("voice"' in worklet
    for path in ("secrets.txt", "ws/", "index.html"):
        assert _get(browser_app.url + path)[0] == 404, path


def _frames_until(ws: Any, done: str) -> list[dict[str, Any]]:
    """Messages from the app until a history message whose last item's text is ``done``."""
    frames: list[dict[str, Any]] = []
    while True:
        frame = json.loads(ws.recv(timeout=5))
        frames.append(frame)
        if frame["type"] == "history" and frame["items"] and frame["items"][-1]["text"] == done:
            return frames


def test_a_bad_playback_report_is_ignored_and_the_turn_goes_on(browser_app: RunningApp) -> None:
    socket_url = browser_app.url.replace("http://", "ws://") + "ws"
    with connect(socket_url, open_timeout=5) as ws:
        assert json.loads(ws.recv(timeout=5)) == {"type": "ready"}
        for bad in (
            "not json",
            json.dumps({"type": "played"}),
            json.dumps({"type": "played", "item_id": "x", "content_index": 0, "bytes": -2}),
        ):
            ws.send(bad)
        # What the page's microphone sends: PCM16 24 kHz, 20 ms binary frames.
        speech = bytes(9600) + encode_speech("hi") + bytes(24000)
        for start in range(0, len(speech), 960):
            ws.send(speech[start : start + 960])
        frames = _frames_until(ws, "You said: hi")
    audio = b"".join(base64.b64decode(f["audio"]) for f in frames if f["type"] == "audio")
    assert decode_speech(audio) == "You said: hi"
    assert [item["role"] for item in frames[-1]["items"]] == ["user", "assistant"]
    assert frames[-1]["items"][0]["text"] == "hi"
    # The page left: the app closed its session, and logged each bad report without dying.
    assert browser_app.wait_for_line("page left; session closed")
    ignored = [line for line in browser_app.printed if line.startswith("ignored")]
    assert len(ignored) == 3, ignored
