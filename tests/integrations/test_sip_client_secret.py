"""mint_client_secret against the simulator's POST /v1/realtime/client_secrets: the secret
carries the agent's configuration and opens sessions on a server that knows only its key."""

from __future__ import annotations

from typing import Any

import pytest

from rtvoice import OpenAIProvider, RealtimeAgent, RealtimeRunner, UserError, function_tool
from rtvoice.errors import ProviderError
from rtvoice.integrations.sip import mint_client_secret, session_configuration
from rtvoice.simulator import Simulator

openai = pytest.importorskip("openai")

pytestmark = pytest.mark.anyio


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


def _client(sim: Simulator) -> Any:
    return openai.AsyncOpenAI(
        base_url=sim.url.replace("ws://", "http://", 1), api_key="sk-server", max_retries=0
    )


AGENT = RealtimeAgent(name="Guide", instructions="Be brief.", voice="ash", tools=[get_weather])
RUNNER = RealtimeRunner(
    AGENT, config={"model_settings": {"model_name": "gpt-realtime-2", "voice": "alloy"}}
)


async def test_the_secret_carries_the_agents_configuration() -> None:
    async with Simulator(api_key="sk-server") as sim:
        secret = await mint_client_secret(RUNNER, client=_client(sim), expires_after_s=120)
    assert secret.value.startswith("ek_")
    assert secret.session["instructions"] == "Be brief."
    assert secret.session["model"] == "gpt-realtime-2"
    assert secret.session["audio"]["output"]["voice"] == "ash"
    assert [tool["name"] for tool in secret.session["tools"]] == ["get_weather"]
    assert secret.session["id"].startswith("sess_")


async def test_the_secret_opens_a_session_where_only_the_real_key_is_accepted() -> None:
    async with Simulator(api_key="sk-server") as sim:
        secret = await mint_client_secret(RUNNER, client=_client(sim))
        browser = RealtimeRunner(
            RealtimeAgent(name="Browser"),
            provider=OpenAIProvider(api_key=secret.value, base_url=sim.url),
        )
        async with await browser.run() as session:
            assert not session.closed


async def test_the_session_configuration_is_what_the_session_sends() -> None:
    body = await session_configuration(RUNNER)
    assert body["type"] == "realtime"
    assert body["model"] == "gpt-realtime-2"
    assert body["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert body["audio"]["input"]["turn_detection"]["type"] == "server_vad"


async def test_bad_lifetimes_and_refusals_are_typed_errors() -> None:
    async with Simulator(models=["gpt-realtime"]) as sim:
        with pytest.raises(UserError, match="10-7200"):
            await mint_client_secret(RUNNER, client=_client(sim), expires_after_s=5)
        with pytest.raises(ProviderError, match="HTTP 400") as refused:  # gpt-realtime-2
            await mint_client_secret(RUNNER, client=_client(sim))
    assert refused.value.code == "invalid_model"
    assert sim.calls.secrets == {}
