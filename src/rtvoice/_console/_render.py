"""How the console shows a session: the agent's words as they stream, and one line for each
tool call, approval question, handoff and error.

:class:`Transcript` writes to a text stream and keeps only what it needs to lay out lines: the
name of the agent speaking, and whether a streamed answer is open on the current line.
"""

from __future__ import annotations

from typing import TextIO

from ..session.events import RealtimeSessionEvent, ToolApprovalRequiredEvent

__all__ = ["PROMPT", "Transcript"]

PROMPT = "you> "
"""What the console prints when it waits for a line."""


class Transcript:
    """Writes the conversation to ``out``.

    Args:
        out: Where to write (the terminal).
        agent_name: The agent that speaks first.
        show_prompt: Print :data:`PROMPT` when a turn ends (text mode).
    """

    def __init__(self, out: TextIO, *, agent_name: str, show_prompt: bool) -> None:
        self._out = out
        self._agent = agent_name
        self._show_prompt = show_prompt
        self._open_item: str | None = None  # the answer being streamed on this line
        self._cut: str | None = None  # the answer last interrupted: the rest goes unshown
        self._asking = False  # a prompt or question waits on this line for the user's answer

    def say(self, text: str) -> None:
        """One line of the console's own (a notice), below a question left unanswered."""
        self._close_stream()
        if self._asking:
            self._asking = False
            self._write("\n")
        self._write(text + "\n")

    def ask(self, question: str) -> None:
        """A question answered on the same line."""
        self._close_stream()
        if self._asking:
            self._write("\n")
        self._write(question)
        self._asking = True

    def answered(self) -> None:
        """The user ended a line: the terminal's echo of it moved the cursor down."""
        self._asking = False

    def prompt(self) -> None:
        """The prompt for the next message (text mode only)."""
        if self._show_prompt:
            self.ask(PROMPT)

    def interrupted(self) -> None:
        """The user interrupted the agent: the answer being shown stops here."""
        self._cut = self._open_item
        self.say("  (you interrupted)")

    def ask_approval(self, request: ToolApprovalRequiredEvent) -> None:
        """The question for a tool call that waits for the user's approval."""
        self.ask(f"  ? run {request.tool_name}({request.arguments})  [y]es / [n]o / [a]lways: ")

    def event(self, event: RealtimeSessionEvent) -> None:
        """Show one session event (those a person talking to the agent cares about)."""
        match event.type:
            case "transcript_delta":
                if event.item_id == self._cut:
                    return
                if self._open_item != event.item_id:
                    self._close_stream()
                    if self._asking and not self._show_prompt:  # voice: no echo to wait for
                        self._asking = False
                        self._write("\n")
                    self._write(f"{self._agent}: ")
                    self._open_item = event.item_id
                self._write(event.delta)
            case "agent_start":
                self._agent = event.agent.name
            case "agent_end":
                self._agent = event.agent.name
                self._close_stream()
                self.prompt()
            case "handoff":
                self._agent = event.to_agent.name
                self.say(f"  -> handoff: {event.from_agent.name} to {event.to_agent.name}")
            case "tool_start":
                self.say(f"  * tool {event.tool_name}({event.arguments})")
            case "tool_end":
                if event.error is not None:
                    self.say(f"  * tool {event.tool_name} did not run: {event.output}")
                else:
                    self.say(f"  * tool {event.tool_name} returned {event.output}")
            case "input_transcript":
                if event.is_final and event.text:
                    self.say(f"you (speech): {event.text}")
            case "audio_interrupted":
                if event.item_id != self._cut:
                    self._cut = event.item_id
                    self.say("  (interrupted)")
            case "guardrail_tripped":
                self.say(f"  ! guardrail tripped on: {event.text}")
            case "error":
                self.say(f"  ! error {event.error.code or ''}: {event.error.message}")
            case "connection_lost":
                self.say(f"  ! connection lost ({event.reason}), reconnecting")
            case "reconnected":
                self.say("  ! reconnected")
            case _:
                pass

    def _close_stream(self) -> None:
        if self._open_item is not None:
            self._open_item = None
            self._write("\n")

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()
