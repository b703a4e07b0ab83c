"""Every span, attribute and metric name rtvoice emits, in one place.

GenAI semantic-convention names where one exists; ``rtvoice.*`` otherwise. ``docs/tracing.md``
tables them with their meaning; a test checks that every constant here appears there.
"""

from __future__ import annotations

from typing import Final

# ---------------------------------------------------------------------------------------------
# Instrumentation scope and spans

SCOPE: Final = "rtvoice"

SPAN_SESSION: Final = "realtime.session"
SPAN_CONNECT: Final = "realtime.connect"
SPAN_TURN: Final = "realtime.turn"
SPAN_TOOL: Final = "realtime.tool"
SPAN_HANDOFF: Final = "realtime.handoff"
SPAN_GUARDRAIL: Final = "realtime.guardrail"

# ---------------------------------------------------------------------------------------------
# GenAI semantic conventions (and general ones)

GEN_AI_SYSTEM: Final = "gen_ai.system"
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
GEN_AI_AGENT_NAME: Final = "gen_ai.agent.name"
GEN_AI_RESPONSE_ID: Final = "gen_ai.response.id"
GEN_AI_USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_TOOL_NAME: Final = "gen_ai.tool.name"
GEN_AI_TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
GEN_AI_TOOL_TYPE: Final = "gen_ai.tool.type"
GEN_AI_TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
GEN_AI_TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"
GEN_AI_TOKEN_TYPE: Final = "gen_ai.token.type"
ERROR_TYPE: Final = "error.type"
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"

OPERATION_REALTIME: Final = "realtime"
OPERATION_EXECUTE_TOOL: Final = "execute_tool"

# ---------------------------------------------------------------------------------------------
# rtvoice's own

AGENT_NAMES: Final = "rtvoice.agent.names"
SERVER_TRACING_ENABLED: Final = "rtvoice.server_tracing.enabled"
SERVER_TRACING_WORKFLOW_NAME: Final = "rtvoice.server_tracing.workflow_name"
SERVER_TRACING_GROUP_ID: Final = "rtvoice.server_tracing.group_id"
SESSION_TURNS: Final = "rtvoice.session.turns"
CANCELLED: Final = "rtvoice.cancelled"

TURN_STATUS: Final = "rtvoice.turn.status"
TURN_STATUS_REASON: Final = "rtvoice.turn.status_reason"
TURN_INTERRUPTED: Final = "rtvoice.turn.interrupted"
TURN_PLAYED_MS: Final = "rtvoice.turn.played_ms"
TURN_TIME_TO_FIRST_AUDIO_MS: Final = "rtvoice.turn.time_to_first_audio_ms"
TURN_TIME_TO_FIRST_TRANSCRIPT_MS: Final = "rtvoice.turn.time_to_first_transcript_ms"
TURN_TRANSCRIPT: Final = "rtvoice.turn.transcript"
EVENT_INTERRUPTION: Final = "rtvoice.interruption"
EVENT_INPUT_TRANSCRIPT: Final = "rtvoice.input_transcript"
INPUT_TRANSCRIPT_TEXT: Final = "rtvoice.input_transcript.text"
INPUT_TRANSCRIPT_ITEM_ID: Final = "rtvoice.input_transcript.item_id"

USAGE_TOTAL_TOKENS: Final = "rtvoice.usage.total_tokens"
USAGE_INPUT_TEXT_TOKENS: Final = "rtvoice.usage.input_text_tokens"
USAGE_INPUT_AUDIO_TOKENS: Final = "rtvoice.usage.input_audio_tokens"
USAGE_INPUT_IMAGE_TOKENS: Final = "rtvoice.usage.input_image_tokens"
USAGE_CACHED_TEXT_TOKENS: Final = "rtvoice.usage.cached_text_tokens"
USAGE_CACHED_AUDIO_TOKENS: Final = "rtvoice.usage.cached_audio_tokens"
USAGE_CACHED_IMAGE_TOKENS: Final = "rtvoice.usage.cached_image_tokens"
USAGE_OUTPUT_TEXT_TOKENS: Final = "rtvoice.usage.output_text_tokens"
USAGE_OUTPUT_AUDIO_TOKENS: Final = "rtvoice.usage.output_audio_tokens"
USAGE_ESTIMATED_COST_USD: Final = "rtvoice.usage.estimated_cost_usd"
USAGE_SESSION_SECONDS: Final = "rtvoice.usage.session_seconds"
USAGE_SESSION_PAUSED_SECONDS: Final = "rtvoice.usage.session_paused_seconds"

TOOL_ARGUMENTS_SIZE: Final = "rtvoice.tool.arguments_size"
TOOL_OUTPUT_SIZE: Final = "rtvoice.tool.output_size"
TOOL_OUTCOME: Final = "rtvoice.tool.outcome"
TOOL_APPROVAL_DECISION: Final = "rtvoice.tool.approval.decision"
TOOL_APPROVAL_ALWAYS: Final = "rtvoice.tool.approval.always"
TOOL_APPROVAL_WAIT_MS: Final = "rtvoice.tool.approval.wait_ms"

HANDOFF_FROM_AGENT: Final = "rtvoice.handoff.from_agent"
HANDOFF_TO_AGENT: Final = "rtvoice.handoff.to_agent"
HANDOFF_REQUESTED_AGENT: Final = "rtvoice.handoff.requested_agent"

GUARDRAIL_NAME: Final = "rtvoice.guardrail.name"
GUARDRAIL_KIND: Final = "rtvoice.guardrail.kind"
GUARDRAIL_TRIPPED: Final = "rtvoice.guardrail.tripped"
GUARDRAIL_TEXT_LENGTH: Final = "rtvoice.guardrail.text_length"
GUARDRAIL_TEXT: Final = "rtvoice.guardrail.text"

TOKEN_KIND: Final = "rtvoice.token.kind"

# ---------------------------------------------------------------------------------------------
# Metrics

METRIC_TIME_TO_FIRST_AUDIO: Final = "rtvoice.turn.time_to_first_audio"
METRIC_TURN_DURATION: Final = "rtvoice.turn.duration"
METRIC_INTERRUPTIONS: Final = "rtvoice.turn.interruptions"
METRIC_TOOL_DURATION: Final = "rtvoice.tool.duration"
METRIC_TOKENS: Final = "rtvoice.usage.tokens"
