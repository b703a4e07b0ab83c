"""The implementation of the test doubles that :mod:`rtvoice.testing` makes public.

They live here, apart from :mod:`rtvoice.testing`, so that importing them needs no pytest.
"""

from __future__ import annotations

from ._mismatch import ScriptMismatchError
from ._scripted_model import ScriptedModel
from ._server_events import ServerEvents

__all__ = ["ScriptMismatchError", "ScriptedModel", "ServerEvents"]
