"""An agent on a Twilio phone number: TwiML on POST /incoming-call, the call on /media-stream.

Run: ``pip install 'rtvoice[twilio]'`` then ``python examples/twilio/app.py --port 8080``,
expose the port over HTTPS (a tunnel) and set the number's voice webhook to
``https://<public host>/incoming-call``. With no ``OPENAI_API_KEY`` the agent is the built-in
simulator; ``OPENAI_BASE_URL`` points it at any compatible server. With
``TWILIO_AUTH_TOKEN`` set, webhooks without a valid Twilio signature are refused.
"""

import argparse
import os

from aiohttp import web

from rtvoice import OpenAIProvider, RealtimeAgent, RealtimeProvider, RealtimeRunner, function_tool
from rtvoice.integrations import twilio
from rtvoice.simulator import SimulatorProvider


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


agent = RealtimeAgent(name="Phone", instructions="Keep answers short.", tools=[get_weather])
provider: RealtimeProvider = SimulatorProvider()
if os.environ.get("OPENAI_API_KEY"):
    provider = OpenAIProvider(base_url=os.environ.get("OPENAI_BASE_URL"))
phone = {"format": "g711_ulaw"}  # Twilio's audio, both ways: no resampling
config = {"model_settings": {"audio": {"input": phone, "output": phone}}}
runner = RealtimeRunner(agent, provider=provider, config=config)


async def incoming_call(request: web.Request) -> web.Response:
    # Behind a tunnel, the URL Twilio signed is the public https one.
    url = request.url.with_scheme(request.headers.get("X-Forwarded-Proto", request.scheme))
    token, form = os.environ.get("TWILIO_AUTH_TOKEN"), dict(await request.post())
    signature = request.headers.get("X-Twilio-Signature")
    if token and not twilio.check_twilio_signature(token, str(url), form, signature):
        raise web.HTTPForbidden(text="not signed by Twilio")
    stream = f"{'wss' if url.scheme == 'https' else 'ws'}://{request.host}/media-stream"
    return web.Response(text=twilio.connect_stream_twiml(stream), content_type="text/xml")


async def media_stream(request: web.Request) -> web.WebSocketResponse:
    websocket = web.WebSocketResponse()
    await websocket.prepare(request)
    await twilio.run_twilio_call(twilio.AiohttpMediaSocket(websocket), runner)
    return websocket


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/incoming-call", incoming_call)
    app.router.add_get("/media-stream", media_stream)
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="An agent on a Twilio phone number.")
    parser.add_argument("--port", type=int, default=8080)
    web.run_app(make_app(), host="127.0.0.1", port=parser.parse_args().port)
