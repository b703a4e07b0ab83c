"""The output items of a response as they stream.

Each output is written by a generator of :class:`~._step.Step` s that keeps track of what it
has sent, so that :meth:`Output.cancel` can close it at any step with exactly that: the
partial transcript, the audio actually sent, status ``incomplete``::

    message:   [OutputItemAdded, ItemAdded, ContentPartAdded]
               [AudioTranscriptDelta?, AudioDelta] x N      (or [TextDelta] x N)
               [AudioDone, AudioTranscriptDone, ContentPartDone, ItemDone, OutputItemDone]
               (or [TextDone, ContentPartDone, ItemDone, OutputItemDone])
    call:      [OutputItemAdded, ItemAdded]
               [FunctionCallArgumentsDelta] x N
               [FunctionCallArgumentsDone, ItemDone, OutputItemDone]

A transcript delta (a few words) rides with every second audio delta, so the transcript runs a
little ahead of the audio, and the pieces add up to the full transcript. Out of band
(no conversation) there is no ``ItemAdded`` / ``ItemDone``.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Literal

from ..audio import AudioFormatName, bytes_for_ms, bytes_per_ms, duration_ms
from ..model.events import (
    AudioDelta,
    AudioDone,
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ContentPartAdded,
    ContentPartDone,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    ItemAdded,
    ItemDone,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    TextDelta,
    TextDone,
)
from ..model.items import FunctionCallItem, Item, ItemStatus, MessageItem, OutputAudio, OutputText
from ._conversation import Conversation, Entry, check_truncate_point, hear, without_audio
from ._error_catalog import truncate_not_audio
from ._step import Step

__all__ = ["Call", "Message", "Output", "Sink", "split_words"]


def split_words(text: str) -> list[str]:
    """``text`` in word pieces (each with its trailing spaces) that concatenate back to it."""
    pieces = re.findall(r"\s*\S+\s*", text)
    return pieces if pieces or not text else [text]


class Sink:
    """Where output items go: the response's ``output`` and, in-band, the conversation."""

    __slots__ = ("conversation", "response_id")

    def __init__(self, response_id: str, conversation: Conversation | None) -> None:
        self.response_id = response_id
        self.conversation = conversation

    def announce(
        self, index: int, item: Item, fmt: AudioFormatName | None = None
    ) -> list[ModelEvent]:
        """``OutputItemAdded`` (then, in-band, ``ItemAdded``): the item enters the
        conversation at the end, ``fmt`` being the format of the audio it will hold."""
        events: list[ModelEvent] = [
            OutputItemAdded(response_id=self.response_id, output_index=index, item=item)
        ]
        if self.conversation is not None:
            previous = self.conversation.insert(Entry(item=item, audio_format=fmt))
            events.append(ItemAdded(item=item, previous_item_id=previous))
        return events

    def finish(self, index: int, item: Item) -> list[ModelEvent]:
        """(In-band ``ItemDone``, then) ``OutputItemDone``: ``item`` (audio bytes included)
        replaces the conversation's copy; the events show it without audio."""
        public = without_audio(item)
        events: list[ModelEvent] = []
        if self.conversation is not None:
            assert item.id is not None
            previous = (
                self.conversation.previous_id(item.id) if item.id in self.conversation else None
            )
            self.conversation.replace(item)
            events.append(ItemDone(item=public, previous_item_id=previous))
        events.append(OutputItemDone(response_id=self.response_id, output_index=index, item=public))
        return events


class Output(ABC):
    """One output item being written.

    Call order: iterate :meth:`steps` to the end, or stop at any point and call
    :meth:`cancel` once. ``stage`` is ``new`` until the first step (nothing sent), ``open``
    while the item is announced but not closed, ``done`` once closed; ``final_item`` is set
    when it closes.
    """

    def __init__(self, sink: Sink, index: int, item_id: str, status: ItemStatus) -> None:
        self.sink = sink
        self.index = index
        self.item_id = item_id
        self.status: ItemStatus = status  # the status it ends with if it runs to the end
        self.stage: Literal["new", "open", "done"] = "new"
        self.final_item: Item | None = None
        self.text_sent = ""
        self.audio_sent_ms = 0.0

    @abstractmethod
    def steps(self) -> Iterator[Step]:
        """The item's steps, from its announcement to its ``OutputItemDone``."""

    def cancel(self) -> list[ModelEvent]:
        """The events that close this item now, as ``incomplete``."""
        if self.stage != "open":
            return []
        return self._close("incomplete", cancelled=True)

    @abstractmethod
    def _close(self, status: ItemStatus, *, cancelled: bool) -> list[ModelEvent]:
        """The events that close the item with what was sent so far."""


