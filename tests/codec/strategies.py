"""Hypothesis strategies for the neutral vocabulary, shaped so the wire can carry each value.

The codecs are exact inverses on these values. Where the wire is lossy, the strategy is
narrowed, and each narrowing is written down here:

* **Ranges the server enforces** (PROTOCOL.md §3, §10): ``speed`` 0.25-1.5, VAD
  ``threshold`` 0-1, durations >= 0, ``max_output_tokens`` 1-4096 or ``"inf"``, beta
  ``temperature`` 0.6-1.2, metadata <= 16 pairs of <= 64 / <= 512 characters. The strict
  server decoder rejects anything else, so commands stay inside them.
* **Content by role** (§5): system messages hold ``input_text``; user messages hold input
  parts; assistant messages hold output parts. The server rejects other mixes.
* **OtherItem / OtherTool**: ``raw`` is the whole wire object, so ``item_type``, ``id`` and
  ``status`` are derived from it; a client may only send the MCP item types and ``mcp`` tools.
  Received items of an unknown type may have any other ``type``.
* **GA has no temperature** (§11.3): ``None`` in GA sessions.
* **Transcription sessions** (§3.6) have input-side fields only, and ``extra`` holds only
  ``include``.
* **extra** holds valid GA fields rtvoice does not model (``truncation``, ``include``,
  ``reasoning``, ``parallel_tool_calls``, an MCP ``tool_choice`` when ``tool_choice`` is
  unset) and is never empty (``{}`` writes nothing and reads back as ``None``).
* **Transcription usage** (§6.2) is either token counts or a duration, never both.
* **Beta** (§11.3-§11.4): ``output_modalities`` is ``None``, ``("audio",)`` or ``("text",)``
  (beta audio always included text); no ``prompt``; usage has no image or cached-detail
  counts; a client sends no ``OtherItem``; ``extra`` holds only ``include``.
* **Floats** are finite (JSON has no NaN); **event_id** and ids are any text.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from hypothesis import strategies as st

from rtvoice.model import commands as c
from rtvoice.model import events as e
from rtvoice.model import items as i
from rtvoice.model import session_config as s

texts = st.text(max_size=12)
opt_texts = st.none() | texts
finite = st.floats(allow_nan=False, allow_infinity=False)
naturals = st.integers(min_value=0, max_value=10**9)
ints = st.integers(min_value=-(10**12), max_value=10**12)
statuses = st.sampled_from(["completed", "incomplete", "in_progress"])

json_scalars = st.none() | st.booleans() | ints | finite | texts
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(texts, json_values, max_size=3)
formats = st.sampled_from(["pcm16", "g711_ulaw", "g711_alaw"])
modalities = st.lists(st.sampled_from(["audio", "text"]), max_size=2).map(tuple)
beta_modalities = st.sampled_from([None, ("audio",), ("text",)])
max_tokens = st.integers(min_value=1, max_value=4096) | st.just("inf")

# ---------------------------------------------------------------------------------------------
# Items

input_text = st.builds(i.InputText, text=texts)
input_audio = st.builds(
    i.InputAudio, audio=st.none() | st.binary(max_size=48), transcript=opt_texts
)
input_image = st.builds(
    i.InputImage,
    image_url=texts,
    detail=st.none() | st.sampled_from(["auto", "low", "high"]),
)
output_text = st.builds(i.OutputText, text=texts)
output_audio = st.builds(
    i.OutputAudio, audio=st.none() | st.binary(max_size=48), transcript=opt_texts
)
content_parts = input_text | input_audio | input_image | output_text | output_audio

_PARTS_BY_ROLE = {
    "system": input_text,
    "user": input_text | input_audio | input_image,
    "assistant": output_text | output_audio,
}


@st.composite
def messages(draw: st.DrawFn) -> i.MessageItem:
    role = draw(st.sampled_from(["system", "user", "assistant"]))
    return i.MessageItem(
        role=role,  # type: ignore[arg-type]
        content=tuple(draw(st.lists(_PARTS_BY_ROLE[role], max_size=3))),
        id=draw(opt_texts),
        status=draw(st.none() | statuses),
    )


function_calls = st.builds(
    i.FunctionCallItem,
    call_id=texts,
    name=texts,
    arguments=texts,
    id=opt_texts,
    status=st.none() | statuses,
)
function_outputs = st.builds(
    i.FunctionCallOutputItem, call_id=texts, output=texts, id=opt_texts, status=st.none() | statuses
)

MCP_ITEMS = ["mcp_list_tools", "mcp_call", "mcp_approval_request", "mcp_approval_response"]
_KNOWN_ITEMS = {"message", "function_call", "function_call_output"}


def other_items(kinds: st.SearchStrategy[str]) -> st.SearchStrategy[i.OtherItem]:
    @st.composite
    def build(draw: st.DrawFn) -> i.OtherItem:
        raw: dict[str, Any] = {"type": draw(kinds)}
        raw.update(
            draw(
                st.dictionaries(
                    texts.filter(lambda k: k not in raw and k not in ("id", "status")),
                    json_values,
                    max_size=2,
                )
            )
        )
        item_id, status = draw(opt_texts), draw(st.none() | statuses)
        if item_id is not None:
            raw["id"] = item_id
        if status is not None:
            raw["status"] = status
        return i.OtherItem(item_type=raw["type"], raw=raw, id=item_id, status=status)

    return build()


sent_items = (
    messages() | function_calls | function_outputs | other_items(st.sampled_from(MCP_ITEMS))
)


def _with_id(item: i.Item, item_id: str) -> i.Item:
    """``item`` as a server states it: every server item has an id."""
    if isinstance(item, i.OtherItem):
        return dataclasses.replace(item, id=item_id, raw={**item.raw, "id": item_id})
    return dataclasses.replace(item, id=item_id)


received_items = st.tuples(
    messages()
    | function_calls
    | function_outputs
    | other_items(texts.filter(lambda t: t not in _KNOWN_ITEMS)),
    texts,
).map(lambda pair: _with_id(*pair))
beta_items = messages() | function_calls | function_outputs

# ---------------------------------------------------------------------------------------------
# Session configuration

server_vad = st.builds(
    s.ServerVad,
    threshold=st.none() | st.floats(min_value=0.0, max_value=1.0),
    prefix_padding_ms=st.none() | naturals,
    silence_duration_ms=st.none() | naturals,
    idle_timeout_ms=st.none() | naturals,
    create_response=st.none() | st.booleans(),
    interrupt_response=st.none() | st.booleans(),
)
semantic_vad = st.builds(
    s.SemanticVad,
    eagerness=st.none() | st.sampled_from(["low", "medium", "high", "auto"]),
    create_response=st.none() | st.booleans(),
    interrupt_response=st.none() | st.booleans(),
)
turn_detection = st.just(s.UNSET) | st.none() | server_vad | semantic_vad
transcription = (
    st.just(s.UNSET)
    | st.none()
    | st.builds(s.Transcription, model=opt_texts, language=opt_texts, prompt=opt_texts)
)
noise_reduction = (
    st.just(s.UNSET)
    | st.none()
    | st.builds(
        s.NoiseReduction,
        type=st.sampled_from(["near_field", "far_field"]),
        strength=st.none() | finite,
    )
)
function_tools = st.builds(
    s.FunctionTool, name=texts, description=opt_texts, parameters=st.none() | json_objects
)
mcp_tools = json_objects.map(lambda raw: s.OtherTool(raw={**raw, "type": "mcp"}))
tools = st.none() | st.lists(function_tools | mcp_tools, max_size=2).map(tuple)
tool_choice = (
    st.none()
    | st.sampled_from(["auto", "none", "required"])
    | st.builds(s.ToolChoiceFunction, name=texts)
)
tracing = (
    st.none()
    | st.just("auto")
    | st.builds(
        s.TracingConfig,
        workflow_name=opt_texts,
        group_id=opt_texts,
        metadata=st.none() | json_objects,
    )
)
prompt = st.none() | st.builds(
    s.PromptConfig, id=texts, version=opt_texts, variables=st.none() | json_objects
)

_GA_EXTRA = {
    "truncation": st.sampled_from(["auto", "disabled"])
    | st.builds(lambda r: {"type": "retention_ratio", "retention_ratio": r}, st.floats(0, 1)),
    "include": st.none() | st.lists(texts, max_size=2),
    "reasoning": st.sampled_from(["low", "high"]).map(lambda x: {"effort": x}),
    "parallel_tool_calls": st.booleans(),
}


def extras(keys: list[str]) -> st.SearchStrategy[dict[str, Any] | None]:
    return st.none() | st.fixed_dictionaries({}, optional={k: _GA_EXTRA[k] for k in keys}).filter(
        bool
    )


@st.composite
def sessions(draw: st.DrawFn, *, dialect: str = "ga") -> s.SessionConfig:
    """A session config the dialect's wire (and strict server) can carry."""
    beta = dialect == "beta"
    kind = draw(st.sampled_from(["realtime", "transcription"]))
    nullable = {
        "transcription": draw(transcription),
        "noise_reduction": draw(noise_reduction),
        "turn_detection": draw(turn_detection),
    }
    if kind == "transcription":
        return s.SessionConfig(
            type="transcription",
            input_format=draw(st.none() | formats),
            output_modalities=draw(beta_modalities) if beta else None,
            extra=draw(extras(["include"])),
            **nullable,
        )
    choice = draw(tool_choice)
    extra = draw(extras(["include"] if beta else list(_GA_EXTRA)))
    if choice is None and not beta and draw(st.booleans()):
        extra = {**(extra or {}), "tool_choice": {"type": "mcp", "server_label": draw(texts)}}
    return s.SessionConfig(
        type="realtime",
        model=draw(opt_texts),
        instructions=draw(opt_texts),
        output_modalities=draw(beta_modalities if beta else st.none() | modalities),
        input_format=draw(st.none() | formats),
        output_format=draw(st.none() | formats),
        voice=draw(opt_texts),
        speed=draw(st.none() | st.floats(min_value=0.25, max_value=1.5)),
        tools=draw(tools),
        tool_choice=choice,
        max_output_tokens=draw(st.none() | max_tokens),
        tracing=draw(tracing),
        prompt=None if beta else draw(prompt),
        temperature=draw(st.none() | st.floats(min_value=0.6, max_value=1.2)) if beta else None,
        extra=extra,
        **nullable,
    )


