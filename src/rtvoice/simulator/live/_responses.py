"""The simulator's Responses model: the responder over Responses-shaped input and output.

Both places the simulator plays a Responses model use it: the hosted backend of a GPT-Live
session with ``responses`` delegation (its output streamed in ``response.event`` envelopes)
and ``POST /v1/responses`` (non-streaming). Input items are read leniently into the neutral
items the responder sees: messages (string content or ``input_text`` / ``output_text``
parts), ``function_call`` and ``function_call_output``; other items are skipped. Function
tools are offered to the responder by name; other tools are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from ...model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputText,
    Item,
    MessageItem,
    OutputText,
)
from ...model.session_config import FunctionTool
from .._calls import RestAnswer
from .._ids import IdSource
from .._responder import CallToolPlan, Responder, ResponderView, SpeakPlan, default_responder

__all__ = [
    "ResponsesEndpoint",
    "plan_outputs",
    "read_items",
    "response_object",
    "stream_events",
]


def read_items(raw: str | Iterable[Mapping[str, Any]]) -> tuple[Item, ...]:
    """Responses ``input`` (a string, or a list of items) as neutral items."""
    if isinstance(raw, str):
        return (MessageItem(role="user", content=(InputText(text=raw),)),)
    items: list[Item] = []
    for item in raw:
        kind = item.get("type", "message")
        role = item.get("role")
        if kind == "message" and role in ("user", "assistant", "system", "developer"):
            text = _message_text(item.get("content"))
            if role == "assistant":
                items.append(MessageItem(role="assistant", content=(OutputText(text=text),)))
            else:
                speaker: Literal["user", "system"] = "user" if role == "user" else "system"
                items.append(MessageItem(role=speaker, content=(InputText(text=text),)))
        elif kind == "function_call":
            items.append(
                FunctionCallItem(
                    call_id=str(item.get("call_id", "")),
                    name=str(item.get("name", "")),
                    arguments=str(item.get("arguments", "")),
                )
            )
        elif kind == "function_call_output":
            output = item.get("output", "")
            text = output if isinstance(output, str) else json.dumps(output)
            items.append(FunctionCallOutputItem(call_id=str(item.get("call_id", "")), output=text))
    return tuple(items)


def _message_text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def function_tools(tools: Iterable[Mapping[str, Any]]) -> tuple[FunctionTool, ...]:
    """The function tools among Responses tool objects."""
    return tuple(
        FunctionTool(name=str(tool["name"]), description=tool.get("description"))
        for tool in tools
        if tool.get("type") == "function" and isinstance(tool.get("name"), str)
    )


def plan_outputs(
    responder: Responder,
    items: tuple[Item, ...],
    *,
    instructions: str,
    tools: Iterable[Mapping[str, Any]],
    ids: IdSource,
) -> list[dict[str, Any]]:
    """Run the responder and write its plan as Responses output items (completed)."""
    view = ResponderView(
        items=items,
        instructions=instructions,
        tools=function_tools(tools),
        tool_choice="auto",
        output_modality="text",
    )
    plan = responder(view)
    outputs: list[dict[str, Any]] = []
    for step in plan if isinstance(plan, tuple) else (plan,):
        if isinstance(step, SpeakPlan):
            outputs.append(
                {
                    "id": ids.new_id("msg"),
                    "type": "message",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": step.text, "annotations": []}],
                }
            )
        else:
            assert isinstance(step, CallToolPlan)
            outputs.append(
                {
                    "id": ids.new_id("fc"),
                    "type": "function_call",
                    "status": "completed",
                    "call_id": ids.new_id("call"),
                    "name": step.name,
                    "arguments": step.arguments,
                }
            )
    return outputs


def response_object(
    *,
    response_id: str,
    model: str,
    created_at: int,
    output: Sequence[Mapping[str, Any]],
    status: str = "completed",
    instructions: str | None = None,
    tools: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A Responses ``response`` object (it parses as ``openai.types.responses.Response``)."""
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "model": model,
        "output": [dict(item) for item in output],
        "instructions": instructions,
        "tools": [dict(tool) for tool in tools],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "error": None,
        "incomplete_details": None,
        "usage": {
            "input_tokens": 0,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": 0,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 0,
        },
    }


