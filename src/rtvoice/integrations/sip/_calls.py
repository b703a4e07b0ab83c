"""OpenAI SIP calls: the ``realtime.call.incoming`` webhook, the call actions, the session.

The flow: OpenAI posts a signed webhook for each incoming call;
the application answers it with one action, ``accept`` (with the session configuration),
``reject``, and later ``refer`` or ``hangup``; after an accept, the session attaches to the
call by ``call_id`` over a WebSocket that carries events only (the audio stays on the phone
line, between the caller and OpenAI).

:class:`SipCalls` does each step through the official ``openai`` SDK (the ``sip`` extra):
``client.webhooks.unwrap`` checks the Standard Webhooks signature and its timestamp, the
``client.realtime.calls`` methods do the HTTP calls, and the client's ``base_url`` and key say
where the call's socket is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
from typing_extensions import Self

from ...agent import RealtimeAgent
from ...errors import ProviderError, RealtimeError, UserError
from ...providers import OpenAIProvider
from ...runner import RealtimeRunner
from ...session import RealtimeSession
from ._dedupe import MemoryWebhookIds, WebhookIdStore
from ._session_config import session_configuration

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = [
    "CallEndedError",
    "IncomingCall",
    "MalformedWebhookError",
    "SipCalls",
    "WebhookReply",
    "WebhookVerificationError",
    "load_openai",
]

logger = logging.getLogger("rtvoice.sip")

INCOMING_CALL = "realtime.call.incoming"


class WebhookVerificationError(RealtimeError):
    """The webhook's signature, timestamp or body does not check out: it did not come from
    OpenAI (or came too late). Answer it with 400/401 and do nothing else."""


class MalformedWebhookError(WebhookVerificationError):
    """The signature is good but the body is not a webhook event rtvoice can read."""


class CallEndedError(RealtimeError):
    """The API no longer knows the call (HTTP 404): the caller hung up, or another delivery
    of the same webhook already handled it. Treat the call as done."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IncomingCall:
    """A verified ``realtime.call.incoming`` webhook.

    Attributes:
        call_id: Pass it to :meth:`SipCalls.accept`, ``reject``, ``refer``, ``hangup``.
        webhook_id: The ``webhook-id`` header (the same on every redelivery).
        created_at: When OpenAI created the event (epoch seconds).
        sip_headers: The INVITE's headers as ``(name, value)`` pairs, in order; untrusted
            caller data.
    """

    call_id: str
    webhook_id: str
    created_at: int
    sip_headers: tuple[tuple[str, str], ...]

    def sip_header(self, name: str) -> str | None:
        """The first SIP header called ``name`` (case-insensitive), e.g. ``From``."""
        wanted = name.lower()
        return next((value for key, value in self.sip_headers if key.lower() == wanted), None)


@dataclass(frozen=True, slots=True)
class WebhookReply:
    """What to answer the webhook's HTTP request with."""

    status: int
    """200 (handled, or a redelivery already handled), 400 (a body that is not an event),
    401 (a bad signature or a stale timestamp)."""
    body: str = ""


