"""The simulator's SIP calls and client secrets: what OpenAI's SIP REST endpoints
change, as plain state.

A :class:`CallBook` holds every call the simulator knows (a simulated SIP call registers one
with :meth:`CallBook.ring`) and answers ``POST /v1/realtime/calls/{call_id}/accept | reject |
refer | hangup`` and ``POST /v1/realtime/client_secrets`` as the real API does: an unknown call
id is 404, so is an accept, reject or hang-up after the call ended (a webhook
redelivered after the caller hung up meets a 404 on accept), and a session configuration is
validated as strictly as a ``session.update`` (the server codec reads it). The HTTP framing
lives in :mod:`._rest`; this module never touches a socket.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from ..model.commands import UpdateSession
from ..model.events import SessionUpdated
from ..model.openai.server import ClientEventError, OpenAIServerCodec
from ..model.session_config import SessionConfig
from ._call_media import CallMedia

__all__ = ["CallBook", "CallState", "RestAnswer", "SimulatedCallRecord"]

_MAX_SECRET_SECONDS = 7200
_MIN_SECRET_SECONDS = 10
_DEFAULT_SECRET_SECONDS = 600


class CallState(enum.Enum):
    """Where a call stands; it only moves forward."""

    RINGING = "ringing"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REFERRED = "referred"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class RestAnswer:
    """An HTTP answer: status and JSON body (``None``: no body)."""

    status: int
    body: dict[str, Any] | None = None


@dataclass(slots=True, eq=False)
class SimulatedCallRecord:
    """One call as the simulated API sees it.

    Attributes:
        call_id: ``rtc_...``.
        state: Where the call stands.
        session: The configuration the accept carried (set once accepted).
        model: The model the accept named (``gpt-realtime`` when it named none).
        accepts: How many accepts succeeded (a correct app: exactly one).
        reject_status: The SIP status of a reject.
        refer_target: The ``target_uri`` of a refer.
        requests: Every REST action on this call, in order (``accept``, ``hangup``, ...),
            including refused ones.
    """

    call_id: str
    state: CallState = CallState.RINGING
    session: SessionConfig | None = None
    model: str = "gpt-realtime"
    accepts: int = 0
    reject_status: int | None = None
    refer_target: str | None = None
    requests: list[str] = field(default_factory=list)
    media: CallMedia = field(default_factory=CallMedia)
    """The phone line: what the caller says and hears."""
    answered: anyio.Event = field(default_factory=anyio.Event)
    """Set once the call is accepted or rejected (or ends unanswered)."""
    ended: anyio.Event = field(default_factory=anyio.Event)
    """Set once the call is over (rejected, referred, hung up)."""

    def end(self, state: CallState) -> None:
        self.state = state
        self.answered.set()
        self.ended.set()


class CallBook:
    """The calls and client secrets of one simulator.

    Args:
        new_id: The simulator's id source (``new_id("rtc")`` -> ``rtc_...``).
        clock: Epoch seconds (``expires_at`` of client secrets).
        model_supported: Whether a model an accept or a client secret names is served.
    """

    def __init__(
        self,
        new_id: Callable[[str], str],
        clock: Callable[[], float],
        model_supported: Callable[[str], bool] = lambda model: True,
    ) -> None:
        self._new_id = new_id
        self._clock = clock
        self._model_supported = model_supported
        self._calls: dict[str, SimulatedCallRecord] = {}
        self.secrets: dict[str, float] = {}
        """Minted client secrets (``ek_...``) and when each expires (epoch seconds)."""

    def ring(self) -> SimulatedCallRecord:
        """A new incoming call, ringing until the app accepts, rejects or the caller hangs up."""
        call = SimulatedCallRecord(call_id=self._new_id("rtc"))
        self._calls[call.call_id] = call
        return call

    def get(self, call_id: str) -> SimulatedCallRecord | None:
        """The call with this id, if any."""
        return self._calls.get(call_id)

    def secret_valid(self, token: str) -> bool:
        """Whether ``token`` is a client secret this simulator minted that has not expired."""
        expires_at = self.secrets.get(token)
        return expires_at is not None and self._clock() < expires_at

    # -------------------------------------------------------------------------------------
    # Routes

    def answer(self, method: str, path: str, body: bytes) -> RestAnswer:
        """Answer one REST request (``path`` without the query)."""
        parts = path.rstrip("/").split("/")
        if method != "POST":
            return _error(405, f"Method {method} is not allowed here.", "method_not_allowed")
        try:
            payload = json.loads(body) if body.strip() else {}
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.", None)
        if not isinstance(payload, dict):
            return _error(400, "The request body must be a JSON object.", None)
        if parts[-1] == "client_secrets" and parts[-2:-1] == ["realtime"]:
            return self._client_secret(payload)
        if len(parts) >= 4 and parts[-4:-2] == ["realtime", "calls"]:
            return self._call_action(parts[-2], parts[-1], payload)
        return _error(404, f"Invalid URL (POST {path})", None)

    def _call_action(self, call_id: str, action: str, payload: dict[str, Any]) -> RestAnswer:
        call = self._calls.get(call_id)
        if call is not None:
            call.requests.append(action)
        if action not in ("accept", "reject", "refer", "hangup"):
            return _error(404, f"Invalid URL (POST /v1/realtime/calls/{call_id}/{action})", None)
        if call is None:
            return _error(404, f"Call {call_id!r} not found.", "call_not_found")
        match action:
            case "accept":
                return self._accept(call, payload)
            case "reject":
                return self._reject(call, payload)
            case "refer":
                return self._refer(call, payload)
            case _:
                if call.state not in (CallState.RINGING, CallState.ACCEPTED):
                    return _gone(call)
                call.end(CallState.ENDED)
                return RestAnswer(200)

    def _accept(self, call: SimulatedCallRecord, payload: dict[str, Any]) -> RestAnswer:
        if call.state is CallState.ACCEPTED:
            return _error(409, f"Call {call.call_id!r} was already accepted.", "call_accepted")
        if call.state is not CallState.RINGING:
            return _gone(call)
        if payload.get("type") != "realtime":
            return _error(
                400,
                "Missing required parameter: 'type' (must be 'realtime').",
                "missing_required_parameter",
                param="type",
            )
        model = payload.pop("model", None)
        refused = self._check_model(model)
        if refused is not None:
            return refused
        session = _read_session(payload)
        if isinstance(session, RestAnswer):
            return session
        call.session = session
        call.model = model or "gpt-realtime"
        call.state = CallState.ACCEPTED
        call.accepts += 1
        call.answered.set()
        return RestAnswer(200)

    def _reject(self, call: SimulatedCallRecord, payload: dict[str, Any]) -> RestAnswer:
        if call.state is not CallState.RINGING:
            return _gone(call)
        status = payload.get("status_code", 603)
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 699:
            return _error(
                400, "Invalid 'status_code': a SIP final status 400-699.", "invalid_value"
            )
        call.reject_status = status
        call.end(CallState.REJECTED)
        return RestAnswer(200)

    def _refer(self, call: SimulatedCallRecord, payload: dict[str, Any]) -> RestAnswer:
        if call.state is not CallState.ACCEPTED:
            return _gone(call)
        target = payload.get("target_uri")
        if not isinstance(target, str) or not target.startswith(("tel:", "sip:", "sips:")):
            return _error(
                400,
                "Invalid 'target_uri': expected a tel: or sip: URI.",
                "invalid_value",
                param="target_uri",
            )
        call.refer_target = target
        call.end(CallState.REFERRED)
        return RestAnswer(200)

    def _client_secret(self, payload: dict[str, Any]) -> RestAnswer:
        unknown = set(payload) - {"expires_after", "session"}
        if unknown:
            name = sorted(unknown)[0]
            return _error(400, f"Unknown parameter: '{name}'.", "unknown_parameter", param=name)
        seconds = _DEFAULT_SECRET_SECONDS
        expires_after = payload.get("expires_after")
        if expires_after is not None:
            seconds_value = (
                expires_after.get("seconds") if isinstance(expires_after, dict) else None
            )
            if (
                not isinstance(seconds_value, int)
                or not _MIN_SECRET_SECONDS <= seconds_value <= _MAX_SECRET_SECONDS
            ):
                return _error(
                    400,
                    "Invalid 'expires_after.seconds': an integer 10-7200.",
                    "invalid_value",
                    param="expires_after.seconds",
                )
            seconds = seconds_value
        raw_session = payload.get("session", {"type": "realtime"})
        if not isinstance(raw_session, dict):
            return _error(400, "Invalid 'session': expected an object.", "invalid_type")
        raw_session = dict(raw_session)
        model = raw_session.pop("model", None)
        refused = self._check_model(model)
        if refused is not None:
            return refused
        model = model or "gpt-realtime"
        session = _read_session(raw_session)
        if isinstance(session, RestAnswer):
            return session
        value = "ek_" + self._new_id("secret").partition("_")[2]
        expires_at = int(self._clock()) + seconds
        self.secrets[value] = expires_at
        body = _session_to_json(session)
        body.update({"object": "realtime.session", "id": self._new_id("sess"), "model": model})
        body["expires_at"] = 0
        return RestAnswer(200, {"value": value, "expires_at": expires_at, "session": body})

    def _check_model(self, model: object) -> RestAnswer | None:
        if model is None:
            return None
        if not isinstance(model, str):
            return _error(400, "Invalid type for 'model': expected a string.", "invalid_type")
        if not self._model_supported(model):
            return _error(
                400,
                f'Model "{model}" is not supported in realtime mode.',
                "invalid_model",
                param="model",
            )
        return None


def _read_session(payload: dict[str, Any]) -> SessionConfig | RestAnswer:
    """Validate a session object as strictly as ``session.update`` (the server codec reads
    it), answering a refusal as the REST API does (400 with the ``error`` object)."""
    frame = json.dumps({"type": "session.update", "session": payload})
    decoded = OpenAIServerCodec("ga").decode(frame)
    if isinstance(decoded, ClientEventError):
        info = decoded.to_error_info()
        param = info.param.removeprefix("session.") if info.param else None
        return _error(400, info.message, info.code, param=param, error_type=info.type)
    assert isinstance(decoded, UpdateSession)
    return decoded.session


def _session_to_json(session: SessionConfig) -> dict[str, Any]:
    """The GA ``session`` object for ``session`` (as ``session.updated`` would carry it)."""
    (frame,) = OpenAIServerCodec("ga", event_ids=lambda: "event_0").encode(
        SessionUpdated(session=session)
    )
    body = json.loads(frame)["session"]
    assert isinstance(body, dict)
    return body


def _gone(call: SimulatedCallRecord) -> RestAnswer:
    return _error(
        404, f"Call {call.call_id!r} not found (it is {call.state.value}).", "call_not_found"
    )


def _error(
    status: int,
    message: str,
    code: str | None,
    *,
    param: str | None = None,
    error_type: str = "invalid_request_error",
) -> RestAnswer:
    return RestAnswer(
        status, {"error": {"message": message, "type": error_type, "param": param, "code": code}}
    )
