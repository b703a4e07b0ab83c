"""A simulated Twilio caller: the other side of a Media Stream, for tests.

:class:`SimulatedTwilioCaller` connects to an application's media-stream URL as Twilio does
and plays a phone caller: it sends ``connected`` and ``start`` (with stream and call SIDs and
the custom parameters), then ``media`` frames of G.711 mu-law at 8 kHz in real time (scaled
by ``pace``), silence when it is not speaking, as a phone line does. It speaks speech the
simulator can hear (:func:`~rtvoice.simulator.encode_speech`), plays the application's
audio on a playback clock at 8 kHz (scaled by ``pace``) and echoes each ``mark`` once the
audio before it has been played, as Twilio does. On ``clear`` it drops the audio it has
queued and echoes the marks that were waiting (Twilio does the same: those echoes say
nothing about what was heard). It presses keys (``dtmf``) and hangs up with ``stop``.

Example, in a test of your own app::

    from rtvoice.simulator.twilio import SimulatedTwilioCaller

    async def test_the_agent_answers(app_url: str) -> None:
        async with SimulatedTwilioCaller(f"{app_url}/media-stream", pace=4) as caller:
            await caller.say("what time is it")
            await caller.wait_until(lambda: "what time is it" in caller.heard_text())
            await caller.press("1")
            await caller.hang_up()

:func:`twilio_signature` signs a webhook as Twilio does, :func:`post_twilio_webhook` posts
one, and :func:`read_connect_stream` reads the stream URL and parameters out of the TwiML
answer. What it does not emulate: network jitter and packet loss, Twilio's own playback
buffer limits, the ``outbound`` track, ``<Start><Stream>`` (one-way) streams, Twilio's
status callbacks, and real speech (only the simulator's tone speech is heard).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import anyio
from typing_extensions import Self
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ..audio import ulaw_decode
from ..errors import UserError
from ._speech import SpeechDecoder, decode_speech, encode_speech

__all__ = [
    "ClearRecord",
    "EchoedMark",
    "SimulatedTwilioCaller",
    "post_twilio_webhook",
    "read_connect_stream",
    "twilio_signature",
]

_RATE = 8000  # mu-law samples (= bytes) per second
_SILENCE = b"\xff"  # mu-law zero


@dataclass(frozen=True, slots=True)
class EchoedMark:
    """A mark the caller echoed back.

    Attributes:
        name: The mark's name.
        played_bytes: How much of the application's audio the caller had heard in all (8
            bytes per millisecond) when it echoed the mark.
        cleared: Whether it was echoed because a ``clear`` dropped the audio before it (so
            it says nothing about what was heard).
    """

    name: str
    played_bytes: int
    cleared: bool = False


@dataclass(frozen=True, slots=True)
class ClearRecord:
    """A ``clear`` the caller received.

    Attributes:
        played_bytes: How much audio the caller had heard in all when it arrived.
        dropped_bytes: How much queued audio it dropped.
    """

    played_bytes: int
    dropped_bytes: int


class SimulatedTwilioCaller:
    """Plays Twilio and a phone caller on one Media Stream (see the module docstring).

    Use it as an async context manager: entering connects and sends ``connected`` and
    ``start``; leaving hangs up (``stop``) if the call is still on, and closes the socket.

    Args:
        url: The application's media-stream WebSocket URL (``ws://127.0.0.1:8080/media-stream``).
        pace: Speed of the line's clock: ``1.0`` is real time, ``4.0`` sends and plays audio
            four times faster.
        frame_ms: Milliseconds of audio per ``media`` frame sent (Twilio: 20).
        custom_parameters: The ``<Parameter>`` values of the TwiML (in ``start``).
        stream_sid: The stream's SID (default: a random ``MZ...``).
        call_sid: The call's SID (default: a random ``CA...``).
        account_sid: The account's SID (default: a random ``AC...``).

    Raises:
        UserError: ``pace`` or ``frame_ms`` is not positive.
    """

    def __init__(
        self,
        url: str,
        *,
        pace: float = 1.0,
        frame_ms: int = 20,
        custom_parameters: Mapping[str, str] | None = None,
        stream_sid: str | None = None,
        call_sid: str | None = None,
        account_sid: str | None = None,
    ) -> None:
        if not pace > 0:
            raise UserError(f"pace must be > 0, got {pace!r}")
        if not isinstance(frame_ms, int) or frame_ms <= 0:
            raise UserError(f"frame_ms must be a positive whole number, got {frame_ms!r}")
        self.url = url
        self.pace = float(pace)
        self.frame_ms = frame_ms
        self.custom_parameters = dict(custom_parameters or {})
        self.stream_sid = stream_sid or "MZ" + secrets.token_hex(16)
        self.call_sid = call_sid or "CA" + secrets.token_hex(16)
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.received_audio = bytearray()
        """Every byte of audio the application sent (played or not)."""
        self.played_audio = bytearray()
        """The audio the caller heard, in order (what a ``clear`` dropped is not in it)."""
        self.echoed_marks: list[EchoedMark] = []
        """Every mark echoed, in order."""
        self.clears: list[ClearRecord] = []
        """Every ``clear`` received, in order."""
        self.app_frames: list[dict[str, Any]] = []
        """Every frame the application sent but ``media`` (``mark``, ``clear``, unknown)."""
        self.app_hung_up = False
        """Whether the application closed the socket (rather than the caller)."""
        self._connection: ClientConnection | None = None
        self._task_group: anyio.abc.TaskGroup | None = None
        self._microphone = bytearray()
        self._sent_bytes = 0  # of speech, through the microphone
        self._queued_bytes = 0  # of speech, handed to the microphone
        self._playback: deque[bytearray | str] = deque()
        self._sequence = 0
        self._chunk = 0
        self._hung_up = False
        self._changed = anyio.Event()
        self._closed = anyio.Event()
        self._scope = anyio.CancelScope()
        self._ear = SpeechDecoder(_RATE)  # decodes what is played, as it is played
        self._heard: list[str] = []  # per stretch of playback between two clears
        self._hearing = ""  # the current stretch

    # -----------------------------------------------------------------------------------------
    # The call

    async def __aenter__(self) -> Self:
        self._connection = await connect(self.url, open_timeout=5)
        try:
            await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
            await self._send(
                {
                    "event": "start",
                    "start": {
                        "accountSid": self.account_sid,
                        "streamSid": self.stream_sid,
                        "callSid": self.call_sid,
                        "tracks": ["inbound"],
                        "mediaFormat": {
                            "encoding": "audio/x-mulaw",
                            "sampleRate": _RATE,
                            "channels": 1,
                        },
                        "customParameters": self.custom_parameters,
                    },
                    "streamSid": self.stream_sid,
                },
                numbered=True,
            )
            self._task_group = anyio.create_task_group()
            await self._task_group.__aenter__()
        except BaseException:
            await self._connection.close()
            raise
        self._task_group.start_soon(self._run)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            with anyio.CancelScope(shield=True):
                await self.hang_up()
        finally:
            group, self._task_group = self._task_group, None
            self._scope.cancel()
            if group is not None:
                await group.__aexit__(None, None, None)

    async def say(self, text: str, *, silence_after_ms: int = 700) -> None:
        """Speak ``text`` (simulator speech, mu-law), then ``silence_after_ms`` of silence so
        the server's VAD hears the turn end; returns once the microphone has sent it all.

        Saying something while the application's audio is playing is a barge-in.
        """
        audio = encode_speech(text, "g711_ulaw") + _SILENCE * (silence_after_ms * _RATE // 1000)
        self._microphone += audio
        self._queued_bytes += len(audio)
        target = self._queued_bytes
        await self.wait_until(lambda: self._sent_bytes >= target or self._closed.is_set())

    async def press(self, digits: str) -> None:
        """Press keys: one ``dtmf`` frame per digit (``0``-``9``, ``*``, ``#``, ``A``-``D``)."""
        for digit in digits:
            if digit not in "0123456789*#ABCD":
                raise UserError(f"not a DTMF key: {digit!r}")
            await self._send(
                {
                    "event": "dtmf",
                    "streamSid": self.stream_sid,
                    "dtmf": {"track": "inbound_track", "digit": digit},
                },
                numbered=True,
            )

    async def send_raw(self, text: str) -> None:
        """Send any text frame as is (a malformed one, say)."""
        connection = self._require()
        await connection.send(text)

    async def hang_up(self) -> None:
        """Hang up: send ``stop`` and close the socket (nothing if the call is already over)."""
        if self._hung_up:
            return
        self._hung_up = True
        connection = self._connection
        if connection is None:
            return
        if not self._closed.is_set():
            stop = {"accountSid": self.account_sid, "callSid": self.call_sid}
            with contextlib.suppress(ConnectionClosed):
                await self._send(
                    {"event": "stop", "streamSid": self.stream_sid, "stop": stop}, numbered=True
                )
        await connection.close()
        self._closed.set()
        self._touch()

    async def drop(self) -> None:
        """Close the socket without ``stop``, as a dropped connection does."""
        self._hung_up = True
        await self._require().close()
        self._closed.set()
        self._touch()

    async def wait_until(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until ``predicate()`` holds, checked after everything the caller sends,
        hears or receives.

        Raises:
            TimeoutError: It did not within ``within`` seconds.
        """
        with anyio.fail_after(within):
            while not predicate():
                await self._changed.wait()

    async def wait_until_quiet(self, within: float = 5.0) -> None:
        """Wait until everything the application sent has been played and its marks echoed
        (a polite caller lets the agent finish before speaking).

        Raises:
            TimeoutError: Audio is still playing after ``within`` seconds.
        """
        await self.wait_until(lambda: not self._playback, within)

    async def wait_closed(self, within: float = 5.0) -> None:
        """Wait until the call is over (either side hung up).

        Raises:
            TimeoutError: It is not within ``within`` seconds.
        """
        with anyio.fail_after(within):
            await self._closed.wait()

    def heard_text(self) -> str:
        """What the caller has heard so far, decoded: the utterances' texts, joined by
        spaces (an utterance cut by a ``clear`` counts up to where it was cut). Cheap: the
        audio is decoded as it is played."""
        return " ".join(text for text in (*self._heard, self._hearing) if text)

    def received_text(self) -> str:
        """Everything the application sent, decoded, heard or not."""
        return decode_speech(bytes(self.received_audio), "g711_ulaw")

    @property
    def played_ms(self) -> float:
        """Milliseconds of the application's audio the caller heard."""
        return len(self.played_audio) / 8

    @property
    def playing(self) -> bool:
        """Whether audio is queued for playback (the application is being heard)."""
        return any(isinstance(entry, bytearray) for entry in self._playback)

    # -----------------------------------------------------------------------------------------
    # The three tasks: listening to the application, the microphone, the loudspeaker

    async def _run(self) -> None:
        with self._scope:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._speak)
                tasks.start_soon(self._play)
                await self._listen()
                tasks.cancel_scope.cancel()

    async def _listen(self) -> None:
        connection = self._require()
        try:
            async for message in connection:
                await self._on_frame(json.loads(message))
        except ConnectionClosed:
            pass
        if not self._hung_up:
            self.app_hung_up = True
        self._hung_up = True
        self._closed.set()
        self._touch()

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        event = frame.get("event")
        if event == "media":
            audio = base64.b64decode(frame["media"]["payload"])
            self.received_audio += audio
            last = self._playback[-1] if self._playback else None
            if isinstance(last, bytearray):
                last += audio
            else:
                self._playback.append(bytearray(audio))
        else:
            self.app_frames.append(frame)
            if event == "mark":
                self._playback.append(str(frame["mark"]["name"]))
            elif event == "clear":
                await self._clear()
        self._touch()

    async def _clear(self) -> None:
        dropped = sum(len(entry) for entry in self._playback if isinstance(entry, bytearray))
        self.clears.append(ClearRecord(len(self.played_audio), dropped))
        waiting = [entry for entry in self._playback if isinstance(entry, str)]
        self._playback.clear()
        self._heard.append(self._hearing + self._ear.flush())  # the cut utterance ends here
        self._hearing = ""
        for name in waiting:  # Twilio echoes the marks of the audio it dropped
            await self._echo(name, cleared=True)

    async def _echo(self, name: str, *, cleared: bool = False) -> None:
        self.echoed_marks.append(EchoedMark(name, len(self.played_audio), cleared))
        frame = {"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}}
        with contextlib.suppress(ConnectionClosed):
            await self._send(frame, numbered=True)

    async def _speak(self) -> None:
        """The microphone: a ``media`` frame every ``frame_ms`` (of line time), speech when
        there is some, silence otherwise."""
        frame_bytes = self.frame_ms * _RATE // 1000
        step = self.frame_ms / 1000 / self.pace
        deadline = anyio.current_time()
        timestamp = 0
        while True:
            piece = bytes(self._microphone[:frame_bytes])
            del self._microphone[:frame_bytes]
            self._sent_bytes += len(piece)
            piece += _SILENCE * (frame_bytes - len(piece))
            self._chunk += 1
            media = {"track": "inbound", "chunk": str(self._chunk), "timestamp": str(timestamp)}
            media["payload"] = base64.b64encode(piece).decode("ascii")
            try:
                await self._send(
                    {"event": "media", "streamSid": self.stream_sid, "media": media},
                    numbered=True,
                )
            except ConnectionClosed:
                return
            self._touch()
            timestamp += self.frame_ms
            deadline += step
            await anyio.sleep(max(0.0, deadline - anyio.current_time()))

    async def _play(self) -> None:
        """The loudspeaker: plays queued audio on an 8 kHz clock (scaled by ``pace``) and
        echoes each mark once the audio before it has been played."""
        step_bytes = 20 * _RATE // 1000  # the clock ticks every 20 ms of audio
        deadline: float | None = None
        while True:
            if not self._playback:
                deadline = None  # idle: the clock restarts with the next audio
                await self._changed.wait()
                continue
            head = self._playback[0]
            if isinstance(head, str):
                self._playback.popleft()
                await self._echo(head)
                self._touch()
                continue
            size = min(step_bytes, len(head))
            now = anyio.current_time()
            deadline = (now if deadline is None else deadline) + size / _RATE / self.pace
            await anyio.sleep(max(0.0, deadline - now))
            if not self._playback or self._playback[0] is not head:
                continue  # a clear dropped it while it played: not heard
            piece = bytes(head[:size])
            del head[:size]
            self.played_audio += piece
            self._hearing += self._ear.feed(ulaw_decode(piece))
            if not head:
                self._playback.popleft()
            self._touch()

    # -----------------------------------------------------------------------------------------

    async def _send(self, frame: dict[str, Any], *, numbered: bool = False) -> None:
        if numbered:
            self._sequence += 1
            frame["sequenceNumber"] = str(self._sequence)
        await self._require().send(json.dumps(frame))

    def _require(self) -> ClientConnection:
        if self._connection is None:
            raise UserError("enter the caller first: 'async with SimulatedTwilioCaller(...)'")
        return self._connection

    def _touch(self) -> None:
        changed, self._changed = self._changed, anyio.Event()
        changed.set()


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str] | None = None) -> str:
    """The ``X-Twilio-Signature`` Twilio sends with a webhook: base64 of the HMAC-SHA1, keyed
    by the auth token, of the URL followed by each POST parameter's name and value, sorted
    by name."""
    payload = url + "".join(name + value for name, value in sorted((params or {}).items()))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


