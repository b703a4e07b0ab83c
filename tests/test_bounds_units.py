"""Unit tests of the bounds on tools and input: the run config keys, the default tool timeout,
the splitting of large audio, and the tracing of odd strings."""

from __future__ import annotations

import dataclasses
from typing import Any

import anyio
import pytest

from rtvoice.config import normalize_run_config
from rtvoice.errors import UserError
from rtvoice.tools import ToolContext, ToolTimeoutError, function_tool, run_tool

pytestmark = pytest.mark.anyio


# ---------------------------------------------------------------------------------------------
# Run config keys


def test_tool_bounds_have_documented_defaults() -> None:
    settings = normalize_run_config({})

    assert settings.max_concurrent_tool_calls == 16
    assert settings.tool_timeout == 60.0


def test_tool_bounds_are_read_from_the_run_config() -> None:
    settings = normalize_run_config({"max_concurrent_tool_calls": 2, "tool_timeout": 1.5})
    off = normalize_run_config({"tool_timeout": None})

    assert (settings.max_concurrent_tool_calls, settings.tool_timeout) == (2, 1.5)
    assert off.tool_timeout is None


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"max_concurrent_tool_calls": 0}, r"'max_concurrent_tool_calls': 0 \(int\)"),
        ({"max_concurrent_tool_calls": True}, r"'max_concurrent_tool_calls': True \(bool\)"),
        ({"max_concurrent_tool_calls": 2.0}, r"'max_concurrent_tool_calls': 2.0 \(float\)"),
        ({"tool_timeout": 0}, r"'tool_timeout': 0 \(int\).*or None"),
        ({"tool_timeout": -1.0}, r"'tool_timeout': -1.0"),
        ({"tool_timeout": float("nan")}, r"'tool_timeout': nan"),
        ({"tool_timeout": float("inf")}, r"'tool_timeout': inf"),
        ({"tool_timeout": "5"}, r"'tool_timeout': '5' \(str\)"),
    ],
)
def test_bad_tool_bounds_are_user_errors_naming_the_key(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        normalize_run_config(config)


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("max_concurrent_tools", "max_concurrent_tool_calls"),
        ("tool_timout", "tool_timeout"),
        ("async_tool_call", "async_tool_calls"),
    ],
)
def test_a_misspelled_key_names_the_nearest_valid_one(key: str, suggestion: str) -> None:
    expected = rf"Unknown config key '{key}'; did you mean '{suggestion}'"
    with pytest.raises(UserError, match=expected):
        normalize_run_config({key: 1})


# ---------------------------------------------------------------------------------------------
# The default tool timeout


@dataclasses.dataclass(frozen=True)
class Agent:
    name: str = "Assistant"


def context() -> ToolContext[None]:
    return ToolContext(context=None, agent=Agent(), call_id="call_1", tool_name="hang")


@function_tool
async def hang() -> str:
    """Never answers."""
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


@function_tool(timeout=0.02)
async def quick_limit() -> str:
    """Never answers either, but has its own limit."""
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


async def test_run_tool_applies_the_default_timeout_to_a_tool_without_one() -> None:
    with anyio.fail_after(2):
        result = await run_tool(hang, context(), "{}", default_timeout=0.02)

    assert isinstance(result.error, ToolTimeoutError)
    assert result.error.timeout == 0.02
    assert result.output == "hang timed out after 0.02 s"


async def test_a_tools_own_timeout_wins_over_the_default() -> None:
    with anyio.fail_after(2):
        result = await run_tool(quick_limit, context(), "{}", default_timeout=3600.0)

    assert isinstance(result.error, ToolTimeoutError)
    assert result.output == "quick_limit timed out after 0.02 s"


async def test_no_default_timeout_lets_a_tool_run_on() -> None:
    with anyio.move_on_after(0.05) as scope:
        await run_tool(hang, context(), "{}", default_timeout=None)

    assert scope.cancelled_caught  # still running when the test's own limit came


# ---------------------------------------------------------------------------------------------
# Audio input


def test_audio_pieces_fit_one_append_each_and_hold_whole_samples() -> None:
    from rtvoice.session._messages import APPEND_CHUNK_BYTES, audio_appends

    audio = bytes(range(256)) * (2 * APPEND_CHUNK_BYTES // 256) + b"\x01\x02"
    pieces = audio_appends(audio)

    assert [len(piece) for piece in pieces] == [APPEND_CHUNK_BYTES, APPEND_CHUNK_BYTES, 2]
    assert b"".join(pieces) == audio
    # base64 of a piece is 4/3 of it: with the envelope, far under 15 MiB per event.
    assert APPEND_CHUNK_BYTES * 4 // 3 + 200 < 15 * 2**20
    assert APPEND_CHUNK_BYTES % 6 == 0  # whole PCM16 samples, and no base64 padding
    assert audio_appends(b"") == []
    assert audio_appends(b"\x00\x01") == [b"\x00\x01"]


def test_bytes_are_taken_as_they_are() -> None:
    from rtvoice.session._messages import audio_bytes

    audio = b"\x00\x01"

    assert audio_bytes(audio) is audio


# ---------------------------------------------------------------------------------------------
# Arguments with lone surrogates


@function_tool
def echo_city(city: str) -> str:
    """Echo a city."""
    return city


@pytest.mark.parametrize(
    ("arguments", "city"),
    [
        ('{"city": "a\ud800b"}', "a\ufffdb"),  # a raw lone surrogate
        ('{"city": "a\\udfffb"}', "a\ufffdb"),  # an escape that is half a pair
        ('{"city": "\\ud83d\\ude00 \\ud800"}', "\U0001f600 \ufffd"),  # a pair is kept
    ],
)
async def test_lone_surrogates_reach_the_tool_as_replacement_characters(
    arguments: str, city: str
) -> None:
    result = await run_tool(echo_city, context(), arguments)

    assert result.error is None
    assert result.output == city


async def test_broken_json_with_a_surrogate_is_still_an_arguments_error() -> None:
    result = await run_tool(echo_city, context(), '{"city": "\\ud800"')

    assert result.error is not None
    assert result.output.startswith("Invalid arguments for echo_city: not valid JSON")


async def test_a_surrogate_does_not_hide_a_schema_error() -> None:
    result = await run_tool(echo_city, context(), '{"town": "\\ud800"}')

    assert result.output == (
        "Invalid arguments for echo_city: field 'city' is required; unexpected field 'town'"
    )
