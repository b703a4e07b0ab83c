"""The simulator's deterministic model: the default rules, and replacing them."""

from __future__ import annotations

import pytest

from rtvoice.model.commands import (
    AppendInputAudio,
    CommitInputAudio,
    CreateItem,
    CreateResponse,
    UpdateSession,
)
from rtvoice.model.events import AudioTranscriptDone, FunctionCallArgumentsDone
from rtvoice.model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    InputText,
    Item,
    MessageItem,
    OutputText,
)
from rtvoice.model.session_config import (
    FunctionTool,
    OtherTool,
    SessionConfig,
    Tool,
    ToolChoice,
    ToolChoiceFunction,
)
from rtvoice.simulator._engine import SimulatedSession
from rtvoice.simulator._ids import CountingIds
from rtvoice.simulator._responder import (
    CallToolPlan,
    ResponderView,
    SpeakPlan,
    default_responder,
    latest_user_text,
)
from rtvoice.simulator._speech import encode_speech

NOW = 1_700_000_000.0
TOOLS: tuple[Tool, ...] = (
    FunctionTool(name="get_weather"),
    FunctionTool(name="transfer_to_billing_agent"),
    OtherTool(raw={"type": "mcp", "server_label": "docs"}),
)


def user(text: str) -> MessageItem:
    return MessageItem(role="user", content=(InputText(text=text),))


def view(
    *items: Item,
    instructions: str = "",
    tools: tuple[Tool, ...] = TOOLS,
    tool_choice: ToolChoice = "auto",
) -> ResponderView:
    return ResponderView(
        items=items,
        instructions=instructions,
        tools=tools,
        tool_choice=tool_choice,
        output_modality="audio",
    )


def test_echoes_the_latest_user_message() -> None:
    plan = default_responder(view(user("first"), user("  second one ")))
    assert plan == SpeakPlan(text="You said: second one")


def test_greets_when_nobody_spoke_and_checks_on_silence() -> None:
    assert default_responder(view()) == SpeakPlan(text="Hello! How can I help you?")
    silent = MessageItem(role="user", content=(InputAudio(transcript=""),))
    assert default_responder(view(silent)) == SpeakPlan(text="Are you still there?")


def test_user_text_joins_text_and_heard_audio() -> None:
    message = MessageItem(
        role="user", content=(InputText(text="look:"), InputAudio(transcript="a picture"))
    )
    assert latest_user_text((message, MessageItem(role="assistant"))) == "look: a picture"
    assert latest_user_text((MessageItem(role="assistant"),)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'call get_weather {"city": "Paris"}',
            CallToolPlan(name="get_weather", arguments='{"city": "Paris"}'),
        ),
        ("Call get_weather", CallToolPlan(name="get_weather", arguments="{}")),
        ("call get_weather not json", CallToolPlan(name="get_weather", arguments="not json")),
        ("Please transfer to Billing Agent.", CallToolPlan(name="transfer_to_billing_agent")),
        ("TRANSFER TO THE BILLING AGENT", CallToolPlan(name="transfer_to_billing_agent")),
        ("call get_time", SpeakPlan(text="You said: call get_time")),
        ("transfer to sales", SpeakPlan(text="You said: transfer to sales")),
        ("call docs", SpeakPlan(text="You said: call docs")),
    ],
)
def test_tool_requests(text: str, expected: SpeakPlan | CallToolPlan) -> None:
    assert default_responder(view(user(text))) == expected


def test_tool_choice() -> None:
    asked = user('call get_weather {"city": "Oslo"}')
    assert default_responder(view(asked, tool_choice="none")) == SpeakPlan(
        text='You said: call get_weather {"city": "Oslo"}'
    )
    assert default_responder(view(user("hi"), tool_choice="required")) == CallToolPlan(
        name="get_weather"
    )
    forced = ToolChoiceFunction(name="get_weather")
    assert default_responder(view(asked, tool_choice=forced)) == CallToolPlan(
        name="get_weather", arguments='{"city": "Oslo"}'
    )
    assert default_responder(view(user("hi"), tool_choice=forced)) == CallToolPlan(
        name="get_weather"
    )


