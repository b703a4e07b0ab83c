"""From ``response.create`` to a :class:`~._response.ResponseRun`.

The planner resolves the per-response overrides against the session (nothing persists), builds
the context the responder reads, asks the responder, and lays the plan out as a run. A
responder that raises gives a response that ends ``failed`` (the simulator's way of showing a
broken custom responder without killing the session).
"""

from __future__ import annotations

import random

from ..audio import AudioFormatName
from ..model.commands import ResponseParams
from ..model.events import ErrorInfo
from ..model.items import Item, ItemReference
from ..model.session_config import SessionConfig
from ._conversation import Conversation, Entry, audio_of, hear, heard_view
from ._defaults import SimulatorOptions
from ._error_catalog import invalid_value, voice_locked
from ._ids import IdSource
from ._responder import CallToolPlan, Plan, Responder, ResponderView, SpeakPlan
from ._response import ResponseRun, ResponseSetup
from ._session_update import check_modalities
from ._usage import context_tokens

__all__ = ["ResponsePlanner"]


class ResponsePlanner:
    """Builds the responses of one session."""

    __slots__ = ("_conversation", "_conversation_id", "_ids", "_options", "_responder", "_rng")

    def __init__(
        self,
        *,
        responder: Responder,
        options: SimulatorOptions,
        ids: IdSource,
        conversation: Conversation,
        conversation_id: str,
    ) -> None:
        self._responder = responder
        self._options = options
        self._ids = ids
        self._conversation = conversation
        self._conversation_id = conversation_id
        self._rng = random.Random(options.seed)  # sizes the deltas of every response

    def plan(
        self,
        session: SessionConfig,
        params: ResponseParams | None,
        *,
        input_format: AudioFormatName,
        voice_is_locked: bool,
    ) -> ResponseRun:
        """A new run for ``response.create`` (the caller checks that none is active).

        Args:
            session: The effective session.
            params: The per-response overrides.
            input_format: Format of user audio given in ``params.input``.
            voice_is_locked: Assistant audio exists, so an in-band response may not change
                the voice.

        Raises:
            SimulatorError: An override is invalid; no response is created.
        """
        p = params or ResponseParams()
        in_band = p.conversation != "none"
        modalities = p.output_modalities or session.output_modalities or ("audio",)
        check_modalities(modalities, param="response.output_modalities")
        voice = p.voice if p.voice is not None else session.voice or self._options.voice
        if in_band and voice_is_locked and voice != session.voice:
            raise voice_locked()
        limit = (
            p.max_output_tokens
            if p.max_output_tokens is not None
            else session.max_output_tokens or "inf"
        )
        if isinstance(limit, int) and not 1 <= limit <= 4096:
            raise invalid_value(
                f"Invalid 'response.max_output_tokens': expected 1-4096 or 'inf', got {limit}.",
                param="response.max_output_tokens",
            )
        entries = self._context(p.input, input_format)
        view = ResponderView(
            items=tuple(heard_view(entry) for entry in entries),
            instructions=(session.instructions if p.instructions is None else p.instructions) or "",
            tools=(session.tools or ()) if p.tools is None else p.tools,
            tool_choice=p.tool_choice or session.tool_choice or "auto",
            output_modality="text" if modalities == ("text",) else "audio",
        )
        plans: tuple[Plan, ...] = ()
        failure: ErrorInfo | None = None
        try:
            plan = self._responder(view)
            plans = plan if isinstance(plan, tuple) else (plan,)
            wrong = [each for each in plans if not isinstance(each, SpeakPlan | CallToolPlan)]
            if wrong:
                raise TypeError(f"expected SpeakPlan or CallToolPlan, got {wrong[0]!r}")
        except Exception as exc:  # a broken custom responder fails the response, not the session
            plans = ()
            failure = ErrorInfo(
                type="server_error",
                code="responder_error",
                message=f"The responder failed: {type(exc).__name__}: {exc}",
            )
        text_tokens, audio_tokens = context_tokens(entries, view.instructions)
        setup = ResponseSetup(
            response_id=self._ids.new_id("resp"),
            conversation_id=self._conversation_id if in_band else None,
            modality=view.output_modality,
            output_format=p.output_format or session.output_format or "pcm16",
            voice=voice,
            max_output_tokens=limit,
            metadata=p.metadata,
            input_text_tokens=text_tokens,
            input_audio_tokens=audio_tokens,
            rate_limit_tokens=self._options.rate_limit_tokens,
            delta_ms=self._options.audio_delta_ms,
        )
        return ResponseRun(
            setup,
            plans,
            conversation=self._conversation if in_band else None,
            ids=self._ids,
            rng=self._rng,
            failure=failure,
        )

    def _context(
        self, items: tuple[Item | ItemReference, ...] | None, input_format: AudioFormatName
    ) -> list[Entry]:
        """The entries a response reads: the conversation, or its own ``input``."""
        if items is None:
            return list(self._conversation.entries())
        entries: list[Entry] = []
        for index, item in enumerate(items):
            if isinstance(item, ItemReference):
                entry = self._conversation.get(item.id)
                if entry is None:
                    raise invalid_value(
                        f"Item with id '{item.id}' not found.", param=f"response.input[{index}]"
                    )
                entries.append(entry)
                continue
            audio = audio_of(item)
            entries.append(
                Entry(
                    item=item,
                    audio_format=input_format if audio else None,
                    heard=hear(audio, input_format) if audio else None,
                )
            )
        return entries
