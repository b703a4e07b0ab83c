"""The one failure a scripted test double raises."""

from __future__ import annotations

__all__ = ["ScriptMismatchError"]


class ScriptMismatchError(AssertionError):
    """The code under test did not do what a :class:`ScriptedModel`'s script expected.

    Raised out of :meth:`ScriptedModel.events` (so the session under test fails with it) and
    by :meth:`ScriptedModel.assert_done`. The message names the step, where the test
    scripted it (``file:line``), what was expected and what came instead. It derives from
    ``AssertionError`` so that pytest reports it as a test failure.
    """