def test_answers_tool_outputs() -> None:
    call = FunctionCallItem(call_id="call_1", name="get_weather", arguments="{}")
    other = FunctionCallItem(call_id="call_2", name="get_time", arguments="{}")
    outputs = (
        FunctionCallOutputItem(call_id="call_1", output="Sunny in Paris"),
        FunctionCallOutputItem(call_id="call_2", output="noon"),
    )
    assert default_responder(view(user("weather?"), call, outputs[0])) == SpeakPlan(
        text="get_weather returned: Sunny in Paris"
    )
    assert default_responder(view(user("both?"), call, other, *outputs)) == SpeakPlan(
        text="get_weather returned: Sunny in Paris; get_time returned: noon"
    )
    orphan = FunctionCallOutputItem(call_id="call_9", output="42")
    assert default_responder(view(orphan)) == SpeakPlan(text="the tool returned: 42")


def test_instructions_prefix_every_answer() -> None:
    instructions = "You are the billing agent. Begin every answer with \u201cBilling:\u201d please."
    assert default_responder(view(user("hello"), instructions=instructions)) == SpeakPlan(
        text="Billing: You said: hello"
    )
    call = FunctionCallItem(call_id="c", name="get_weather", arguments="{}")
    done = FunctionCallOutputItem(call_id="c", output="rain")
    assert default_responder(view(call, done, instructions='begin every answer with "B:"')) == (
        SpeakPlan(text="B: get_weather returned: rain")
    )
    # Tool calls are not prefixed.
    assert default_responder(
        view(user("call get_weather"), instructions='Begin every answer with "B:"')
    ) == CallToolPlan(name="get_weather")


def test_handoff_flow_through_the_session() -> None:
    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds())
    session.start()
    session.handle(
        UpdateSession(
            session=SessionConfig(
                turn_detection=None, tools=(FunctionTool(name="transfer_to_billing_agent"),)
            )
        ),
        NOW,
    )
    # The request is spoken: the responder reads what was heard of the audio.
    session.handle(AppendInputAudio(audio=encode_speech("transfer to billing agent")), NOW)
    session.handle(CommitInputAudio(), NOW)
    session.handle(CreateResponse(), NOW)
    (call,) = [e for e in session.drain(NOW) if isinstance(e, FunctionCallArgumentsDone)]
    assert (call.name, call.arguments) == ("transfer_to_billing_agent", "{}")
    # The client hands off: new instructions, tool output, new response.
    session.handle(
        UpdateSession(
            session=SessionConfig(instructions='Begin every answer with "Billing agent here."')
        ),
        NOW,
    )
    session.handle(
        CreateItem(
            item=FunctionCallOutputItem(call_id=call.call_id, output='{"agent": "Billing"}')
        ),
        NOW,
    )
    session.handle(CreateResponse(), NOW)
    answer = next(e for e in session.drain(NOW) if isinstance(e, AudioTranscriptDone))
    assert answer.transcript == (
        'Billing agent here. transfer_to_billing_agent returned: {"agent": "Billing"}'
    )


def test_a_custom_responder_replaces_the_rules() -> None:
    def parrot(view: ResponderView) -> SpeakPlan:
        return SpeakPlan(text=f"{len(view.items)} items")

    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds(), responder=parrot)
    session.start()
    session.handle(
        CreateItem(item=MessageItem(role="assistant", content=(OutputText(text="earlier"),))), NOW
    )
    session.handle(CreateItem(item=user("call get_weather")), NOW)
    session.handle(CreateResponse(), NOW)
    answer = next(e for e in session.drain(NOW) if isinstance(e, AudioTranscriptDone))
    assert answer.transcript == "2 items"
