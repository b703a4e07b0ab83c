"""Every error the simulated session reports, with its code and wording.

All are ``invalid_request_error`` and non-fatal, except :func:`session_expired` (sent only on
request, as the 2024 beta did) after which the session is over. Wording marked *seen* is the
real server's; the rest is the simulator's choice where the protocol is silent, modelled on
the codes real clients test for.

==========================================  ============================================  =====
code                                        trigger                                       seen?
==========================================  ============================================  =====
``conversation_already_has_active_response``  ``response.create`` while one is active     yes
``response_cancel_not_active``              ``response.cancel`` with nothing (or not that  yes
                                            response) active
``input_audio_buffer_commit_empty``         commit with under 100 ms of audio             yes
``unsupported_content_type``                truncate of an item without model audio       yes
``invalid_value`` (param ``audio_end_ms``)  truncate past the end of the audio            text
``item_truncate_invalid_item_id``           truncate of an unknown item                   code
``item_retrieve_invalid_item_id``           retrieve of an unknown item                   code
``item_delete_invalid_item_id``             delete of an unknown item                     code
``item_create_invalid_previous_item_id``    create after an unknown ``previous_item_id``  code
``cannot_update_voice``                     voice change once assistant audio exists      yes
``session_expired``                         the maximum duration is reached (beta only)   yes
``invalid_value``                           anything else malformed (see the callers)     no
==========================================  ============================================  =====
"""

from __future__ import annotations

from ..model.events import ErrorEvent, ErrorInfo

__all__ = [
    "SUPPORTED_CLIENT_EVENTS",
    "SimulatorError",
    "active_response",
    "cancel_not_active",
    "commit_empty",
    "expiry_message",
    "invalid_value",
    "session_expired",
    "truncate_not_audio",
    "truncate_too_long",
    "unknown_item",
    "unknown_previous_item",
    "voice_locked",
]

SUPPORTED_CLIENT_EVENTS = (
    "'session.update', 'session.close', 'input_audio_buffer.append', "
    "'session.input_audio_buffer.append', 'input_audio_buffer.commit', "
    "'input_audio_buffer.clear', 'conversation.item.create', 'conversation.item.truncate', "
    "'conversation.item.delete', 'conversation.item.retrieve', 'response.create', "
    "and 'response.cancel'"
)
"""The list in the real server's ``invalid_value`` message on ``type``."""


class SimulatorError(Exception):
    """A command was refused; the engine turns it into an ``error`` event.

    Attributes:
        info: The error as reported (``event_id`` is filled in by the engine).
    """

    def __init__(self, code: str | None, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.info = ErrorInfo(type="invalid_request_error", code=code, message=message, param=param)

    def event(self, event_id: str | None) -> ErrorEvent:
        """The ``error`` event, echoing the failed command's ``event_id``."""
        info = self.info
        return ErrorEvent(
            error=ErrorInfo(
                type=info.type,
                code=info.code,
                message=info.message,
                param=info.param,
                event_id=event_id,
            )
        )


def active_response(response_id: str) -> SimulatorError:
    """A second ``response.create`` while ``response_id`` writes to the conversation."""
    return SimulatorError(
        "conversation_already_has_active_response",
        f"Conversation already has an active response in progress: {response_id}. "
        "Wait until the response is finished before creating a new one.",
    )


def cancel_not_active(response_id: str | None = None) -> SimulatorError:
    """``response.cancel`` with nothing to cancel.

    With an explicit id that is unknown or already finished the code stays the same: that is
    the benign race clients already ignore.
    """
    message = "Cancellation failed: no active response found"
    if response_id is not None:
        message += f" with id '{response_id}'"
    return SimulatorError("response_cancel_not_active", message)


def commit_empty(buffered_ms: float) -> SimulatorError:
    """A commit of less than 100 ms of audio."""
    return SimulatorError(
        "input_audio_buffer_commit_empty",
        "Error committing input audio buffer: buffer too small. Expected at least 100ms of "
        f"audio, but buffer only has {buffered_ms:.2f}ms of audio.",
    )


def unknown_item(action: str, item_id: str) -> SimulatorError:
    """A retrieve, delete or truncate naming an item that is not in the conversation.

    Args:
        action: ``truncate``, ``retrieve`` or ``delete``.
        item_id: The id the client sent.
    """
    verb = {"truncate": "truncating", "retrieve": "retrieving", "delete": "deleting"}[action]
    return SimulatorError(
        f"item_{action}_invalid_item_id",
        f"Error {verb} item: the item with id '{item_id}' does not exist.",
        param="item_id",
    )


def unknown_previous_item(previous_item_id: str) -> SimulatorError:
    """``conversation.item.create`` after an item that does not exist; nothing is added."""
    return SimulatorError(
        "item_create_invalid_previous_item_id",
        f"Error adding item: the previous item with id '{previous_item_id}' does not exist.",
        param="previous_item_id",
    )


def truncate_not_audio() -> SimulatorError:
    """Truncating anything but an assistant message holding model audio.

    This includes an assistant item cut off before its first audio delta.
    """
    return SimulatorError(
        "unsupported_content_type", "Only model output audio messages can be truncated"
    )


def truncate_too_long(audio_ms: int, audio_end_ms: int) -> SimulatorError:
    """Truncating past the end of the item's audio (wording seen, code not captured)."""
    return SimulatorError(
        "invalid_value",
        f"Audio content of {audio_ms}ms is already shorter than {audio_end_ms}ms",
        param="audio_end_ms",
    )


def voice_locked() -> SimulatorError:
    """A voice change once assistant audio exists in the session; the update is dropped."""
    return SimulatorError(
        "cannot_update_voice",
        "Cannot update a conversation's voice if assistant audio is present.",
    )


def invalid_value(message: str, *, param: str | None = None) -> SimulatorError:
    """A value the simulator refuses, for the cases without a more specific code."""
    return SimulatorError("invalid_value", message, param=param)


def expiry_message(max_session_seconds: float) -> str:
    """The real server's words for the end of a session, for this duration.

    A whole number of minutes reads as the real server writes it, ``"Your session hit the
    maximum duration of 60 minutes."`` (``"1 minutes"`` too: the template is kept, not the
    grammar). Any other duration (a test's 0.5 s) is given in seconds, with up to six
    significant digits: ``"Your session hit the maximum duration of 0.5 seconds."``. Either
    fits a close reason (at most 123 bytes).
    """
    if max_session_seconds % 60 == 0:
        return f"Your session hit the maximum duration of {int(max_session_seconds // 60)} minutes."
    return f"Your session hit the maximum duration of {max_session_seconds:g} seconds."


def session_expired(max_session_seconds: float) -> ErrorEvent:
    """The ``error`` the 2024 beta sent when a session reached its maximum duration.

    The GA server sends no event: it closes with 1001 and :func:`expiry_message` as the
    reason. The simulator sends this only when ``SimulatorOptions.expiry_error_event`` asks.
    """
    return ErrorEvent(
        error=ErrorInfo(
            type="invalid_request_error",
            code="session_expired",
            message=expiry_message(max_session_seconds),
        )
    )
