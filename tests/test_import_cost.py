"""What an import loads: building an agent must not pay for the connection.

``import rtvoice`` and the README's import line leave websockets, pydantic, OpenTelemetry, the
OpenAI codec, the session machinery and the simulator unloaded; they come in with the first
session (that a session still works is what the rest of the suite checks). Each case runs in a
fresh interpreter and inspects ``sys.modules``; nothing here measures time.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import rtvoice
from rtvoice.tools import ToolArgumentsError, ToolContext, run_tool, stop_conversation

README_IMPORT = "from rtvoice import RealtimeAgent, RealtimeRunner, function_tool"

# Loaded by a session, never by building an agent and a runner.
CONNECTION_MODULES = [
    "anyio",
    "opentelemetry",
    "pydantic",
    "pydantic_core",
    "rtvoice.model._openai_model",
    "rtvoice.model.events",
    "rtvoice.model.openai",
    "rtvoice.session",
    "rtvoice.simulator",
    "rtvoice.tracing",
    "rtvoice.transport",
    "websockets",
]


def loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(proc.stdout.splitlines()[-1]))


def loaded_packages(modules: set[str], names: list[str]) -> list[str]:
    return [name for name in names if any(m == name or m.startswith(f"{name}.") for m in modules)]


def test_import_rtvoice_loads_only_the_facade() -> None:
    modules = loaded_after("import rtvoice")
    assert sorted(m for m in modules if m.startswith("rtvoice")) == [
        "rtvoice",
        "rtvoice._lazy",
        "rtvoice._version",
    ]
    assert loaded_packages(modules, CONNECTION_MODULES) == []


def test_readme_import_does_not_load_the_connection() -> None:
    modules = loaded_after(README_IMPORT)
    assert loaded_packages(modules, CONNECTION_MODULES) == []


@pytest.mark.parametrize(
    "statement",
    [
        "import rtvoice.config",
        "import rtvoice.model",
        "import rtvoice.model.session_config",
        "from rtvoice import Handoff, handoff, input_guardrail, output_guardrail",
        "from rtvoice import Middleware, ApprovalPolicy, AuditLog",
        "from rtvoice import OpenAIProvider, PlaybackTracker, UserError",
        "import rtvoice.cli",
    ],
)
def test_configuration_modules_do_not_load_the_connection(statement: str) -> None:
    modules = loaded_after(statement)
    assert loaded_packages(modules, ["pydantic", "websockets", "opentelemetry"]) == []
    assert loaded_packages(modules, ["rtvoice.session", "rtvoice.simulator"]) == []


def test_lazy_names_are_listed_and_resolve_to_their_modules_objects() -> None:
    code = (
        "import rtvoice, rtvoice.model, rtvoice.audio\n"
        "for m in (rtvoice, rtvoice.model, rtvoice.audio):\n"
        "    assert set(m.__all__) <= set(dir(m)), m\n"
        "from rtvoice import *\n"
        "import rtvoice.runner, rtvoice.session, rtvoice.tools, rtvoice.model._openai_model\n"
        "assert RealtimeRunner is rtvoice.runner.RealtimeRunner\n"
        "assert RealtimeSession is rtvoice.session.RealtimeSession\n"
        "assert stop_conversation is rtvoice.tools.stop_conversation\n"
        "OpenAIRealtimeModel = rtvoice.model.OpenAIRealtimeModel\n"
        "assert OpenAIRealtimeModel is rtvoice.model._openai_model.OpenAIRealtimeModel\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_unknown_names_still_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchName'"):
        rtvoice.NoSuchName  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(ImportError):
        from rtvoice import NoSuchName  # type: ignore[attr-defined]  # noqa: F401


# The built-in tool is built by hand so that rtvoice.tools does not load pydantic; it must stay
# exactly what function_tool would have built.


def test_stop_conversation_schema_is_the_one_function_tool_derives() -> None:
    from rtvoice._tools._builtin import _stop_conversation
    from rtvoice.tools import function_tool

    derived = function_tool(name="stop_conversation")(_stop_conversation)
    assert stop_conversation.params_json_schema == derived.params_json_schema
    assert list(stop_conversation.params_json_schema) == list(derived.params_json_schema)
    assert stop_conversation.description == derived.description
    assert stop_conversation.func is _stop_conversation
    assert (stop_conversation.needs_approval, stop_conversation.timeout) == (False, None)


@pytest.mark.anyio
async def test_stop_conversation_validates_its_arguments_like_a_decorated_tool() -> None:
    agent: rtvoice.RealtimeAgent[None] = rtvoice.RealtimeAgent(name="A")
    ctx = ToolContext(context=None, agent=agent, call_id="c1", tool_name="stop_conversation")
    result = await run_tool(stop_conversation, ctx, '{"reason": "bye"}')
    assert isinstance(result.error, ToolArgumentsError)
    assert result.output == "Invalid arguments for stop_conversation: unexpected field 'reason'"
    result = await run_tool(stop_conversation, ctx, "{}")
    assert result.stop_conversation
    assert result.error is None