# ---------------------------------------------------------------------------------------------
# Commands

event_ids = opt_texts
metadata = st.none() | st.dictionaries(st.text(max_size=64), st.text(max_size=512), max_size=16)


def response_params(dialect: str = "ga") -> st.SearchStrategy[c.ResponseParams]:
    items = beta_items if dialect == "beta" else sent_items
    return st.builds(
        c.ResponseParams,
        conversation=st.none() | st.sampled_from(["auto", "none"]),
        input=st.none()
        | st.lists(items | st.builds(i.ItemReference, id=texts), max_size=2).map(tuple),
        instructions=opt_texts,
        output_modalities=beta_modalities if dialect == "beta" else st.none() | modalities,
        voice=opt_texts,
        output_format=st.none() | formats,
        tools=tools,
        tool_choice=tool_choice,
        max_output_tokens=st.none() | max_tokens,
        metadata=metadata,
    )


def commands_by_class(dialect: str = "ga") -> dict[type[Any], st.SearchStrategy[Any]]:
    """One strategy per ModelCommand class, except SendRaw (built from the others)."""
    items = beta_items if dialect == "beta" else sent_items
    return {
        c.UpdateSession: st.builds(
            c.UpdateSession, session=sessions(dialect=dialect), event_id=event_ids
        ),
        c.AppendInputAudio: st.builds(
            c.AppendInputAudio, audio=st.binary(max_size=256), event_id=event_ids
        ),
        c.CommitInputAudio: st.builds(c.CommitInputAudio, event_id=event_ids),
        c.ClearInputAudio: st.builds(c.ClearInputAudio, event_id=event_ids),
        c.CreateItem: st.builds(
            c.CreateItem, item=items, previous_item_id=opt_texts, event_id=event_ids
        ),
        c.RetrieveItem: st.builds(c.RetrieveItem, item_id=texts, event_id=event_ids),
        c.TruncateItem: st.builds(
            c.TruncateItem,
            item_id=texts,
            audio_end_ms=naturals,
            content_index=naturals,
            event_id=event_ids,
        ),
        c.DeleteItem: st.builds(c.DeleteItem, item_id=texts, event_id=event_ids),
        c.CreateResponse: st.builds(
            c.CreateResponse, response=st.none() | response_params(dialect), event_id=event_ids
        ),
        c.CancelResponse: st.builds(c.CancelResponse, response_id=opt_texts, event_id=event_ids),
        c.ClearOutputAudio: st.builds(c.ClearOutputAudio, event_id=event_ids),
    }


