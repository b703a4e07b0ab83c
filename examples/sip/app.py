"""Answer OpenAI SIP calls with a voice agent: ``python examples/sip/app.py --port 8000``.

The webhook is ``POST /openai/webhook``. The OpenAI side comes from the ``openai`` SDK's own
environment: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` (HTTP calls and the call's socket) and
``OPENAI_WEBHOOK_SECRET``. With no ``OPENAI_API_KEY`` the app starts the built-in simulator
and places one simulated call to itself (``_simulated.py``). Needs ``rtvoice[sip]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from rtvoice import RealtimeAgent, RealtimeRunner, ToolContext, function_tool
from rtvoice.integrations.sip import IncomingCall, SipCalls, WebhookReply


@function_tool
async def transfer_to_front_desk(ctx: ToolContext[IncomingCall]) -> str:
    """Transfer the caller to a person at the front desk."""
    await calls.refer(ctx.context, "tel:+15550100")
    return "transferring"


agent = RealtimeAgent(name="Desk", instructions="Answer briefly.", tools=[transfer_to_front_desk])


async def on_call(call: IncomingCall) -> None:
    async with await calls.accept(call, context=call) as session:
        await session.create_response()  # greet the caller
        async for _ in session:  # the call's events: transcripts, tool calls, ...
            pass
    print(*(f"{i.type}: {i.text}" for i in session.history if hasattr(i, "text")), sep="\n")


calls = SipCalls(RealtimeRunner(agent), on_call)  # the openai client: when entered


async def webhook(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    request, *lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (ln.partition(": ") for ln in lines)}
    body = await reader.readexactly(int(headers.get("content-length") or 0))
    ok = request.startswith("POST /openai/webhook ")
    reply = await calls.handle_webhook(body, headers) if ok else WebhookReply(404)
    writer.write(f"HTTP/1.1 {reply.status} -\r\nContent-Length: 0\r\n\r\n".encode())
    writer.close()


async def main(port: int) -> None:
    async with calls:
        server = await asyncio.start_server(webhook, "127.0.0.1", port)
        print(f"webhook on http://127.0.0.1:{port}/openai/webhook")
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    port = parser.parse_args().port
    if os.environ.get("OPENAI_API_KEY"):
        asyncio.run(main(port))
    else:
        from _simulated import with_simulator

        with_simulator(main, port)
