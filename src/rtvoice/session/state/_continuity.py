"""A conversation carried from one connection to the next: the cut at a drop, and the seed.

:func:`connection_lost` is the step taken when a connection ended abnormally: what the user
was hearing stops where they heard it (``audio_interrupted``), the assistant item in flight is
kept as far as it was heard and marked ``incomplete``, items the model was still writing are
marked ``incomplete`` too (a tool call it was writing never runs), and the responses that
were running or asked for end, with a response asked for again so the new connection answers
what was left unanswered. :func:`reseed` then gives the new connection's first commands: the
current agent's full ``session.update`` (keeping the voice the user heard) and the history's
``conversation.item.create`` commands, whose echoes confirm items the history already holds.
Pure: no IO, no clock.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping

from ..._config._continuity import SeedSettings
from ...model.commands import ModelCommand, UpdateSession
from ...model.events import ResponseDone, ResponseInfo, Usage
from ...model.items import OutputAudio, OutputText
from ..history import AssistantMessageItem, HistoryItem, ToolCallItem, UserMessageItem
from ._agent_tools import agent_tools
from ._core import StateCore
from ._effects import Effects
from ._notes import Interrupted
from ._seed import seed_items, start_history
from ._server_events import handle_model_event

__all__ = ["connection_lost", "heard_text", "reseed", "resume", "seed"]


def heard_text(text: str, played_ms: float, received_ms: float) -> str:
    """The part of ``text`` spoken in the first ``played_ms`` of ``received_ms`` of audio:
    proportional, ending at a word boundary (the transcript runs ahead of the audio a little,
    so the cut errs on the side of less)."""
    if received_ms <= 0 or played_ms >= received_ms:
        return text
    keep = math.floor(len(text) * max(0.0, played_ms) / received_ms)
    if keep <= 0:
        return ""
    cut = text[:keep]
    if keep < len(text) and not text[keep].isspace():
        space = cut.rfind(" ")
        cut = cut[:space] if space > 0 else ""
    return cut.rstrip()


def connection_lost(core: StateCore, now: float) -> Effects:
    """The connection ended abnormally; a new one will carry the conversation on."""
    fx = Effects()
    part = core.audio.current
    plan = core.audio.interrupt(now, response_active=False, cancel=False)
    heard = plan.event
    if heard is not None:  # the truncate it plans is not sent: the seed holds the cut item
        fx.events.append(heard)
        fx.notes = (Interrupted(response_id=heard.response_id, played_ms=heard.played_ms),)
    for item in core.history.items:
        if not isinstance(item, AssistantMessageItem | ToolCallItem):
            continue  # the user's and the others: kept as they are
        unfinished = item.status in (None, "in_progress")
        if isinstance(item, ToolCallItem):
            if unfinished:  # the model was still writing it: it never ran, and will not
                fx.events += core.history.remove(item.item_id)
            continue
        spoken = part is not None and part.item_id == item.item_id
        playing = spoken and heard is not None and heard.item_id == item.item_id
        if not (unfinished or playing):
            continue  # finished, and heard whole, before the drop
        text = item.text
        if unfinished and item.item_id == core.partial_item:
            text = "".join(core.partial_text)
        if playing and heard is not None and part is not None:
            # Kept as far as it was heard, as a barge-in's truncation would keep it.
            text = heard_text(text, heard.played_ms, core.audio.received_ms(part))
        if not text:  # nothing of it was heard or written yet
            fx.events += core.history.remove(item.item_id)
            continue
        said = OutputAudio(transcript=text) if spoken else OutputText(text=text)
        cut = dataclasses.replace(item, content=(said,), status="incomplete")
        fx.events += core.history.replace(item.item_id, cut)
    core.history.forget_announced()
    core.partial_item = None
    core.partial_text = []
    sequencer = core.sequencer
    running = sorted(sequencer.active)
    calls_answer = any(made_by in running for made_by in core.pending_calls.values())
    lost = sequencer.connection_lost()
    history = core.history.items
    turn_detection = core.settings.turn_detection
    unanswered = (
        bool(history)
        and isinstance(history[-1], UserMessageItem)
        and turn_detection is not None
        and turn_detection.create_response is not False
    )  # the server's turn detection would have answered it
    if (lost or unanswered) and not core.stop_requested and not calls_answer:
        # Asked again behind the running ones (sent once they are ended below). A response
        # whose calls still run is answered by their outputs' response instead.
        core.request_response(fx)
    for response_id in running:
        ended = ResponseInfo(id=response_id, status="cancelled")
        fx.add(handle_model_event(core, ResponseDone(response=ended), now))
    return fx


def reseed(
    core: StateCore,
    instructions: str | None,
    budget: SeedSettings | None,
    utterances: Mapping[str, bytes] | None = None,
) -> tuple[list[ModelCommand], int, int]:
    """The first commands of a new connection: the current agent's ``session.update`` (with
    the voice the user has been hearing) and the history's seed.

    Returns:
        The commands, the number of history items seeded, and the number left out.
    """
    tools = agent_tools(core.agent).definitions
    update = core.updates.reconnected(
        core.agent, instructions, tools=tools, event_id=core.next_id("update")
    )
    if budget is None:
        core.history.expect_seed([])
        return [update], 0, 0
    if core.seed_at_start:
        update, seeded, left_out = _seeded_start(core, update, budget, utterances)
        return [update], seeded, left_out
    seed, left_out = seed_items(core.history.items, budget, utterances)
    seeded = core.history.expect_seed(seed)
    return [update, *seed], seeded, left_out


def seed_in_start(core: StateCore, update: UpdateSession, budget: SeedSettings) -> UpdateSession:
    """``update``, the session's first, carrying the history (a resumed session on a protocol
    that takes a history only at start)."""
    return _seeded_start(core, update, budget, None)[0]


def _seeded_start(
    core: StateCore,
    update: UpdateSession,
    budget: SeedSettings,
    utterances: Mapping[str, bytes] | None,
) -> tuple[UpdateSession, int, int]:
    """GPT-Live: the history goes in the session's start, as text; nothing echoes it."""
    seed, left_out = seed_items(core.history.items, budget, utterances)
    core.history.expect_seed([])
    history = start_history(seed)
    session = update.session
    extra = {**(session.extra or {}), "input": history}
    update = dataclasses.replace(update, session=dataclasses.replace(session, extra=extra))
    return update, len(history), left_out


def seed(core: StateCore, budget: SeedSettings) -> tuple[list[ModelCommand], int, int]:
    """The history's seed alone (a resumed session's first connection, once configured)."""
    commands, left_out = seed_items(core.history.items, budget)
    return list(commands), core.history.expect_seed(commands), left_out


def resume(
    core: StateCore, history: tuple[HistoryItem, ...], usage: Usage, pending: Iterable[str]
) -> None:
    """Start from a snapshot's history and usage; ``pending`` calls hold ``agent_end`` back
    until answered."""
    core.history.restore(history)
    if usage != Usage():
        core.usage.add(usage)
    for call_id in pending:
        core.call_pending(call_id)
