"""Ephemeral client secrets: a browser talks to OpenAI directly (WebRTC), with a key that
expires, minted by the server with the agent's session configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...agent import RealtimeAgent
from ...errors import ProviderError, UserError
from ...runner import RealtimeRunner
from ._calls import load_openai
from ._session_config import session_configuration

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["ClientSecret", "mint_client_secret"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSecret:
    """A minted secret.

    Attributes:
        value: ``ek_...``: hand it to the browser, which sends it as its bearer key.
        expires_at: Epoch seconds; sessions opened before it keep running after it.
        session: The effective session the API reported (GA JSON, with its ``id``).
    """

    value: str
    expires_at: int
    session: dict[str, Any]


async def mint_client_secret(
    runner: RealtimeRunner[Any],
    *,
    agent: RealtimeAgent[Any] | None = None,
    context: Any = None,
    expires_after_s: int = 600,
    client: AsyncOpenAI | None = None,
) -> ClientSecret:
    """Mint an ephemeral client secret (``POST /v1/realtime/client_secrets``) whose
    sessions start with ``agent``'s configuration, as a session of ``runner`` would send it.

    Args:
        runner: The run's model settings.
        agent: Whose instructions, tools and voice (default: the starting agent). The
            browser runs no tools of yours: answer its function calls on your server.
        context: For the agent's instructions function.
        expires_after_s: The secret's lifetime, 10-7200 s.
        client: An ``openai.AsyncOpenAI`` (default: one from the environment).

    Raises:
        UserError: The ``sip`` extra is missing, or ``expires_after_s`` is out of range.
        ProviderError: The API refused (the message says why).
    """
    openai = load_openai()
    if not 10 <= expires_after_s <= 7200:
        raise UserError(f"expires_after_s must be 10-7200 seconds, got {expires_after_s}")
    client = client if client is not None else openai.AsyncOpenAI()
    session = await session_configuration(runner, agent, context)
    try:
        answer = await client.realtime.client_secrets.create(
            expires_after={"anchor": "created_at", "seconds": expires_after_s},
            session=session,  # type: ignore[arg-type]
        )
    except openai.APIStatusError as exc:
        raise ProviderError(
            f"client secret refused (HTTP {exc.status_code}): {exc.message}",
            code=getattr(exc, "code", None),
        ) from exc
    return ClientSecret(
        value=answer.value,
        expires_at=answer.expires_at,
        session=answer.session.model_dump(mode="json", exclude_none=True),
    )
