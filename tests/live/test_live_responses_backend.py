"""The built-in delegation backend against a small scripted HTTP server on 127.0.0.1 that
plays the Responses API (``POST /v1/responses``), through the official ``openai`` SDK."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest

from rtvoice.live import DelegatedTask, ResponsesBackend, ToolCall
from rtvoice.model import ConnectRequest
from rtvoice.model.live import http_base_url
from rtvoice.model.session_config import FunctionTool

pytestmark = pytest.mark.anyio

WEATHER = FunctionTool(
    name="get_weather",
    description="Weather for a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)
TASK = DelegatedTask(
    delegation_id="del_1",
    request="What is the weather in Lima",
    conversation="user: What is the weather in Lima",
    instructions="Be brief.",
    tools=(WEATHER,),
)


def response_body(output: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 0,
        "model": "gpt-5-mini",
        "status": "completed",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
    }


CALL = {
    "type": "function_call",
    "id": "fc_1",
    "call_id": "call_1",
    "name": "get_weather",
    "arguments": '{"city": "Lima"}',
    "status": "completed",
}
TEXT = {
    "type": "message",
    "id": "msg_1",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": "Nothing to look up.", "annotations": []}],
}


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class ResponsesServer:
    reply: dict[str, Any]
    port: int = 0
    requests: list[HttpRequest] = field(default_factory=list)

    @property
    def live_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/live/sessions"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (header := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = header.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append(HttpRequest(method, path, headers, json.loads(body or b"{}")))
                payload = json.dumps(self.reply).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()


@asynccontextmanager
async def responses_server(output: list[dict[str, Any]]) -> AsyncIterator[ResponsesServer]:
    server = ResponsesServer(reply=response_body(output))
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        await listener.wait_closed()


async def test_function_calls_come_back_as_tool_calls_from_one_stateless_request() -> None:
    async with responses_server([CALL]) as server:
        request = ConnectRequest(url=server.live_url, headers={"Authorization": "Bearer sk-1"})
        backend = ResponsesBackend.for_request(request, model="gpt-5-mini")
        try:
            with anyio.fail_after(5):
                plan = await backend.plan(TASK)
        finally:
            await backend.aclose()
    assert plan == [ToolCall(name="get_weather", arguments='{"city": "Lima"}')]
    (sent,) = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/responses")
    assert sent.headers["authorization"] == "Bearer sk-1"
    assert sent.body["model"] == "gpt-5-mini"
    assert sent.body["store"] is False
    assert sent.body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    # the conversation as context, the user's request as the message the model answers
    context, ask = sent.body["input"]
    assert context["role"] == "developer"
    assert "user: What is the weather in Lima" in context["content"]
    assert ask == {"role": "user", "content": "What is the weather in Lima"}
    assert "Be brief." in sent.body["instructions"]


async def test_a_text_answer_comes_back_as_text_and_azure_keys_go_as_api_key() -> None:
    async with responses_server([TEXT]) as server:
        url = f"ws://127.0.0.1:{server.port}/openai/v1/live/sessions"
        request = ConnectRequest(url=url, headers={"api-key": "az-1"})
        backend = ResponsesBackend.for_request(request)
        try:
            with anyio.fail_after(5):
                plan = await backend.plan(TASK)
        finally:
            await backend.aclose()
    assert plan == "Nothing to look up."
    (sent,) = server.requests
    assert sent.path == "/openai/v1/responses"
    assert sent.headers["api-key"] == "az-1"


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("wss://api.openai.com/v1/live/sessions", "https://api.openai.com/v1"),
        (
            "wss://res.openai.azure.com/openai/v1/live/sessions?x=1",
            "https://res.openai.azure.com/openai/v1",
        ),
        ("ws://127.0.0.1:8123/v1/live/sessions/", "http://127.0.0.1:8123/v1"),
    ],
)
def test_the_rest_base_url_follows_the_live_url(url: str, base: str) -> None:
    assert http_base_url(url) == base
