"""The conversation state of a session: pure decisions, no IO.

The rule of this package: plain methods over plain state. Nothing here awaits, touches a
socket or a task, or reads the clock: a step that needs the time is given ``now`` (monotonic
seconds) by its caller. Each step returns an :class:`~._effects.Effects` (events to emit,
commands to send, work to launch, notes for the telemetry) that the async session applies in
order. So every decision of a session can be tested without an event loop, and the async
modules beside this package only move things between streams and run user code.

The modules:

* :mod:`._machine`: :class:`~._machine.ConversationState`, the one entry point: user
  actions, tool outputs, handoffs, guardrail trips, and each model event.
* :mod:`._server_events`: the server's half, :func:`~._server_events.handle_model_event`.
* :mod:`._core`: :class:`~._core.StateCore`, the data both halves work on.
* :mod:`._effects`: :class:`~._effects.Effects`, what one step asks the session to do.
* :mod:`._notes`: what a step tells the telemetry (a turn started or ended, ...).
* :mod:`._conversation_items`: item news in, ``history_added`` / ``history_updated`` out.
* :mod:`._item_order`: the server's order of items (by ``previous_item_id``).
* :mod:`._item_merge`: model items as history items, and merging a newer state into an older.
* :mod:`._sequencer`: one response at a time, its waits bounded.
* :mod:`._waits`: :class:`~._waits.Timer`, a wait a step asks the session to bound (time
  comes back in as ``now`` when it fires: the state never reads the clock).
* :mod:`._audio_ledger`: assistant audio received and heard; the interruption math.
* :mod:`._guardrail_watch`: when a text is due for the guardrails.
* :mod:`._session_updates`: the ``session.update`` commands and the server's answers.
* :mod:`._agent_tools`: an agent's function tools and handoffs as one namespace.

From outside the package these modules import only the model's vocabulary (events,
commands, items, session configuration), the public session vocabularies
(:mod:`rtvoice.session.events`, :mod:`rtvoice.session.history`) and plain data (agents with
their tools and handoffs, settings, audio formats, usage); never anyio, asyncio, the clock, or
the async session modules (``tests/session/test_state_purity.py`` checks it).
"""