def commands(dialect: str = "ga") -> st.SearchStrategy[c.ModelCommand]:
    """Any command but SendRaw."""
    return st.one_of(*commands_by_class(dialect).values())


# ---------------------------------------------------------------------------------------------
# Events

error_infos = st.builds(
    e.ErrorInfo, type=texts, message=texts, code=opt_texts, param=opt_texts, event_id=opt_texts
)


def usages(dialect: str = "ga") -> st.SearchStrategy[e.Usage]:
    ga_only = naturals if dialect == "ga" else st.just(0)
    return st.builds(
        e.Usage,
        total_tokens=naturals,
        input_tokens=naturals,
        output_tokens=naturals,
        input_text_tokens=naturals,
        input_audio_tokens=naturals,
        input_image_tokens=ga_only,
        cached_tokens=naturals,
        cached_text_tokens=ga_only,
        cached_audio_tokens=ga_only,
        cached_image_tokens=ga_only,
        output_text_tokens=naturals,
        output_audio_tokens=naturals,
    )


def responses(dialect: str = "ga") -> st.SearchStrategy[e.ResponseInfo]:
    return st.builds(
        e.ResponseInfo,
        id=texts,
        status=st.sampled_from(["in_progress", "completed", "cancelled", "failed", "incomplete"]),
        status_details=st.none()
        | st.builds(e.StatusDetails, type=texts, reason=opt_texts, error=st.none() | error_infos),
        output=st.lists(received_items, max_size=2).map(tuple),
        conversation_id=opt_texts,
        output_modalities=beta_modalities
        if dialect == "beta"
        else st.none() | st.lists(texts, max_size=2).map(tuple),
        max_output_tokens=st.none() | ints | st.just("inf"),
        voice=opt_texts,
        usage=st.none() | usages(dialect),
        metadata=st.none() | st.dictionaries(texts, texts, max_size=2),
    )


