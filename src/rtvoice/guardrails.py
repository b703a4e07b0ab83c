"""Text guardrails: checks on what the user said (input) and what the agent says (output).

A guardrail is a function of ``(context, agent, text)``, sync or async, returning a
:class:`GuardrailFunctionOutput`::

    @output_guardrail
    def no_prices(context: object, agent: RealtimeAgent, text: str) -> GuardrailFunctionOutput:
        return GuardrailFunctionOutput(tripwire_triggered="$" in text, info="price mentioned")

``context`` is the application's run context, ``agent`` the agent speaking (output) or
listening (input), ``text`` the transcript checked: for output guardrails the text of one
assistant item so far (run each time ``guardrails_settings.debounce_text_length`` more
characters arrived, and once on the item's final text, so short replies are checked too; never
twice on the same text), for input guardrails the user's text message or final
transcription. Output guardrails are the run config's ``output_guardrails`` followed by the
speaking agent's own; input guardrails likewise. Sync functions run in a worker thread, async
ones in the caller's task; either way the conversation goes on while they run.

The session runs a check with :func:`run_guardrail` (through the middleware chain), which
never raises for the guardrail's sake.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeAlias, overload

from typing_extensions import TypeVar

from .errors import RealtimeError, UserError

__all__ = [
    "GuardrailError",
    "GuardrailFunction",
    "GuardrailFunctionOutput",
    "GuardrailKind",
    "GuardrailResult",
    "InputGuardrail",
    "OutputGuardrail",
    "input_guardrail",
    "output_guardrail",
    "run_guardrail",
]

logger = logging.getLogger("rtvoice.guardrails")

TContext = TypeVar("TContext", default=Any)

GuardrailKind: TypeAlias = Literal["input", "output"]
"""``input`` checks the user's transcription, ``output`` the agent's transcript."""


@dataclass(frozen=True, slots=True, init=False)
class GuardrailFunctionOutput:
    """What a guardrail function returns.

    ``GuardrailFunctionOutput(True, "reason")``, ``GuardrailFunctionOutput(
    tripwire_triggered=True, info=...)``, or with openai-agents' keyword,
    ``GuardrailFunctionOutput(output_info=..., tripwire_triggered=True)``: one value, two
    names (``output_info`` reads it back too).

    Attributes:
        tripwire_triggered: ``True`` if the text broke the rule. For an output guardrail
            the session then interrupts the response and emits ``guardrail_tripped``.
        info: Anything the application wants to see in the ``guardrail_tripped`` event
            (a reason, a score, ...).

    Raises:
        UserError: Both ``info`` and ``output_info`` are given.
    """

    tripwire_triggered: bool
    info: Any

    def __init__(
        self, tripwire_triggered: bool, info: Any = None, *, output_info: Any = None
    ) -> None:
        if output_info is not None:
            if info is not None:
                raise UserError("GuardrailFunctionOutput: pass info or output_info, not both")
            info = output_info
        object.__setattr__(self, "tripwire_triggered", tripwire_triggered)
        object.__setattr__(self, "info", info)

    @property
    def output_info(self) -> Any:
        """``info`` under openai-agents' name."""
        return self.info


GuardrailFunction: TypeAlias = Callable[
    [TContext, Any, str], GuardrailFunctionOutput | Awaitable[GuardrailFunctionOutput]
]
"""``(context, agent, text) -> GuardrailFunctionOutput``, sync or async.

``agent`` is typed ``Any`` so that a function may annotate it with the concrete agent class.
"""


class GuardrailError(RealtimeError):
    """A guardrail function did not return a :class:`GuardrailFunctionOutput`.

    Carried in :attr:`GuardrailResult.error`; never raised to the session.
    """


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class _Guardrail(Generic[TContext]):
    guardrail_function: GuardrailFunction[TContext]
    name: str = ""

    kind: ClassVar[GuardrailKind]

    def __post_init__(self) -> None:
        if not callable(self.guardrail_function):
            raise UserError(f"guardrail function must be callable, got {self.guardrail_function!r}")
        if not self.name:
            name = getattr(self.guardrail_function, "__name__", None)
            if not name:
                raise UserError(
                    f"guardrail {self.guardrail_function!r} has no __name__; pass name="
                )
            object.__setattr__(self, "name", name)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class OutputGuardrail(_Guardrail[TContext]):
    """A check on the agent's transcript (run config key ``output_guardrails``).

    Attributes:
        guardrail_function: The check; see :data:`GuardrailFunction`.
        name: Shown in events and traces; defaults to the function's ``__name__``.
    """

    kind: ClassVar[GuardrailKind] = "output"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class InputGuardrail(_Guardrail[TContext]):
    """A check on the user's transcription (run config key ``input_guardrails``).

    Attributes:
        guardrail_function: The check; see :data:`GuardrailFunction`.
        name: Shown in events and traces; defaults to the function's ``__name__``.
    """

    kind: ClassVar[GuardrailKind] = "input"


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardrailResult:
    """The outcome of one guardrail run.

    A guardrail that raised (or returned something other than a
    :class:`GuardrailFunctionOutput`) is reported as *not tripped* with ``error`` set: a
    broken check must not cut the agent off mid-sentence. The session reports the error as
    an ``error`` event; a middleware that prefers to fail closed can turn such a result into
    a tripped one.

    Attributes:
        guardrail: The guardrail that ran.
        output: What it returned (``GuardrailFunctionOutput(False)`` when it failed).
        text: The text checked.
        error: Why it failed, or ``None``.
    """

    guardrail: InputGuardrail[Any] | OutputGuardrail[Any]
    output: GuardrailFunctionOutput
    text: str
    error: BaseException | None = field(default=None)

    @property
    def kind(self) -> GuardrailKind:
        """``input`` or ``output``, from the guardrail."""
        return self.guardrail.kind

    @property
    def tripwire_triggered(self) -> bool:
        """Whether the guardrail tripped (never when it failed)."""
        return self.output.tripwire_triggered