def stream_events(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The streaming events that deliver ``response`` (a completed one): ``response.created``,
    each item's ``output_item.added`` / deltas / ``output_item.done``, and
    ``response.completed``. A response waiting for tool output ends completed too, with its
    ``function_call`` items in ``output``. Lifecycle snapshots carry no output, as the Live
    server's envelopes do."""
    events: list[dict[str, Any]] = []

    def emit(event: dict[str, Any]) -> None:
        event["sequence_number"] = len(events)
        events.append(event)

    snapshot = {**response, "output": [], "tools": [], "instructions": None}
    emit({"type": "response.created", "response": {**snapshot, "status": "in_progress"}})
    for index, item in enumerate(response["output"]):
        if item["type"] == "function_call":
            emit(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "arguments": "", "status": "in_progress"},
                }
            )
            emit(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item["id"],
                    "output_index": index,
                    "delta": item["arguments"],
                }
            )
            emit(
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": item["id"],
                    "output_index": index,
                    "arguments": item["arguments"],
                }
            )
        else:
            text = item["content"][0]["text"]
            part = {"type": "output_text", "text": "", "annotations": []}
            emit(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "content": [], "status": "in_progress"},
                }
            )
            where = {"item_id": item["id"], "output_index": index, "content_index": 0}
            emit({"type": "response.content_part.added", **where, "part": part})
            emit({"type": "response.output_text.delta", **where, "delta": text, "logprobs": []})
            emit({"type": "response.output_text.done", **where, "text": text, "logprobs": []})
            emit({"type": "response.content_part.done", **where, "part": {**part, "text": text}})
        emit({"type": "response.output_item.done", "output_index": index, "item": dict(item)})
    emit({"type": "response.completed", "response": {**snapshot, "status": "completed"}})
    return events


class ResponsesEndpoint:
    """``POST /v1/responses``, non-streaming: ``model``, ``input``, ``instructions``,
    ``tools`` and ``store`` are read; other fields are accepted and ignored; ``stream: true``
    is refused (400).

    Args:
        responder: The simulated model (``None``: :func:`default_responder`).
        ids: Where response and item ids come from.
        clock: Wall clock in seconds (``created_at``).
    """

    def __init__(
        self, responder: Responder | None, ids: IdSource, clock: Callable[[], float]
    ) -> None:
        self._responder = responder or default_responder
        self._ids = ids
        self._clock = clock

    def answer(self, body: bytes) -> RestAnswer:
        """The answer to one request body."""
        try:
            payload = json.loads(body) if body.strip() else {}
        except ValueError:
            return _error("We could not parse the JSON body of your request.", None)
        if not isinstance(payload, dict):
            return _error("The request body must be a JSON object.", None)
        model = payload.get("model")
        if not isinstance(model, str) or not model:
            return _error("Missing required parameter: 'model'.", "model")
        raw_input = payload.get("input", [])
        if not isinstance(raw_input, str | list):
            return _error("Invalid type for 'input': expected a string or an array.", "input")
        if payload.get("stream"):
            return _error("The simulator's /v1/responses does not stream: omit 'stream'.", "stream")
        tools = payload.get("tools") or []
        if not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools):
            return _error("Invalid type for 'tools': expected an array of objects.", "tools")
        instructions = payload.get("instructions")
        items = read_items(
            [i for i in raw_input if isinstance(i, dict)]
            if isinstance(raw_input, list)
            else raw_input
        )
        output = plan_outputs(
            self._responder,
            items,
            instructions=instructions if isinstance(instructions, str) else "",
            tools=tools,
            ids=self._ids,
        )
        return RestAnswer(
            200,
            response_object(
                response_id=self._ids.new_id("resp"),
                model=model,
                created_at=int(self._clock()),
                output=output,
                instructions=instructions if isinstance(instructions, str) else None,
                tools=tools,
            ),
        )


def _error(message: str, param: str | None) -> RestAnswer:
    return RestAnswer(
        400,
        {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": param,
                "code": None,
            }
        },
    )
