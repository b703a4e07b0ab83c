"""Providers decide where the socket goes and how it authenticates.

A provider builds a WebSocket URL and the upgrade headers, and says which dialect of the
protocol the server speaks. It never opens a socket. Credentials are resolved when the
provider is constructed, so a missing key fails at once, with a :class:`~rtvoice.UserError`
that names the argument and the environment variable, before any connection is tried.
Secrets never appear in a ``repr``, a log line or an exception message.

A provider also owns the model connector its server needs (:meth:`RealtimeProvider.
model_connector`): by default one that speaks the protocol the session's model needs, so a
provider for a server that speaks another protocol brings its own connector and the runner
needs no change.

Two OpenAI protocols share these providers, chosen by the model name (:func:`is_live_model`):
a ``gpt-live-*`` model speaks GPT-Live on ``<base>/live/sessions`` (the model goes in the
first frame, ``session.start``, not in the URL), any other model the Realtime protocol on
``<base>/realtime?model=<model>``.

Reaching any other compatible server takes a subclass::

    class MyGateway(RealtimeProvider):
        def build_url(self, model: str) -> str:
            return f"wss://gateway.internal/realtime?model={model}"

        def build_headers(self) -> dict[str, str]:
            return {"Authorization": f"Bearer {token()}"}
"""

from __future__ import annotations

import importlib
import inspect
import os
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import quote, urlsplit

from ._dialect import Dialect
from .errors import UserError
from .model._live_settings import is_live_model

if TYPE_CHECKING:
    from .model._base import ConnectRequest, ModelConnector, RealtimeModel

__all__ = [
    "ApiKey",
    "AzureOpenAIProvider",
    "OpenAIProvider",
    "RealtimeProvider",
    "is_live_model",
    "resolve_api_key",
]

ApiKey: TypeAlias = str | Callable[[], str | Awaitable[str]]
"""An API key, or a function returning one (sync or async): called when a session connects,
so a key that rotates (an ephemeral ``ek_`` secret, a vault lookup) is fresh each time."""


def _checked_key(key: object, where: str) -> str:
    if not isinstance(key, str) or not key:
        raise UserError(
            f"{where}: the api_key function must return a non-empty string, got {key!r}"
        )
    return key


async def resolve_api_key(api_key: ApiKey, where: str = "api_key") -> str:
    """The key itself: ``api_key``, or what calling it returns (awaited if async).

    Raises:
        UserError: The function returned something other than a non-empty string.
    """
    if isinstance(api_key, str):
        return api_key
    key = api_key()
    if inspect.isawaitable(key):
        key = await key
    return _checked_key(key, where)


OPENAI_DEFAULT_BASE_URL = "wss://api.openai.com/v1"


class RealtimeProvider(ABC):
    """Where a realtime session connects, and how it authenticates.

    Subclasses implement :meth:`build_url` and :meth:`build_headers`; override
    :attr:`dialect` for a server that speaks the retired beta shape,
    :meth:`build_call_url` for one that can attach to an existing call, and
    :meth:`model_connector` for one that speaks another protocol.
    """

    @property
    def dialect(self) -> Dialect:
        """The protocol shape the server speaks: ``"ga"`` unless a subclass says otherwise."""
        return "ga"

    @abstractmethod
    def build_url(self, model: str) -> str:
        """The WebSocket URL for a new session with ``model``."""

    @abstractmethod
    def build_headers(self) -> dict[str, str]:
        """The headers of the WebSocket upgrade request (authentication included)."""

    def build_call_url(self, call_id: str) -> str:
        """The URL that attaches to an existing WebRTC or SIP call (a ``?call_id=`` socket).

        Raises:
            UserError: This provider cannot attach to calls.
        """
        raise UserError(f"{type(self).__name__} cannot attach to an existing call (call_id)")

    def model_connector(self) -> ModelConnector:
        """What opens a session's model connection to this provider's server.

        The runner calls it once per runner and provider, and then the connector once per
        session with the :class:`~rtvoice.model.ConnectRequest` it built from
        :meth:`build_url`, :meth:`build_headers` and :attr:`dialect`. The default picks the
        protocol by the request's model: GPT-Live for a ``gpt-live-*`` model (or a request
        that carries :attr:`~rtvoice.model.ConnectRequest.live` settings), through
        ``rtvoice.model.live.LiveModel.connect``, and otherwise the OpenAI Realtime protocol
        (:meth:`rtvoice.model.OpenAIRealtimeModel.connect`), both over a WebSocket.
        """
        from .model._openai_model import OpenAIRealtimeModel

        return _ProtocolConnector(OpenAIRealtimeModel.connect)


