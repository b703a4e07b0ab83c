"""The MCP events of the model vocabulary: passed through, as the server reports them (rtvoice
does not run MCP servers itself). :mod:`rtvoice.model.events` exports them with the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["McpCallArgumentsDelta", "McpCallArgumentsDone", "McpCallStatus", "McpListToolsStatus"]


@dataclass(frozen=True, slots=True, kw_only=True)
class McpListToolsStatus:
    """Progress of listing an MCP server's tools."""

    item_id: str
    status: Literal["in_progress", "completed", "failed"]
    type: Literal["mcp_list_tools_status"] = "mcp_list_tools_status"


@dataclass(frozen=True, slots=True, kw_only=True)
class McpCallArgumentsDelta:
    """A piece of an MCP call's arguments."""

    response_id: str
    item_id: str
    output_index: int
    delta: str
    type: Literal["mcp_call_arguments_delta"] = "mcp_call_arguments_delta"


@dataclass(frozen=True, slots=True, kw_only=True)
class McpCallArgumentsDone:
    """An MCP call's complete arguments."""

    response_id: str
    item_id: str
    output_index: int
    arguments: str
    type: Literal["mcp_call_arguments_done"] = "mcp_call_arguments_done"


@dataclass(frozen=True, slots=True, kw_only=True)
class McpCallStatus:
    """Progress of an MCP call run by the server."""

    item_id: str
    output_index: int
    status: Literal["in_progress", "completed", "failed"]
    type: Literal["mcp_call_status"] = "mcp_call_status"
