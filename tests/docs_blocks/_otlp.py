"""docs/tracing.md's OTLP block: its exporters send one session's spans and metrics to a
collector on 127.0.0.1 (an HTTP server that answers every export ``200``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from ._net import http_recorder

if TYPE_CHECKING:
    from . import Docs


async def otlp(docs: Docs) -> None:
    import opentelemetry.exporter.otlp.proto.http  # noqa: F401  (rtvoice[otlp])

    async with http_recorder() as collector:
        # The exporters read the standard variables; a bounded wait per export request.
        docs.monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url)
        docs.monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "5")
        await docs.run()
        namespace = docs.namespace
        try:
            async with await namespace["runner"].run() as session:
                await session.send_message("hello")
                async for event in session:
                    if event.type == "agent_end":
                        break
        finally:
            # What the application does at exit: flush and stop both pipelines while the
            # collector is up (the exporters block in HTTP requests: off the event loop).
            await anyio.to_thread.run_sync(namespace["tracer_provider"].shutdown)
            await anyio.to_thread.run_sync(namespace["meter_provider"].shutdown)
    exports = {(request.method, request.path) for request in collector.requests}
    assert exports == {("POST", "/v1/traces"), ("POST", "/v1/metrics")}, exports
    assert all(r.headers["content-type"] == "application/x-protobuf" for r in collector.requests)
    assert any(
        b"voice-agent" in r.body and b"realtime.session" in r.body for r in collector.requests
    )
