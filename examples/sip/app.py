"""Answer OpenAI SIP calls with a voice agent: ``python examples/sip/app.py --port 8000``.

The webhook is ``POST /openai/webhook``. The OpenAI side comes from the ``openai`` SDK's own
environment: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` (HTTP calls and the call's socket) and
``OPENAI_WEBHOOK_SECRET``. With no ``OPENAI_API_KEY`` the app starts the built-in simulator
and places one simulated call to itself. Needs ``pip install 'rtvoice[sip]'``.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from rtvoice import RealtimeAgent, RealtimeRunner, ToolContext, function_tool
from rtvoice.integrations.sip import IncomingCall, SipCalls


@function_tool
async def transfer_to_front_desk(ctx: ToolContext[IncomingCall]) -> str:
    """Transfer the caller to a person at the front desk."""
    await calls.refer(ctx.context, "tel:+15550100")
    return "transferring"


agent = RealtimeAgent(
    name="Receptionist", instructions="Answer briefly.", tools=[transfer_to_front_desk]
)
calls: SipCalls


async def on_call(call: IncomingCall) -> None:
    print(f"call {call.call_id} from {call.sip_header('From')}", flush=True)
    async with await calls.accept(call, context=call) as session:
        await session.create_response()  # greet the caller
        async for event in session:
            if event.type == "error":
                print(f"error: {event.error}", flush=True)
    for item in session.history:
        print(f"{item.type}: {item.text}", flush=True)


async def webhook(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    length = int({k.lower(): v for k, v in headers.items()}.get("content-length", 0))
    body = await reader.readexactly(length)
    ok = head[0].startswith("POST /openai/webhook ")
    reply = await calls.handle_webhook(body, headers) if ok else None
    status = f"{reply.status} OK" if reply else "404 Not Found"
    writer.write(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
    writer.close()


async def main(port: int) -> None:
    global calls
    async with SipCalls(RealtimeRunner(agent), on_call) as calls:
        server = await asyncio.start_server(webhook, "127.0.0.1", port)
        print(f"webhook on http://127.0.0.1:{port}/openai/webhook", flush=True)
        async with server:
            await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    port = parser.parse_args().port
    if not os.environ.get("OPENAI_API_KEY"):
        from _simulated import with_simulator  # a simulator and one call to this app

        with_simulator(main, port)
    else:
        asyncio.run(main(port))
