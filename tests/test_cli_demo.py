"""``rtvoice demo``, the README's main command, shows a tool call and a handoff against the
built-in simulator."""

from __future__ import annotations

import io

import anyio

from rtvoice._demo import run_demo


def test_demo_shows_a_text_turn_a_tool_call_a_handoff_and_a_spoken_turn() -> None:
    out = io.StringIO()
    anyio.run(lambda: run_demo(out, environ=lambda name: None))
    log = out.getvalue()
    assert "no OPENAI_API_KEY: using the built-in simulator" in log
    assert "heard: 'Concierge here. You said: Hello!'" in log
    assert "tool_start         get_weather(" in log
    assert "tool_end           get_weather -> 'Sunny in Paris, 21 degrees'" in log
    assert "get_weather returned: Sunny in Paris, 21 degrees" in log
    assert "handoff            Concierge -> Billing" in log
    assert "user (speech)      what do I owe" in log
    assert "Billing here. You said: what do I owe" in log
    assert "error" not in log
    assert "audio_interrupted" not in log  # what was played is reported: nothing is cut
    assert "assistant          \n" not in log
