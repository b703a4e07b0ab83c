"""Middleware: code around every tool call, approval, handoff and guardrail check.

A middleware is an object with any of four async hooks, each given the request and
``call_next``, the rest of the chain::

    class Timing(Middleware):
        async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
            started = time.perf_counter()
            try:
                return await call_next(call)
            finally:
                print(call.tool.name, time.perf_counter() - started)

A hook may observe, change the request (``dataclasses.replace(call, arguments=...)``),
short-circuit (return without calling ``call_next``) or retry (call it again). A hook a
middleware does not define passes the request on, at no cost: :func:`build_chain` leaves
that middleware out of that hook's chain.

The session builds each chain once, with :func:`build_chain`, from the run config's
``middleware`` list (outermost first); its own behaviour is the innermost handler.
``call_next`` is awaited in the caller's task, never a new one, so context variables (and
the OpenTelemetry context) set by a middleware are seen by everything inside it. An
exception a middleware raises propagates to the session.

Two middleware ship as examples: :class:`ApprovalPolicy` and :class:`AuditLog`.
"""

from __future__ import annotations

import difflib
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeAlias, overload

from typing_extensions import TypeVar

from .errors import UserError
from .guardrails import GuardrailKind, GuardrailResult, InputGuardrail, OutputGuardrail
from .tools import FunctionTool, ToolContext, ToolResult

__all__ = [
    "ApprovalDecision",
    "ApprovalHandler",
    "ApprovalPolicy",
    "ApprovalRequest",
    "AuditLog",
    "AuditSink",
    "GuardrailCheck",
    "GuardrailHandler",
    "HandoffHandler",
    "HandoffRequest",
    "HookName",
    "Middleware",
    "ToolCall",
    "ToolCallHandler",
    "build_chain",
    "check_middleware",
]

logger = logging.getLogger("rtvoice.middleware")

TAgent = TypeVar("TAgent", default=Any)

HookName: TypeAlias = Literal["on_tool_call", "on_approval", "on_handoff", "on_guardrail"]
_HOOKS: tuple[HookName, ...] = ("on_tool_call", "on_approval", "on_handoff", "on_guardrail")


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCall:
    """A tool call about to run (approved, if it needed approval).

    Attributes:
        tool: The tool called.
        context: The call's context (run context, agent, call id, session).
        arguments: The model's arguments, a JSON object as text.
    """

    tool: FunctionTool
    context: ToolContext[Any]
    arguments: str

    @property
    def call_id(self) -> str:
        """The function call's id on the wire."""
        return self.context.call_id


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRequest:
    """A call to a tool with ``needs_approval``, waiting for a decision.

    Attributes:
        tool: The tool called.
        context: The call's context.
        arguments: The model's arguments, decoded (not validated).
        arguments_json: The same arguments as sent by the model.
    """

    tool: FunctionTool
    context: ToolContext[Any]
    arguments: Mapping[str, Any]
    arguments_json: str

    @property
    def call_id(self) -> str:
        """The function call's id on the wire."""
        return self.context.call_id


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalDecision:
    """The answer to an :class:`ApprovalRequest`.

    Attributes:
        approved: Whether the call may run.
        always: Apply this answer to every later call of the same tool in the session.
        message: For a rejection, the reason passed on to the model.
    """

    approved: bool
    always: bool = False
    message: str | None = None

    @classmethod
    def approve(cls, *, always: bool = False) -> ApprovalDecision:
        """Approve the call (and, with ``always``, later calls of the tool)."""
        return cls(approved=True, always=always)

    @classmethod
    def reject(cls, message: str | None = None, *, always: bool = False) -> ApprovalDecision:
        """Reject the call, telling the model ``message``."""
        return cls(approved=False, always=always, message=message)


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffRequest(Generic[TAgent]):
    """The model asked to hand the conversation to another agent.

    The chain returns the agent to switch to: ``to_agent``, or another one.

    Attributes:
        from_agent: The current agent.
        to_agent: The agent the handoff names.
        arguments: The handoff call's arguments, a JSON object as text.
        call_id: The handoff function call's id on the wire.
        context: The application's run context.
    """

    from_agent: TAgent
    to_agent: TAgent
    arguments: str
    call_id: str
    context: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardrailCheck:
    """A guardrail about to check some text.

    Attributes:
        guardrail: The guardrail.
        text: The text to check.
        context: The application's run context.
        agent: The agent whose turn is checked.
    """

    guardrail: InputGuardrail[Any] | OutputGuardrail[Any]
    text: str
    context: Any
    agent: Any

    @property
    def kind(self) -> GuardrailKind:
        """``input`` or ``output``, from the guardrail."""
        return self.guardrail.kind