class _ProtocolConnector:
    """Opens each session's connection with the protocol its model speaks."""

    __slots__ = ("_realtime",)

    def __init__(self, realtime: ModelConnector) -> None:
        self._realtime = realtime

    async def __call__(self, request: ConnectRequest) -> RealtimeModel:
        if request.live is None and not is_live_model(request.model_name):
            return await self._realtime(request)
        # Imported here: a process that never starts a GPT-Live session never loads it. By
        # name, so that this module type-checks whether or not rtvoice.model.live exists.
        try:
            module = importlib.import_module("rtvoice.model.live")
        except ModuleNotFoundError as exc:
            if exc.name != "rtvoice.model.live":  # something it imports is missing
                raise
            raise UserError(
                f"model {request.model_name!r} speaks GPT-Live, and this rtvoice has no "
                "GPT-Live model (rtvoice.model.live): upgrade rtvoice, or use a Realtime model"
            ) from exc
        connect: ModelConnector = module.LiveModel.connect
        return await connect(request)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(realtime={self._realtime!r})"


def _resolve(value: str | None, env_var: str) -> str | None:
    """The explicit value if given, else the environment variable; empty counts as unset."""
    if value:
        return value
    return os.environ.get(env_var) or None


def _require(value: str | None, *, argument: str, env_var: str, provider: str) -> str:
    resolved = _resolve(value, env_var)
    if resolved is None:
        raise UserError(
            f"{provider} needs {argument}: pass {argument}=... or set the {env_var} "
            "environment variable"
        )
    return resolved


def _websocket_base(url: str, *, argument: str) -> str:
    """Accept ``wss://``, ``ws://``, ``https://`` or ``http://`` and return a WebSocket base
    URL without a trailing slash."""
    expected = f"{argument} must be an absolute ws://, wss://, http:// or https:// URL"
    if not isinstance(url, str):
        raise UserError(f"{expected}, not {type(url).__name__}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # Not urllib's message: it may quote the URL, and a URL may hold a credential.
        raise UserError(f"{expected}; this one has an invalid host or port") from None
    scheme = {"https": "wss", "http": "ws", "wss": "wss", "ws": "ws"}.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise UserError(expected)
    if port is not None and not 1 <= port <= 65535:
        raise UserError(f"{argument} has port {port}; a port is 1-65535")
    if parts.query or parts.fragment:
        raise UserError(
            f"{argument} must not have a query or fragment (the provider builds the query)"
        )
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}"


