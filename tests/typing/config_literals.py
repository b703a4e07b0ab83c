"""Type-checked by ``tests/test_config.py`` under ``mypy --strict`` (never imported or run).

The first literal is the DESIGN.md example and must type-check as is. The others are
mistakes the TypedDicts must catch: each carries the exact ``type: ignore`` code, and
``--strict`` (``warn_unused_ignores``) fails if a TypedDict stops catching it.
"""

from __future__ import annotations

from rtvoice.config import RealtimeRunConfig, RealtimeSessionModelSettings

design_example: RealtimeRunConfig = {
    "model_settings": {
        "model_name": "gpt-realtime-2",
        "audio": {
            "input": {
                "format": "pcm16",
                "transcription": {"model": "gpt-4o-mini-transcribe"},
                "turn_detection": {"type": "semantic_vad", "interrupt_response": True},
            },
            "output": {"format": "pcm16", "voice": "ash"},
        },
    }
}

telephony: RealtimeSessionModelSettings = {
    "audio": {
        "input": {"format": {"type": "audio/pcmu"}, "turn_detection": None},
        "output": {"format": "audio/pcmu", "voice": "marin", "speed": 1.1},
    },
    "output_modalities": ["audio"],
    "tool_choice": {"type": "function", "name": "lookup"},
    "max_output_tokens": "inf",
    "tracing": {"workflow_name": "support", "metadata": {"tier": "gold"}},
}

flat_aliases: RealtimeSessionModelSettings = {
    "voice": "ash",
    "input_audio_format": "g711_ulaw",
    "output_audio_format": {"type": "audio/pcm", "rate": 24000},
    "input_audio_transcription": {"model": "whisper-1", "language": None},
    "input_audio_noise_reduction": {"type": "far_field"},
    "turn_detection": {"type": "server_vad", "threshold": 0.6, "idle_timeout_ms": None},
    "modalities": ["text", "audio"],
    "max_response_output_tokens": 1024,
}

run_level: RealtimeRunConfig = {
    "output_guardrails": [object()],
    "guardrails_settings": {"debounce_text_length": 50},
    "async_tool_calls": False,
    "tool_error_formatter": lambda error: f"Tool failed: {error}",
    "tracing": {"tracer_provider": object(), "include_transcripts": True},
    "tracing_disabled": False,
    "middleware": [],
}

misspelled: RealtimeSessionModelSettings = {
    "audio": {"input": {"formt": "pcm16"}}  # type: ignore[typeddict-unknown-key]
}
bad_format: RealtimeSessionModelSettings = {
    "input_audio_format": "pcm24"  # type: ignore[typeddict-item]
}
bad_vad_type: RealtimeSessionModelSettings = {
    "turn_detection": {"type": "vad"}  # type: ignore[typeddict-item]
}
vad_as_string: RealtimeSessionModelSettings = {
    "turn_detection": "server_vad"  # type: ignore[typeddict-item]
}
bad_bool: RealtimeRunConfig = {"async_tool_calls": "yes"}  # type: ignore[typeddict-item]
