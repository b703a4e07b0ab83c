"""The model layer: one live connection to one realtime backend.

Its vocabulary is provider-neutral: :mod:`.events` (what the backend reports),
:mod:`.commands` (what the client asks), :mod:`.items` and :mod:`.session_config` (the values
both carry). :mod:`.openai` maps that vocabulary to the OpenAI Realtime wire protocol.
"""

from __future__ import annotations