transcription_usages = st.builds(
    e.TranscriptionUsage,
    type=st.just("tokens"),
    input_tokens=naturals,
    output_tokens=naturals,
    total_tokens=naturals,
    input_audio_tokens=naturals,
    input_text_tokens=naturals,
) | st.builds(e.TranscriptionUsage, type=st.just("duration"), seconds=finite)

_REF = {"response_id": texts, "item_id": texts, "output_index": ints, "content_index": ints}
_PROGRESS = st.sampled_from(["in_progress", "completed", "failed"])


GA_SERVER_TYPES = (
    "error",
    "session.created",
    "session.updated",
    "rate_limits.updated",
    "conversation.created",
    "conversation.item.added",
    "conversation.item.done",
    "conversation.item.retrieved",
    "conversation.item.truncated",
    "conversation.item.deleted",
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.input_audio_transcription.failed",
    "conversation.item.input_audio_transcription.segment",
    "input_audio_buffer.committed",
    "input_audio_buffer.cleared",
    "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped",
    "input_audio_buffer.timeout_triggered",
    "input_audio_buffer.dtmf_event_received",
    "output_audio_buffer.started",
    "output_audio_buffer.stopped",
    "output_audio_buffer.cleared",
    "response.created",
    "response.done",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.output_audio.delta",
    "response.output_audio.done",
    "response.output_audio_transcript.delta",
    "response.output_audio_transcript.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "mcp_list_tools.in_progress",
    "mcp_list_tools.completed",
    "mcp_list_tools.failed",
    "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done",
    "response.mcp_call.in_progress",
    "response.mcp_call.completed",
    "response.mcp_call.failed",
)
"""Every GA server event type of PROTOCOL.md §6."""

