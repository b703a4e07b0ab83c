"""The built-in client-delegation backend: one Responses API call per delegated task.

It needs the official ``openai`` SDK (``pip install 'rtvoice[live]'``), imported only when the
first task is planned, so that rtvoice itself never imports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from ...errors import UserError
from .._base import ConnectRequest
from ._delegation import DelegatedTask, ToolCall
from ._write_frames import tools_to_wire

__all__ = ["DEFAULT_BACKEND_MODEL", "ResponsesBackend", "http_base_url"]

DEFAULT_BACKEND_MODEL: Final = "gpt-5-mini"
"""The Responses model :class:`ResponsesBackend` uses when none is named."""

_GUIDANCE: Final = (
    "You do the work a voice assistant delegated to you. Call the tools needed for the "
    "task; if none is needed, answer in one or two short sentences the assistant can say."
)


def http_base_url(url: str) -> str:
    """The REST base URL that goes with a Live WebSocket URL: ``wss://host/v1/live/sessions``
    is ``https://host/v1`` (``ws://`` is ``http://``; the query is dropped; Azure's
    ``/openai/v1/live/sessions`` is ``/openai/v1``)."""
    parts = urlsplit(url)
    scheme = {"wss": "https", "ws": "http"}.get(parts.scheme, parts.scheme)
    path = parts.path.rstrip("/")
    marker = path.rfind("/live")
    if marker >= 0:
        path = path[:marker]
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


class ResponsesBackend:
    """Plans a delegated task with one ``client.responses.create(...)`` call: the
    conversation as text, the agent's tools as function tools, ``store=False``. Returns the
    model's function calls, or its text when it called none.

    Args:
        model: The Responses model.
        base_url: The REST base URL (``https://api.openai.com/v1``).
        api_key: The key (sent as ``Authorization: Bearer``; ``None``: the SDK reads
            ``OPENAI_API_KEY``).
        headers: Further headers on every request (Azure's ``api-key``, say).
        instructions: Instructions for the Responses model (``None``: a short default
            saying what it is for, followed by the agent's instructions).
        client: An ``openai.AsyncOpenAI`` to use instead of building one.
    """

    def __init__(
        self,
        *,
        model: str = DEFAULT_BACKEND_MODEL,
        base_url: str | None = None,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        instructions: str | None = None,
        client: Any = None,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self._api_key = api_key
        self._headers = dict(headers or {})
        self.instructions = instructions
        self._client = client
        self._own_client = client is None

    def __repr__(self) -> str:
        return f"ResponsesBackend(model={self.model!r}, base_url={self.base_url!r})"

    @classmethod
    def for_request(cls, request: ConnectRequest, *, model: str | None = None) -> ResponsesBackend:
        """The backend that reaches the same server as ``request``: its URL's REST base
        (:func:`http_base_url`) and its key (the ``Authorization: Bearer`` header, or
        Azure's ``api-key``, which is sent along as well).

        Raises:
            UserError: The ``openai`` SDK is not installed.
        """
        _require_openai()
        headers = request.headers
        api_key: str | None = None
        extra: dict[str, str] = {}
        bearer = _header(headers, "authorization")
        if bearer is not None and bearer.lower().startswith("bearer "):
            api_key = bearer[7:].strip()
        azure_key = _header(headers, "api-key")
        if azure_key is not None:
            extra["api-key"] = azure_key
            api_key = api_key or azure_key
        return cls(
            model=model or DEFAULT_BACKEND_MODEL,
            base_url=http_base_url(request.url),
            api_key=api_key,
            headers=extra,
        )

    def _make_client(self) -> Any:
        openai = _require_openai()
        return openai.AsyncOpenAI(
            api_key=self._api_key,  # None: the SDK's own OPENAI_API_KEY
            base_url=self.base_url,
            default_headers=self._headers or None,
            max_retries=0,
        )

    async def plan(self, task: DelegatedTask) -> Sequence[ToolCall] | str:
        """Ask the Responses model how to do ``task``.

        Raises:
            UserError: The ``openai`` SDK is not installed.
            openai.APIError: The request failed (the model reports it as an error event).
        """
        if self._client is None:
            self._client = self._make_client()
        instructions = self.instructions
        if instructions is None:
            instructions = _GUIDANCE
            if task.instructions:
                instructions += "\n\nThe assistant's instructions:\n" + task.instructions
        # The conversation as context, and the user's request as the message to answer:
        # what a Responses model (or the simulator standing in for one) acts on.
        context = f"The conversation so far:\n{task.conversation or '(nothing yet)'}"
        request = task.request or "Do the task the conversation leads to."
        arguments: dict[str, Any] = {
            "model": self.model,
            "instructions": instructions,
            "input": [
                {"role": "developer", "content": context},
                {"role": "user", "content": request},
            ],
            "store": False,
        }
        if task.tools:
            arguments["tools"] = tools_to_wire(task.tools)
        response = await self._client.responses.create(**arguments)
        calls = [
            ToolCall(name=item.name, arguments=item.arguments)
            for item in response.output
            if getattr(item, "type", None) == "function_call"
        ]
        if calls:
            return calls
        return str(response.output_text)

    async def aclose(self) -> None:
        """Close the HTTP client this backend built (one given to it is left open)."""
        if self._client is not None and self._own_client:
            await self._client.close()
            self._client = None


def _require_openai() -> Any:
    try:
        import openai
    except ImportError as exc:
        raise UserError(
            "the built-in GPT-Live delegation backend (ResponsesBackend) needs the openai SDK: "
            "pip install 'rtvoice[live]', or set model_settings['live']['backend'] to your own "
            "DelegationBackend"
        ) from exc
    return openai
