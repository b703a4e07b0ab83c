"""Function tools: schemas from signatures and docstrings, and running calls to results."""

from __future__ import annotations

import contextvars
import dataclasses
import enum
import threading
from typing import Annotated, Any, Literal

import anyio
import anyio.lowlevel
import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from rtvoice.errors import UserError
from rtvoice.model.session_config import FunctionTool as FunctionToolDefinition
from rtvoice.tools import (
    FunctionTool,
    StopConversation,
    ToolArgumentsError,
    ToolContext,
    ToolResult,
    ToolTimeoutError,
    check_unique_tool_names,
    function_tool,
    parse_arguments,
    run_tool,
    stop_conversation,
    tool_needs_approval,
    tool_output_text,
)

pytestmark = pytest.mark.anyio


@dataclasses.dataclass(frozen=True)
class Agent:
    name: str = "Assistant"


def make_ctx(tool_name: str = "t", context: object = None) -> ToolContext[Any]:
    return ToolContext(context=context, agent=Agent(), call_id="call_1", tool_name=tool_name)


# The DESIGN.md example, exactly.
@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Address(BaseModel):
    street: str
    title: str = "home"  # a property named "title" must survive the title clean-up


@dataclasses.dataclass
class Window:
    start: int
    end: int


class Filters(TypedDict):
    tag: str


# --- schema -----------------------------------------------------------------------------


def test_design_example_schema_is_exact() -> None:
    assert isinstance(get_weather, FunctionTool)
    assert get_weather.name == "get_weather"
    assert get_weather.description == "Current weather for a city."
    assert get_weather.params_json_schema == {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    }
    assert get_weather.needs_approval is False
    assert get_weather.timeout is None
    assert get_weather.to_definition() == FunctionToolDefinition(
        name="get_weather",
        description="Current weather for a city.",
        parameters=get_weather.params_json_schema,
    )


def test_pydantic_model_argument_schema_and_value() -> None:
    @function_tool
    def ship(address: Address) -> str:
        return f"{address.street}/{address.title}"

    schema = ship.params_json_schema
    assert schema["properties"] == {"address": {"$ref": "#/$defs/Address"}}
    assert schema["$defs"]["Address"] == {
        "type": "object",
        "properties": {
            "street": {"type": "string"},
            "title": {"default": "home", "type": "string"},
        },
        "required": ["street"],
        "additionalProperties": False,
    }


async def test_pydantic_model_argument_is_validated_into_the_model() -> None:
    seen: list[Address] = []

    @function_tool
    async def ship(address: Address) -> str:
        seen.append(address)
        return "ok"

    result = await run_tool(ship, make_ctx(), '{"address": {"street": "Main St"}}')
    assert result.output == "ok"
    assert seen == [Address(street="Main St", title="home")]


def test_optional_and_defaults() -> None:
    @function_tool
    def search(query: str, limit: int = 5, cursor: str | None = None) -> str:
        return query

    assert search.params_json_schema == {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "limit": {"type": "integer", "default": 5},
            "cursor": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": ["query"],
        "additionalProperties": False,
    }


def test_literal_enum_list_dict_dataclass_typeddict() -> None:
    @function_tool
    def report(
        mode: Literal["short", "long"],
        unit: Unit,
        days: list[int],
        labels: dict[str, str],
        window: Window,
        filters: Filters,
    ) -> str:
        return ""

    schema = report.params_json_schema
    props = schema["properties"]
    assert props["mode"] == {"enum": ["short", "long"], "type": "string"}
    assert props["unit"] == {"$ref": "#/$defs/Unit"}
    assert schema["$defs"]["Unit"] == {"enum": ["celsius", "fahrenheit"], "type": "string"}
    assert props["days"] == {"type": "array", "items": {"type": "integer"}}
    assert props["labels"] == {"type": "object", "additionalProperties": {"type": "string"}}
    assert schema["$defs"]["Window"]["additionalProperties"] is False
    assert schema["$defs"]["Filters"]["required"] == ["tag"]
    assert schema["required"] == ["mode", "unit", "days", "labels", "window", "filters"]


