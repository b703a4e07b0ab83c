"""The session's bounded waits as the pure state sees them: :class:`Timer` effects.

The state never reads the clock. A step that starts a wait (a ``response.create`` goes out, a
response starts, a turn's end waits for guardrail verdicts) puts a :class:`Timer` in its
``Effects.timers``: "step :meth:`ConversationState.wait_expired
<rtvoice.session.state._machine.ConversationState.wait_expired>` with this timer and the time
once ``seconds`` have passed". The async session arms it; a newer timer of the same ``wait``
replaces the older one. On expiry the state decides, with the time given: a timer whose wait
ended meanwhile (its ``token`` is stale) does nothing, and the response idle wait re-arms itself
for the rest of its window when the response had events since, so that no timer is armed per
event (the events only record their time).

The ``error`` events of a given-up wait have ``type`` :data:`TIMEOUT_ERROR` and one of the
codes below, and their message names the ``timeouts`` key that bounds the wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

__all__ = [
    "GUARDRAIL_VERDICT_TIMEOUT",
    "RESPONSE_CREATED_TIMEOUT",
    "RESPONSE_DONE_TIMEOUT",
    "TIMEOUT_ERROR",
    "Timer",
    "Wait",
]

Wait: TypeAlias = Literal["response_created", "response_idle", "guardrail_verdicts"]
"""The waits the state times (each named after its ``timeouts`` key)."""

TIMEOUT_ERROR: Final = "timeout"
"""The ``error.type`` of every given-up wait."""

RESPONSE_CREATED_TIMEOUT: Final = "response_created_timeout"
"""``error.code``: a ``response.create`` of ours got no ``response.created`` in time."""

RESPONSE_DONE_TIMEOUT: Final = "response_done_timeout"
"""``error.code``: a running response went quiet without its ``response.done``."""

GUARDRAIL_VERDICT_TIMEOUT: Final = "guardrail_verdict_timeout"
"""``error.code``: ``agent_end`` stopped waiting for guardrail checks still deciding."""


@dataclass(frozen=True, slots=True)
class Timer:
    """Step ``ConversationState.wait_expired(timer, now)`` once ``seconds`` have passed.

    Attributes:
        wait: Which wait it bounds; a newer timer of the same wait replaces this one.
        seconds: How long from now (the time the step's effects are applied).
        token: Tells the state whether the wait it was armed for is still the current one.
    """

    wait: Wait
    seconds: float
    token: int