async def post_twilio_webhook(
    url: str,
    params: Mapping[str, str] | None = None,
    *,
    auth_token: str | None = None,
    signature: str | None = None,
    within: float = 5.0,
) -> tuple[int, str]:
    """POST a voice webhook to ``url`` as Twilio does when a call comes in.

    Args:
        url: The application's webhook (``http://127.0.0.1:8080/incoming-call``).
        params: The form parameters (default: ``CallSid``, ``AccountSid``, ``From``, ``To``,
            ``CallStatus=ringing``, ``Direction=inbound``).
        auth_token: Sign the request with it (``X-Twilio-Signature``).
        signature: Send this signature instead (a wrong one, say).
        within: Seconds to wait for the answer.

    Returns:
        The HTTP status and the body (the TwiML).
    """
    form = dict(
        params
        or {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": "AC" + secrets.token_hex(16),
            "From": "+15550100001",
            "To": "+15550100002",
            "CallStatus": "ringing",
            "Direction": "inbound",
        }
    )
    import urllib.error  # here, not at the top: loading rtvoice.simulator stays light
    import urllib.parse
    import urllib.request

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is None and auth_token is not None:
        signature = twilio_signature(auth_token, url, form)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")

    def post() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(request, timeout=within) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    return await anyio.to_thread.run_sync(post)


def read_connect_stream(twiml: str) -> tuple[str, dict[str, str]]:
    """The stream URL and the ``<Parameter>`` values of a ``<Connect><Stream>`` answer.

    Raises:
        UserError: The TwiML is not XML or has no ``<Connect><Stream url=...>``.
    """
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(twiml)
    except ElementTree.ParseError as exc:
        raise UserError(f"the answer is not TwiML: {exc}") from exc
    stream = root.find("./Connect/Stream")
    if root.tag != "Response" or stream is None or not stream.get("url"):
        raise UserError("the TwiML has no <Response><Connect><Stream url=...>")
    params = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    return str(stream.get("url")), params
