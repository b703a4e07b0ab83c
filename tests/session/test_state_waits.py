"""The session's bounded waits as pure state steps: timers armed as effects, fired with a
time, given up or re-armed; interrupt() resetting the sequencing; usage once per response."""

from __future__ import annotations

from state_kit import added, assistant, audio, created, feed, finished, new_state, types

from rtvoice.config import SessionTimeouts
from rtvoice.model.commands import CancelResponse, CreateResponse
from rtvoice.model.events import ErrorEvent, ErrorInfo, Usage
from rtvoice.model.items import InputText, MessageItem
from rtvoice.session import ErrorSessionEvent, UsageEvent
from rtvoice.session.state._machine import ConversationState, Effects
from rtvoice.session.state._notes import TurnEnded
from rtvoice.session.state._waits import Timer

WAITS = SessionTimeouts(response_created=0.2, response_idle=1.0, guardrail_verdicts=0.5)


def message(text: str = "hi") -> MessageItem:
    return MessageItem(role="user", content=(InputText(text=text),))


def state(**kwargs: object) -> ConversationState:
    return new_state(timeouts=WAITS, **kwargs)  # type: ignore[arg-type]


def timer(fx: Effects, wait: str) -> Timer:
    (found,) = [t for t in fx.timers if t.wait == wait]
    return found


def creates(fx: Effects) -> list[CreateResponse]:
    return [c for c in fx.commands if isinstance(c, CreateResponse)]


def codes(fx: Effects) -> list[str | None]:
    return [e.error.code for e in fx.events if isinstance(e, ErrorSessionEvent)]


def test_an_unanswered_create_is_given_up_and_the_request_behind_it_goes_out() -> None:
    s = state()
    first = s.send_message(message("one"))
    armed = timer(first, "response_created")
    assert armed.seconds == 0.2
    (ours,) = creates(first)
    assert creates(s.send_message(message("two"))) == []  # waits behind the first
    fx = s.wait_expired(armed, 0.2)
    assert codes(fx) == ["response_created_timeout"]
    assert fx.events[0].error.event_id == ours.event_id  # type: ignore[union-attr]
    (retry,) = creates(fx)
    assert retry.event_id != ours.event_id
    assert timer(fx, "response_created").token != armed.token
    assert s.wait_expired(armed, 0.5).events == []  # fired twice: stale


def test_a_created_timer_is_stale_once_the_response_started() -> None:
    s = state()
    armed = timer(s.create_response(), "response_created")
    fx = feed(s, created("resp_1"))
    assert timer(fx, "response_idle").seconds == 1.0
    assert s.wait_expired(armed, 5.0).events == []
    assert s.sequencer.active == {"resp_1"}


def test_the_idle_timer_rearms_for_the_rest_of_the_window_then_gives_up() -> None:
    s = state()
    s.create_response()
    idle = timer(feed(s, created("resp_1"), now=0.0), "response_idle")
    s.on_audio_delta(audio("item_a", 480), 0.6)  # the response is alive at 0.6 s
    rearm = s.wait_expired(idle, 1.0)
    assert rearm.events == []
    assert rearm.commands == []
    assert abs(timer(rearm, "response_idle").seconds - 0.6) < 1e-9
    fx = s.wait_expired(timer(rearm, "response_idle"), 1.6)
    assert [type(c) for c in fx.commands] == [CancelResponse]
    assert fx.commands[0].response_id == "resp_1"  # type: ignore[attr-defined]
    assert types(fx) == ["error", "agent_end"]
    assert codes(fx) == ["response_done_timeout"]
    assert [type(n) for n in fx.notes] == [TurnEnded]
    assert s.sequencer.settled


def test_a_late_done_after_giving_up_adds_its_item_and_usage_once_and_nothing_else() -> None:
    s = state()
    s.create_response()
    idle = timer(feed(s, created("resp_1"), added(assistant("item_a"))), "response_idle")
    s.wait_expired(idle, 1.0)
    usage = Usage(total_tokens=5, input_tokens=2, output_tokens=3)
    late = feed(s, finished("resp_1", usage=usage), finished("resp_1", usage=usage))
    assert "agent_end" not in types(late)
    assert not any(isinstance(n, TurnEnded) for n in late.notes)  # its turn ended already
    assert [e.usage.total_tokens for e in late.events if isinstance(e, UsageEvent)] == [5]
    assert creates(late) == []
    assert [item.item_id for item in s.history] == ["item_a"]  # type: ignore[union-attr]
    assert feed(s, created("resp_1")).events == []  # a late created starts nothing either


def test_a_repeated_done_counts_usage_and_ends_the_turn_once() -> None:
    s = state()
    s.create_response()
    feed(s, created("resp_1"))
    usage = Usage(total_tokens=5, input_tokens=2, output_tokens=3)
    first = feed(s, finished("resp_1", usage=usage))
    again = feed(s, finished("resp_1", usage=usage))
    assert types(first) == ["usage", "agent_end"]
    assert types(again) == []
    assert again.notes == ()
    assert s.usage_total.total_tokens == 5


def test_interrupt_forgets_the_waiting_request_and_the_create_on_its_way() -> None:
    s = state()
    s.send_message(message("one"))  # in flight
    s.send_message(message("two"))  # waiting behind it
    fx = s.interrupt(0.0)
    assert [type(c) for c in fx.commands] == [CancelResponse]  # for the create on its way
    assert s.sequencer.settled
    assert len(creates(s.create_response())) == 1  # goes out at once


def test_cancel_not_active_ends_a_response_whose_done_was_lost() -> None:
    s = state()
    s.create_response()
    feed(s, created("resp_1"))
    cancel = s.interrupt(0.0).commands[0]
    s.create_response()  # waits behind resp_1
    refused = ErrorInfo(
        type="invalid_request_error",
        code="response_cancel_not_active",
        message="no active response",
        event_id=cancel.event_id,
    )
    fx = feed(s, ErrorEvent(error=refused))
    assert codes(fx) == []
    assert len(creates(fx)) == 1  # the request made after interrupt() goes out
    assert not s.sequencer.response_active


def test_agent_end_waits_for_guardrail_verdicts_bounded() -> None:
    s = state(run_guardrails=True)
    fx = s.send_message(message("hello"))
    (check,) = fx.input_checks
    feed(s, created("resp_1"))
    end = feed(s, finished("resp_1"))
    assert "agent_end" not in types(end)
    hold = timer(end, "guardrail_verdicts")
    assert types(s.check_passed(check)) == ["agent_end"]
    assert s.wait_expired(hold, 1.0).events == []  # stale: the verdict came


def test_a_verdict_wait_that_expires_ends_the_turn_and_a_later_trip_still_acts() -> None:
    s = state(run_guardrails=True)
    (check,) = s.send_message(message("hello")).input_checks
    feed(s, created("resp_1"))
    hold = timer(feed(s, finished("resp_1")), "guardrail_verdicts")
    fx = s.wait_expired(hold, 0.5)
    assert types(fx) == ["error", "agent_end"]
    assert codes(fx) == ["guardrail_verdict_timeout"]
    assert "guardrail_tripped" in types(s.trip_input(check, (), 0.6))