class OpenAIProvider(RealtimeProvider):
    """OpenAI's realtime endpoints: ``wss://api.openai.com/v1/realtime?model=...``, and
    ``wss://api.openai.com/v1/live/sessions`` for a GPT-Live model (``gpt-live-*``).

    Args:
        api_key: The API key (or an ``ek_`` ephemeral secret), or a sync function returning
            one, called each time headers are built (for an async function, pass it as
            ``run(model_config={"api_key": ...})``). Defaults to ``OPENAI_API_KEY``.
        organization: Sent as ``OpenAI-Organization``. Defaults to ``OPENAI_ORG_ID``.
        project: Sent as ``OpenAI-Project``. Defaults to ``OPENAI_PROJECT_ID``.
        base_url: Another OpenAI-compatible server, e.g. ``ws://127.0.0.1:8765/v1``;
            ``/realtime`` (or ``/live/sessions``) is appended. ``http(s)://`` is turned into
            ``ws(s)://``.

    Raises:
        UserError: No API key was given and ``OPENAI_API_KEY`` is not set, or ``base_url``
            is not an absolute URL.
    """

    def __init__(
        self,
        api_key: str | Callable[[], str] | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
    ) -> None:
        self._key_function: Callable[[], str] | None = None
        if api_key is not None and not isinstance(api_key, str):
            if not callable(api_key):
                raise UserError(
                    f"OpenAIProvider: api_key must be a string or a function, got {api_key!r}"
                )
            self._key_function = api_key
            self._api_key = ""
        else:
            self._api_key = _require(
                api_key, argument="api_key", env_var="OPENAI_API_KEY", provider="OpenAIProvider"
            )
        self.organization = _resolve(organization, "OPENAI_ORG_ID")
        self.project = _resolve(project, "OPENAI_PROJECT_ID")
        self.base_url = _websocket_base(base_url or OPENAI_DEFAULT_BASE_URL, argument="base_url")

    def build_url(self, model: str) -> str:
        """``<base_url>/realtime?model=<model>``; for a GPT-Live model
        ``<base_url>/live/sessions`` (the model goes in ``session.start``)."""
        if not model:
            raise UserError("OpenAIProvider.build_url needs a model name")
        if is_live_model(model):
            return f"{self.base_url}/live/sessions"
        return f"{self.base_url}/realtime?model={quote(model, safe='')}"

    def build_call_url(self, call_id: str) -> str:
        """``<base_url>/realtime?call_id=<call_id>``: attach to a WebRTC or SIP call."""
        if not call_id:
            raise UserError("build_call_url needs a call_id")
        return f"{self.base_url}/realtime?call_id={quote(call_id, safe='')}"

    def build_headers(self) -> dict[str, str]:
        """``Authorization: Bearer ...``, plus ``OpenAI-Organization`` / ``OpenAI-Project``
        when set. No ``OpenAI-Beta`` header: the GA server rejects it."""
        key = self._api_key
        if self._key_function is not None:
            key = self._key_function()
            if inspect.isawaitable(key):
                if inspect.iscoroutine(key):
                    key.close()
                raise UserError(
                    "OpenAIProvider: api_key is an async function; pass it to "
                    "runner.run(model_config={'api_key': ...}), which awaits it"
                )
            key = _checked_key(key, "OpenAIProvider")
        headers = {"Authorization": f"Bearer {key}"}
        if self.organization:
            headers["OpenAI-Organization"] = self.organization
        if self.project:
            headers["OpenAI-Project"] = self.project
        return headers

    def __repr__(self) -> str:
        # Imported here: importing the providers loads no transport code.
        from .transport._redaction import redact_url

        return (
            f"OpenAIProvider(base_url={redact_url(self.base_url)!r}, "
            f"organization={self.organization!r}, "
            f"project={self.project!r}, api_key='***')"
        )