BETA_ONLY_SERVER_TYPES = (
    "conversation.item.created",
    "response.text.delta",
    "response.text.done",
    "response.audio.delta",
    "response.audio.done",
    "response.audio_transcript.delta",
    "response.audio_transcript.done",
    "transcription_session.created",
    "transcription_session.updated",
)
"""The beta names of §11.2 that GA renamed or dropped."""

KNOWN_SERVER_TYPES = frozenset(GA_SERVER_TYPES + BETA_ONLY_SERVER_TYPES)


def unknown_events() -> st.SearchStrategy[e.UnknownEvent]:
    @st.composite
    def build(draw: st.DrawFn) -> e.UnknownEvent:
        kind = draw(texts.filter(lambda t: t not in KNOWN_SERVER_TYPES))
        raw = {**draw(json_objects), "type": kind}
        return e.UnknownEvent(event_type=kind, raw=json.loads(json.dumps(raw)))

    return build()


def events_by_class(dialect: str = "ga") -> dict[type[Any], st.SearchStrategy[Any]]:
    """One strategy per ModelEvent class (DecodeError excluded: not a server event)."""
    items = received_items
    sess = sessions(dialect=dialect)
    return {
        e.ErrorEvent: st.builds(e.ErrorEvent, error=error_infos),
        e.SessionCreated: st.builds(
            e.SessionCreated, session=sess, session_id=opt_texts, expires_at=st.none() | ints
        ),
        e.SessionUpdated: st.builds(
            e.SessionUpdated, session=sess, session_id=opt_texts, expires_at=st.none() | ints
        ),
        e.RateLimitsUpdated: st.builds(
            e.RateLimitsUpdated,
            rate_limits=st.lists(
                st.builds(
                    e.RateLimit, name=texts, limit=ints, remaining=ints, reset_seconds=finite
                ),
                max_size=2,
            ).map(tuple),
        ),
        e.ConversationCreated: st.builds(e.ConversationCreated, conversation_id=texts),
        e.ItemAdded: st.builds(e.ItemAdded, item=items, previous_item_id=opt_texts),
        e.ItemDone: st.builds(e.ItemDone, item=items, previous_item_id=opt_texts),
        e.ItemRetrieved: st.builds(e.ItemRetrieved, item=items),
        e.ItemTruncated: st.builds(
            e.ItemTruncated, item_id=texts, content_index=ints, audio_end_ms=ints
        ),
        e.ItemDeleted: st.builds(e.ItemDeleted, item_id=texts),
        e.InputTranscriptionDelta: st.builds(
            e.InputTranscriptionDelta, item_id=texts, delta=texts, content_index=ints
        ),
        e.InputTranscriptionCompleted: st.builds(
            e.InputTranscriptionCompleted,
            item_id=texts,
            transcript=texts,
            content_index=ints,
            usage=st.none() | transcription_usages,
        ),
        e.InputTranscriptionFailed: st.builds(
            e.InputTranscriptionFailed, item_id=texts, error=error_infos, content_index=ints
        ),
        e.InputTranscriptionSegment: st.builds(
            e.InputTranscriptionSegment,
            item_id=texts,
            segment_id=texts,
            text=texts,
            speaker=texts,
            start=finite,
            end=finite,
            content_index=ints,
        ),
        e.InputAudioCommitted: st.builds(
            e.InputAudioCommitted, item_id=texts, previous_item_id=opt_texts
        ),
        e.InputAudioCleared: st.builds(e.InputAudioCleared),
        e.SpeechStarted: st.builds(e.SpeechStarted, audio_start_ms=ints, item_id=texts),
        e.SpeechStopped: st.builds(e.SpeechStopped, audio_end_ms=ints, item_id=texts),
        e.InputAudioTimeoutTriggered: st.builds(
            e.InputAudioTimeoutTriggered, audio_start_ms=ints, audio_end_ms=ints, item_id=texts
        ),
        e.DtmfReceived: st.builds(e.DtmfReceived, key=texts, received_at=finite),
        e.OutputAudioBufferStarted: st.builds(e.OutputAudioBufferStarted, response_id=texts),
        e.OutputAudioBufferStopped: st.builds(e.OutputAudioBufferStopped, response_id=texts),
        e.OutputAudioBufferCleared: st.builds(e.OutputAudioBufferCleared, response_id=texts),
        e.ResponseCreated: st.builds(e.ResponseCreated, response=responses(dialect)),
        e.ResponseDone: st.builds(e.ResponseDone, response=responses(dialect)),
        e.OutputItemAdded: st.builds(
            e.OutputItemAdded, response_id=texts, output_index=ints, item=items
        ),
        e.OutputItemDone: st.builds(
            e.OutputItemDone, response_id=texts, output_index=ints, item=items
        ),
        e.ContentPartAdded: st.builds(e.ContentPartAdded, **_REF, part=content_parts),
        e.ContentPartDone: st.builds(e.ContentPartDone, **_REF, part=content_parts),
        e.TextDelta: st.builds(e.TextDelta, **_REF, delta=texts),
        e.TextDone: st.builds(e.TextDone, **_REF, text=texts),
        e.AudioDelta: st.builds(e.AudioDelta, **_REF, audio=st.binary(max_size=256)),
        e.AudioDone: st.builds(e.AudioDone, **_REF),
        e.AudioTranscriptDelta: st.builds(e.AudioTranscriptDelta, **_REF, delta=texts),
        e.AudioTranscriptDone: st.builds(e.AudioTranscriptDone, **_REF, transcript=texts),
        e.FunctionCallArgumentsDelta: st.builds(
            e.FunctionCallArgumentsDelta,
            response_id=texts,
            item_id=texts,
            output_index=ints,
            call_id=texts,
            delta=texts,
        ),
        e.FunctionCallArgumentsDone: st.builds(
            e.FunctionCallArgumentsDone,
            response_id=texts,
            item_id=texts,
            output_index=ints,
            call_id=texts,
            name=texts,
            arguments=texts,
        ),
        e.McpListToolsStatus: st.builds(e.McpListToolsStatus, item_id=texts, status=_PROGRESS),
        e.McpCallArgumentsDelta: st.builds(
            e.McpCallArgumentsDelta,
            response_id=texts,
            item_id=texts,
            output_index=ints,
            delta=texts,
        ),
        e.McpCallArgumentsDone: st.builds(
            e.McpCallArgumentsDone,
            response_id=texts,
            item_id=texts,
            output_index=ints,
            arguments=texts,
        ),
        e.McpCallStatus: st.builds(
            e.McpCallStatus, item_id=texts, output_index=ints, status=_PROGRESS
        ),
        e.UnknownEvent: unknown_events(),
    }
