"""What the session does on a model whose protocol is GPT-Live's (it reports
``ModelCapabilities(protocol="live", ...)``): the user-facing methods that cannot work raise a
``UserError`` that says what to do instead, a fixed voice is checked before the conversation,
billed time becomes ``usage`` events, and the server's ``session.closed`` ends the session with
its reason. The model is driven by hand (``FakeModel``); the Live model itself and the
simulator's GPT-Live mode are tested in tests/live and tests/simulator_live."""

from __future__ import annotations

import anyio
import pytest
from session_kit import WAIT, FakeModel, events_until, fake_session

from rtvoice import RealtimeAgent
from rtvoice.config import normalize_run_config
from rtvoice.errors import ProviderError, UserError
from rtvoice.model import ConnectRequest, ModelCapabilities
from rtvoice.model.commands import CreateItem, UpdateSession
from rtvoice.model.events import SessionClosed, SessionCreated, SessionUsageUpdated
from rtvoice.model.session_config import SessionConfig
from rtvoice.session import RealtimeSession, SessionClosedEvent, UsageEvent

pytestmark = pytest.mark.anyio

LIVE = ModelCapabilities(
    protocol="live",
    manual_turns=False,
    truncate=False,
    voice_change=False,
    instructions_change="append",
    conversation_edits=False,
)


class LiveFake(FakeModel):
    """A hand-driven model that says it speaks GPT-Live, and answers ``close()`` as a GPT-Live
    server does: ``session.closed`` with the final billed time, then the end."""

    closing_seconds = 12.0

    @property
    def capabilities(self) -> ModelCapabilities:
        return LIVE

    async def close(self) -> None:
        if not self.closed:
            self.push(SessionClosed(reason="close_requested", seconds=self.closing_seconds))
            self.end()
        self.closed = True


def started(model: FakeModel) -> None:
    model.push(SessionCreated(session=SessionConfig(), session_id="sess_live"))


async def test_turn_control_methods_say_gpt_live_takes_turns_itself() -> None:
    model = LiveFake()
    started(model)
    async with fake_session(model) as session:
        for call in (session.commit_audio, session.create_response, session.interrupt):
            with pytest.raises(UserError, match="not available on GPT-Live"):
                await call()
        with pytest.raises(UserError, match=r"send_audio\(commit=True\).*send the audio alone"):
            await session.send_audio(b"\x00\x00" * 480, commit=True)
        with pytest.raises(UserError, match="only text"):
            await session.send_message(
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_image", "image_url": "data:image/png;base64,AA=="}],
                }
            )
        sent_before = len(model.sent)
        await session.send_message("What is the weather?")  # text is fine: an instruction
        assert any(isinstance(c, CreateItem) for c in model.sent[sent_before:])


async def test_the_same_methods_work_on_the_realtime_protocol() -> None:
    model = FakeModel()  # no capabilities: everything
    started(model)
    async with fake_session(model) as session:
        await session.commit_audio()
        await session.create_response()
        await session.interrupt()


async def test_an_agent_that_wants_another_voice_is_refused_before_the_conversation() -> None:
    billing = RealtimeAgent(name="Billing", voice="ash")
    triage = RealtimeAgent(name="Triage", voice="marin", handoffs=[billing])
    model = LiveFake()
    started(model)
    session = fake_session(model, agent=triage)
    with pytest.raises(UserError, match=r"'Billing' speaks with voice 'ash'.*fixes the voice"):
        await session.__aenter__()
    assert model.closed
    assert not any(isinstance(c, UpdateSession) for c in model.sent)


async def test_agents_with_the_same_voice_or_none_are_accepted() -> None:
    billing = RealtimeAgent(name="Billing")
    support = RealtimeAgent(name="Support", voice="marin")
    triage = RealtimeAgent(name="Triage", handoffs=[billing, support])  # GPT-Live's default
    model = LiveFake()
    started(model)
    async with fake_session(model, agent=triage):
        pass


async def test_billed_time_becomes_usage_events_with_what_grew_and_the_total() -> None:
    model = LiveFake()
    started(model)
    async with fake_session(model) as session:
        model.push(
            SessionUsageUpdated(seconds=4.0, context_usage_ratio=0.1),
            SessionUsageUpdated(seconds=9.0, paused_seconds=2, context_usage_ratio=0.25),
        )
        usages: list[UsageEvent] = []
        with anyio.fail_after(WAIT):
            async for event in session:
                if isinstance(event, UsageEvent):
                    usages.append(event)
                    if len(usages) == 2:
                        break
        assert [u.usage.session_seconds for u in usages] == [4.0, 5.0]
        assert [u.total.session_seconds for u in usages] == [4.0, 9.0]
        assert usages[1].usage.session_paused_seconds == 2.0
        assert [u.context_usage_ratio for u in usages] == [0.1, 0.25]
        assert {u.response_id for u in usages} == {""}
        assert session.usage.session_seconds == 9.0


async def test_close_waits_for_session_closed_and_keeps_its_reason_and_final_time() -> None:
    model = LiveFake()
    started(model)
    async with fake_session(model) as session:
        model.push(SessionUsageUpdated(seconds=10.0))
        await events_until(session, "usage")
        assert session.close_reason is None
        await session.close()
        assert session.close_reason == "close_requested"
        assert session.usage.session_seconds == 12.0  # session.closed's final figure


async def test_the_far_end_hanging_up_ends_iteration_cleanly_after_session_closed() -> None:
    model = FakeModel()
    started(model)
    async with fake_session(model) as session:
        model.push(SessionClosed(reason="remote_hangup", seconds=31.0))
        model.end()
        seen = [event async for event in session]
        closed = [e for e in seen if isinstance(e, SessionClosedEvent)]
        assert [(e.reason, e.seconds) for e in closed] == [("remote_hangup", 31.0)]
        assert session.close_reason == "remote_hangup"


@pytest.mark.parametrize(
    ("reason", "code"), [("expired", "session_expired"), ("content", "content")]
)
async def test_an_expired_or_filtered_session_ends_iteration_with_a_provider_error(
    reason: str, code: str
) -> None:
    model = FakeModel()
    started(model)
    # without reconnects: with them, an expired session carries on in a new one (below)
    async with fake_session(model, config={"reconnect": False}) as session:
        model.push(SessionClosed(reason=reason))  # type: ignore[arg-type]
        model.end()
        seen: list[str] = []

        async def read() -> None:
            async for event in session:
                seen.append(event.type)

        with anyio.fail_after(WAIT), pytest.raises(ProviderError) as raised:
            await read()
        assert raised.value.code == code
        assert "session_closed" in seen


async def test_with_reconnects_an_expired_session_carries_on_in_a_new_connection() -> None:
    first, second = FakeModel(), FakeModel()
    models = iter([first, second])

    async def connect(request: object) -> FakeModel:
        return next(models)

    started(first)
    started(second)
    session = RealtimeSession(
        agent=RealtimeAgent(name="Assistant"),
        settings=normalize_run_config(None),
        connector=connect,
        request=ConnectRequest(url="ws://fake.invalid/v1/live/sessions"),
    )
    async with session:
        first.push(SessionClosed(reason="expired", seconds=3600.0))
        first.end()
        seen = await events_until(session, "reconnected")
        assert [e.type for e in seen if e.type in ("session_closed", "connection_lost")] == [
            "session_closed",
            "connection_lost",
        ]
        lost = next(e for e in seen if e.type == "connection_lost")
        assert lost.reason == "expired"  # type: ignore[union-attr]
