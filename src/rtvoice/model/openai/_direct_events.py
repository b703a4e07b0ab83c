"""The direct readers of server events: one table from wire ``type`` to a reader that works
on the parsed frame with plain dictionary reads (PROTOCOL.md §6, beta names §11.2).

This is the decoder's first path, and the only one a well-formed session normally takes:
sessions, the streamed deltas (§6.5, §9), the response lifecycle, items, content parts, the
audio buffers, transcription, rate limits and errors. Each reader returns exactly the events
the validating reader of the same type (:mod:`._read_session_events`,
:mod:`._read_response_events`) returns for the frame, or raises
:class:`~._direct_values.Decline` (through the reads of :mod:`._direct_values` and
:mod:`._direct_session`) when the frame is anything but well formed; the decoder then runs
the validating reader, which accepts the frame or words the error.
"""

from __future__ import annotations

from . import _direct_response_events as response
from . import _direct_session_events as session
from ._direct_values import DirectReader

# ---------------------------------------------------------------------------------------------
# The table: GA names, then their beta twins (§11.2)

DIRECT_READERS: dict[str, DirectReader] = {
    # §6.5 streamed content
    "response.output_audio.delta": response.audio_delta,
    "response.audio.delta": response.audio_delta,
    "response.output_audio_transcript.delta": response.transcript_delta,
    "response.audio_transcript.delta": response.transcript_delta,
    "response.output_text.delta": response.text_delta,
    "response.text.delta": response.text_delta,
    "response.output_audio.done": response.audio_done,
    "response.audio.done": response.audio_done,
    "response.output_audio_transcript.done": response.transcript_done,
    "response.audio_transcript.done": response.transcript_done,
    "response.output_text.done": response.text_done,
    "response.text.done": response.text_done,
    "response.content_part.added": response.part_added,
    "response.content_part.done": response.part_done,
    "response.function_call_arguments.delta": response.arguments_delta,
    "response.function_call_arguments.done": response.arguments_done,
    # §6.5 responses and output items
    "response.created": response.response_created,
    "response.done": response.response_done,
    "response.output_item.added": response.output_item_added,
    "response.output_item.done": response.output_item_done,
    # §6.1, §6.2
    "session.created": session.session_created,
    "session.updated": session.session_updated,
    "transcription_session.created": session.transcription_session_created,
    "transcription_session.updated": session.transcription_session_updated,
    "error": session.error_event,
    "rate_limits.updated": session.rate_limits_updated,
    "conversation.created": session.conversation_created,
    "conversation.item.added": session.item_added,
    "conversation.item.done": session.item_done,
    "conversation.item.created": session.item_created,
    "conversation.item.retrieved": session.item_retrieved,
    "conversation.item.truncated": session.item_truncated,
    "conversation.item.deleted": session.item_deleted,
    "conversation.item.input_audio_transcription.delta": session.transcription_delta,
    "conversation.item.input_audio_transcription.completed": session.transcription_completed,
    "conversation.item.input_audio_transcription.failed": session.transcription_failed,
    "conversation.item.input_audio_transcription.segment": session.transcription_segment,
    # §6.3, §6.4
    "input_audio_buffer.committed": session.committed,
    "input_audio_buffer.cleared": session.cleared,
    "input_audio_buffer.speech_started": session.speech_started,
    "input_audio_buffer.speech_stopped": session.speech_stopped,
    "input_audio_buffer.timeout_triggered": session.timeout_triggered,
    "input_audio_buffer.dtmf_event_received": session.dtmf,
    "output_audio_buffer.started": session.output_started,
    "output_audio_buffer.stopped": session.output_stopped,
    "output_audio_buffer.cleared": session.output_cleared,
    # §6.6
    "mcp_list_tools.in_progress": response.mcp_list_tools("in_progress"),
    "mcp_list_tools.completed": response.mcp_list_tools("completed"),
    "mcp_list_tools.failed": response.mcp_list_tools("failed"),
    "response.mcp_call.in_progress": response.mcp_call("in_progress"),
    "response.mcp_call.completed": response.mcp_call("completed"),
    "response.mcp_call.failed": response.mcp_call("failed"),
    "response.mcp_call_arguments.delta": response.mcp_arguments_delta,
    "response.mcp_call_arguments.done": response.mcp_arguments_done,
}