ToolCallHandler: TypeAlias = Callable[[ToolCall], Awaitable[ToolResult]]
"""The rest of a tool-call chain; the session's innermost one is ``run_tool``."""
ApprovalHandler: TypeAlias = Callable[[ApprovalRequest], Awaitable[ApprovalDecision]]
"""The rest of an approval chain; the session's innermost one asks the application."""
HandoffHandler: TypeAlias = Callable[[HandoffRequest[Any]], Awaitable[Any]]
"""The rest of a handoff chain, returning the agent to switch to."""
GuardrailHandler: TypeAlias = Callable[[GuardrailCheck], Awaitable[GuardrailResult]]
"""The rest of a guardrail chain; the session's innermost one is ``run_guardrail``."""


class Middleware:
    """Base class for middleware: override any of the four hooks.

    Each default passes the request on unchanged; :func:`build_chain` skips hooks that are
    not overridden. Subclassing is optional: any object with one or more of these methods
    (``async def``) is accepted.
    """

    async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
        """Around a tool call. Returns the result to send to the model."""
        return await call_next(call)

    async def on_approval(
        self, request: ApprovalRequest, call_next: ApprovalHandler
    ) -> ApprovalDecision:
        """Around an approval. Returns the decision."""
        return await call_next(request)

    async def on_handoff(self, request: HandoffRequest[Any], call_next: HandoffHandler) -> Any:
        """Around a handoff. Returns the agent to switch to."""
        return await call_next(request)

    async def on_guardrail(
        self, check: GuardrailCheck, call_next: GuardrailHandler
    ) -> GuardrailResult:
        """Around a guardrail check. Returns its result."""
        return await call_next(check)


@overload
def build_chain(
    middlewares: Iterable[object], hook: Literal["on_tool_call"], innermost: ToolCallHandler
) -> ToolCallHandler: ...
@overload
def build_chain(
    middlewares: Iterable[object], hook: Literal["on_approval"], innermost: ApprovalHandler
) -> ApprovalHandler: ...
@overload
def build_chain(
    middlewares: Iterable[object], hook: Literal["on_handoff"], innermost: HandoffHandler
) -> HandoffHandler: ...
@overload
def build_chain(
    middlewares: Iterable[object], hook: Literal["on_guardrail"], innermost: GuardrailHandler
) -> GuardrailHandler: ...


def build_chain(
    middlewares: Iterable[object],
    hook: HookName,
    innermost: Callable[[Any], Awaitable[Any]],
) -> Callable[[Any], Awaitable[Any]]:
    """Compose one hook of ``middlewares`` around ``innermost``, once.

    ``build_chain([a, b], "on_tool_call", run)`` returns a handler that calls
    ``a.on_tool_call(call, next_b)``, where ``next_b`` calls ``b.on_tool_call(call, run)``.
    Middleware that do not define (or override) the hook are left out. With none left,
    ``innermost`` itself is returned.

    Args:
        middlewares: Middleware objects, outermost first.
        hook: Which hook to chain.
        innermost: The session's own behaviour.

    Returns:
        ``handler``; ``await handler(request)`` runs the chain in the caller's task.

    Raises:
        UserError: An item is not a middleware: a class instead of an instance, an object
            with no hook, a hook that is not ``async def``, or a misspelled hook name
            (``on_tool_calls``).
    """
    handler = innermost
    for middleware in reversed(list(middlewares)):
        check_middleware(middleware)
        method = _overridden_hook(middleware, hook)
        if method is not None:
            handler = _link(method, handler)
    return handler


