"""The errors a tool call can end with, other than the tool's own exceptions."""

from __future__ import annotations

from ..errors import RealtimeError

__all__ = ["ToolArgumentsError", "ToolError", "ToolRejectedError", "ToolTimeoutError"]


class ToolError(RealtimeError):
    """A tool call failed for a reason rtvoice detected (not an exception of the tool itself).

    It never escapes :func:`~rtvoice.tools.run_tool`: it is carried in
    :attr:`ToolResult.error <rtvoice.tools.ToolResult.error>` for the ``tool_end`` event.

    Attributes:
        tool_name: The name of the tool that was called.
    """

    def __init__(self, message: str, *, tool_name: str) -> None:
        super().__init__(message)
        self.tool_name = tool_name


class ToolArgumentsError(ToolError):
    """The model's arguments were not valid JSON, or did not match the tool's schema.

    The message is written for the model ("Invalid arguments for get_weather: field 'city' is
    required") and is sent to it as the tool output. The tool function was not called.

    A custom ``on_invoke`` (see :class:`~rtvoice.tools.FunctionTool`) raises it to report
    arguments it cannot use.
    """


class ToolTimeoutError(ToolError):
    """The tool did not return within its ``timeout``.

    Attributes:
        timeout: The limit, in seconds.
    """

    def __init__(self, message: str, *, tool_name: str, timeout: float) -> None:
        super().__init__(message, tool_name=tool_name)
        self.timeout = timeout


class ToolRejectedError(ToolError):
    """The call needed approval and was rejected (by the application or a middleware).

    The tool did not run. The ``tool_end`` event of the call carries it; the model was sent
    the rejection message as the tool output.

    Attributes:
        reason: The reason given with the rejection, if any.
    """

    def __init__(self, message: str, *, tool_name: str, reason: str | None = None) -> None:
        super().__init__(message, tool_name=tool_name)
        self.reason = reason
