"""A simulated SIP call: OpenAI's side of a phone call to your app, on loopback.

:class:`SimulatedSipCall` plays what OpenAI and the caller do on a real SIP call::

    async with Simulator() as sim:
        call = SimulatedSipCall(sim, "http://127.0.0.1:8000/openai/webhook", secret=SECRET)
        assert await call.ring() == 200          # the signed realtime.call.incoming webhook
        await call.answered()                    # your app accepted (POST .../accept)
        await call.say("what time is it")        # the caller speaks into the line
        print(await call.hear())                 # what the caller heard the agent say
        await call.hang_up()

It posts a Standard Webhooks-signed ``realtime.call.incoming`` webhook to the app (it can
redeliver the same webhook id, sign wrongly, or date it in the past), the simulator answers the
app's ``accept | reject | refer | hangup`` as the real API does, and once the app attaches by
``call_id`` the call's model hears the caller's speech (simulator speech, see
:func:`~rtvoice.simulator.encode_speech`) and speaks back into the line. As on a real SIP
call, the app's socket carries events, not audio.

What it does not emulate: SIP and RTP themselves (no INVITE, codecs, jitter, packet loss or
DTMF), the accept's ``model`` choosing a different simulated model, webhooks other than
``realtime.call.incoming``, OpenAI's redelivery schedule (redeliver with :meth:`redeliver`),
``output_audio_buffer.started|stopped``, and a call that goes on with no socket attached (the
call's model runs on the sideband socket; caller audio said before it attaches is kept).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import time
from urllib.parse import urlsplit

import anyio
import anyio.lowlevel

from ..audio import AudioFormatName
from ..errors import UserError
from ..model.session_config import SessionConfig
from ._calls import CallState, SimulatedCallRecord
from ._server import Simulator
from ._speech import decode_speech, encode_speech

__all__ = ["DEFAULT_WEBHOOK_SECRET", "CallState", "SimulatedSipCall", "sign_webhook"]

DEFAULT_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"rtvoice-simulator-webhook-key").decode()
"""A webhook secret in OpenAI's ``whsec_<base64>`` form, for tests."""

_CHUNK_MS = 20