def test_docstring_description_and_args() -> None:
    @function_tool
    def book_table(restaurant: str, people: int, when: str = "tonight") -> str:
        """Book a table at a restaurant.

        Use it only once the user confirmed the details.

        Args:
            restaurant: The restaurant's name,
                as the user said it.
            people (int): How many guests.
            when: Free-form time.

        Returns:
            A confirmation number.

        Raises:
            ValueError: Never.
        """
        return ""

    assert book_table.description == (
        "Book a table at a restaurant.\n\nUse it only once the user confirmed the details."
    )
    props = book_table.params_json_schema["properties"]
    assert props["restaurant"]["description"] == "The restaurant's name, as the user said it."
    assert props["people"]["description"] == "How many guests."
    assert props["when"]["description"] == "Free-form time."


def test_annotated_description_wins_over_docstring() -> None:
    @function_tool
    def lookup(code: Annotated[str, Field(description="An IATA code", max_length=3)]) -> str:
        """Look an airport up.

        Args:
            code: From the docstring.
        """
        return code

    assert lookup.params_json_schema["properties"]["code"] == {
        "type": "string",
        "description": "An IATA code",
        "maxLength": 3,
    }


def test_options_override_name_and_description() -> None:
    @function_tool(name="weather", description="Weather now.", timeout=2.5, needs_approval=True)
    def impl(city: str) -> str:
        """Ignored."""
        return city

    assert (impl.name, impl.description, impl.timeout, impl.needs_approval) == (
        "weather",
        "Weather now.",
        2.5,
        True,
    )
    assert impl.func is not None
    assert impl.func("Oslo") == "Oslo"


def test_no_docstring_means_no_description_on_the_wire() -> None:
    @function_tool
    def ping() -> str:
        return "pong"

    assert ping.description == ""
    assert ping.to_definition().description is None
    assert ping.params_json_schema == {
        "type": "object",
        "properties": {},
        "additionalProperties": False,
    }


async def test_parameter_names_that_clash_with_pydantic_work() -> None:
    @function_tool
    def odd(json: str, model_config: int, _private: bool = False) -> str:
        return f"{json}-{model_config}-{_private}"

    assert set(odd.params_json_schema["properties"]) == {"json", "model_config", "_private"}
    result = await run_tool(odd, make_ctx(), '{"json": "a", "model_config": 2, "_private": true}')
    assert result.output == "a-2-True"


async def test_positional_only_parameters() -> None:
    @function_tool
    def add(a: int, b: int, /) -> int:
        return a + b

    assert (await run_tool(add, make_ctx(), '{"a": 2, "b": 3}')).output == "5"


# --- context ----------------------------------------------------------------------------


@dataclasses.dataclass
class AppContext:
    user_id: str


async def test_tool_context_is_injected_and_left_out_of_the_schema() -> None:
    seen: list[ToolContext[AppContext]] = []

    @function_tool
    async def whoami(ctx: ToolContext[AppContext], greeting: str) -> str:
        seen.append(ctx)
        return f"{greeting} {ctx.context.user_id}"

    assert list(whoami.params_json_schema["properties"]) == ["greeting"]
    ctx = make_ctx("whoami", AppContext(user_id="u42"))
    result = await run_tool(whoami, ctx, '{"greeting": "hi"}')
    assert result.output == "hi u42"
    assert seen == [ctx]
    assert seen[0].call_id == "call_1"
    assert seen[0].agent.name == "Assistant"


async def test_bare_tool_context_annotation_in_a_sync_tool() -> None:
    @function_tool
    def call_id(context: ToolContext) -> str:
        return context.call_id

    assert call_id.params_json_schema["properties"] == {}
    assert (await run_tool(call_id, make_ctx(), "")).output == "call_1"


# --- sync vs async ----------------------------------------------------------------------


async def test_sync_tool_runs_in_a_worker_thread() -> None:
    @function_tool
    def where() -> int:
        return threading.get_ident()

    result = await run_tool(where, make_ctx(), "{}")
    assert result.value != threading.get_ident()


