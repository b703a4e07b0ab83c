"""The error a server answers an invalid client frame with."""

from __future__ import annotations

from dataclasses import dataclass

from ...events import ErrorInfo
from .._wire_errors import WireError

__all__ = ["ClientEventError"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientEventError:
    """Why a server rejected a client frame: the fields of the ``error`` event it answers with.

    Attributes:
        code: e.g. ``invalid_json``, ``invalid_event``, ``invalid_value``,
            ``unknown_parameter``, ``missing_required_parameter``, ``invalid_type``,
            ``integer_below_min_value``.
        message: Human-readable text in the server's wording.
        param: Dotted path of the offending field (``session.audio.input.format.rate``), or
            ``None`` when the frame as a whole is wrong.
        event_id: The client's ``event_id``, echoed whenever the frame carried a string one,
            even if the rest of the frame was invalid.
        error_type: The ``error.type``; always ``invalid_request_error`` for these.
    """

    code: str
    message: str
    param: str | None = None
    event_id: str | None = None
    error_type: str = "invalid_request_error"

    @classmethod
    def from_wire_error(cls, error: WireError, event_id: str | None) -> ClientEventError:
        """``error`` as the answer to the client event whose ``event_id`` it was."""
        return cls(code=error.code, message=error.message, param=error.param, event_id=event_id)

    def to_error_info(self) -> ErrorInfo:
        """The same error as the neutral :class:`~rtvoice.model.events.ErrorInfo`."""
        return ErrorInfo(
            type=self.error_type,
            code=self.code,
            message=self.message,
            param=self.param,
            event_id=self.event_id,
        )
