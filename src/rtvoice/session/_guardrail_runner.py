"""Running the guardrail checks the conversation state says are due.

:class:`GuardrailRunner` runs each :class:`~.state._guardrail_watch.OutputCheck` and
:class:`~.state._guardrail_watch.InputCheck` as background work, concurrently with the conversation
(audio keeps flowing while a guardrail thinks). The guardrails of a check (the run config's,
then the agent's) run in order, each through the guardrail chain, whose innermost handler is
:func:`~rtvoice.guardrails.run_guardrail`. If any tripped, the state decides what happens in
one step (:meth:`~.state._machine.ConversationState.trip_output` /
:meth:`~.state._machine.ConversationState.trip_input`). A guardrail that fails is an ``error`` event
(``type="guardrail_error"``) and counts as not tripped.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any, TypeVar

from ..config import RunSettings
from ..errors import UserError
from ..guardrails import GuardrailResult, InputGuardrail, OutputGuardrail, run_guardrail
from ..middleware import GuardrailCheck, build_chain
from ..model.events import ErrorInfo
from ._link import SessionLink
from ._tasks import BackgroundTasks
from .events import ErrorSessionEvent
from .state._effects import Effects
from .state._guardrail_watch import InputCheck, OutputCheck

__all__ = ["GuardrailRunner"]

logger = logging.getLogger("rtvoice.session")

_Guardrail = InputGuardrail[Any] | OutputGuardrail[Any]
_G = TypeVar("_G", InputGuardrail[Any], OutputGuardrail[Any])


class GuardrailRunner:
    """Runs the input and output guardrails of one session.

    Args:
        link: Applies state steps to the live session.
        settings: The run settings (the run's guardrails and the middleware).
        context: The application's run context, given to each guardrail.
        tasks: Where checks run.

    Raises:
        UserError: An entry of ``output_guardrails`` is not an :class:`OutputGuardrail`, or
            one of ``input_guardrails`` not an :class:`InputGuardrail`.
    """

    __slots__ = ("_chain", "_context", "_input", "_link", "_output", "_tasks")

    def __init__(
        self, *, link: SessionLink, settings: RunSettings, context: Any, tasks: BackgroundTasks
    ) -> None:
        self._link = link
        self._context = context
        self._tasks = tasks
        self._output = _checked(settings.output_guardrails, OutputGuardrail, "output_guardrails")
        self._input = _checked(settings.input_guardrails, InputGuardrail, "input_guardrails")
        self._chain = build_chain(settings.middleware, "on_guardrail", self._innermost)

    def launch(self, fx: Effects) -> None:
        """Start the checks ``fx`` says are due. Each reports its verdict to the state
        (``trip_output`` / ``trip_input`` / ``check_passed``), also one that has no
        guardrail to run, so that none holds ``agent_end`` for nothing."""
        state = self._link.state
        for output in fx.output_checks:
            guardrails = (*self._output, *getattr(output.agent, "output_guardrails", ()))
            if guardrails:
                work = functools.partial(self._check_output, output, guardrails)
                self._tasks.spawn(work, f"rtvoice output guardrails {output.item_id}")
            else:
                self._link.apply(state.check_passed(output))
        for entry in fx.input_checks:
            guardrails = (*self._input, *getattr(entry.agent, "input_guardrails", ()))
            if guardrails:
                work = functools.partial(self._check_input, entry, guardrails)
                self._tasks.spawn(work, "rtvoice input guardrails")
            else:
                self._link.apply(state.check_passed(entry))

    async def _check_output(self, check: OutputCheck, guardrails: Sequence[_Guardrail]) -> None:
        state = self._link.state
        tripped: list[GuardrailResult] = []
        for guardrail in guardrails:
            if state.output_tripped(check.item_id):
                break  # another check of this item tripped meanwhile: it was acted on
            result = await self._run(guardrail, check.text, check.agent, check.response_id)
            if result is not None and result.tripwire_triggered:
                tripped.append(result)
        # Every launched check reports its verdict: the turn's agent_end waits for it.
        if tripped:
            self._link.apply(state.trip_output(check, tuple(tripped), self._link.clock()))
        else:
            self._link.apply(state.check_passed(check))
        await self._link.flush()

    async def _check_input(self, check: InputCheck, guardrails: Sequence[_Guardrail]) -> None:
        tripped: list[GuardrailResult] = []
        for guardrail in guardrails:
            result = await self._run(guardrail, check.text, check.agent, None)
            if result is not None and result.tripwire_triggered:
                tripped.append(result)
        state = self._link.state
        if tripped:
            self._link.apply(state.trip_input(check, tuple(tripped), self._link.clock()))
        else:
            self._link.apply(state.check_passed(check))
        await self._link.flush()

    async def _run(
        self, guardrail: _Guardrail, text: str, agent: Any, response_id: str | None
    ) -> GuardrailResult | None:
        """One guardrail through the chain (its span a child of ``response_id``'s turn, if
        known); failures are reported and count as not tripped."""
        check = GuardrailCheck(guardrail=guardrail, text=text, context=self._context, agent=agent)
        span = self._link.telemetry.guardrail_started(
            name=guardrail.name, kind=guardrail.kind, text=text, response_id=response_id
        )
        try:
            with span.activate():
                result = await self._chain(check)
            if not isinstance(result, GuardrailResult):
                raise TypeError(f"the guardrail chain returned {result!r}, not a GuardrailResult")
        except Exception as exc:
            span.end(error=exc)
            logger.warning("the guardrail chain of %s raised", guardrail.name, exc_info=exc)
            self._report(guardrail, exc)
            return None
        except BaseException:
            span.end(cancelled=True)
            raise
        span.end(tripped=result.tripwire_triggered, error=result.error)
        if result.error is not None:
            self._report(guardrail, result.error)
        return result

    def _report(self, guardrail: _Guardrail, error: BaseException) -> None:
        message = f"guardrail {guardrail.name!r} failed: {type(error).__name__}: {error}"
        self._link.emit(ErrorSessionEvent(error=ErrorInfo(type="guardrail_error", message=message)))

    async def _innermost(self, check: GuardrailCheck) -> GuardrailResult:
        return await run_guardrail(check.guardrail, check.context, check.agent, check.text)


def _checked(guardrails: Sequence[object], kind: type[_G], key: str) -> tuple[_G, ...]:
    checked: list[_G] = []
    for index, guardrail in enumerate(guardrails):
        if not isinstance(guardrail, kind):
            maker = "output_guardrail" if kind is OutputGuardrail else "input_guardrail"
            raise UserError(
                f"{key}[{index}] must be an {kind.__name__} (made with @{maker}), got {guardrail!r}"
            )
        checked.append(guardrail)
    return tuple(checked)