async def test_async_tool_runs_in_the_callers_thread() -> None:
    @function_tool
    async def where() -> int:
        return threading.get_ident()

    assert (await run_tool(where, make_ctx(), "{}")).value == threading.get_ident()


request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


async def test_context_variables_reach_sync_and_async_tools() -> None:
    @function_tool
    def sync_tool() -> str:
        return request_id.get()

    @function_tool
    async def async_tool() -> str:
        return request_id.get()

    token = request_id.set("req-7")
    try:
        assert (await run_tool(sync_tool, make_ctx(), "")).output == "req-7"
        assert (await run_tool(async_tool, make_ctx(), "")).output == "req-7"
    finally:
        request_id.reset(token)


# --- bad arguments ----------------------------------------------------------------------


async def test_missing_argument_is_an_error_output() -> None:
    result = await run_tool(get_weather, make_ctx(), "{}")
    assert result.output == "Invalid arguments for get_weather: field 'city' is required"
    assert isinstance(result.error, ToolArgumentsError)
    assert result.is_error
    assert result.value is None


async def test_invalid_json_is_an_error_output() -> None:
    result = await run_tool(get_weather, make_ctx(), '{"city": ')
    assert result.output.startswith("Invalid arguments for get_weather: not valid JSON (")
    assert isinstance(result.error, ToolArgumentsError)


async def test_non_object_arguments_are_an_error_output() -> None:
    result = await run_tool(get_weather, make_ctx(), '["Paris"]')
    assert result.output == "Invalid arguments for get_weather: expected a JSON object"


async def test_wrong_types_and_unknown_fields_are_all_named() -> None:
    @function_tool
    def plan(days: int, address: Address) -> str:
        raise AssertionError("must not run")

    result = await run_tool(
        plan, make_ctx(), '{"days": "many", "address": {"street": 5}, "extra": 1}'
    )
    assert result.output == (
        "Invalid arguments for plan: field 'days': Input should be a valid integer, unable to "
        "parse string as an integer; field 'address.street': Input should be a valid string; "
        "unexpected field 'extra'"
    )


async def test_a_tool_may_reject_its_own_arguments() -> None:
    @function_tool
    def divide(a: float, b: float) -> float:
        if b == 0:
            raise ToolArgumentsError("b must not be zero", tool_name="divide")
        return a / b

    result = await run_tool(divide, make_ctx(), '{"a": 1, "b": 0}')
    assert result.output == "b must not be zero"
    assert (await run_tool(divide, make_ctx(), '{"a": 1, "b": 4}')).output == "0.25"


# --- failures ---------------------------------------------------------------------------


@function_tool
def explode(city: str) -> str:
    raise LookupError(f"no such city: {city}")


async def test_raising_tool_is_an_error_output() -> None:
    result = await run_tool(explode, make_ctx(), '{"city": "Atlantis"}')
    assert result.output == "Error running explode: no such city: Atlantis"
    assert isinstance(result.error, LookupError)
    assert result.is_error


async def test_error_formatter_writes_the_output() -> None:
    seen: list[tuple[ToolContext[Any], BaseException]] = []

    def formatter(ctx: ToolContext[Any], error: BaseException) -> str:
        seen.append((ctx, error))
        return f"sorry ({type(error).__name__})"

    ctx = make_ctx("explode")
    result = await run_tool(explode, ctx, '{"city": "x"}', error_formatter=formatter)
    assert result.output == "sorry (LookupError)"
    assert isinstance(result.error, LookupError)
    assert seen == [(ctx, result.error)]


async def test_async_error_formatter() -> None:
    async def formatter(ctx: ToolContext[Any], error: BaseException) -> str:
        await anyio.lowlevel.checkpoint()
        return "async sorry"

    result = await run_tool(explode, make_ctx(), '{"city": "x"}', error_formatter=formatter)
    assert result.output == "async sorry"


async def test_broken_error_formatter_falls_back_to_the_default() -> None:
    def formatter(ctx: ToolContext[Any], error: BaseException) -> str:
        raise RuntimeError("formatter bug")

    result = await run_tool(explode, make_ctx(), '{"city": "x"}', error_formatter=formatter)
    assert result.output == "Error running explode: no such city: x"
    assert isinstance(result.error, LookupError)


