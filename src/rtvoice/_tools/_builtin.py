"""Tools rtvoice ships: :data:`stop_conversation`."""

from __future__ import annotations

from ._run import StopConversation
from ._tool import function_tool

__all__ = ["stop_conversation"]


async def _stop_conversation() -> StopConversation:
    """End the conversation (hang up).

    Call this only when the user has said goodbye or asked to end the call, or the task is
    complete and nothing is left to say. Say your closing words in the same response: the
    session ends as soon as that response is finished.
    """
    return StopConversation("The conversation ends after this response.")


stop_conversation = function_tool(name="stop_conversation")(_stop_conversation)
"""Built-in tool that ends the session gracefully after the current response.

Add it to an agent's tools (``tools=[get_weather, stop_conversation]``). Its result has
``stop_conversation=True``: the session sends the output, requests no follow-up response,
lets the current response finish (audio included), then closes as if ``close()`` were
called, and the event iteration ends normally.
"""
