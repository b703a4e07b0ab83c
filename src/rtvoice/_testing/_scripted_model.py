"""A model connection that plays a script: the test double for sessions and agents."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal, TypeAlias, TypeVar, get_args, overload

import anyio
import anyio.lowlevel
from typing_extensions import Self

from ..errors import TransportClosedError, UserError
from ..model import ConnectRequest
from ..model.commands import AppendInputAudio, ModelCommand, SendRaw, UpdateSession
from ..model.events import ModelEvent
from ..model.session_config import SessionConfig
from ..transport._base import check_close_args, error_for_close
from ._mismatch import ScriptMismatchError
from ._server_events import ServerEvents

__all__ = ["ScriptedModel"]

_EVENT_TYPES: tuple[type, ...] = get_args(ModelEvent)
_COMMAND_TYPES: tuple[type, ...] = get_args(ModelCommand)
_C = TypeVar("_C", bound=ModelCommand)
_Reply: TypeAlias = "ModelEvent | Iterable[ModelEvent]"


@dataclass(frozen=True, slots=True)
class _Emit:
    events: tuple[ModelEvent, ...]
    origin: str

    def describe(self) -> str:
        kinds = ", ".join(type(event).__name__ for event in self.events[:4])
        more = f", ... ({len(self.events)} events)" if len(self.events) > 4 else ""
        return f"emit {kinds}{more}"


@dataclass(frozen=True, slots=True)
class _Expect:
    kind: Literal["type", "instance", "predicate"]
    matcher: Any
    where: Callable[[Any], bool] | None
    reply: Callable[[Any], _Reply] | None
    allow_extra: bool
    timeout: float | None
    origin: str

    def matches(self, command: ModelCommand) -> bool:
        if self.kind == "type":
            if not isinstance(command, self.matcher):
                return False
            return self.where is None or bool(self.where(command))
        if self.kind == "instance":
            return _same_command(self.matcher, command)
        return bool(self.matcher(command))

    def describe(self) -> str:
        if self.kind == "type":
            where = f" where {_name(self.where)}" if self.where is not None else ""
            return f"expect {self.matcher.__name__}{where}"
        if self.kind == "instance":
            return f"expect {_short(self.matcher)}"
        return f"expect a command satisfying {_name(self.matcher)}"


@dataclass(frozen=True, slots=True)
class _End:
    code: int
    reason: str
    origin: str

    def describe(self) -> str:
        return f"end the connection (code {self.code}, reason {self.reason!r})"


_Step = _Emit | _Expect | _End


class ScriptedModel:
    """A :class:`~rtvoice.model.RealtimeModel` that plays a script: no socket, no server.

    Use it to unit-test agents and session logic. The script is a list of steps that run in
    order as the session reads :meth:`events`:

    * :meth:`emit` hands events to the session, one at a time;
    * :meth:`expect` waits for the session to :meth:`send` a matching command, then
      optionally replies with events built from it;
    * :meth:`end` ends the connection, cleanly or with a close code.

    Steps may be added at any time, also while the session runs. With no step left the
    model stays open, like an idle server, until a step is added or :meth:`close` is called.
    :attr:`server` (a :class:`ServerEvents`) builds the events of common turns;
    :meth:`handshake` scripts the opening every session goes through::

        from rtvoice.model.commands import CreateItem, CreateResponse
        from rtvoice.testing import ScriptedModel

        model = ScriptedModel()
        server = model.server
        model.handshake()  # session.created, then expect session.update -> session.updated
        model.expect(CreateItem, reply=server.item_events_for)
        model.expect(CreateResponse, reply=lambda _: server.text_response("Hello!"))

        runner = RealtimeRunner(agent, model=model)  # the model is its own connector
        session = await runner.run()
        async with session:
            await session.send_message("Hi")
            async for event in session:
                if event.type == "agent_end":
                    break
        model.assert_done()

    **Matching policy.** Commands are matched in the order they were sent. At an
    :meth:`expect` step each new command is checked against the matcher: the first match
    completes the step. A command that does not match fails the script with
    :class:`ScriptMismatchError`, raised out of :meth:`events`, unless it is of an *ignored*
    type (``ignore``, by default :class:`~rtvoice.model.commands.AppendInputAudio`: audio
    streams in the background of most tests) or the step has ``allow_extra=True``; those are
    skipped. Ignored commands still satisfy an :meth:`expect` that matches them. A step that
    sees no match within its timeout fails the script too, listing what did come. While no
    step is left, any command that is not ignored fails the script. Every command, matched,
    skipped or not, is recorded in :attr:`sent`.

    **Contract.** :meth:`events` may be called once, by one task; events are handed out one
    at a time as the session asks for them (nothing is buffered; only :attr:`sent` grows).
    :meth:`send` may be called from any task; it raises
    :class:`~rtvoice.errors.TransportClosedError` after :meth:`close`, after an :meth:`end`
    step, or after the script failed. :meth:`close` is idempotent and cancellation-safe; a
    pending :meth:`events` then ends normally. Failure messages name each step by where
    the test added it (``file:line``).

    **As a connector.** Calling the model (``await model(request)``) records the
    :class:`~rtvoice.model.ConnectRequest` in :attr:`request` and returns the model itself,
    so it can be given wherever a :class:`~rtvoice.model.ModelConnector` is expected. It
    serves one session: a second call raises :class:`ScriptMismatchError`.

    Args:
        server: Builds the events of common turns; a fresh :class:`ServerEvents` by default.
        ignore: Command types that never fail the script by arriving unexpectedly.
        expect_timeout: Seconds an :meth:`expect` step waits for its command before failing
            the script (``None``: forever); a step may override it.
    """

    def __init__(
        self,
        *,
        server: ServerEvents | None = None,
        ignore: Iterable[type[ModelCommand]] = (AppendInputAudio,),
        expect_timeout: float | None = 5.0,
    ) -> None:
        self.server = server or ServerEvents()
        """Builds the events of common turns (shares the conversation the script follows)."""
        self.sent: list[ModelCommand] = []
        """Every command the session sent, in order."""
        self.request: ConnectRequest | None = None
        """The request the model was connected with, when used as a connector."""
        self._ignore: tuple[type, ...] = tuple(ignore)
        self._expect_timeout = expect_timeout
        self._steps: list[_Step] = []
        self._position = 0  # steps completed
        self._cursor = 0  # commands in ``sent`` already matched or skipped
        self._iterated = False
        self._closed = False
        self._close_code: int | None = None
        self._close_reason = ""
        self._failure: ScriptMismatchError | None = None
        self._wakeup: anyio.Event | None = None

    def __repr__(self) -> str:
        state = "failed" if self._failure else "closed" if self._closed else "open"
        return (
            f"<ScriptedModel {state} step {self._position}/{len(self._steps)}, "
            f"{len(self.sent)} commands received>"
        )

    # -- building the script --------------------------------------------------------------

    def emit(self, *events: ModelEvent | Iterable[ModelEvent]) -> Self:
        """Add a step that hands ``events`` to the session, in order.

        Args:
            events: Events, or iterables of events (such as a :class:`ServerEvents` helper's
                list), flattened one level.

        Returns:
            The model, so steps can be chained.

        Raises:
            TypeError: Something that is not a model event.
        """
        flat: list[ModelEvent] = []
        for entry in events:
            flat.extend(_as_events(entry, "emit()"))
        self._add(_Emit(tuple(flat), _caller()))
        return self

    @overload
    def expect(
        self,
        matcher: type[_C],
        *,
        where: Callable[[_C], bool] | None = None,
        reply: Callable[[_C], _Reply] | None = None,
        allow_extra: bool = False,
        timeout: float | None = None,
    ) -> Self: ...

    @overload
    def expect(
        self,
        matcher: ModelCommand | Callable[[ModelCommand], bool],
        *,
        reply: Callable[[ModelCommand], _Reply] | None = None,
        allow_extra: bool = False,
        timeout: float | None = None,
    ) -> Self: ...

    def expect(
        self,
        matcher: Any,
        *,
        where: Callable[[Any], bool] | None = None,
        reply: Callable[[Any], _Reply] | None = None,
        allow_extra: bool = False,
        timeout: float | None = None,
    ) -> Self:
        """Add a step that waits for the session to send a matching command.

        Args:
            matcher: A command class (``CreateResponse``: any instance matches); a command
                (equal field by field, except that ``event_id`` is only compared when the
                expected command sets one); or a predicate over any command. A predicate
                that raises fails the script, with its exception as the cause.
            where: With a class, a predicate the command must also satisfy (called only
                with instances of the class).
            reply: Called with the matched command; its event (or events) are handed out
                next, before the following step. Use it when the reply depends on the
                command (``server.session_updated_for``); for fixed events, chain
                :meth:`emit`.
            allow_extra: Skip non-matching commands of any type instead of failing.
            timeout: Seconds to wait; ``None`` uses the model's ``expect_timeout``.

        Returns:
            The model, so steps can be chained.

        Raises:
            TypeError: ``matcher`` is none of the three forms, or ``where`` is given without
                a class.
        """
        kind: Literal["type", "instance", "predicate"]
        if isinstance(matcher, type):
            if not issubclass(matcher, _COMMAND_TYPES):
                raise TypeError(f"expect(): {matcher.__name__} is not a model command class")
            kind = "type"
        elif isinstance(matcher, _COMMAND_TYPES):
            kind = "instance"
        elif callable(matcher):
            kind = "predicate"
        else:
            raise TypeError(
                f"expect() takes a command class, a command or a predicate, not {matcher!r}"
            )
        if where is not None and kind != "type":
            raise TypeError("expect(): where= needs a command class as the matcher")
        self._add(_Expect(kind, matcher, where, reply, allow_extra, timeout, _caller()))
        return self

    def end(self, code: int = 1000, reason: str = "") -> Self:
        """Add a step that ends the connection as a server closing with ``code`` would.

        A clean code (1000, 1001, 1005) ends :meth:`events` normally; any other raises the
        :class:`~rtvoice.errors.TransportError` subclass a real transport raises
        (:func:`~rtvoice.transport._base.error_for_close`: 3000 gives
        :class:`~rtvoice.errors.AuthenticationError`, 4000
        :class:`~rtvoice.errors.InvalidRequestError`, 1006
        :class:`~rtvoice.errors.ConnectionLostError`, ...). Later sends raise
        :class:`~rtvoice.errors.TransportClosedError`.

        Returns:
            The model, so steps can be chained.

        Raises:
            UserError: ``code`` is not in 1000-4999, or ``reason`` is over 123 bytes.
        """
        check_close_args(code, reason, wire=False)
        self._add(_End(code, reason, _caller()))
        return self

    def handshake(self, session: SessionConfig | None = None) -> Self:
        """Script the opening of a session: emit ``SessionCreated``, expect an
        ``UpdateSession`` and reply with the ``SessionUpdated`` it leads to.

        Args:
            session: Fields of the created session that differ from a fresh one.

        Returns:
            The model, so steps can be chained.
        """
        self.emit(self.server.session_created(session))
        return self.expect(UpdateSession, reply=self.server.session_updated_for)

    def _add(self, step: _Step) -> None:
        self._steps.append(step)
        self._wake()  # a model waiting with no step left goes on

    # -- the RealtimeModel contract ---------------------------------------------------------

    async def __call__(self, request: ConnectRequest) -> Self:
        """Connect: record ``request`` and return this model (see the class docstring).

        Raises:
            ScriptMismatchError: The model was already connected once.
        """
        await anyio.lowlevel.checkpoint()
        if self.request is not None:
            raise ScriptMismatchError(
                "the ScriptedModel was connected twice; it serves one session "
                f"(first request: {self.request!r}, second: {request!r})"
            )
        self.request = request
        return self

    def events(self) -> AsyncIterator[ModelEvent]:
        """Play the script: the events it emits, one at a time, in order.

        Returns:
            An iterator that ends after a clean :meth:`end` step or after :meth:`close`, and
            raises after an :meth:`end` step with another code.

        Raises:
            UserError: Called a second time.
            ScriptMismatchError: While iterating: a command that breaks the script, an
                :meth:`expect` that timed out, or a ``reply`` or predicate that raised.
        """
        if self._iterated:
            raise UserError("ScriptedModel.events() may be called only once")
        self._iterated = True
        return self._play()

    async def send(self, command: ModelCommand) -> None:
        """Record ``command`` (and wake a waiting :meth:`expect` step).

        Raises:
            TransportClosedError: The model was closed, ended by the script, or failed.
        """
        await anyio.lowlevel.checkpoint()
        if self._closed:
            error = TransportClosedError(
                f"cannot send {command.type}: the scripted model is "
                + ("failed (the script did not match)" if self._failure else "closed"),
                code=self._close_code,
                reason=self._close_reason,
            )
            raise error from self._failure
        self.sent.append(command)
        self._wake()

    async def close(self) -> None:
        """Close the model: :meth:`events` ends and sends fail. Idempotent; safe to call
        from a cancelled scope."""
        if not self._closed:
            self._closed = True
            self._close_code = 1000
            self._wake()
        await anyio.lowlevel.cancel_shielded_checkpoint()

    # -- inspection ----------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether the model was closed, ended by the script, or failed."""
        return self._closed

    def sent_of(self, command_type: type[_C]) -> list[_C]:
        """The commands of one type the session sent, in order."""
        return [command for command in self.sent if isinstance(command, command_type)]

    def assert_done(self) -> None:
        """Check that the whole script ran and nothing unexpected was sent.

        Raises:
            ScriptMismatchError: The script failed earlier (chained to that failure), steps
                remain, or commands arrived that no step consumed and that are not ignored.
        """
        if self._failure is not None:
            raise ScriptMismatchError(f"the script failed: {self._failure}") from self._failure
        problems = [
            f"  step {index + 1} ({step.describe()}, scripted at {step.origin}) did not run"
            for index, step in enumerate(self._steps[self._position :], start=self._position)
        ]
        problems += [
            f"  unexpected command: {_short(command)}" for command in self._unexpected_left()
        ]
        if problems:
            raise ScriptMismatchError(
                "the script is not done:\n" + "\n".join(problems) + "\n" + self._history()
            )

    # -- playing ------------------------------------------------------------------------------

    async def _play(self) -> AsyncIterator[ModelEvent]:
        try:
            while not self._closed:
                if self._position == len(self._steps):
                    await self._idle()
                    continue
                step = self._steps[self._position]
                events: Sequence[ModelEvent]
                if isinstance(step, _End):
                    self._position += 1
                    self._closed = True
                    self._close_code, self._close_reason = step.code, step.reason
                    error = error_for_close(step.code, step.reason)
                    if error is not None:
                        raise error
                    return
                if isinstance(step, _Emit):
                    events = step.events
                else:
                    command = await self._match(step)
                    if command is None:
                        return
                    events = () if step.reply is None else self._reply(step, command)
                if not events:
                    self._position += 1
                for index, event in enumerate(events, start=1):
                    if self._closed:
                        return
                    if index == len(events):
                        # A step is done once its last event is handed out: a reader may
                        # stop right there (close on ResponseDone) and the step still ran.
                        self._position += 1
                    yield event
        except ScriptMismatchError as exc:
            self._failure = exc
            self._closed = True
            raise

    async def _match(self, step: _Expect) -> ModelCommand | None:
        """The command that completes ``step``, or ``None`` if the model closed first."""
        start = self._cursor
        timeout = step.timeout if step.timeout is not None else self._expect_timeout
        with anyio.move_on_after(math.inf if timeout is None else timeout):
            while True:
                while self._cursor < len(self.sent):
                    command = self.sent[self._cursor]
                    self._cursor += 1
                    try:
                        matched = step.matches(command)
                    except Exception as exc:
                        raise self._mismatch(
                            step, f"its predicate raised {exc!r} on {_short(command)}"
                        ) from exc
                    if matched:
                        return command
                    if not (step.allow_extra or isinstance(command, self._ignore)):
                        raise self._mismatch(step, f"the session sent {_short(command)} instead")
                if self._closed:
                    return None
                await self._wait()
        received = [_short(c) for c in self.sent[start:] if not isinstance(c, self._ignore)]
        ignored = sum(isinstance(c, self._ignore) for c in self.sent[start:])
        came = f"only {', '.join(received)}" if received else "nothing"
        raise self._mismatch(
            step, f"no matching command came within {timeout} s ({came}, {ignored} ignored)"
        )

    def _reply(self, step: _Expect, command: ModelCommand) -> list[ModelEvent]:
        assert step.reply is not None
        try:
            return _as_events(step.reply(command), "reply")
        except ScriptMismatchError:
            raise
        except Exception as exc:
            raise self._mismatch(step, f"its reply raised {exc!r}") from exc

    async def _idle(self) -> None:
        """No step left: fail on a command that is not ignored, else wait for a new step, a
        command or the close."""
        unexpected = self._unexpected_left()
        if unexpected:
            raise ScriptMismatchError(
                f"no step was left (all {len(self._steps)} had run), but the session sent "
                f"{_short(unexpected[0])}\n{self._history()}"
            )
        self._cursor = len(self.sent)
        await self._wait()

    def _unexpected_left(self) -> list[ModelCommand]:
        return [c for c in self.sent[self._cursor :] if not isinstance(c, self._ignore)]

    async def _wait(self) -> None:
        self._wakeup = anyio.Event()
        await self._wakeup.wait()

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    def _mismatch(self, step: _Step, what: str) -> ScriptMismatchError:
        return ScriptMismatchError(
            f"step {self._position + 1} of {len(self._steps)} ({step.describe()}, scripted at "
            f"{step.origin}) failed: {what}\n{self._history()}"
        )

    def _history(self, limit: int = 20) -> str:
        shown = [_short(c) for c in self.sent if not isinstance(c, self._ignore)]
        notes = []
        if len(self.sent) > len(shown):
            notes.append(f"{len(self.sent) - len(shown)} ignored ones not shown")
        if len(shown) > limit:
            notes.append(f"{len(shown) - limit} earlier ones not shown")
            shown = shown[-limit:]
        note = f" ({', '.join(notes)})" if notes else ""
        lines = "".join(f"\n  {line}" for line in shown) or " none"
        return f"commands received so far{note}:{lines}"


def _as_events(value: object, where: str) -> list[ModelEvent]:
    if isinstance(value, _EVENT_TYPES):
        return [value]  # type: ignore[list-item]
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        events = list(value)
        for event in events:
            if not isinstance(event, _EVENT_TYPES):
                raise TypeError(f"{where}: {event!r} is not a model event")
        return events
    raise TypeError(f"{where}: expected a model event or an iterable of them, got {value!r}")


def _same_command(expected: ModelCommand, actual: ModelCommand) -> bool:
    if type(expected) is not type(actual):
        return False
    skip_event_id = not isinstance(expected, SendRaw) and expected.event_id is None
    return all(
        getattr(expected, f.name) == getattr(actual, f.name)
        for f in fields(expected)
        if not (skip_event_id and f.name == "event_id")
    )


def _short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _name(function: object) -> str:
    return getattr(function, "__qualname__", None) or repr(function)


def _caller() -> str:
    """``file:line`` of the first frame outside this module: where the test scripted a step."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"