def check_middleware(middleware: object) -> None:
    """Check that ``middleware`` can be used as one (:func:`build_chain` calls it).

    Args:
        middleware: The object to check.

    Raises:
        UserError: It is a class instead of an instance, defines none of the hooks, has a
            hook that is not ``async def``, or a misspelled hook name (``on_tool_calls``).
    """
    if isinstance(middleware, type):
        raise UserError(
            f"middleware must be an instance, got the class {middleware.__name__} "
            f"(did you mean {middleware.__name__}()?)"
        )
    for attribute in dir(middleware):
        if attribute.startswith("on_") and attribute not in _HOOKS:
            close = difflib.get_close_matches(attribute, _HOOKS, n=1, cutoff=0.8)
            if close:
                raise UserError(
                    f"middleware {type(middleware).__name__} defines {attribute!r}; "
                    f"did you mean {close[0]!r}?"
                )
    hooks = [getattr(middleware, name) for name in _HOOKS if hasattr(middleware, name)]
    if not hooks:
        raise UserError(
            f"{middleware!r} is not a middleware: it defines none of {', '.join(_HOOKS)}"
        )
    for method in hooks:
        if not inspect.iscoroutinefunction(method):
            raise UserError(
                f"middleware {type(middleware).__name__}.{method.__name__} must be 'async def'"
            )


def _overridden_hook(middleware: object, hook: HookName) -> Callable[..., Awaitable[Any]] | None:
    """The middleware's own ``hook``, or ``None`` if it has none or inherits the default."""
    if inspect.getattr_static(middleware, hook, None) in (None, getattr(Middleware, hook)):
        return None
    method: Callable[..., Awaitable[Any]] = getattr(middleware, hook)
    return method


def _link(
    method: Callable[..., Awaitable[Any]], call_next: Callable[[Any], Awaitable[Any]]
) -> Callable[[Any], Awaitable[Any]]:
    async def handler(request: Any) -> Any:
        return await method(request, call_next)

    return handler


class ApprovalPolicy(Middleware):
    """Answers approvals by rule, without asking: a tool named in ``auto_approve`` is
    approved, and so is a call whose tool has a rule in ``rules`` that returns ``True``
    for the call's arguments. Every other request goes on down the chain (by default, to
    the application through ``tool_approval_required``).

    Example::

        ApprovalPolicy(
            auto_approve=["get_weather"],
            rules={"refund": lambda args: args.get("amount", 0) <= 20},
        )

    A rule gets a fresh ``dict`` of the decoded (unvalidated) arguments, runs in the
    session's task (keep it quick), and fails closed: a rule that raises passes the request
    on, with a warning logged. Approvals given here are for this call only (``always`` is
    ``False``).

    Args:
        auto_approve: Tool names approved unconditionally.
        rules: Tool name -> predicate over the arguments.

    Raises:
        UserError: ``auto_approve`` is a single string, or a rule is not callable.
    """

    def __init__(
        self,
        auto_approve: Iterable[str] = (),
        rules: Mapping[str, Callable[[dict[str, Any]], bool]] | None = None,
    ) -> None:
        if isinstance(auto_approve, str):
            raise UserError(f"auto_approve must be a list of tool names, got {auto_approve!r}")
        self._auto_approve = frozenset(auto_approve)
        self._rules = dict(rules or {})
        for name, rule in self._rules.items():
            if not callable(rule):
                raise UserError(f"approval rule for {name!r} must be callable, got {rule!r}")

    async def on_approval(
        self, request: ApprovalRequest, call_next: ApprovalHandler
    ) -> ApprovalDecision:
        """Approve by name or rule; pass anything else on."""
        name = request.tool.name
        if name in self._auto_approve:
            return ApprovalDecision.approve()
        rule = self._rules.get(name)
        if rule is not None:
            try:
                allowed = rule(dict(request.arguments))
            except Exception:
                logger.warning("approval rule for %s raised; asking instead", name, exc_info=True)
                allowed = False
            if allowed is True:
                return ApprovalDecision.approve()
        return await call_next(request)


AuditSink: TypeAlias = Callable[[dict[str, Any]], None]
"""Receives one audit record (a JSON-serialisable dict) per event."""