async def test_async_tool_timeout() -> None:
    @function_tool(timeout=0.05)
    async def slow() -> str:
        await anyio.sleep(10)
        return "late"

    with anyio.fail_after(2):
        result = await run_tool(slow, make_ctx(), "{}")
    assert result.output == "slow timed out after 0.05 s"
    assert isinstance(result.error, ToolTimeoutError)
    assert result.error.timeout == 0.05


async def test_sync_tool_timeout_does_not_wait_for_the_thread() -> None:
    release = threading.Event()

    @function_tool(timeout=0.05)
    def stuck() -> str:
        release.wait(5)
        return "late"

    try:
        with anyio.fail_after(2):
            result = await run_tool(stuck, make_ctx(), "{}")
    finally:
        release.set()
    assert isinstance(result.error, ToolTimeoutError)
    assert result.output == "stuck timed out after 0.05 s"


async def test_timeout_goes_through_the_formatter() -> None:
    @function_tool(timeout=0.01)
    async def slow() -> None:
        await anyio.sleep(10)

    def formatter(ctx: ToolContext[Any], error: BaseException) -> str:
        assert isinstance(error, ToolTimeoutError)
        return "try again later"

    result = await run_tool(slow, make_ctx(), "", error_formatter=formatter)
    assert result.output == "try again later"


async def test_cancellation_propagates() -> None:
    @function_tool
    async def forever() -> None:
        await anyio.sleep(10)

    with anyio.move_on_after(0.02) as scope:
        await run_tool(forever, make_ctx(), "")
    assert scope.cancelled_caught


# --- outputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        (None, ""),
        (42, "42"),
        (True, "True"),
        ({"a": [1, 2]}, '{"a":[1,2]}'),
        ([1, "x"], '[1,"x"]'),
        ((1, 2), "[1,2]"),
        (Address(street="Main"), '{"street":"Main","title":"home"}'),
        (Window(start=1, end=2), '{"start":1,"end":2}'),
        ({"unit": Unit.CELSIUS, "obj": object}, '{"unit":"celsius","obj":"<class \'object\'>"}'),
    ],
)
def test_tool_output_text(value: object, text: str) -> None:
    assert tool_output_text(value) == text


async def test_return_value_is_kept_raw() -> None:
    @function_tool
    def data() -> dict[str, int]:
        return {"n": 1}

    result = await run_tool(data, make_ctx(), "")
    assert result == ToolResult(output='{"n":1}', value={"n": 1})
    assert not result.is_error


# --- stop_conversation ------------------------------------------------------------------


async def test_stop_conversation_builtin() -> None:
    assert stop_conversation.name == "stop_conversation"
    assert stop_conversation.description.startswith("End the conversation")
    assert stop_conversation.params_json_schema["properties"] == {}
    result = await run_tool(stop_conversation, make_ctx("stop_conversation"), "")
    assert result.stop_conversation
    assert not result.is_error
    assert result.output == "The conversation ends after this response."


async def test_a_tool_can_stop_the_conversation() -> None:
    @function_tool
    def hang_up(reason: str) -> StopConversation:
        return StopConversation(f"ending: {reason}")

    result = await run_tool(hang_up, make_ctx(), '{"reason": "done"}')
    assert (result.stop_conversation, result.output) == (True, "ending: done")
    assert not (await run_tool(get_weather, make_ctx(), '{"city": "x"}')).stop_conversation


# --- approval, names, misuse ------------------------------------------------------------


