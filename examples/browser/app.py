"""A voice agent in a browser tab: one page, one AudioWorklet, one WebSocket, no framework.

Run ``python examples/browser/app.py --port 8000`` and open http://127.0.0.1:8000/. The same
port serves the page over HTTP and the audio over a WebSocket at ``/ws``. With no
``OPENAI_API_KEY`` the agent is the built-in simulator (it hears only its own tone speech:
see docs/browser.md); with a key it is OpenAI.

What goes over the page's socket (see docs/browser.md):

* page -> server: binary frames of microphone audio (PCM16, 24 kHz, mono), and
  ``{"type": "played", "item_id", "content_index", "bytes"}`` as the page's speaker plays;
* server -> page: ``{"type": "ready"}`` once the session is live, ``{"type": "audio",
  "item_id", "content_index", "audio": base64}``, ``{"type": "stop", "item_id",
  "played_ms"}`` on a barge-in (flush playback now), ``{"type": "history", "items"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
from pathlib import Path

import anyio
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from rtvoice import (
    OpenAIProvider,
    PlaybackTracker,
    RealtimeAgent,
    RealtimeRunner,
    RealtimeSession,
    UserError,
)
from rtvoice.session import AssistantMessageItem, UserMessageItem
from rtvoice.simulator import SimulatorProvider

STATIC = {"/": "index.html", "/audio-worklet.js": "audio-worklet.js"}
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

runner: RealtimeRunner[None] = RealtimeRunner(
    RealtimeAgent(name="Assistant", instructions="Keep answers short."),
    provider=OpenAIProvider() if os.environ.get("OPENAI_API_KEY") else SimulatorProvider(),
    config={
        "model_settings": {
            "audio": {
                "input": {
                    "format": "pcm16",
                    "transcription": {"model": "gpt-4o-mini-transcribe"},
                    "turn_detection": {"type": "server_vad", "interrupt_response": True},
                },
                "output": {"format": "pcm16"},
            }
        }
    },
)


def serve_page(connection: ServerConnection, request: Request) -> Response | None:
    """Answer plain HTTP requests with the page's files; let ``/ws`` become a WebSocket."""
    if request.path == "/ws":
        return None
    name = STATIC.get(request.path)
    if name is None:
        return connection.respond(404, "Not found\n")
    body = (Path(__file__).parent / name).read_bytes()
    headers = Headers({"Content-Type": TYPES[Path(name).suffix], "Cache-Control": "no-store"})
    headers["Content-Length"] = str(len(body))
    return Response(200, "OK", headers, body)


async def bridge(browser: ServerConnection) -> None:
    """Run one session for one page, until either side goes away."""
    tracker = PlaybackTracker()
    session = await runner.run(model_config={"playback_tracker": tracker})
    async with session, anyio.create_task_group() as tasks:
        tasks.start_soon(listen, browser, session, tracker)
        with contextlib.suppress(ConnectionClosed):  # the page left
            await send(browser, "ready")
            async for event in session:
                if event.type == "audio":
                    chunk = event.audio
                    await send(
                        browser,
                        "audio",
                        item_id=chunk.item_id,
                        content_index=chunk.content_index,
                        audio=base64.b64encode(chunk.data).decode(),
                    )
                elif event.type == "audio_interrupted":
                    tracker.on_interrupted()  # what still drains out no longer counts
                    await send(browser, "stop", item_id=event.item_id, played_ms=event.played_ms)
                elif event.type in ("history_added", "history_updated"):
                    await send(browser, "history", items=transcript(session))
                elif event.type == "error":
                    print("error:", event.error)
        tasks.cancel_scope.cancel()
    print(f"page left; session closed with {len(session.history)} history items", flush=True)


async def listen(
    browser: ServerConnection, session: RealtimeSession, tracker: PlaybackTracker
) -> None:
    """The page's microphone into the session, its playback reports into the tracker."""
    with contextlib.suppress(ConnectionClosed):
        async for message in browser:
            if isinstance(message, bytes):
                await session.send_audio(message)
            else:
                report_played(tracker, message)
    await session.close()  # the page left: end the session's iteration too


def report_played(tracker: PlaybackTracker, message: str) -> None:
    """Feed one of the page's ``played`` reports to the tracker; a malformed one is logged."""
    try:
        played = json.loads(message)
        tracker.on_play_bytes(played["item_id"], played["content_index"], played["bytes"])
    except (ValueError, KeyError, TypeError, UserError) as exc:
        print(f"ignored a bad report from the page: {message[:80]!r} ({exc!r})")


async def send(browser: ServerConnection, kind: str, **fields: object) -> None:
    await browser.send(json.dumps({"type": kind, **fields}))


def transcript(session: RealtimeSession) -> list[dict[str, str]]:
    """The conversation so far, as the page shows it."""
    return [
        {"item_id": item.item_id, "role": item.type.split("_")[0], "text": item.text}
        for item in session.history
        if isinstance(item, UserMessageItem | AssistantMessageItem)
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    args = parser.parse_args()
    async with serve(bridge, args.host, args.port, process_request=serve_page) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"Serving the page on http://{args.host}:{port}/", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
