"""What the docs' code blocks need around them, played on 127.0.0.1.

A block marked ``<!-- docs-test: setup NAME -->`` is run by ``SETUPS[NAME](docs)``: the setup
prepares what a reader of the page has (environment variables, names the prose introduces, a
server the block talks to), runs the block with ``await docs.run()`` (in the setup's event
loop, so it can play the other side at the same time), and checks that the block did its
job. Each setup imports what it needs when it runs, so a setup about an extra that is not
installed ends in the harness's ``ModuleNotFoundError`` skip like any block.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from . import _otlp, _sip, _twilio


@dataclass
class Docs:
    namespace: dict[str, Any]
    """The block's globals: set the names the page's prose introduces before ``run``, read
    what the block defined after it."""
    monkeypatch: pytest.MonkeyPatch
    """For environment variables (undone after the test)."""
    run: Callable[[], Awaitable[None]]
    """Runs the block (its code, then its ``main()`` if it defines one and does not run it)."""


Setup = Callable[[Docs], Awaitable[None]]

SETUPS: dict[str, Setup] = {
    "twilio-app": _twilio.twilio_app,
    "twilio-stream": _twilio.twilio_stream,
    "twilio-websockets": _twilio.twilio_websockets,
    "twilio-aiohttp": _twilio.twilio_aiohttp,
    "twilio-caller": _twilio.twilio_caller,
    "sip-webhook": _sip.sip_webhook,
    "sip-client-secret": _sip.sip_client_secret,
    "sip-app": _sip.sip_app,
    "otlp": _otlp.otlp,
}

__all__ = ["SETUPS", "Docs", "Setup"]
