"""Guardrails: decorators, sync and async checks, and failures that never crash the caller."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from rtvoice.errors import UserError
from rtvoice.guardrails import (
    GuardrailError,
    GuardrailFunctionOutput,
    GuardrailResult,
    InputGuardrail,
    OutputGuardrail,
    input_guardrail,
    output_guardrail,
    run_guardrail,
)

pytestmark = pytest.mark.anyio


@dataclasses.dataclass(frozen=True)
class Agent:
    name: str = "Assistant"


AGENT = Agent()


@output_guardrail
def no_prices(context: Any, agent: Agent, text: str) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(tripwire_triggered="$" in text, info=threading.get_ident())


@input_guardrail(name="polite_user")
async def no_shouting(context: dict[str, int], agent: Agent, text: str) -> GuardrailFunctionOutput:
    await anyio.lowlevel.checkpoint()
    return GuardrailFunctionOutput(text.isupper(), info={"limit": context["limit"]})


def test_decorators_make_guardrails() -> None:
    assert isinstance(no_prices, OutputGuardrail)
    assert (no_prices.name, no_prices.kind) == ("no_prices", "output")
    assert isinstance(no_shouting, InputGuardrail)
    assert (no_shouting.name, no_shouting.kind) == ("polite_user", "input")


async def test_sync_guardrail_runs_in_a_worker_thread() -> None:
    result = await run_guardrail(no_prices, None, AGENT, "That is $5.")
    assert result == GuardrailResult(
        guardrail=no_prices,
        output=GuardrailFunctionOutput(True, info=result.output.info),
        text="That is $5.",
    )
    assert result.tripwire_triggered
    assert result.kind == "output"
    assert result.output.info != threading.get_ident()
    assert not (await run_guardrail(no_prices, None, AGENT, "Free.")).tripwire_triggered


async def test_async_guardrail_gets_context_agent_and_text() -> None:
    seen: list[tuple[object, object, str]] = []

    @output_guardrail
    async def spy(context: object, agent: object, text: str) -> GuardrailFunctionOutput:
        seen.append((context, agent, text))
        return GuardrailFunctionOutput(False)

    context = {"user": 1}
    await run_guardrail(spy, context, AGENT, "hello")
    assert seen == [(context, AGENT, "hello")]

    result = await run_guardrail(no_shouting, {"limit": 3}, AGENT, "STOP")
    assert result.tripwire_triggered
    assert result.output.info == {"limit": 3}
    assert result.kind == "input"
    assert result.error is None


async def test_raising_guardrail_is_reported_not_tripped() -> None:
    @output_guardrail
    def broken(context: object, agent: object, text: str) -> GuardrailFunctionOutput:
        raise ValueError("classifier down")

    result = await run_guardrail(broken, None, AGENT, "anything")
    assert not result.tripwire_triggered
    assert isinstance(result.error, ValueError)
    assert result.output == GuardrailFunctionOutput(False)
    assert result.text == "anything"


async def test_raising_async_guardrail_is_reported_not_tripped() -> None:
    @input_guardrail
    async def broken(context: object, agent: object, text: str) -> GuardrailFunctionOutput:
        raise RuntimeError("boom")

    result = await run_guardrail(broken, None, AGENT, "x")
    assert (result.tripwire_triggered, type(result.error)) == (False, RuntimeError)


async def test_wrong_return_type_is_an_error() -> None:
    @output_guardrail
    def says_true(context: object, agent: object, text: str) -> GuardrailFunctionOutput:
        return True  # type: ignore[return-value]

    result = await run_guardrail(says_true, None, AGENT, "x")
    assert not result.tripwire_triggered
    assert isinstance(result.error, GuardrailError)
    assert str(result.error) == "guardrail 'says_true' returned bool, not a GuardrailFunctionOutput"


async def test_cancellation_propagates() -> None:
    @output_guardrail
    async def slow(context: object, agent: object, text: str) -> GuardrailFunctionOutput:
        await anyio.sleep(10)
        return GuardrailFunctionOutput(False)

    with anyio.move_on_after(0.02) as scope:
        await run_guardrail(slow, None, AGENT, "x")
    assert scope.cancelled_caught


def test_guardrail_needs_a_callable() -> None:
    with pytest.raises(UserError, match="must be callable"):
        OutputGuardrail(guardrail_function="nope")  # type: ignore[arg-type]


def test_guardrails_built_directly_take_the_function_name() -> None:
    def check(context: object, agent: object, text: str) -> GuardrailFunctionOutput:
        return GuardrailFunctionOutput(False)

    assert InputGuardrail(guardrail_function=check).name == "check"
    assert OutputGuardrail(guardrail_function=check, name="custom").name == "custom"
