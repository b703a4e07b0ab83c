"""The session resource a Live server reports: ``session.start`` with the defaults filled in."""

from __future__ import annotations

from typing import Any, Final

from ...model.live.server import LiveAudioFormat, LiveStartConfig
from .._defaults import SimulatorOptions

__all__ = ["DEFAULT_LIVE_VOICE", "session_resource"]

DEFAULT_LIVE_VOICE: Final = "marin"
"""The voice of a session that names none (GPT-Live's default)."""


def session_resource(
    config: LiveStartConfig,
    *,
    session_id: str,
    expires_at: int,
    audio_format: LiveAudioFormat,
    options: SimulatorOptions,
) -> dict[str, Any]:
    """The resolved session: what ``session.started``, ``session.updated`` and
    ``session.closed`` carry. Blank or omitted instructions become the simulator's default
    persona; the delegation reports its acknowledgement delay (0 when not given)."""
    instructions = config.instructions
    if instructions is None or not instructions.strip():
        instructions = options.instructions
    delegation: dict[str, Any] = {
        "type": config.delegation,
        "acknowledgement_delay_ms": config.acknowledgement_delay_ms or 0,
    }
    if config.responses is not None:
        delegation["responses"] = dict(config.responses.raw)
    resource: dict[str, Any] = {
        "id": session_id,
        "expires_at": expires_at,
        "model": config.model,
        "status": "active",
        "instructions": instructions,
        "audio": {
            "format": {"type": audio_format.type, "rate": audio_format.rate},
            "output": {"voice": config.voice if config.voice is not None else DEFAULT_LIVE_VOICE},
        },
        "delegation": delegation,
        "input": [dict(item) for item in config.input],
        "store": bool(config.store),
    }
    if config.safety_identifier is not None:
        resource["safety_identifier"] = config.safety_identifier
    return resource