def sign_webhook(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks ``webhook-signature`` header value, ``v1,<base64 HMAC-SHA256>``
    of ``<id>.<timestamp>.<body>`` under the secret (``whsec_`` secrets are base64)."""
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
    mac = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


class SimulatedSipCall:
    """One incoming phone call, from the simulator to the app's webhook.

    Args:
        simulator: A running :class:`~rtvoice.simulator.Simulator`; the app's ``openai``
            client must point at it (``base_url`` ``http://127.0.0.1:<port>/v1``).
        webhook_url: The app's webhook, ``http://127.0.0.1:<port>/<path>``.
        secret: The webhook secret the app checks signatures with.
        sip_headers: The INVITE's headers, ``(name, value)`` pairs.
    """

    def __init__(
        self,
        simulator: Simulator,
        webhook_url: str,
        *,
        secret: str = DEFAULT_WEBHOOK_SECRET,
        sip_headers: tuple[tuple[str, str], ...] = (
            ("From", '"Caller" <sip:+15550100@sip.example.com>'),
            ("To", "<sip:+15550199@sip.api.openai.com>"),
        ),
    ) -> None:
        parts = urlsplit(webhook_url)
        if parts.scheme != "http" or not parts.hostname:
            raise UserError(f"webhook_url must be an http:// URL, got {webhook_url!r}")
        self._simulator = simulator
        self._url = parts
        self._secret = secret
        self._record: SimulatedCallRecord = simulator.calls.ring()
        self.webhook_id = "wh_" + self._record.call_id.partition("_")[2]
        """The ``webhook-id`` of this call's webhook (the same on every redelivery)."""
        self._event = json.dumps(
            {
                "object": "event",
                "id": "evt_" + self._record.call_id.partition("_")[2],
                "type": "realtime.call.incoming",
                "created_at": int(time.time()),
                "data": {
                    "call_id": self._record.call_id,
                    "sip_headers": [{"name": n, "value": v} for n, v in sip_headers],
                },
            }
        ).encode()
        self.rang_at: float | None = None
        """``time.perf_counter()`` when the first webhook was posted."""
        self._heard_until = 0

    # -------------------------------------------------------------------------------------
    # What the API sees

    @property
    def call_id(self) -> str:
        """``rtc_...``."""
        return self._record.call_id

    @property
    def state(self) -> CallState:
        """Ringing, accepted, rejected, referred or ended."""
        return self._record.state

    @property
    def accepts(self) -> int:
        """How many accepts succeeded (a correct app: at most one)."""
        return self._record.accepts

    @property
    def requests(self) -> list[str]:
        """Every action the app asked for on this call, in order (refused ones too)."""
        return list(self._record.requests)

    @property
    def reject_status(self) -> int | None:
        """The SIP status of the app's reject."""
        return self._record.reject_status

    @property
    def refer_target(self) -> str | None:
        """Where the app transferred the call."""
        return self._record.refer_target

    @property
    def session(self) -> SessionConfig | None:
        """The session configuration the accept carried (``None`` before an accept)."""
        return self._record.session

    @property
    def time_to_first_audio(self) -> float | None:
        """Seconds from the first webhook post to the first agent audio the caller heard."""
        first = self._record.media.first_audio_at
        if first is None or self.rang_at is None:
            return None
        return first - self.rang_at

    # -------------------------------------------------------------------------------------
    # The webhook

    async def ring(self, *, timestamp: int | None = None, signature: str | None = None) -> int:
        """Post the signed ``realtime.call.incoming`` webhook; returns the HTTP status.

        Args:
            timestamp: The ``webhook-timestamp`` (default: now); an old one tests the
                app's tolerance.
            signature: Send this ``webhook-signature`` instead of the right one.
        """
        started = time.perf_counter()
        stamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "webhook-id": self.webhook_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": signature
            or sign_webhook(self._secret, self.webhook_id, stamp, self._event),
            "content-type": "application/json",
        }
        status = await self._post(headers, self._event)
        if self.rang_at is None:
            self.rang_at = started
        return status

    async def redeliver(self) -> int:
        """Post the same webhook again (same id, fresh timestamp and signature), as OpenAI
        does when it did not see a 2xx in time; returns the HTTP status."""
        return await self.ring()

    async def _post(self, headers: dict[str, str], body: bytes) -> int:
        url = self._url
        reader, writer = await asyncio.open_connection(url.hostname, url.port or 80)
        try:
            lines = [
                f"POST {url.path or '/'} HTTP/1.1",
                f"Host: {url.netloc}",
                f"Content-Length: {len(body)}",
                "Connection: close",
                *(f"{name}: {value}" for name, value in headers.items()),
            ]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
            status_line = await reader.readline()
            parts = status_line.split()
            if len(parts) < 2 or not parts[1].isdigit():
                raise UserError(f"the webhook answered {status_line!r}, not HTTP")
            return int(parts[1])
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def answered(self, within_s: float = 5.0) -> CallState:
        """Wait until the app accepted or rejected the call (or it ended); its state.

        Raises:
            TimeoutError: Not within ``within_s`` seconds.
        """
        with anyio.fail_after(within_s):
            await self._record.answered.wait()
        return self._record.state

    async def ended(self, within_s: float = 5.0) -> CallState:
        """Wait until the call is over (rejected, referred, hung up); its state."""
        with anyio.fail_after(within_s):
            await self._record.ended.wait()
        return self._record.state

    # -------------------------------------------------------------------------------------
    # The caller

    async def say(self, text: str) -> None:
        """The caller says ``text``: simulator speech, framed by silence so that server VAD
        hears a whole turn, in the accepted session's input format."""
        fmt = self._input_format()
        audio = encode_speech(text, fmt)
        silence_byte = b"\xff" if fmt == "g711_ulaw" else b"\xd5" if fmt == "g711_alaw" else b"\0"
        per_ms = 8 if fmt.startswith("g711") else 48
        audio = silence_byte * (300 * per_ms) + audio + silence_byte * (800 * per_ms)
        step = _CHUNK_MS * per_ms
        for start in range(0, len(audio), step):
            self._record.media.speak(audio[start : start + step])
        await anyio.lowlevel.checkpoint()

    async def hear(self, within_s: float = 5.0, *, quiet_s: float = 0.2) -> str:
        """What the caller heard since the last call, decoded: waits for agent audio, then
        until none came for ``quiet_s`` seconds.

        Raises:
            TimeoutError: No audio within ``within_s`` seconds.
        """
        media = self._record.media
        with anyio.fail_after(within_s):
            await media.wait_heard(self._heard_until + 1)
            while True:
                with anyio.move_on_after(quiet_s):
                    await media.changed()
                    continue
                break
        audio = bytes(media.heard[self._heard_until :])
        self._heard_until = len(media.heard)
        return decode_speech(audio, self._output_format())

    async def hang_up(self) -> None:
        """The caller hangs up: the call ends and its socket closes."""
        if self._record.state in (CallState.RINGING, CallState.ACCEPTED):
            self._record.end(CallState.ENDED)
        await anyio.lowlevel.checkpoint()

    def _input_format(self) -> AudioFormatName:
        session = self._record.session
        return (session.input_format if session is not None else None) or "pcm16"

    def _output_format(self) -> AudioFormatName:
        session = self._record.session
        return (session.output_format if session is not None else None) or "pcm16"
