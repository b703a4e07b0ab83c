"""What the application sends into a session: messages, audio, responses, interruptions,
agent changes, raw events and approval decisions.

:class:`SessionActions` is the half of :class:`~rtvoice.session.RealtimeSession` that acts; the
session itself (in :mod:`._session`) enters, reads and closes. Each method takes one step of
the conversation state through the session's link, so its commands reach the server in the
order of the state's decisions, whichever task calls it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from typing_extensions import Buffer

from ..agent import RealtimeAgent
from ..config import RunSettings
from ..errors import TransportClosedError, UserError
from ..model._base import ModelCapabilities
from ..model.commands import AppendInputAudio, CommitInputAudio, SendRaw
from ..model.items import InputText
from ._capabilities import refuse
from ._link import SessionLink
from ._messages import APPEND_CHUNK_BYTES, UserInput, audio_appends, audio_bytes, to_message_item
from ._reader import Connection
from ._reconnect import Continuity
from ._tool_runner import ToolCallRunner
from .state._agent_tools import agent_tools
from .state._machine import ConversationState

__all__ = ["SessionActions"]


class SessionActions:
    """The methods a session is called with (see :class:`~rtvoice.session.RealtimeSession`).

    The methods may be called from any task, also while another task iterates; each raises
    :class:`~rtvoice.errors.TransportClosedError` once the session is closed or its
    connection ended.
    """

    __slots__ = ()

    _state: ConversationState
    _link: SessionLink
    _tools: ToolCallRunner
    _context: Any
    _clock: Callable[[], float]
    _settings: RunSettings
    _continuity: Continuity | None
    _capabilities: ModelCapabilities

    def _require_open(self) -> Connection:
        raise NotImplementedError

    def _append_audio(self, live: Connection, audio: bytes) -> None:
        append = AppendInputAudio(audio=audio)
        live.commands.put_one(append)
        if self._continuity is not None:
            self._continuity.audio_sent(append)

    async def _flush(self, live: Connection) -> None:
        """Send what the step queued. If the connection has just dropped and the session
        reconnects, the commands stay queued for the next connection (the reader has not
        noticed the drop yet; it will, and hand them over): nothing raises then."""
        try:
            await live.commands.flush()
        except TransportClosedError:
            if self._settings.reconnect is None or live.reader_done.is_set():
                raise

    async def send_message(self, message: UserInput) -> None:
        """Add a message to the conversation and ask for a response.

        The message is created at once; the response follows now, or when the running response
        ends (one response for every input that waited).

        The input guardrails check the message's text meanwhile; if one trips, the response
        to it is dropped or cancelled, and ``guardrail_tripped`` is emitted.

        Args:
            message: A string (a user text message), a :class:`UserInputMessage` dict with
                text and image parts, or a :class:`~rtvoice.model.items.MessageItem`.

        Raises:
            UserError: The message has the wrong shape (nothing is sent).
            TransportClosedError: The session is closed.
        """
        item = to_message_item(message)
        if self._capabilities.protocol == "live" and any(
            not isinstance(part, InputText) for part in item.content
        ):
            raise UserError(
                "GPT-Live takes only text from send_message (it becomes an instruction the "
                "model acts on): send the text without images or audio parts"
            )
        live = self._require_open()
        self._link.apply(self._state.send_message(item))
        await self._flush(live)

    async def send_audio(self, audio: Buffer, commit: bool = False) -> None:
        """Append user audio (raw bytes in the input format) to the server's input buffer.

        Audio of more than 6 MiB goes out as several ``input_audio_buffer.append`` events,
        in order, each under the server's 15 MiB limit per event and holding whole samples.

        Args:
            audio: The audio: ``bytes``, ``bytearray``, ``memoryview`` or any other object
                with the buffer protocol (``array.array``, a NumPy array: its raw bytes).
                Empty audio sends nothing.
            commit: Also commit the buffer as a user item (manual turns; then call
                :meth:`create_response` for an answer). Not on GPT-Live.

        Raises:
            UserError: ``audio`` is not bytes-like (an ``int``, ``None``, a ``str``, a
                list...), or ``commit`` on GPT-Live; nothing was sent.
            TransportClosedError: The session is closed.
        """
        data = audio_bytes(audio)
        if commit and not self._capabilities.manual_turns:
            raise refuse("send_audio(commit=True)", "manual_turns", "send the audio alone")
        live = self._require_open()
        if len(data) <= APPEND_CHUNK_BYTES:  # the usual 20-200 ms chunk: no list, no copy
            if data:
                self._append_audio(live, data)
        else:
            for piece in audio_appends(data):
                self._append_audio(live, piece)
        if commit:
            live.commands.put_one(CommitInputAudio())
        await self._flush(live)

    async def commit_audio(self) -> None:
        """Commit the input buffer as a user item (it needs at least 100 ms of audio).

        Raises:
            UserError: On GPT-Live, which takes turns by itself.
            TransportClosedError: The session is closed.
        """
        if not self._capabilities.manual_turns:
            raise refuse("commit_audio", "manual_turns", "just keep sending audio")
        live = self._require_open()
        live.commands.put_one(CommitInputAudio())
        await self._flush(live)

    async def create_response(self) -> None:
        """Ask the model to respond (now, or when the running response ends).

        Raises:
            UserError: On GPT-Live, which answers by itself.
            TransportClosedError: The session is closed.
        """
        if not self._capabilities.manual_turns:
            raise refuse(
                "create_response",
                "manual_turns",
                "to prompt the model, send_message() appends an instruction it acts on",
            )
        live = self._require_open()
        self._link.apply(self._state.create_response())
        await self._flush(live)

    async def interrupt(self) -> None:
        """Stop the assistant now: cancel the running response and truncate what is playing
        at the point the user heard (``audio_interrupted`` tells the application to stop).

        Never waits for the application to read events, so the iterating task may call it.

        Raises:
            UserError: On GPT-Live, which stops by itself when the user speaks.
            TransportClosedError: The session is closed.
        """
        if not self._capabilities.truncate:
            raise refuse(
                "interrupt", "truncate", "stop playing locally; the model notices the user"
            )
        live = self._require_open()
        self._link.apply(self._state.interrupt(self._clock()))
        await self._flush(live)

    async def update_agent(self, agent: RealtimeAgent[Any]) -> None:
        """Make ``agent`` the current agent: its instructions, tools (and handoffs) and voice
        are sent in one ``session.update`` (audio formats, transcription and turn detection
        stay as configured). Once the assistant has spoken, the voice can no longer change: the
        previous voice stays, and a warning ``error`` event
        (``code="voice_locked"``) says so.

        Raises:
            UserError: ``agent`` is not a :class:`~rtvoice.RealtimeAgent`, two of its tools
                and handoffs share a name, or its instructions function failed.
            TransportClosedError: The session is closed.
        """
        if not isinstance(agent, RealtimeAgent):
            raise UserError("update_agent needs a RealtimeAgent")
        agent_tools(agent)
        self._require_open()
        instructions = await agent.resolve_instructions(self._context)
        live = self._require_open()
        self._link.apply(self._state.update_agent(agent, instructions))
        await self._flush(live)

    async def send_raw(self, event: Mapping[str, Any]) -> None:
        """Send a client event exactly as given (an escape hatch; the session does not track
        what it does). Event ids starting with ``rtv_`` are reserved for the session.

        Raises:
            UserError: ``event`` is not a JSON object with a string ``type``.
            TransportClosedError: The session is closed.
        """
        if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
            raise UserError("send_raw needs a dict with a string 'type'")
        try:
            json.dumps(event, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise UserError(f"send_raw: the event is not JSON: {exc}") from exc
        live = self._require_open()
        live.commands.put_one(SendRaw(event=dict(event)))
        await self._flush(live)

    async def approve_tool_call(self, call_id: str, always: bool = False) -> None:
        """Approve a call announced by ``tool_approval_required``: the tool runs once.

        Returns at once (it does not wait for the tool). ``tool_start`` and ``tool_end``
        follow as the call runs.

        Args:
            call_id: The event's ``call_id``.
            always: Also approve every later call of this tool in the session without
                asking (and the calls of it waiting now).

        Raises:
            UserError: No call with this id waits for approval (unknown, answered already,
                or not needing approval).
            TransportClosedError: The session is closed.
        """
        self._require_open()
        self._tools.approve(call_id, always)

    async def reject_tool_call(
        self,
        call_id: str,
        always: bool = False,
        message: str | None = None,
        *,
        rejection_message: str | None = None,
    ) -> None:
        """Reject a call announced by ``tool_approval_required``: the tool does not run.

        The model gets the rejection as the call's output: ``message`` when given, else the
        run's ``tool_error_formatter`` applied to a :class:`~rtvoice.tools.ToolRejectedError`,
        else "The call to <tool> was not approved"; then it answers. ``tool_end`` carries the
        :class:`~rtvoice.tools.ToolRejectedError` (no ``tool_start`` precedes it).

        Args:
            call_id: The event's ``call_id``.
            always: Also reject every later call of this tool in the session without asking
                (and the calls of it waiting now), with the same message.
            message: What the model is told.
            rejection_message: ``message`` under openai-agents' name.

        Raises:
            UserError: No call with this id waits for approval, or both ``message`` and
                ``rejection_message`` are given.
            TransportClosedError: The session is closed.
        """
        if rejection_message is not None:
            if message is not None:
                raise UserError("reject_tool_call: pass message or rejection_message, not both")
            message = rejection_message
        self._require_open()
        self._tools.reject(call_id, always, message)
