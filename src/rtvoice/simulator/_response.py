"""A response from creation to ``response.done``.

A :class:`ResponseRun` turns a plan from the responder into output items (see ``_outputs``)
and streams them step by step, ending with ``[ResponseDone, RateLimitsUpdated]``. It can be
cancelled between any two steps; the tail then closes the open item with what was actually
sent and reports ``cancelled`` with the given reason.

``max_output_tokens`` is honoured when the plan is laid out: the message that would cross the
limit is cut to the longest run of whole words that fits (text and audio tokens counted as in
``_usage``), ends ``incomplete``, later outputs are dropped, and the response ends
``incomplete`` with reason ``max_output_tokens``.
"""

from __future__ import annotations

import random
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..audio import AudioFormatName, bytes_per_ms
from ..model.events import (
    ErrorInfo,
    ModelEvent,
    ResponseCreated,
    ResponseDone,
    ResponseInfo,
    ResponseStatus,
    StatusDetails,
    Usage,
)
from ..model.items import Item, ItemStatus
from ._conversation import Conversation
from ._ids import IdSource
from ._outputs import Call, Message, Output, Sink, split_words
from ._responder import CallToolPlan, Plan, SpeakPlan
from ._speech import encode_speech
from ._step import Step
from ._usage import audio_output_tokens, rate_limits, response_usage, text_tokens

__all__ = ["ResponseRun", "ResponseSetup"]

