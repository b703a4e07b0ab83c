"""Server frames -> model events: the reading half of the client codec (PROTOCOL.md §6, §11.2).

:func:`decode_server_frame` never raises. A frame that is not a JSON object with a string
``type`` gives a :class:`DecodeError`; an unknown ``type`` gives an :class:`UnknownEvent`; a
known type with malformed fields gives a :class:`DecodeError` naming the type.

Both dialects are understood whatever the configured one. Names that exist only in one
dialect say which it is (``response.audio.delta`` is beta, ``conversation.item.done`` GA); a
session object is GA when it has ``type`` or ``audio`` (§11.3). The one frame whose meaning
depends on the configured dialect is ``response.output_item.done``: beta has no
``conversation.item.done``, so a beta codec emits a synthetic :class:`ItemDone` before the
:class:`OutputItemDone`, and beta ``conversation.item.created`` of a finished item (any status
but ``in_progress``) gives :class:`ItemAdded` then :class:`ItemDone`: the session sees GA order.

Two paths read a frame. The direct readers of :mod:`._direct_events` (plain dictionary
reads, no pydantic) handle the well-formed frames of every known type: the streamed deltas
(the hot path, §6.5, §9), sessions, the response lifecycle, items, parts, buffers,
transcription, rate limits, errors. Anything they do not vouch for, and unknown types,
goes to the validating readers of :mod:`._read_session_events` and
:mod:`._read_response_events` (pydantic models, imported on first use), which give the same
events for a well-formed frame and the ``DecodeError`` for a malformed one.
"""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable, Collection
from functools import cache
from typing import Final

from ..events import (
    ContentPartAdded,
    ContentPartDone,
    DecodeError,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    ModelEvent,
    RateLimitsUpdated,
    UnknownEvent,
)
from ._dialect import Dialect
from ._direct_events import DIRECT_READERS
from ._fields import Fields
from ._wire_errors import WireError

TEXT_LIMIT = 500
"""How much of an undecodable frame a :class:`DecodeError` keeps."""

ValidatingReader = Callable[[Fields, Dialect], list[ModelEvent]]

# The decoder is the scanner's context: json.loads's own settings (strict, no hooks).
_scan_once = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
"""The C scanner ``json.loads`` runs, called without the two whitespace regexes and the two
Python frames around it (~0.9 µs of the ~3 µs a 20 ms audio delta takes to parse)."""


_ONLY_EVENT_OF: Final[dict[type[ModelEvent], tuple[str, ...]]] = {
    ContentPartAdded: ("response.content_part.added",),
    ContentPartDone: ("response.content_part.done",),
    RateLimitsUpdated: ("rate_limits.updated",),
    FunctionCallArgumentsDelta: ("response.function_call_arguments.delta",),
    FunctionCallArgumentsDone: ("response.function_call_arguments.done",),
}
"""Server types (in both dialects) whose frames give exactly one event of the key's kind."""


def skippable_prefixes(kinds: Collection[type[ModelEvent]]) -> tuple[str, ...]:
    """How the frames that can only give events of ``kinds`` begin, when ``type`` is their
    first key (as servers write it): a reader that ignores those kinds need not decode them.
    Kinds other frames give too are not covered."""
    return tuple(f'{{"type":"{name}"' for kind in kinds for name in _ONLY_EVENT_OF.get(kind, ()))


def _parse(frame: str) -> object:
    """``json.loads(frame)``, faster for a frame with no whitespace around its value (what
    servers send): anything else goes to ``json.loads`` itself, which decides.

    Raises:
        ValueError: Not JSON (``json.JSONDecodeError``).
        RecursionError: Nested too deeply.
    """
    try:
        value, end = _scan_once(frame, 0)
    except StopIteration:  # no value at index 0: empty, or whitespace first
        return json.loads(frame)
    if end != len(frame):  # whitespace or extra data after the value
        return json.loads(frame)
    return value


def decode_server_frame(frame: str, dialect: Dialect, *, direct: bool = True) -> list[ModelEvent]:
    """One server text frame -> its model events (usually one). Never raises.

    Args:
        frame: The text of one WebSocket message.
        dialect: The codec's dialect (see the module docstring).
        direct: Try the direct readers first. ``False`` runs the validating readers alone,
            which give the same events (the tests compare the two paths).
    """
    try:
        obj = _parse(frame)
    except (ValueError, RecursionError):
        return [DecodeError(reason="The frame is not valid JSON.", text=frame[:TEXT_LIMIT])]
    if type(obj) is not dict:
        return [DecodeError(reason="The frame is not a JSON object.", text=frame[:TEXT_LIMIT])]
    etype = obj.get("type")
    if type(etype) is not str:
        reason = "The frame has no string 'type' field."
        return [DecodeError(reason=reason, text=frame[:TEXT_LIMIT])]
    if direct:
        reader = DIRECT_READERS.get(etype)
        if reader is not None:
            try:
                return reader(obj, dialect)
            except Exception:  # Decline, or a surprise such as a float overflow: validate
                pass
    handler = validating_readers().get(etype)
    if handler is None:
        return [UnknownEvent(event_type=etype, raw=obj)]
    try:
        return handler(Fields(obj), dialect)
    except WireError as exc:
        reason = f"{etype}: {exc.message}"
    except RecursionError:
        reason = f"{etype}: the frame is nested too deeply."
    except Exception as exc:  # a decoder bug must not take the session down: report it
        reason = f"{etype}: unexpected decoder failure: {type(exc).__name__}: {exc}"
    return [DecodeError(reason=reason, text=frame[:TEXT_LIMIT], event_type=etype)]


@cache
def validating_readers() -> dict[str, ValidatingReader]:
    """Every known server type's validating reader, by wire ``type``.

    Imported on first use, not with the codec: these readers load pydantic and the models of
    :mod:`._wire_models`, which a session whose frames are all well formed never needs.
    """
    from ._read_response_events import READERS as RESPONSE_READERS
    from ._read_session_events import READERS as SESSION_READERS

    assert not SESSION_READERS.table.keys() & RESPONSE_READERS.table.keys()
    return {**SESSION_READERS.table, **RESPONSE_READERS.table}
