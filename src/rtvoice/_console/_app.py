"""One console conversation: a session, the lines the user types, and (voice) the device.

Three or five tasks share one task group: the session's events are shown as they come, the
user's lines are read and acted on, and in voice mode the microphone is streamed through the
:class:`~._voice.MicGate` and the agent's audio played by the :class:`~._voice.Speaker`.
The conversation ends at end of input or ``/quit`` (status 0), when the server ends the
session (0), or when the session fails (1).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import TextIO

import anyio

from ..audio import PlaybackTracker
from ..errors import RealtimeError
from ..runner import RealtimeModelConfig
from ..session import RealtimeSession
from ..session.events import ToolApprovalRequiredEvent
from ._render import Transcript
from ._target import ConsoleTarget
from ._voice import (
    BLOCK_BYTES,
    AudioDevice,
    MicGate,
    Speaker,
    VoiceMode,
    open_sound_device,
    tail_blocks_for,
)

__all__ = ["run_console"]

QUIT_COMMANDS = frozenset({"/quit", "/exit"})
_YES = frozenset({"y", "yes"})
_NO = frozenset({"n", "no"})
_ALWAYS = frozenset({"a", "always"})


async def run_console(
    target: ConsoleTarget,
    *,
    lines: AsyncIterator[str],
    out: TextIO,
    voice: VoiceMode | None = None,
    device: AudioDevice | None = None,
) -> int:
    """Talk to ``target`` until the user leaves; returns the exit status.

    Args:
        target: The runner to start the session from.
        lines: What the user types, one line at a time; its end is the user leaving.
        out: The terminal.
        voice: ``None`` for text; else the microphone mode.
        device: The microphone and speaker for voice mode; ``None`` opens the default sound
            device through ``sounddevice``.

    Raises:
        UserError: Voice mode without ``sounddevice``, or no sound device to open.
    """
    runner = target.runner
    transcript = Transcript(out, agent_name=runner.starting_agent.name, show_prompt=voice is None)
    async with AsyncExitStack() as stack:
        if voice is not None and device is None:
            device = stack.enter_context(open_sound_device())
        model_config: RealtimeModelConfig = {}
        if target.needs_simulator:
            from ..simulator import Simulator

            simulator = await stack.enter_async_context(Simulator(**target.simulator_options))
            model_config["url"] = simulator.realtime_url(runner.settings.model.model_name)
            model_config["headers"] = simulator.provider().build_headers()
        tracker = PlaybackTracker()
        if voice is not None:
            model_config["playback_tracker"] = tracker
        session = await runner.run(model_config=model_config)
        transcript.say(_banner(target, voice))
        try:
            await stack.enter_async_context(session)
        except RealtimeError as exc:
            transcript.say(f"rtvoice console: could not start the session: {exc}")
            return 1
        conversation = _Conversation(session, transcript, voice, device, tracker)
        return await conversation.run(lines)


def _banner(target: ConsoleTarget, voice: VoiceMode | None) -> str:
    runner = target.runner
    provider = runner.starting_agent.provider or runner.provider
    if target.simulated:
        where = "the built-in simulator"
    elif provider is None:
        where = "OpenAI (OPENAI_API_KEY)"
    else:
        where = type(provider).__name__
    leave = "/quit or Ctrl-D to leave"
    if voice == "push-to-talk":
        how = f"Press Enter to talk and Enter again to stop, or type a message; {leave}"
    elif voice == "half-duplex":
        how = f"Speak (Enter interrupts the agent), or type a message; {leave}"
    else:
        how = f"Type a message; {leave}"
    return f"rtvoice console: {runner.starting_agent.name} on {where}. {how}"


class _Conversation:
    def __init__(
        self,
        session: RealtimeSession,
        transcript: Transcript,
        voice: VoiceMode | None,
        device: AudioDevice | None,
        tracker: PlaybackTracker,
    ) -> None:
        self._session = session
        self._transcript = transcript
        self._approvals: deque[ToolApprovalRequiredEvent] = deque()
        self._status = 0
        self._turn_over = anyio.Event()
        self._voice = voice
        self._device = device
        self._speaker: Speaker | None = None
        self._gate: MicGate | None = None
        if voice is not None and device is not None:
            self._speaker = Speaker(device, tracker)
            self._gate = MicGate(voice, tail_blocks=tail_blocks_for(device.latency_ms))

    async def run(self, lines: AsyncIterator[str]) -> int:
        async with anyio.create_task_group() as group:
            group.start_soon(self._show_events, group.cancel_scope)
            if self._speaker is not None:
                group.start_soon(self._speaker.run)
                group.start_soon(self._stream_microphone)
            self._transcript.prompt()
            try:
                await self._read_lines(lines)
            except RealtimeError as exc:  # a send raced the session's end
                self._failed(exc)
            group.cancel_scope.cancel()
        return self._status

    def _failed(self, exc: RealtimeError) -> None:
        if self._status == 0:  # said once, by whichever task saw it first
            self._transcript.say(f"rtvoice console: the session failed: {exc}")
            self._status = 1

    async def _show_events(self, scope: anyio.CancelScope) -> None:
        try:
            async for event in self._session:
                if event.type in ("agent_end", "error"):
                    self._turn_over.set()
                if event.type == "tool_approval_required":
                    self._turn_over.set()
                    self._approvals.append(event)
                    if len(self._approvals) == 1:
                        self._transcript.ask_approval(event)
                    continue
                if self._speaker is not None:
                    if event.type == "audio":
                        chunk = event.audio
                        self._speaker.add(chunk.item_id, chunk.content_index, chunk.data)
                        continue
                    if event.type == "audio_end":
                        self._speaker.ended(event.item_id)
                    elif event.type == "agent_end":
                        self._speaker.turn_ended()
                    elif event.type == "audio_interrupted":
                        self._speaker.clear()
                self._transcript.event(event)
        except RealtimeError as exc:
            self._failed(exc)
        else:
            self._transcript.say("rtvoice console: the server ended the session")
        scope.cancel()

    async def _read_lines(self, lines: AsyncIterator[str]) -> None:
        async for raw in lines:
            self._transcript.answered()
            line = raw.strip()
            if line in QUIT_COMMANDS:
                return
            if self._approvals:
                await self._answer_approval(line)
            elif line:
                await self._send(line)
            elif self._gate is not None:
                await self._enter_pressed()
            else:
                self._transcript.prompt()
        self._transcript.say("")  # Ctrl-D: the terminal echoes no line end

    async def _send(self, text: str) -> None:
        """Send a message; in text mode, take the next line once the agent's turn is over
        (it answered, asks for an approval, or the server refused the message), so that
        lines typed ahead, or piped in, are read in turn."""
        self._turn_over = anyio.Event()
        await self._session.send_message(text)
        if self._voice is None:
            await self._turn_over.wait()

    async def _answer_approval(self, answer: str) -> None:
        request = self._approvals[0]
        word = answer.lower()
        self._turn_over = anyio.Event()  # before answering: the answer may end the turn
        if word in _YES or word in _ALWAYS:
            await self._session.approve_tool_call(request.call_id, always=word in _ALWAYS)
        elif word in _NO:
            await self._session.reject_tool_call(request.call_id)
        else:
            self._transcript.ask("  answer y (run it), n (do not) or a (always run it): ")
            return
        self._approvals.popleft()
        if self._approvals:
            self._transcript.ask_approval(self._approvals[0])
        elif self._voice is None:
            await self._turn_over.wait()

    async def _enter_pressed(self) -> None:
        """Enter in voice mode: interrupt the agent; in push-to-talk also open or close the
        microphone."""
        assert self._gate is not None
        assert self._speaker is not None
        opening = self._gate.mode == "half-duplex" or not self._gate.talking
        if opening and self._speaker.playing:
            await self._session.interrupt()
            self._speaker.clear()
            self._gate.barge_in()
            self._transcript.interrupted()
        if self._gate.mode == "push-to-talk":
            self._gate.talking = not self._gate.talking
            self._transcript.say(
                "  (microphone on: Enter to stop)" if self._gate.talking else "  (microphone off)"
            )

    async def _stream_microphone(self) -> None:
        assert self._device is not None
        assert self._gate is not None
        assert self._speaker is not None
        silence = bytes(BLOCK_BYTES)
        try:
            while True:
                block = await self._device.read()
                if self._gate.admit(agent_playing=self._speaker.playing):
                    await self._session.send_audio(block)
                else:
                    await self._session.send_audio(
                        silence if len(block) == len(silence) else bytes(len(block))
                    )
        except RealtimeError as exc:  # the session ended under a send: the events say why
            self._failed(exc)