async def run_guardrail(
    guardrail: InputGuardrail[TContext] | OutputGuardrail[TContext],
    context: TContext,
    agent: object,
    text: str,
) -> GuardrailResult:
    """Run one guardrail on ``text``.

    Never raises for the guardrail's sake (see :class:`GuardrailResult`); cancellation of
    the caller's scope propagates. A sync function runs in a worker thread that is
    abandoned if the caller is cancelled.

    Args:
        guardrail: The guardrail.
        context: The application's run context.
        agent: The agent whose turn is checked.
        text: The text to check.

    Returns:
        The result.
    """
    function = guardrail.guardrail_function
    try:
        if inspect.iscoroutinefunction(function):
            output: object = await function(context, agent, text)
        else:
            import anyio.to_thread  # loaded with the first sync guardrail that runs

            output = await anyio.to_thread.run_sync(
                function, context, agent, text, abandon_on_cancel=True
            )
        if inspect.isawaitable(output):
            output = await output
        if not isinstance(output, GuardrailFunctionOutput):
            raise GuardrailError(
                f"guardrail {guardrail.name!r} returned {type(output).__name__}, "
                "not a GuardrailFunctionOutput"
            )
    except Exception as exc:
        logger.debug("guardrail %s failed", guardrail.name, exc_info=exc)
        return GuardrailResult(
            guardrail=guardrail, output=GuardrailFunctionOutput(False), text=text, error=exc
        )
    return GuardrailResult(guardrail=guardrail, output=output, text=text)


@overload
def output_guardrail(func: GuardrailFunction[TContext], /) -> OutputGuardrail[TContext]: ...


@overload
def output_guardrail(
    *, name: str | None = None
) -> Callable[[GuardrailFunction[TContext]], OutputGuardrail[TContext]]: ...


def output_guardrail(
    func: GuardrailFunction[TContext] | None = None, /, *, name: str | None = None
) -> OutputGuardrail[TContext] | Callable[[GuardrailFunction[TContext]], OutputGuardrail[TContext]]:
    """Make an :class:`OutputGuardrail`: ``@output_guardrail`` or ``@output_guardrail(name=...)``.

    Args:
        func: A function ``(context, agent, text) -> GuardrailFunctionOutput``, sync or async.
        name: The guardrail's name; defaults to the function's ``__name__``.

    Returns:
        The guardrail, or (with ``name`` only) a decorator that makes it.

    Raises:
        UserError: ``func`` is not callable.
    """
    if func is not None:
        return OutputGuardrail(guardrail_function=func, name=name or "")

    def decorate(func: GuardrailFunction[TContext]) -> OutputGuardrail[TContext]:
        return OutputGuardrail(guardrail_function=func, name=name or "")

    return decorate


@overload
def input_guardrail(func: GuardrailFunction[TContext], /) -> InputGuardrail[TContext]: ...


@overload
def input_guardrail(
    *, name: str | None = None
) -> Callable[[GuardrailFunction[TContext]], InputGuardrail[TContext]]: ...


def input_guardrail(
    func: GuardrailFunction[TContext] | None = None, /, *, name: str | None = None
) -> InputGuardrail[TContext] | Callable[[GuardrailFunction[TContext]], InputGuardrail[TContext]]:
    """Make an :class:`InputGuardrail`: ``@input_guardrail`` or ``@input_guardrail(name=...)``.

    Args:
        func: A function ``(context, agent, text) -> GuardrailFunctionOutput``, sync or async.
        name: The guardrail's name; defaults to the function's ``__name__``.

    Returns:
        The guardrail, or (with ``name`` only) a decorator that makes it.

    Raises:
        UserError: ``func`` is not callable.
    """
    if func is not None:
        return InputGuardrail(guardrail_function=func, name=name or "")

    def decorate(func: GuardrailFunction[TContext]) -> InputGuardrail[TContext]:
        return InputGuardrail(guardrail_function=func, name=name or "")

    return decorate
