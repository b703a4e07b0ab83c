"""One simulated GPT-Live session, sans-IO: commands in, frames out.

The simulated model owns turn-taking, as GPT-Live's does. Its rules:

* **Turns.** The simulator's energy VAD hears the user (see :class:`~._audio.LiveEar`); what
  its speech transcriber reads goes out as ``session.input_transcript.delta`` (a word or so
  per delta) while the user speaks. When the user's turn ends the model answers on its own:
  the responder (``default_responder`` unless the simulator was given one) plans the answer
  from the conversation and the model speaks it (``session.output_transcript.delta`` with the
  ``session.output_audio.delta`` it covers). Speech that starts while the model speaks stops
  it (barge-in); the conversation keeps what was said up to there.
* **Delegation.** When the plan is a tool call (the responder's ``call <name> [args]`` and
  ``transfer to X`` rules), the model delegates. In client delegation the server knows no
  tools, so the responder is offered a function for every name the user's words ask for.
  The model first says :data:`ACKNOWLEDGEMENT`, then sends ``session.delegation.created``
  (``target: client``). A later ``session.commentary.append`` is spoken verbatim;
  ``session.thinking.append`` is kept as silent context. With ``responses`` delegation the
  backend's function calls stream in ``response.event`` envelopes (``target: responses``);
  the client's ``response.item.create`` (``function_call_output``) and ``response.create``
  run the backend again, and the model speaks the backend's answer.
* **Appended instructions.** ``session.instructions.append`` is acknowledged, and when the
  model is idle (not speaking, the user not speaking) it is answered like a user turn with
  that text: a simulator rule that lets text drive the simulated model. Otherwise it is
  silent context.
* **Usage and the end.** ``session.usage.updated`` follows each utterance. ``session.close``
  lets what is in flight finish, then ``session.closed`` (``close_requested``) and the server
  closes the socket normally; the session's maximum duration ends it with ``expired``;
  :attr:`~rtvoice.simulator.Faults.live_end` ends it with another reason.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from ...model.items import FunctionCallItem, InputAudio, InputText, Item, MessageItem, OutputAudio
from ...model.live.server import (
    AppendContext,
    AppendInputAudio,
    CloseReason,
    CloseSession,
    CreateBackendItem,
    CreateBackendResponse,
    LiveAudioFormat,
    LiveCommand,
    LiveEventWriter,
    LiveStartConfig,
    MuteInputAudio,
    StartSession,
    UpdateSession,
    estimate_tokens,
)
from ...model.session_config import FunctionTool
from .._defaults import SimulatorOptions
from .._faults import Faults
from .._ids import IdSource
from .._responder import (
    CallToolPlan,
    Responder,
    ResponderView,
    SpeakPlan,
    default_responder,
    latest_user_text,
    requested_tool_names,
)
from ._audio import LiveAudio, LiveEar
from ._backend import HostedBackend
from ._responses import read_items
from ._session_resource import session_resource
from ._speech_out import LiveStep, Utterance

__all__ = ["ACKNOWLEDGEMENT", "CONTEXT_TOKENS", "LiveSimulatedSession"]

ACKNOWLEDGEMENT: Final = "One moment."
"""What the simulated model says before it delegates."""

CONTEXT_TOKENS: Final = 32_768
"""The context window ``context_window.usage_ratio`` is measured against (the simulator's
figure; token counts are :func:`~rtvoice.model.live.server.estimate_tokens` estimates)."""


@dataclass(slots=True)
class _Job:
    """Queued output: its steps, and whether a barge-in stops it (speech does)."""

    steps: Iterator[LiveStep]
    speech: Utterance | None = None


class LiveSimulatedSession:
    """The engine of one Live connection after ``session.start``.

    Call order: :meth:`handle` for each accepted command (the first is the
    :class:`StartSession`), :meth:`next_step` whenever it may have output (the driver paces
    the steps), :meth:`tick` at :meth:`next_deadline`. Once :attr:`closed`, the driver sends
    what it was given and closes the socket normally.
    """

    def __init__(
        self,
        *,
        ids: IdSource,
        options: SimulatorOptions,
        responder: Responder | None,
        writer: LiveEventWriter,
        faults: Faults | None = None,
    ) -> None:
        self._ids = ids
        self._faults = faults or Faults()
        self._utterances = 0
        self._options = options
        self._responder = responder or default_responder
        self._writer = writer
        self._rng = random.Random(options.seed)
        self._config: LiveStartConfig | None = None
        self._resource: dict[str, Any] = {}
        self._audio = LiveAudio(LiveAudioFormat())
        self._ear = LiveEar(self._audio)
        self._started_at = 0.0
        self._now = 0.0
        self._out_ms = 0
        self._muted = False
        self._turn_text = ""
        self._pending_words = ""
        self._word_start_ms = 0
        self._conversation: list[Item] = []
        self._jobs: deque[_Job] = deque()
        self._current: _Job | None = None
        self._client_delegations: set[str] = set()
        self._backend: HostedBackend | None = None
        self._close_requested = False
        self._close_event_id: str | None = None
        self.closed = False
        """Whether ``session.closed`` has been written (the socket closes next)."""

    # -------------------------------------------------------------------------------------
    # Commands

    def handle(self, command: LiveCommand, now: float) -> list[str]:
        """Apply one accepted command; returns the frames that answer it at once."""
        self._now = now
        match command:
            case StartSession():
                return self._start(command, now)
            case AppendInputAudio():
                return self._hear(command.audio)
            case MuteInputAudio():
                self._muted = command.muted
                if command.muted:
                    return [
                        self._writer.acknowledged("session.input_audio.muted", command.event_id)
                    ]
                return [self._writer.acknowledged("session.input_audio.unmuted", command.event_id)]
            case AppendContext():
                return self._append(command)
            case UpdateSession():
                return self._update(command)
            case CreateBackendItem():
                return self._backend_item(command)
            case CreateBackendResponse():
                return self._backend_response(command)
            case CloseSession():
                self._close_requested = True
                self._close_event_id = command.event_id
                return self._close_if_drained()

    def _start(self, command: StartSession, now: float) -> list[str]:
        config = command.config
        self._config = config
        audio_format = config.audio_format or LiveAudioFormat()
        self._audio = LiveAudio(audio_format)
        self._ear = LiveEar(self._audio)
        self._started_at = now
        self._resource = session_resource(
            config,
            session_id=self._ids.new_id("sess"),
            expires_at=int(now + self._options.max_session_seconds),
            audio_format=audio_format,
            options=self._options,
        )
        for item in read_items(config.input):
            self._conversation.append(item)
        if config.responses is not None:
            self._backend = HostedBackend(
                config.responses, responder=self._responder, ids=self._ids, writer=self._writer
            )
        return [self._writer.session_started(self._resource, command.event_id)]

    def _update(self, command: UpdateSession) -> list[str]:
        delegation = command.delegation
        if delegation is not None:
            merged = dict(self._resource["delegation"])
            if "acknowledgement_delay_ms" in delegation:
                merged["acknowledgement_delay_ms"] = delegation["acknowledgement_delay_ms"]
            if isinstance(delegation.get("responses"), dict):
                merged["responses"] = {**merged.get("responses", {}), **delegation["responses"]}
            self._resource["delegation"] = merged
        if command.triggers is not None:
            self._resource["triggers"] = [dict(trigger) for trigger in command.triggers]
        return [self._writer.session_updated(self._resource, command.event_id)]

    # -------------------------------------------------------------------------------------
    # Hearing the user

    def _hear(self, audio: bytes) -> list[str]:
        if self._muted:
            audio = bytes(len(audio)) if self._audio.name == "pcm16" else b"\xff" * len(audio)
        frames: list[str] = []
        for heard in self._ear.hear(audio):
            if heard.started:
                frames += self._barge_in()
                self._turn_text = ""
                self._pending_words = ""
                self._word_start_ms = heard.end_ms
            if heard.text and (heard.speaking or heard.ended):
                self._pending_words += heard.text
                if " " in self._pending_words.strip():
                    head, _, tail = self._pending_words.rpartition(" ")
                    frames += self._input_delta(head + " ", heard.end_ms)
                    self._pending_words = tail
            if heard.ended:
                frames += self._input_delta(self._pending_words, heard.end_ms)
                self._pending_words = ""
                self._end_turn()
        return frames

    def _input_delta(self, text: str, end_ms: int) -> list[str]:
        if not text:
            return []
        start = self._word_start_ms
        self._word_start_ms = end_ms
        self._turn_text += text
        return [self._writer.transcript_delta("input", text, start_ms=start, end_ms=end_ms)]

    def _end_turn(self) -> None:
        heard = self._turn_text.strip()
        self._conversation.append(MessageItem(role="user", content=(InputAudio(transcript=heard),)))
        self._answer()

    def _barge_in(self) -> list[str]:
        """User speech stops the model's speech: the current utterance and queued ones."""
        current = self._current
        if current is not None and current.speech is not None:
            self._remember_said(current.speech.text_sent)
            self._out_ms = max(self._out_ms, current.speech.end_ms)
            self._current = None
        self._jobs = deque(job for job in self._jobs if job.speech is None)
        return []

    # -------------------------------------------------------------------------------------
    # Answering

    def _answer(self) -> None:
        """Plan the model's answer to the conversation and queue it."""
        config = self._config
        assert config is not None
        if self._backend is not None:
            self._delegate_to_backend(self._backend)
            return
        text = latest_user_text(tuple(self._conversation)) or ""
        view = ResponderView(
            items=tuple(self._conversation),
            instructions=self._resource["instructions"],
            tools=tuple(FunctionTool(name=name) for name in requested_tool_names(text)),
            tool_choice="auto",
            output_modality="audio",
        )
        plan = self._responder(view)
        for step in plan if isinstance(plan, tuple) else (plan,):
            if isinstance(step, SpeakPlan):
                self._say(step.text)
            else:
                assert isinstance(step, CallToolPlan)
                self._delegate_to_client(step)

    def _say(self, text: str) -> None:
        utterance = Utterance(
            text,
            start_ms=0,
            audio=self._audio,
            writer=self._writer,
            rng=self._rng,
            sizes_ms=self._options.audio_delta_ms,
        )
        self._jobs.append(_Job(self._speak(utterance), utterance))

    def _speak(self, utterance: Utterance) -> Iterator[LiveStep]:
        utterance.end_ms = max(self._out_ms, self._ear.position_ms)
        yield from utterance.steps()
        self._out_ms = utterance.end_ms
        self._remember_said(utterance.text_sent)
        self._utterances += 1
        frames = [self._usage()]
        faults = self._faults
        if faults.live_end is not None and self._utterances >= faults.live_end_after_utterances:
            self._jobs.clear()
            frames.append(self._closed(faults.live_end, None))
        yield LiveStep(tuple(frames))

    def _remember_said(self, text: str) -> None:
        if text:
            item = MessageItem(role="assistant", content=(OutputAudio(transcript=text),))
            self._conversation.append(item)

    def _delegate_to_client(self, call: CallToolPlan) -> None:
        delegation_id = self._ids.new_id("dlg")
        self._conversation.append(
            FunctionCallItem(call_id=delegation_id, name=call.name, arguments=call.arguments)
        )
        self._say(ACKNOWLEDGEMENT)

        def notice() -> Iterator[LiveStep]:
            self._client_delegations.add(delegation_id)
            yield LiveStep(
                (
                    self._writer.delegation_created(
                        delegation_id=delegation_id, target="client", offset_ms=self._timeline()
                    ),
                )
            )

        self._jobs.append(_Job(notice()))

    def _delegate_to_backend(self, backend: HostedBackend) -> None:
        output = backend.plan(self._conversation)
        if not any(item["type"] == "function_call" for item in output):
            for item in output:
                self._say(item["content"][0]["text"])
            return
        delegation_id = backend.open(self._conversation)
        self._say(ACKNOWLEDGEMENT)

        def notice() -> Iterator[LiveStep]:
            answer = backend.answer(
                output,
                created_at=int(self._now),
                client_event_id=None,
                conversation=self._conversation,
            )
            created = self._writer.delegation_created(
                delegation_id=delegation_id,
                target="responses",
                offset_ms=self._timeline(),
                response_id=answer.response_id,
            )
            yield LiveStep((created, *answer.frames))

        self._jobs.append(_Job(notice()))

    def _backend_item(self, command: CreateBackendItem) -> list[str]:
        backend = self._backend
        assert backend is not None  # the codec refuses it without Responses delegation
        backend.add_item(dict(command.item), self._conversation)
        return []

    def _backend_response(self, command: CreateBackendResponse) -> list[str]:
        backend = self._backend
        assert backend is not None  # the codec refuses it without Responses delegation
        output = backend.respond(self._conversation)

        def stream() -> Iterator[LiveStep]:
            answer = backend.answer(
                output,
                created_at=int(self._now),
                client_event_id=command.event_id,
                conversation=self._conversation,
            )
            yield LiveStep(answer.frames)
            for text in answer.speech:
                self._say(text)

        self._jobs.append(_Job(stream()))
        return []

    # -------------------------------------------------------------------------------------
    # Appended context

    def _append(self, command: AppendContext) -> list[str]:
        if (
            command.delegation_id is not None
            and command.delegation_id not in self._client_delegations
        ):
            return [
                self._writer.error(
                    code="invalid_value",
                    message=(
                        f"Unknown delegation_id {command.delegation_id!r}: use the id of a "
                        "session.delegation.created of this session, or null."
                    ),
                    param="delegation_id",
                    client_event_id=command.event_id,
                )
            ]
        at = self._timeline()
        ack = self._writer.appended(
            command.kind, start_ms=at, end_ms=at, client_event_id=command.event_id
        )
        if command.kind == "commentary":
            self._say(command.content)
        elif command.kind == "instructions" and self._idle():
            self._conversation.append(
                MessageItem(role="user", content=(InputText(text=command.content),))
            )
            self._answer()
        else:
            self._conversation.append(
                MessageItem(role="system", content=(InputText(text=command.content),))
            )
        return [ack]

    # -------------------------------------------------------------------------------------
    # Output, time and the end

    def next_step(self, now: float) -> LiveStep | None:
        """The next step of output, ``None`` when there is nothing to say."""
        self._now = now
        while True:
            if self._current is None:
                if not self._jobs:
                    frames = self._close_if_drained()
                    return LiveStep(tuple(frames)) if frames else None
                self._current = self._jobs.popleft()
            step = next(self._current.steps, None)
            if step is not None:
                return step
            self._current = None

    def next_deadline(self) -> float | None:
        """When :meth:`tick` must run next (the session's maximum duration)."""
        if self.closed or self._config is None:
            return None
        return self._started_at + self._options.max_session_seconds

    def tick(self, now: float) -> list[str]:
        """Time passed: at the maximum duration the session ends (``expired``)."""
        self._now = now
        deadline = self.next_deadline()
        if deadline is None or now < deadline:
            return []
        self._current = None
        self._jobs.clear()
        return [self._closed("expired", None)]

    def _idle(self) -> bool:
        return self._current is None and not self._jobs and not self._ear.in_speech

    def _timeline(self) -> int:
        return max(self._out_ms, self._ear.position_ms)

    def _seconds(self) -> float:
        return float(int(max(0.0, self._now - self._started_at)))

    def _usage(self) -> str:
        tokens = sum(estimate_tokens(_text_of(item)) for item in self._conversation)
        return self._writer.usage_updated(
            seconds=self._seconds(), usage_ratio=min(1.0, tokens / CONTEXT_TOKENS)
        )

    def _close_if_drained(self) -> list[str]:
        if not self._close_requested or self.closed or self._current is not None or self._jobs:
            return []
        return [self._closed("close_requested", self._close_event_id)]

    def _closed(self, reason: CloseReason, client_event_id: str | None) -> str:
        self.closed = True
        return self._writer.session_closed(
            reason=reason,
            session=self._resource,
            seconds=self._seconds(),
            client_event_id=client_event_id,
        )


def _text_of(item: Item) -> str:
    if isinstance(item, MessageItem):
        return " ".join(
            getattr(part, "text", None) or getattr(part, "transcript", None) or ""
            for part in item.content
        )
    if isinstance(item, FunctionCallItem):
        return f"{item.name} {item.arguments}"
    return str(getattr(item, "output", ""))