async def test_needs_approval_bool_and_predicates() -> None:
    seen: list[dict[str, Any]] = []

    def big_refund(ctx: ToolContext[Any], arguments: dict[str, Any]) -> bool:
        seen.append(arguments)
        return bool(arguments["amount"] > 100)

    async def async_rule(ctx: ToolContext[Any], arguments: dict[str, Any]) -> bool:
        return ctx.call_id == "call_1"

    def broken(ctx: ToolContext[Any], arguments: dict[str, Any]) -> bool:
        raise KeyError("amount")

    def refund(amount: int) -> str:
        return "ok"

    ctx = make_ctx()
    assert await tool_needs_approval(get_weather, ctx, {}) is False
    assert await tool_needs_approval(function_tool(needs_approval=True)(refund), ctx, {}) is True
    tool = function_tool(needs_approval=big_refund)(refund)
    assert await tool_needs_approval(tool, ctx, {"amount": 500}) is True
    assert await tool_needs_approval(tool, ctx, {"amount": 5}) is False
    assert seen == [{"amount": 500}, {"amount": 5}]
    assert await tool_needs_approval(function_tool(needs_approval=async_rule)(refund), ctx, {})
    # A predicate that fails asks for approval rather than letting the call through.
    assert await tool_needs_approval(function_tool(needs_approval=broken)(refund), ctx, {})


def test_rejected_result() -> None:
    assert ToolResult.rejected("refund").output == "The call to refund was not approved"
    assert (
        ToolResult.rejected("refund", "too large").output
        == "The call to refund was not approved: too large"
    )


def test_parse_arguments() -> None:
    assert parse_arguments('{"a": 1}') == {"a": 1}
    assert parse_arguments("  ") == {}
    assert parse_arguments("[1]") is None
    assert parse_arguments("{nope") is None


def test_duplicate_tool_names() -> None:
    check_unique_tool_names(["a", "b", "transfer_to_billing"])
    with pytest.raises(UserError, match=r"duplicate tool names: 'a' \(2 times\), 'b' \(3 times\)"):
        check_unique_tool_names(["a", "b", "a", "c", "b", "b"])


def test_decorating_unsupported_signatures_is_a_user_error() -> None:
    def star(*cities: str) -> str:
        return ""

    def late_ctx(city: str, ctx: ToolContext) -> str:
        return ""

    def unresolved(city: Missing) -> str:  # type: ignore[name-defined]  # noqa: F821
        return ""

    def fine(city: str) -> str:
        return city

    with pytest.raises(UserError, match=r"\*args and \*\*kwargs \('cities'\)"):
        function_tool(star)
    with pytest.raises(UserError, match="must be the first parameter"):
        function_tool(late_ctx)
    with pytest.raises(UserError, match="cannot resolve the type hints"):
        function_tool(unresolved)
    with pytest.raises(UserError, match="invalid tool name 'bad name'"):
        function_tool(name="bad name")(fine)
    with pytest.raises(UserError, match="timeout must be a positive number"):
        function_tool(timeout=0)(fine)
    with pytest.raises(UserError, match="already a FunctionTool"):
        function_tool(get_weather)  # type: ignore[call-overload]


def test_function_tool_built_directly() -> None:
    async def invoke(ctx: ToolContext[Any], arguments: str) -> object:
        return arguments

    tool = FunctionTool(
        name="echo", description="", params_json_schema={"type": "object"}, on_invoke=invoke
    )
    assert tool.to_definition() == FunctionToolDefinition(
        name="echo", parameters={"type": "object"}
    )


async def test_bound_method_tool() -> None:
    class Weather:
        def __init__(self, sky: str) -> None:
            self.sky = sky

        def lookup(self, city: str) -> str:
            """Look the weather up."""
            return f"{self.sky} in {city}"

    tool = function_tool(Weather("Rainy").lookup)
    assert tool.name == "lookup"
    assert list(tool.params_json_schema["properties"]) == ["city"]
    assert (await run_tool(tool, make_ctx(), '{"city": "Bergen"}')).output == "Rainy in Bergen"


def test_docstring_lines_ending_in_a_colon_are_description() -> None:
    @function_tool
    def convert(amount: float) -> str:
        """Convert an amount. Supported currencies are:

        EUR, USD.

        Arguments:
            amount: How much.
        """
        return ""

    assert convert.description == "Convert an amount. Supported currencies are:\n\nEUR, USD."
    assert convert.params_json_schema["properties"]["amount"]["description"] == "How much."
