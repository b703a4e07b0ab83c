"""The simulator's deterministic "model": what a response says or calls.

A responder is any callable ``(ResponderView) -> ResponsePlan``. It sees the response's
context (the conversation as the model hears it, or the response's own ``input``) and the
effective instructions and tools, and returns what the response writes: one
:class:`SpeakPlan` (an assistant message, spoken or written according to the output
modality), one :class:`CallToolPlan`, or a tuple of them written in order as separate output
items (e.g. a short message then a call, or parallel calls). Passing your own responder to the
session replaces :func:`default_responder` entirely.

The default rules, first match wins (wording exact):

1. **Tool output.** The last item is a ``function_call_output`` (or only assistant messages
   follow it: an answer to it cut short): say ``"<name> returned: <output>"`` for it, and for
   each output right before it, joined with ``"; "`` (``<name>`` is the name of the matching
   call, ``"the tool"`` if none).
2. **Tool requests** in the latest user message (its ``input_text`` parts and the heard
   transcript of its audio, joined by spaces), unless ``tool_choice`` is ``"none"``:

   * ``call <tool_name> [<json args>]`` (the whole message; ``call`` in any case) where the
     session has a function tool named exactly ``<tool_name>``: call it with the arguments
     text exactly as given, ``{}`` when there is none;
   * ``transfer to <agent>`` anywhere in the message (any case; ``the`` before the name and
     trailing punctuation are ignored) where the session has a function tool
     ``transfer_to_<agent in snake_case>``: call it with ``{}``;
   * ``tool_choice`` naming a function: call that function (with the arguments of a matching
     ``call`` request, else ``{}``); ``tool_choice="required"``: call the first function tool
     with ``{}``.
3. **Speech.** Say ``"You said: <text>"``; ``"Hello! How can I help you?"`` when there is no
   user message at all, ``"Are you still there?"`` when the latest one is empty (silence,
   e.g. after the idle timeout).
4. **Instructions.** When the instructions contain ``Begin every answer with "X"`` (any case,
   straight or curly quotes), every message of rules 1 and 3 starts with ``X`` and a space,
   so an instructions update (a handoff to another agent, say) shows in the next answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from ..model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    InputText,
    Item,
    MessageItem,
)
from ..model.session_config import FunctionTool, Tool, ToolChoice, ToolChoiceFunction

__all__ = [
    "GREETING",
    "STILL_THERE",
    "CallToolPlan",
    "Plan",
    "Responder",
    "ResponderView",
    "ResponsePlan",
    "SpeakPlan",
    "default_responder",
    "latest_user_text",
    "requested_tool_names",
]

GREETING: Final = "Hello! How can I help you?"
"""What the default responder says when nobody has spoken yet."""

STILL_THERE: Final = "Are you still there?"
"""What the default responder says to an empty user turn (silence)."""

_CALL = re.compile(r"\s*(?i:call)\s+(?P<name>[A-Za-z0-9_.\-]+)(?:\s+(?P<args>.*?))?\s*", re.DOTALL)
_TRANSFER = re.compile(
    r"\btransfer\s+to\s+(?:the\s+)?(?P<agent>\w[\w \-]*?)[\s.!?]*$", re.IGNORECASE
)
_PREFIX = re.compile(r"begin every answer with\s*[\"“](?P<prefix>[^\"”]+)[\"”]", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponderView:
    """What a responder may look at (read-only).

    Attributes:
        items: The response's context in order: the conversation, or the response's own
            ``input``. No audio bytes; user audio carries what was heard of it as its
            ``transcript``, whether or not transcription is configured.
        instructions: The effective instructions (the response's, else the session's).
        tools: The effective tools.
        tool_choice: The effective tool choice.
        output_modality: ``audio`` or ``text``: how a :class:`SpeakPlan` will be written.
    """

    items: tuple[Item, ...]
    instructions: str
    tools: tuple[Tool, ...]
    tool_choice: ToolChoice
    output_modality: Literal["audio", "text"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeakPlan:
    """Write one assistant message saying ``text`` (audio with transcript, or text)."""

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallToolPlan:
    """Write one function call. ``arguments`` is sent as given (it need not be valid JSON)."""

    name: str
    arguments: str = "{}"


Plan: TypeAlias = SpeakPlan | CallToolPlan
"""One output item of a response."""

ResponsePlan: TypeAlias = Plan | tuple[Plan, ...]
"""What a response writes: one output item, or several in order."""

Responder: TypeAlias = Callable[[ResponderView], ResponsePlan]
"""The simulated model: context in, plan out. It must be deterministic for runs to be."""


def default_responder(view: ResponderView) -> ResponsePlan:
    """The documented rule set of this module (rules 1-4)."""
    prefix = _answer_prefix(view.instructions)
    outputs = _trailing_outputs(view.items)
    if outputs:
        return SpeakPlan(text=prefix + "; ".join(_describe(view.items, out) for out in outputs))
    text = latest_user_text(view.items)
    if text is not None and view.tool_choice != "none":
        call = _tool_request(text, view)
        if call is not None:
            return call
    if text is None:
        answer = GREETING
    elif not text.strip():
        answer = STILL_THERE
    else:
        answer = f"You said: {text.strip()}"
    return SpeakPlan(text=prefix + answer)


def latest_user_text(items: tuple[Item, ...]) -> str | None:
    """The text of the latest user message: its ``input_text`` parts and audio transcripts
    joined by spaces (``None`` when there is no user message)."""
    for item in reversed(items):
        if isinstance(item, MessageItem) and item.role == "user":
            pieces = [
                part.text if isinstance(part, InputText) else part.transcript or ""
                for part in item.content
                if isinstance(part, InputText | InputAudio)
            ]
            return " ".join(piece for piece in pieces if piece)
    return None


def requested_tool_names(text: str) -> tuple[str, ...]:
    """The function names a user's ``text`` asks for by rule 2 (``call <name>``, ``transfer
    to <agent>``), whatever tools exist: a server that does not know the application's tools
    (GPT-Live's client delegation) offers the responder these."""
    names: list[str] = []
    requested = _CALL.fullmatch(text)
    if requested is not None:
        names.append(requested["name"])
    transfer = _TRANSFER.search(text)
    if transfer is not None:
        agent = re.sub(r"[^0-9a-z]+", "_", transfer["agent"].lower()).strip("_")
        names.append(f"transfer_to_{agent}")
    return tuple(names)


def _answer_prefix(instructions: str) -> str:
    match = _PREFIX.search(instructions)
    return f"{match['prefix']} " if match else ""


def _trailing_outputs(items: tuple[Item, ...]) -> list[FunctionCallOutputItem]:
    """The outputs at the end of the conversation, before any assistant messages that
    follow them: an answer to them that was cut short (a dropped connection) is given
    again."""
    end = len(items)
    while end:
        last = items[end - 1]
        if not (isinstance(last, MessageItem) and last.role == "assistant"):
            break
        end -= 1
    outputs: list[FunctionCallOutputItem] = []
    for item in reversed(items[:end]):
        if not isinstance(item, FunctionCallOutputItem):
            break
        outputs.insert(0, item)
    return outputs


def _describe(items: tuple[Item, ...], output: FunctionCallOutputItem) -> str:
    name = next(
        (
            item.name
            for item in items
            if isinstance(item, FunctionCallItem) and item.call_id == output.call_id
        ),
        "the tool",
    )
    return f"{name} returned: {output.output}"


def _tool_request(text: str, view: ResponderView) -> CallToolPlan | None:
    functions = [tool.name for tool in view.tools if isinstance(tool, FunctionTool)]
    requested = _CALL.fullmatch(text)
    call: CallToolPlan | None
    if requested is not None and requested["name"] in functions:
        call = CallToolPlan(name=requested["name"], arguments=requested["args"] or "{}")
    else:
        call = _transfer_request(text, functions)
    choice = view.tool_choice
    if isinstance(choice, ToolChoiceFunction):
        if call is not None and call.name == choice.name:
            return call
        return CallToolPlan(name=choice.name)
    if call is None and choice == "required" and functions:
        return CallToolPlan(name=functions[0])
    return call


def _transfer_request(text: str, functions: list[str]) -> CallToolPlan | None:
    match = _TRANSFER.search(text)
    if match is None:
        return None
    agent = re.sub(r"[^0-9a-z]+", "_", match["agent"].lower()).strip("_")
    name = f"transfer_to_{agent}"
    return CallToolPlan(name=name) if name in functions else None
