"""The hosted Responses model of a GPT-Live session with ``responses`` delegation.

The backend keeps the conversation of the current delegation (the Live conversation when it
began, then the backend's own output items and the client's ``response.item.create`` items)
and writes each of its responses as ``response.event`` envelopes. The engine decides when
the backend runs and speaks what it answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model.items import Item
from ...model.live.server import LiveEventWriter, ResponsesBackend
from .._ids import IdSource
from .._responder import Responder
from ._responses import plan_outputs, read_items, response_object, stream_events

__all__ = ["BackendAnswer", "HostedBackend"]


@dataclass(slots=True)
class _Task:
    """One delegation's backend conversation (``delegation_id`` ``None``: a response the
    client asked for with no delegation open)."""

    delegation_id: str | None
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BackendAnswer:
    """One backend response as it goes out.

    Attributes:
        response_id: The nested response's id.
        frames: Its ``response.event`` envelopes, in order.
        speech: The texts of its messages, for the Live model to speak.
    """

    response_id: str
    frames: tuple[str, ...]
    speech: tuple[str, ...]


class HostedBackend:
    """The simulator's Responses model behind one Live session."""

    __slots__ = ("_config", "_ids", "_responder", "_task", "_writer")

    def __init__(
        self,
        config: ResponsesBackend,
        *,
        responder: Responder,
        ids: IdSource,
        writer: LiveEventWriter,
    ) -> None:
        self._config = config
        self._responder = responder
        self._ids = ids
        self._writer = writer
        self._task: _Task | None = None

    def plan(self, items: list[Item]) -> list[dict[str, Any]]:
        """What the backend would answer to ``items`` (Responses output items)."""
        return plan_outputs(
            self._responder,
            tuple(items),
            instructions=self._config.instructions or "",
            tools=self._config.tools,
            ids=self._ids,
        )

    def open(self, items: list[Item]) -> str:
        """Begin a delegation over the conversation ``items``; returns its id."""
        delegation_id = self._ids.new_id("dlg")
        self._task = _Task(delegation_id=delegation_id, items=list(items))
        return delegation_id

    def add_item(self, item: dict[str, Any], conversation: list[Item]) -> None:
        """``response.item.create``: an input item for the current delegation (or for a
        response with no delegation, over the Live conversation)."""
        self._current(conversation).items.extend(read_items([item]))

    def respond(self, conversation: list[Item]) -> list[dict[str, Any]]:
        """``response.create``: the backend's next answer in the current delegation."""
        return self.plan(self._current(conversation).items)

    def answer(
        self,
        output: list[dict[str, Any]],
        *,
        created_at: int,
        client_event_id: str | None,
        conversation: list[Item],
    ) -> BackendAnswer:
        """Write ``output`` as a response of the current delegation (it joins the
        delegation's conversation); the first envelope carries ``client_event_id``."""
        task = self._current(conversation)
        response_id = self._ids.new_id("resp")
        response = response_object(
            response_id=response_id,
            model=self._config.model,
            created_at=created_at,
            output=output,
        )
        frames = tuple(
            self._writer.response_event(
                event,
                delegation_id=task.delegation_id,
                client_event_id=client_event_id if n == 0 else None,
            )
            for n, event in enumerate(stream_events(response))
        )
        task.items.extend(read_items(output))
        speech = tuple(item["content"][0]["text"] for item in output if item["type"] == "message")
        return BackendAnswer(response_id, frames, speech)

    def _current(self, conversation: list[Item]) -> _Task:
        if self._task is None:
            self._task = _Task(delegation_id=None, items=list(conversation))
        return self._task