_ARGUMENT_CHUNK = (4, 24)
"""Smallest and largest function-call arguments delta, in characters."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseSetup:
    """Everything about a response that is fixed when it is created.

    Attributes:
        response_id: ``resp_...``.
        conversation_id: ``conv_...``; ``None`` for an out-of-band response.
        modality: How messages are written: ``audio`` (with transcript) or ``text``.
        output_format: Wire format of the audio deltas.
        voice: The voice reported in the response object.
        max_output_tokens: Output token limit, ``"inf"`` for none.
        metadata: Echoed in ``response.created`` / ``response.done``.
        input_text_tokens: Text tokens of the context (for ``usage``).
        input_audio_tokens: Audio tokens of the context (for ``usage``).
        rate_limit_tokens: Size of the ``tokens`` rate-limit bucket.
        delta_ms: Smallest and largest audio delta, in ms.
    """

    response_id: str
    conversation_id: str | None
    modality: Literal["audio", "text"]
    output_format: AudioFormatName
    voice: str
    max_output_tokens: int | Literal["inf"]
    metadata: Mapping[str, str] | None
    input_text_tokens: int
    input_audio_tokens: int
    rate_limit_tokens: int
    delta_ms: tuple[int, int]


class ResponseRun:
    """One response, streamed step by step.

    Call order: :meth:`created` once (the engine sends it as the immediate reply), then
    :meth:`next_step` until :attr:`finished`; or, at any point before that, :meth:`cancel`
    once, which returns the whole tail. Output items enter ``conversation`` (when given) as
    they are announced and are updated when they finish.
    """

    __slots__ = (
        "_current",
        "_details",
        "_outputs",
        "_sink",
        "_status",
        "_steps",
        "finished",
        "setup",
    )

    def __init__(
        self,
        setup: ResponseSetup,
        plans: Sequence[Plan],
        *,
        conversation: Conversation | None,
        ids: IdSource,
        rng: random.Random,
        failure: ErrorInfo | None = None,
    ) -> None:
        """Lay out the outputs of ``plans`` (speech is encoded here, once).

        Args:
            setup: The response's fixed parameters.
            plans: What to write, in order.
            conversation: The default conversation, or ``None`` out of band.
            ids: Source of ``item_`` and ``call_`` ids.
            rng: Sizes the deltas.
            failure: Set when the model failed: the response writes nothing and ends
                ``failed`` with this error in its ``status_details``.
        """
        self.setup = setup
        self.finished = False
        """Whether ``response.done`` has been handed out (by a step or by :meth:`cancel`)."""
        self._sink = Sink(setup.response_id, conversation)
        self._outputs: list[Output] = []
        self._status: ResponseStatus = "completed"
        self._details: StatusDetails | None = None
        self._current: Output | None = None
        if failure is not None:
            self._status = "failed"
            self._details = StatusDetails(type="failed", error=failure)
        else:
            self._lay_out(plans, ids, rng)
        self._steps = self._run()

    @property
    def response_id(self) -> str:
        """``resp_...``."""
        return self.setup.response_id

    @property
    def in_conversation(self) -> bool:
        """Whether the response writes to the default conversation."""
        return self.setup.conversation_id is not None

    @property
    def audio_sent_ms(self) -> float:
        """Milliseconds of audio sent so far, over all output items."""
        return sum(output.audio_sent_ms for output in self._outputs)

    def open_message(self, item_id: str) -> Message | None:
        """The message ``item_id`` if this run is writing it now (announced, not closed)."""
        current = self._current
        if isinstance(current, Message) and current.item_id == item_id and current.stage == "open":
            return current
        return None

    def created(self) -> ResponseCreated:
        """``response.created``: status ``in_progress``, no output, no usage."""
        return ResponseCreated(response=self._info("in_progress", None, (), None))

    def next_step(self) -> Step | None:
        """The next events to send; ``None`` once the run is finished."""
        if self.finished:
            return None
        return next(self._steps, None)

    def cancel(self, reason: str) -> list[ModelEvent]:
        """Stop now: close the open item, then ``response.done`` ``cancelled``.

        Args:
            reason: ``client_cancelled`` or ``turn_detected``.

        Returns:
            The tail events, ending with ``ResponseDone`` and ``RateLimitsUpdated``; empty if
            the run had already finished.
        """
        if self.finished:
            return []
        events = self._current.cancel() if self._current is not None else []
        self._steps.close()
        self.finished = True
        return events + self._finish("cancelled", StatusDetails(type="cancelled", reason=reason))

    def _run(self) -> Generator[Step, None, None]:
        for output in self._outputs:
            self._current = output
            yield from output.steps()
        self._current = None
        self.finished = True
        yield Step(events=tuple(self._finish(self._status, self._details)))

    def _finish(self, status: ResponseStatus, details: StatusDetails | None) -> list[ModelEvent]:
        output = tuple(o.final_item for o in self._outputs if o.final_item is not None)
        usage = response_usage(
            input_text=self.setup.input_text_tokens,
            input_audio=self.setup.input_audio_tokens,
            output_text=sum(text_tokens(o.text_sent) for o in self._outputs),
            output_audio=audio_output_tokens(self.audio_sent_ms),
        )
        return [
            ResponseDone(response=self._info(status, details, output, usage)),
            rate_limits(self.setup.rate_limit_tokens, usage.total_tokens),
        ]

    def _info(
        self,
        status: ResponseStatus,
        details: StatusDetails | None,
        output: tuple[Item, ...],
        usage: Usage | None,
    ) -> ResponseInfo:
        setup = self.setup
        return ResponseInfo(
            id=setup.response_id,
            status=status,
            status_details=details,
            output=output,
            conversation_id=setup.conversation_id,
            output_modalities=(setup.modality,),
            max_output_tokens=setup.max_output_tokens,
            voice=setup.voice,
            usage=usage,
            metadata=setup.metadata,
        )

    def _lay_out(self, plans: Sequence[Plan], ids: IdSource, rng: random.Random) -> None:
        limit = self.setup.max_output_tokens
        budget = None if limit == "inf" else limit
        for index, plan in enumerate(plans):
            if budget is not None and budget <= 0:
                self._cut_short()
                return
            item_id = ids.new_id("item")
            if isinstance(plan, SpeakPlan):
                output, cost = self._message(index, item_id, plan.text, budget, rng)
            else:
                output, cost = self._call(index, item_id, plan, budget, ids.new_id("call"), rng)
            self._outputs.append(output)
            if budget is not None:
                budget -= cost
            if output.status == "incomplete":
                self._cut_short()
                return

    def _cut_short(self) -> None:
        self._status = "incomplete"
        self._details = StatusDetails(type="incomplete", reason="max_output_tokens")

    def _message(
        self, index: int, item_id: str, text: str, budget: int | None, rng: random.Random
    ) -> tuple[Output, int]:
        speak = self.setup.modality == "audio"
        fmt = self.setup.output_format
        status: ItemStatus = "completed"
        audio, cost = _speech_cost(text, fmt if speak else None)
        if budget is not None and cost > budget:
            status = "incomplete"
            text, audio, cost = _fit(text, fmt if speak else None, budget)
        message = Message(
            self._sink,
            index,
            item_id,
            status,
            text=text,
            audio=audio if speak else None,
            fmt=fmt,
            chunk_sizes=_audio_chunks(len(audio or b""), fmt, self.setup.delta_ms, rng),
        )
        return message, cost

    def _call(
        self,
        index: int,
        item_id: str,
        plan: CallToolPlan,
        budget: int | None,
        call_id: str,
        rng: random.Random,
    ) -> tuple[Output, int]:
        arguments = plan.arguments
        status: ItemStatus = "completed"
        cost = text_tokens(arguments)
        if budget is not None and cost > budget:
            status, arguments, cost = "incomplete", arguments[: 4 * budget], budget
        sizes: list[int] = []
        remaining = len(arguments)
        while remaining > 0:
            sizes.append(min(rng.randint(*_ARGUMENT_CHUNK), remaining))
            remaining -= sizes[-1]
        call = Call(
            self._sink,
            index,
            item_id,
            status,
            call_id=call_id,
            name=plan.name,
            arguments=arguments,
            chunk_sizes=sizes,
        )
        return call, cost


def _speech_cost(text: str, fmt: AudioFormatName | None) -> tuple[bytes | None, int]:
    """The audio of ``text`` (``None`` for text output) and its output token cost."""
    if fmt is None:
        return None, text_tokens(text)
    audio = encode_speech(text, fmt) if text else b""
    return audio, text_tokens(text) + audio_output_tokens(len(audio) / bytes_per_ms(fmt))


def _fit(text: str, fmt: AudioFormatName | None, budget: int) -> tuple[str, bytes | None, int]:
    """The longest whole-word prefix of ``text`` whose cost fits ``budget``."""
    words = split_words(text)
    low, high = 0, len(words)  # the answer k lies in [low, high]; k = 0 always fits
    while low < high:
        middle = (low + high + 1) // 2
        if _speech_cost("".join(words[:middle]).rstrip(), fmt)[1] <= budget:
            low = middle
        else:
            high = middle - 1
    prefix = "".join(words[:low]).rstrip()
    audio, cost = _speech_cost(prefix, fmt)
    return prefix, audio, cost


def _audio_chunks(
    size: int, fmt: AudioFormatName, delta_ms: tuple[int, int], rng: random.Random
) -> list[int]:
    """Delta sizes in bytes: whole milliseconds drawn from ``delta_ms``, the last one short."""
    per_ms = bytes_per_ms(fmt)
    sizes: list[int] = []
    remaining = size
    while remaining > 0:
        sizes.append(min(rng.randint(*delta_ms) * per_ms, remaining))
        remaining -= sizes[-1]
    return sizes