def read_incoming_call(body: bytes | str, webhook_id: str) -> IncomingCall | None:
    """Read a verified webhook body: the call, or ``None`` for another event type.

    Raises:
        MalformedWebhookError: Not JSON, or a ``realtime.call.incoming`` without a
            ``data.call_id`` string.
    """
    try:
        event = json.loads(body)
    except ValueError:
        raise MalformedWebhookError("webhook body is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise MalformedWebhookError("webhook body is not an event (no 'type')")
    if event["type"] != INCOMING_CALL:
        return None
    data = event.get("data")
    if not isinstance(data, dict):
        raise MalformedWebhookError("realtime.call.incoming without data")
    call_id = data.get("call_id")
    if not isinstance(call_id, str) or not call_id:
        raise MalformedWebhookError("realtime.call.incoming without data.call_id")
    headers: list[tuple[str, str]] = []
    for entry in data.get("sip_headers") or ():
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            headers.append((entry["name"], str(entry.get("value", ""))))
    created_at = event.get("created_at")
    return IncomingCall(
        call_id=call_id,
        webhook_id=webhook_id,
        created_at=created_at if isinstance(created_at, int) else 0,
        sip_headers=tuple(headers),
    )


def load_openai() -> Any:
    """The ``openai`` module, or a :class:`~rtvoice.UserError` naming the extra to install."""
    try:
        import openai
    except ImportError:
        raise UserError(
            "rtvoice.integrations.sip needs the official openai SDK: pip install 'rtvoice[sip]'"
        ) from None
    return openai


class SipCalls:
    """Answers OpenAI SIP calls with a runner's agent.

    Use it as an async context manager: the calls it starts run in its task group, and
    leaving the block waits for them.

    Args:
        runner: Its configuration and starting agent answer the calls.
        on_call: Called once per new call (never for a redelivered webhook), in a task of its
            own, after the webhook was answered 200. It decides: ``await calls.accept(call)``
            (then run the session), ``reject``, or nothing. An exception is logged and ends
            only that call.
        client: An ``openai.AsyncOpenAI``; by default one made from the environment
            (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_WEBHOOK_SECRET``) when the
            ``async with`` block is entered. One client for all calls keeps its HTTP
            connections warm.
        webhook_secret: Overrides the client's ``webhook_secret``.
        tolerance_s: How old (or how far in the future) a webhook's timestamp may be.
        seen: Where handled webhook ids are kept (default: :class:`MemoryWebhookIds`).

    Raises:
        UserError: The ``openai`` SDK is not installed (the ``sip`` extra).
    """

    def __init__(
        self,
        runner: RealtimeRunner[Any],
        on_call: Callable[[IncomingCall], Awaitable[None]],
        *,
        client: AsyncOpenAI | None = None,
        webhook_secret: str | None = None,
        tolerance_s: int = 300,
        seen: WebhookIdStore | None = None,
    ) -> None:
        openai = load_openai()
        if not isinstance(runner, RealtimeRunner):
            raise UserError("SipCalls needs a RealtimeRunner")
        self.runner = runner
        self._client: AsyncOpenAI | None = None
        self._openai = openai
        self._on_call = on_call
        self._secret = webhook_secret
        self._tolerance = tolerance_s
        self.seen: WebhookIdStore = seen if seen is not None else MemoryWebhookIds()
        self._tasks: anyio.abc.TaskGroup | None = None
        if client is not None:
            self._use(client)

    @property
    def client(self) -> AsyncOpenAI:
        """The SDK client: the one given, else one made from the environment on first use
        (at the latest when the ``async with`` block is entered)."""
        if self._client is None:
            self._use(self._openai.AsyncOpenAI())
        assert self._client is not None
        return self._client

    def _use(self, client: AsyncOpenAI) -> None:
        self._client = client
        # The SDK loads its webhook and realtime resources (and their types) on first use:
        # about 260 ms that the first caller would wait through between webhook and accept.
        client.webhooks  # noqa: B018
        client.realtime.calls  # noqa: B018

    async def __aenter__(self) -> Self:
        self.client  # noqa: B018  (made now, from the environment, if none was given)
        self._tasks = anyio.create_task_group()
        await self._tasks.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        tasks, self._tasks = self._tasks, None
        assert tasks is not None
        return await tasks.__aexit__(exc_type, exc, traceback)

    # -------------------------------------------------------------------------------------
    # The webhook

    def verify(self, body: bytes | str, headers: Mapping[str, str]) -> IncomingCall | None:
        """Check the signature and timestamp, and read the event.

        Returns:
            The call, or ``None`` for a genuine event of another type.

        Raises:
            WebhookVerificationError: A missing or wrong signature, a timestamp outside
                ``tolerance_s``, or a signed body that is not a webhook event.
        """
        openai = self._openai
        secret = self._secret or self.client.webhook_secret
        if not secret:
            raise UserError(
                "SipCalls needs the webhook secret: set OPENAI_WEBHOOK_SECRET or pass "
                "webhook_secret=..."
            )
        try:
            # The SDK's own Standard Webhooks check (``unwrap`` runs it with the default
            # tolerance; this one takes ours), then the event is read here.
            self.client.webhooks.verify_signature(
                body, dict(headers), secret=secret, tolerance=self._tolerance
            )
        except (openai.InvalidWebhookSignatureError, ValueError) as exc:  # ValueError: a header
            raise WebhookVerificationError(f"webhook rejected: {exc}") from None
        webhook_id = next(v for k, v in headers.items() if k.lower() == "webhook-id")
        return read_incoming_call(body, webhook_id)

    async def handle_webhook(self, body: bytes | str, headers: Mapping[str, str]) -> WebhookReply:
        """Verify a webhook and start ``on_call`` for a new call; never waits for the call.

        Returns:
            The HTTP answer: 401 for a bad signature or stale timestamp, 400 for a signed
            body that is not an event (nothing else is done for either), 200 otherwise (a
            redelivered webhook is acknowledged and ignored).
        """
        if self._tasks is None:
            raise UserError("use 'async with SipCalls(...) as calls:' before handling webhooks")
        try:
            call = self.verify(body, headers)
        except MalformedWebhookError as exc:
            logger.warning("%s", exc)
            return WebhookReply(400, str(exc))
        except WebhookVerificationError as exc:
            logger.warning("%s", exc)
            return WebhookReply(401, str(exc))
        if call is None:
            return WebhookReply(200, "ignored")
        if not await self.seen.claim(call.webhook_id):
            logger.info("webhook %s redelivered: already handled", call.webhook_id)
            return WebhookReply(200, "already handled")
        self._tasks.start_soon(self._run_call, call)
        return WebhookReply(200, "ok")

    async def _run_call(self, call: IncomingCall) -> None:
        try:
            await self._on_call(call)
        except CallEndedError:
            logger.info("call %s ended before it was handled", call.call_id)
        except Exception:
            logger.exception("call %s failed", call.call_id)

    # -------------------------------------------------------------------------------------
    # The call actions

    async def accept(
        self,
        call: IncomingCall | str,
        *,
        agent: RealtimeAgent[Any] | None = None,
        context: Any = None,
    ) -> RealtimeSession:
        """Accept the call with the agent's session configuration and return a session
        attached to it (not yet entered: ``async with session:``).

        The accept carries the full configuration, so the call's server session starts
        configured and the session sends no ``session.update`` of its own on entry (one
        round trip fewer before the first audio).

        Args:
            call: The call (or its id).
            agent: Who answers (default: the runner's starting agent).
            context: The run context (instructions functions, tools).

        Raises:
            CallEndedError: The API answered 404 (the caller hung up, or the call was
                already handled).
            ProviderError: The API refused the accept (e.g. the configuration).
        """
        call_id = call if isinstance(call, str) else call.call_id
        body = await session_configuration(self.runner, agent, context)
        await self._call_api("accept", call_id, **body)
        return await self.attach(call_id, context=context, agent=agent, preconfigured=True)

    async def attach(
        self,
        call_id: str,
        *,
        context: Any = None,
        agent: RealtimeAgent[Any] | None = None,
        preconfigured: bool = False,
    ) -> RealtimeSession:
        """A session on an accepted call's socket (``?call_id=``), not yet entered.

        Args:
            call_id: The call.
            context: The run context.
            agent: Who speaks (default: the runner's starting agent).
            preconfigured: The accept carried this runner's configuration for ``agent``:
                entering sends no ``session.update``.
        """
        provider = OpenAIProvider(
            api_key=self.client.api_key,
            organization=self.client.organization,
            project=self.client.project,
            base_url=str(self.client.base_url),
        )
        return await self.runner.run(
            context,
            agent=agent,
            model_config={
                "url": provider.build_call_url(call_id),
                "headers": provider.build_headers(),
                "call_id": call_id,
                "preconfigured": preconfigured,
            },
        )

    async def reject(self, call: IncomingCall | str, *, status_code: int = 603) -> None:
        """Decline the call with a SIP status (603 Decline by default; 486 Busy Here, ...).

        Raises:
            CallEndedError: The call is gone (404).
        """
        call_id = call if isinstance(call, str) else call.call_id
        await self._call_api("reject", call_id, status_code=status_code)

    async def refer(self, call: IncomingCall | str, target_uri: str) -> None:
        """Transfer the call (SIP REFER) to ``target_uri`` (``tel:+1...`` or ``sip:...``).

        Raises:
            UserError: ``target_uri`` is not a ``tel:`` or ``sip:`` URI.
            CallEndedError: The call is gone (404).
        """
        if not target_uri.startswith(("tel:", "sip:", "sips:")):
            raise UserError(f"refer needs a tel: or sip: URI, got {target_uri!r}")
        call_id = call if isinstance(call, str) else call.call_id
        await self._call_api("refer", call_id, target_uri=target_uri)

    async def hangup(self, call: IncomingCall | str) -> None:
        """End the call.

        Raises:
            CallEndedError: The call is already over (404).
        """
        call_id = call if isinstance(call, str) else call.call_id
        await self._call_api("hangup", call_id)

    async def _call_api(self, action: str, call_id: str, **body: Any) -> None:
        openai = self._openai
        method = getattr(self.client.realtime.calls, action)
        try:
            await method(call_id, **body)
        except openai.NotFoundError as exc:
            raise CallEndedError(f"{action} {call_id}: the call is gone ({exc.message})") from exc
        except openai.APIStatusError as exc:
            raise ProviderError(
                f"{action} {call_id} refused (HTTP {exc.status_code}): {exc.message}",
                code=getattr(exc, "code", None),
                error_type=str(getattr(exc, "type", "") or ""),
            ) from exc
