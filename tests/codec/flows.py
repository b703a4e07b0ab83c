"""Loading the literal flow fixtures of ``fixtures/`` (PROTOCOL.md §7 as frames).

A ``.flow`` file holds one frame per line, prefixed ``S> `` (server to client) or ``C> ``
(client to server) as in PROTOCOL.md §7; ``#`` lines are comments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Frame:
    """One frame of a flow: its direction, its literal text and the parsed object."""

    direction: Literal["S", "C"]
    text: str
    obj: dict[str, Any]


def load_flow(name: str) -> list[Frame]:
    """The frames of ``fixtures/<name>.flow`` in order."""
    frames = []
    for line in (FIXTURES / f"{name}.flow").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        direction, _, text = line.partition("> ")
        assert direction in ("S", "C"), line[:40]
        frames.append(Frame(direction, text, json.loads(text)))  # type: ignore[arg-type]
    return frames


def server_frames(name: str) -> list[Frame]:
    """Only the server frames of a flow."""
    return [f for f in load_flow(name) if f.direction == "S"]


def client_frames(name: str) -> list[Frame]:
    """Only the client frames of a flow."""
    return [f for f in load_flow(name) if f.direction == "C"]


def flow_names() -> list[str]:
    """Every flow fixture's name."""
    return sorted(p.stem for p in FIXTURES.glob("*.flow"))
