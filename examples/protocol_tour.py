"""A tour of rtvoice's lower layers: provider, transport and codec, one turn in text and
one in speech.

With no ``OPENAI_API_KEY`` it runs against the built-in simulator, in this process; with a
key it talks to OpenAI. Run: ``python examples/protocol_tour.py``.
"""

from __future__ import annotations

import os
from contextlib import AsyncExitStack

import anyio

from rtvoice import OpenAIProvider, RealtimeProvider
from rtvoice.model.commands import AppendInputAudio, CreateItem, CreateResponse, UpdateSession
from rtvoice.model.events import ModelEvent
from rtvoice.model.items import InputText, MessageItem
from rtvoice.model.openai import OpenAICodec
from rtvoice.model.session_config import SessionConfig, Transcription
from rtvoice.simulator import Simulator, decode_speech, encode_speech
from rtvoice.transport import WebSocketTransport

MODEL = "gpt-realtime"


async def run_turn(transport: WebSocketTransport, codec: OpenAICodec) -> bytes:
    """Print the events of one response; return its audio."""
    audio = bytearray()
    async for frame in transport:
        for event in codec.decode(frame):
            describe(event)
            if event.type == "audio_delta":
                audio += event.audio
            if event.type == "response_done":
                return bytes(audio)
    return bytes(audio)


def describe(event: ModelEvent) -> None:
    match event.type:
        case "audio_delta" | "audio_transcript_delta" | "text_delta":
            return  # streamed pieces: shown whole at the end
        case "input_transcription_completed":
            print(f"  {event.type:<32} user said: {event.transcript!r}")
        case "audio_transcript_done":
            print(f"  {event.type:<32} assistant said: {event.transcript!r}")
        case "response_done":
            usage = event.response.usage
            tokens = usage.total_tokens if usage else 0
            print(f"  {event.type:<32} status={event.response.status} tokens={tokens}")
        case "error":
            print(f"  {event.type:<32} {event.error.code}: {event.error.message}")
        case _:
            print(f"  {event.type}")


async def main() -> None:
    async with AsyncExitStack() as stack:
        provider: RealtimeProvider
        if os.environ.get("OPENAI_API_KEY"):
            provider = OpenAIProvider()
            print("Talking to OpenAI.")
        else:
            simulator = await stack.enter_async_context(Simulator())
            provider = simulator.provider()
            print(f"No OPENAI_API_KEY: talking to the built-in simulator at {simulator.url}.")

        codec = OpenAICodec(provider.dialect)
        transport = await WebSocketTransport.connect(
            provider.build_url(MODEL), headers=provider.build_headers()
        )
        await stack.enter_async_context(transport)

        config = SessionConfig(
            instructions='Keep answers short. Begin every answer with "Sure."',
            transcription=Transcription(model="gpt-4o-mini-transcribe"),
        )
        await transport.send(codec.encode(UpdateSession(session=config)))

        print("\nText turn:")
        message = MessageItem(role="user", content=(InputText(text="hello, who are you?"),))
        await transport.send(codec.encode(CreateItem(item=message)))
        await transport.send(codec.encode(CreateResponse()))
        audio = await run_turn(transport, codec)
        print(f"  ({len(audio)} bytes of audio, {len(audio) / 48:.0f} ms)")

        print("\nSpeech turn (server VAD):")
        speech = bytes(9600) + encode_speech("what time is it") + bytes(24000)
        for start in range(0, len(speech), 4800):  # 100 ms chunks, as a phone bridge sends
            chunk = speech[start : start + 4800]
            await transport.send(codec.encode(AppendInputAudio(audio=chunk)))
        audio = await run_turn(transport, codec)
        if not os.environ.get("OPENAI_API_KEY"):
            print(f"  the simulator's voice decodes to: {decode_speech(audio)!r}")


if __name__ == "__main__":
    anyio.run(main)