class AzureOpenAIProvider(RealtimeProvider):
    """Azure OpenAI's realtime endpoint.

    By default the GA path ``wss://<resource>.openai.azure.com/openai/v1/realtime?model=
    <deployment>`` with an ``api-key`` header. An explicit ``api_version`` (e.g.
    ``2025-04-01-preview``) selects the legacy preview path
    ``/openai/realtime?api-version=<v>&deployment=<deployment>`` and the beta dialect.

    A GPT-Live model (``gpt-live-*``) connects to ``wss://<resource>.openai.azure.com/openai/
    v1/live/sessions``: the URL names no deployment, ``session.start`` carries the model
    name, so name the session's model as your Azure deployment of it is named (``deployment``
    is not used). GPT-Live has no legacy preview path, so it refuses an ``api_version``.

    Args:
        resource: The resource name (``my-res``), its host (``my-res.openai.azure.com``) or
            endpoint URL. Defaults to ``AZURE_OPENAI_RESOURCE``.
        deployment: The deployment name. Defaults to ``AZURE_OPENAI_DEPLOYMENT``, else the
            model name given to :meth:`build_url`.
        api_key: Sent as ``api-key``. Defaults to ``AZURE_OPENAI_API_KEY``.
        api_version: Selects the legacy preview path and the beta dialect.
        azure_ad_token: A Microsoft Entra token sent as ``Authorization: Bearer`` instead of
            a key.

    Raises:
        UserError: The resource, or both the key and the token, are missing.
    """

    def __init__(
        self,
        resource: str | None = None,
        deployment: str | None = None,
        api_key: str | None = None,
        api_version: str | None = None,
        *,
        azure_ad_token: str | None = None,
    ) -> None:
        resource = _require(
            resource,
            argument="resource",
            env_var="AZURE_OPENAI_RESOURCE",
            provider="AzureOpenAIProvider",
        )
        self.host = _azure_host(resource)
        self.deployment = _resolve(deployment, "AZURE_OPENAI_DEPLOYMENT")
        self.api_version = api_version or None
        self._azure_ad_token = azure_ad_token or None
        self._api_key = (
            None
            if self._azure_ad_token
            else _require(
                api_key,
                argument="api_key",
                env_var="AZURE_OPENAI_API_KEY",
                provider="AzureOpenAIProvider",
            )
        )

    @property
    def dialect(self) -> Dialect:
        """``beta`` on the legacy preview path (an explicit ``api_version``), else ``ga``."""
        return "beta" if self.api_version else "ga"

    def build_url(self, model: str) -> str:
        """The GA or legacy preview URL; the deployment defaults to ``model``. For a
        GPT-Live model, ``/openai/v1/live/sessions``.

        Raises:
            UserError: No deployment and no model, or a GPT-Live model with an
                ``api_version``.
        """
        if is_live_model(model):
            if self.api_version:
                raise UserError(
                    f"AzureOpenAIProvider: GPT-Live ({model!r}) is served only on the v1 "
                    f"path, not on the preview API version {self.api_version!r}: leave "
                    "api_version out"
                )
            return f"wss://{self.host}/openai/v1/live/sessions"
        deployment = self.deployment or model
        if not deployment:
            raise UserError(
                "AzureOpenAIProvider needs a deployment: pass deployment=..., set "
                "AZURE_OPENAI_DEPLOYMENT, or give a model name"
            )
        name = quote(deployment, safe="")
        if self.api_version:
            version = quote(self.api_version, safe="")
            return f"wss://{self.host}/openai/realtime?api-version={version}&deployment={name}"
        return f"wss://{self.host}/openai/v1/realtime?model={name}"

    def build_call_url(self, call_id: str) -> str:
        """The GA sideband URL ``/openai/v1/realtime?call_id=<id>``."""
        if not call_id:
            raise UserError("build_call_url needs a call_id")
        return f"wss://{self.host}/openai/v1/realtime?call_id={quote(call_id, safe='')}"

    def build_headers(self) -> dict[str, str]:
        """``api-key: <key>``, or ``Authorization: Bearer <token>`` with an Entra token."""
        if self._azure_ad_token:
            return {"Authorization": f"Bearer {self._azure_ad_token}"}
        assert self._api_key is not None  # resolved in __init__ when there is no token
        return {"api-key": self._api_key}

    def __repr__(self) -> str:
        auth = "azure_ad_token='***'" if self._azure_ad_token else "api_key='***'"
        return (
            f"AzureOpenAIProvider(host={self.host!r}, deployment={self.deployment!r}, "
            f"api_version={self.api_version!r}, {auth})"
        )


def _azure_host(resource: str) -> str:
    """``my-res``, ``my-res.openai.azure.com`` or ``https://my-res.openai.azure.com/`` ->
    ``my-res.openai.azure.com``."""
    if "://" in resource:
        try:
            host = urlsplit(resource).netloc
        except ValueError:
            host = ""
        if not host:
            raise UserError("resource must be a resource name, a host or an endpoint URL")
        return host
    resource = resource.strip().rstrip("/")
    if not resource or "/" in resource:
        raise UserError("resource must be a resource name, a host or an endpoint URL")
    return resource if "." in resource else f"{resource}.openai.azure.com"