class Message(Output):
    """An assistant message: spoken (``audio`` given: audio deltas with transcript deltas)
    or written (``audio`` is ``None``: text deltas).

    A spoken message can be truncated while it streams (:meth:`truncate`): the item then
    keeps only the audio up to that point, and the transcript heard in it, whatever is
    streamed after.
    """

    def __init__(
        self,
        sink: Sink,
        index: int,
        item_id: str,
        status: ItemStatus,
        *,
        text: str,
        audio: bytes | None,
        fmt: AudioFormatName,
        chunk_sizes: Sequence[int],
    ) -> None:
        super().__init__(sink, index, item_id, status)
        self.text = text
        self.audio = audio
        self.fmt: AudioFormatName = fmt
        self.chunk_sizes = chunk_sizes
        self.audio_sent = bytearray()
        self.kept_bytes: int | None = None  # set by truncate: the item's audio ends there

    def truncate(self, content_index: int, end_ms: int) -> None:
        """``conversation.item.truncate`` of this item while it is being written.

        Measured against the audio streamed so far (and not already cut off): the item will
        keep the first ``end_ms`` of it, with the transcript heard in that audio. The
        response streams on unchanged (only ``response.cancel`` or a barge-in stops it), but
        nothing streamed after this point enters the item; a later truncate can only cut
        it shorter.

        Raises:
            SimulatorError: The message is written, not spoken, or no audio was streamed
                yet ("Only model output audio messages can be truncated", as for a finished
                item without audio); ``content_index`` is not 0; ``end_ms`` is negative or
                past the audio kept so far.
        """
        if self.audio is None or not self.audio_sent:
            raise truncate_not_audio()
        kept_ms = duration_ms(len(self._kept_audio()), self.fmt)
        check_truncate_point(self.item_id, content_index, 0, end_ms, kept_ms)
        self.kept_bytes = bytes_for_ms(end_ms, self.fmt)

    def _kept_audio(self) -> bytes:
        """The audio the item holds: what was streamed, up to the truncate point if any."""
        if self.kept_bytes is None:
            return bytes(self.audio_sent)
        return bytes(self.audio_sent[: self.kept_bytes])

    def steps(self) -> Iterator[Step]:
        item = MessageItem(id=self.item_id, role="assistant", status="in_progress", content=())
        part = OutputAudio(transcript="") if self.audio is not None else OutputText(text="")
        self.stage = "open"
        rid, iid, index = self.sink.response_id, self.item_id, self.index
        yield Step(
            events=(
                *self.sink.announce(index, item, self.fmt if self.audio is not None else None),
                ContentPartAdded(
                    response_id=rid, item_id=iid, output_index=index, content_index=0, part=part
                ),
            )
        )
        words = split_words(self.text)
        if self.audio is None:
            for word in words:
                self.text_sent += word
                yield Step(
                    events=(
                        TextDelta(
                            response_id=rid,
                            item_id=iid,
                            output_index=index,
                            content_index=0,
                            delta=word,
                        ),
                    )
                )
        else:
            yield from self._audio_steps(words)
        yield Step(events=tuple(self._close(self.status, cancelled=False)))

    def _audio_steps(self, words: list[str]) -> Iterator[Step]:
        assert self.audio is not None
        rid, iid, index = self.sink.response_id, self.item_id, self.index
        chunks = len(self.chunk_sizes)
        groups = _group(words, min(len(words), math.ceil(chunks / 2)))
        per_ms = bytes_per_ms(self.fmt)
        offset = 0
        for number, size in enumerate(self.chunk_sizes):
            events: list[ModelEvent] = []
            if number % 2 == 0 and number // 2 < len(groups):
                piece = groups[number // 2]
                self.text_sent += piece
                events.append(
                    AudioTranscriptDelta(
                        response_id=rid,
                        item_id=iid,
                        output_index=index,
                        content_index=0,
                        delta=piece,
                    )
                )
            chunk = self.audio[offset : offset + size]
            offset += size
            self.audio_sent += chunk
            self.audio_sent_ms += len(chunk) / per_ms
            events.append(
                AudioDelta(
                    response_id=rid, item_id=iid, output_index=index, content_index=0, audio=chunk
                )
            )
            yield Step(events=tuple(events), audio_ms=len(chunk) / per_ms)

    def _close(self, status: ItemStatus, *, cancelled: bool) -> list[ModelEvent]:
        self.stage = "done"
        rid, iid, index = self.sink.response_id, self.item_id, self.index
        said = self.text_sent
        events: list[ModelEvent]
        if self.audio is not None:
            # The stream's own summaries say what was streamed; the part and the item say
            # what the item keeps (cut at a truncate point, if the client set one).
            kept = self._kept_audio()
            heard = said if self.kept_bytes is None else hear(kept, self.fmt) if kept else ""
            part: OutputAudio | OutputText = OutputAudio(transcript=heard)
            events = [
                AudioDone(response_id=rid, item_id=iid, output_index=index, content_index=0),
                AudioTranscriptDone(
                    response_id=rid,
                    item_id=iid,
                    output_index=index,
                    content_index=0,
                    transcript=said,
                ),
            ]
            stored: OutputAudio | OutputText = OutputAudio(audio=kept, transcript=heard)
        else:
            part = stored = OutputText(text=said)
            events = [
                TextDone(
                    response_id=rid, item_id=iid, output_index=index, content_index=0, text=said
                )
            ]
        events.append(
            ContentPartDone(
                response_id=rid, item_id=iid, output_index=index, content_index=0, part=part
            )
        )
        item = MessageItem(id=iid, role="assistant", status=status, content=(stored,))
        self.final_item = without_audio(item)
        return events + self.sink.finish(index, item)


class Call(Output):
    """A function call; its arguments stream in deltas of ``chunk_sizes`` characters."""

    def __init__(
        self,
        sink: Sink,
        index: int,
        item_id: str,
        status: ItemStatus,
        *,
        call_id: str,
        name: str,
        arguments: str,
        chunk_sizes: Sequence[int],
    ) -> None:
        super().__init__(sink, index, item_id, status)
        self.call_id = call_id
        self.name = name
        self.arguments = arguments
        self.chunk_sizes = chunk_sizes

    def steps(self) -> Iterator[Step]:
        item = FunctionCallItem(
            id=self.item_id,
            call_id=self.call_id,
            name=self.name,
            arguments="",
            status="in_progress",
        )
        self.stage = "open"
        yield Step(events=tuple(self.sink.announce(self.index, item)))
        offset = 0
        for size in self.chunk_sizes:
            delta = self.arguments[offset : offset + size]
            offset += size
            self.text_sent += delta
            yield Step(
                events=(
                    FunctionCallArgumentsDelta(
                        response_id=self.sink.response_id,
                        item_id=self.item_id,
                        output_index=self.index,
                        call_id=self.call_id,
                        delta=delta,
                    ),
                )
            )
        yield Step(events=tuple(self._close(self.status, cancelled=False)))

    def _close(self, status: ItemStatus, *, cancelled: bool) -> list[ModelEvent]:
        # A call cut short gets no arguments.done: its arguments are not a call to run.
        self.stage = "done"
        events: list[ModelEvent] = []
        if not cancelled:
            events.append(
                FunctionCallArgumentsDone(
                    response_id=self.sink.response_id,
                    item_id=self.item_id,
                    output_index=self.index,
                    call_id=self.call_id,
                    name=self.name,
                    arguments=self.text_sent,
                )
            )
        item = FunctionCallItem(
            id=self.item_id,
            call_id=self.call_id,
            name=self.name,
            arguments=self.text_sent,
            status=status,
        )
        self.final_item = item
        return events + self.sink.finish(self.index, item)


def _group(words: list[str], count: int) -> list[str]:
    """``words`` joined into ``count`` consecutive pieces of near-equal word counts."""
    if count <= 0:
        return []
    size, extra = divmod(len(words), count)
    pieces, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        pieces.append("".join(words[start:end]))
        start = end
    return pieces