class AuditLog(Middleware):
    """Records every tool call, approval, handoff and guardrail check, as it completes.

    Each record is a flat, JSON-serialisable dict. Every record has ``event``,
    ``duration_s`` (time spent in the rest of the chain), ``outcome`` (``ok``; ``error``
    for a tool or guardrail that failed; ``raised`` if the rest of the chain raised or was
    cancelled) and ``error`` (the exception's class name, or ``None``), plus per event:

    * ``tool_call``: ``tool``, ``call_id``, ``arguments_bytes`` (the size only: arguments
      may hold personal data).
    * ``approval``: ``tool``, ``call_id``, ``approved``, ``always``.
    * ``handoff``: ``call_id``, ``from_agent``, ``to_agent`` (the agent switched to).
    * ``guardrail``: ``guardrail``, ``kind``, ``text_chars``, ``tripped``.

    Fields known only at the end (``approved``, ``to_agent``, ``tripped``...) are missing
    from a ``raised`` record. Records are written in the session's task; a sink that raises
    is logged and ignored, never breaking the call.

    Args:
        sink: A callable taking each record, or a :class:`logging.Logger`, which gets
            ``"audit <record as JSON>"`` with the dict as ``extra={"rtvoice_audit": ...}``.
        level: The log level when ``sink`` is a logger.
        clock: Monotonic seconds, for durations (inject one in tests).
    """

    def __init__(
        self,
        sink: AuditSink | logging.Logger,
        *,
        level: int = logging.INFO,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if not isinstance(sink, logging.Logger) and not callable(sink):
            raise UserError(f"AuditLog sink must be a callable or a logging.Logger, got {sink!r}")
        self._sink = sink
        self._level = level
        self._clock = clock

    async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
        """Record the call's outcome and duration."""
        record: dict[str, Any] = {
            "event": "tool_call",
            "tool": call.tool.name,
            "call_id": call.call_id,
            "arguments_bytes": len(call.arguments.encode()),
        }
        started = self._clock()
        try:
            result = await call_next(call)
        except BaseException as exc:
            self._emit(record, started, outcome="raised", error=type(exc).__name__)
            raise
        self._emit(record, started, **_outcome(result.error))
        return result

    async def on_approval(
        self, request: ApprovalRequest, call_next: ApprovalHandler
    ) -> ApprovalDecision:
        """Record the decision."""
        record: dict[str, Any] = {
            "event": "approval",
            "tool": request.tool.name,
            "call_id": request.call_id,
        }
        started = self._clock()
        try:
            decision = await call_next(request)
        except BaseException as exc:
            self._emit(record, started, outcome="raised", error=type(exc).__name__)
            raise
        self._emit(
            record, started, **_outcome(None), approved=decision.approved, always=decision.always
        )
        return decision

    async def on_handoff(self, request: HandoffRequest[Any], call_next: HandoffHandler) -> Any:
        """Record which agent the conversation moved to."""
        record: dict[str, Any] = {
            "event": "handoff",
            "call_id": request.call_id,
            "from_agent": _agent_name(request.from_agent),
        }
        started = self._clock()
        try:
            agent = await call_next(request)
        except BaseException as exc:
            self._emit(record, started, outcome="raised", error=type(exc).__name__)
            raise
        self._emit(record, started, **_outcome(None), to_agent=_agent_name(agent))
        return agent

    async def on_guardrail(
        self, check: GuardrailCheck, call_next: GuardrailHandler
    ) -> GuardrailResult:
        """Record whether the guardrail tripped or failed."""
        record: dict[str, Any] = {
            "event": "guardrail",
            "guardrail": check.guardrail.name,
            "kind": check.kind,
            "text_chars": len(check.text),
        }
        started = self._clock()
        try:
            result = await call_next(check)
        except BaseException as exc:
            self._emit(record, started, outcome="raised", error=type(exc).__name__)
            raise
        self._emit(record, started, **_outcome(result.error), tripped=result.tripwire_triggered)
        return result

    def _emit(self, record: dict[str, Any], started: float, **fields: Any) -> None:
        record.update(fields, duration_s=self._clock() - started)
        try:
            if isinstance(self._sink, logging.Logger):
                self._sink.log(
                    self._level,
                    "audit %s",
                    json.dumps(record, sort_keys=True),
                    extra={"rtvoice_audit": record},
                )
            else:
                self._sink(record)
        except Exception:
            logger.warning("audit sink failed for %s", record["event"], exc_info=True)


def _outcome(error: BaseException | None) -> dict[str, Any]:
    if error is None:
        return {"outcome": "ok", "error": None}
    return {"outcome": "error", "error": type(error).__name__}


def _agent_name(agent: object) -> str:
    name = getattr(agent, "name", None)
    return name if isinstance(name, str) else repr(agent)
