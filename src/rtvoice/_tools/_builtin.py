"""Tools rtvoice ships: :data:`stop_conversation`.

The tool is built by hand rather than with :func:`~rtvoice.tools.function_tool`, which builds a
pydantic model: ``import rtvoice.tools`` must not load pydantic. Its arguments are still
validated exactly as a decorated tool's (by the same :class:`FunctionInvoker`, made on the
first call), and a test checks that the schema below is the one ``function_tool`` derives.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ._context import ToolContext
from ._docstring import parse_docstring
from ._run import StopConversation
from ._tool import FunctionTool

if TYPE_CHECKING:
    from ._invoker import FunctionInvoker

__all__ = ["stop_conversation"]

_NAME = "stop_conversation"


async def _stop_conversation() -> StopConversation:
    """End the conversation (hang up).

    Call this only when the user has said goodbye or asked to end the call, or the task is
    complete and nothing is left to say. Say your closing words in the same response: the
    session ends as soon as that response is finished.
    """
    return StopConversation("The conversation ends after this response.")


@functools.cache
def _invoker() -> FunctionInvoker:
    from ._invoker import FunctionInvoker
    from ._schema import build_arguments_spec

    spec = build_arguments_spec(_stop_conversation, tool_name=_NAME, param_docs={})
    return FunctionInvoker(_stop_conversation, spec, tool_name=_NAME)


async def _invoke(ctx: ToolContext[Any], arguments_json: str) -> object:
    return await _invoker()(ctx, arguments_json)


stop_conversation = FunctionTool(
    name=_NAME,
    description=parse_docstring(_stop_conversation.__doc__).description,
    params_json_schema={"additionalProperties": False, "properties": {}, "type": "object"},
    on_invoke=_invoke,
    func=_stop_conversation,
)
"""Built-in tool that ends the session gracefully after the current response.

Add it to an agent's tools (``tools=[get_weather, stop_conversation]``). Its result has
``stop_conversation=True``: the session sends the output, requests no follow-up response,
lets the current response finish (audio included), then closes as if ``close()`` were
called, and the event iteration ends normally.
"""
