"""Whether one session's model settings suit the protocol its model speaks.

A ``gpt-live-*`` model speaks GPT-Live (``/live/sessions``), where the model owns
turn-taking, audio has one format both ways and the voice model has no speed, token cap or
server tracing. Settings it would silently ignore are refused here, each with the key and
what to do instead; settings GPT-Live does on its own are accepted:

* server or semantic VAD with ``create_response`` / ``interrupt_response`` on (the
  defaults): GPT-Live's model takes turns and stops when the user speaks over it;
* input transcription: GPT-Live always transcribes the user (its transcription model, not
  the one named here, which is ignored);
* ``tool_choice: "auto"``: the model delegates when it sees fit.

:func:`live_settings` runs the checks and builds the connector's
:class:`~rtvoice.model._live_settings.LiveSettings`. The runner calls it for every session,
on the settings that session uses, so a per-session ``initial_model_settings`` is checked too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..errors import UserError
from ..model._live_settings import LiveSettings, is_live_model
from ..model.session_config import ServerVad

if TYPE_CHECKING:
    from ._model import ModelSettings

__all__ = ["live_settings"]

_VAD_TUNING: Final = ("threshold", "prefix_padding_ms", "silence_duration_ms", "eagerness")


def live_settings(model: ModelSettings, *, path: str = "model_settings") -> LiveSettings | None:
    """The GPT-Live settings of a session with ``model``; ``None`` for a Realtime model.

    Args:
        model: The session's normalised model settings.
        path: Where they came from, for the messages.

    Raises:
        UserError: ``live`` settings with a model that is not GPT-Live, or, with a GPT-Live
            model, a setting GPT-Live cannot honour (manual turns, turns without an answer
            or without barge-in, VAD tuning or an idle timeout, text-only output, a forced or
            disabled ``tool_choice``, different input and output formats, ``speed``, noise
            reduction, ``max_output_tokens``, a stored prompt, server tracing) or
            ``delegation: "decisions"``.
    """
    name = model.model_name
    if not is_live_model(name):
        if model.live is not None:
            raise UserError(
                f"Config key '{path}.live' holds GPT-Live settings, but model {name!r} speaks "
                "the Realtime protocol: use a gpt-live-* model_name (e.g. 'gpt-live-1.1'), or "
                "leave 'live' out"
            )
        return None
    _check_turns(model, path)
    _check_output(model, path)
    options = model.live
    if options is None:
        return LiveSettings()
    if options.delegation == "decisions":
        raise _refused(
            name,
            f"{path}.live.delegation",
            "is 'decisions'",
            "would hand its tasks to the Decisions API, which rtvoice does not support yet: "
            "use 'client' (rtvoice runs the agent's tools) or 'responses' (a hosted model)",
        )
    extra = {} if options.turn_end_ms is None else {"turn_end_ms": options.turn_end_ms}
    return LiveSettings(
        delegation=options.delegation,
        responses_model=options.responses_model,
        responses_instructions=options.responses_instructions,
        acknowledgement_delay_ms=options.acknowledgement_delay_ms,
        silent_tools=frozenset(options.silent_tools),
        store=options.store,
        safety_identifier=options.safety_identifier,
        backend=options.backend,
        **extra,
    )


def _refused(model_name: str, key: str, what: str, instead: str) -> UserError:
    return UserError(f"Config key {key!r} {what}; GPT-Live ({model_name!r}) {instead}")


def _check_turns(model: ModelSettings, path: str) -> None:
    name = model.model_name
    key = f"{path}.audio.input.turn_detection"
    turns = model.turn_detection
    if turns is None:
        raise _refused(
            name,
            key,
            "is None (manual turns)",
            "has no manual turns, its model owns turn-taking: leave turn_detection out or "
            "use {'type': 'semantic_vad'}",
        )
    for flag in ("create_response", "interrupt_response"):
        if getattr(turns, flag) is False:
            raise _refused(
                name,
                f"{key}.{flag}",
                "is False",
                "always answers a finished turn and stops when the user speaks over it: "
                f"leave {flag} out (or set it to True)",
            )
    tuning = [k for k in _VAD_TUNING if getattr(turns, k, None) is not None]
    if isinstance(turns, ServerVad) and turns.idle_timeout_ms is not None:
        tuning.append("idle_timeout_ms")
    if tuning:
        raise _refused(
            name,
            f"{key}.{tuning[0]}",
            f"tunes {turns.type}",
            "has no voice activity detection to tune (its model judges turns): leave "
            f"{tuning[0]!r} out",
        )


def _check_output(model: ModelSettings, path: str) -> None:
    name = model.model_name
    if model.output_modalities != ("audio",):
        raise _refused(
            name,
            f"{path}.output_modalities",
            f"is {list(model.output_modalities)!r}",
            "always speaks (its transcript arrives as transcript_delta events): leave "
            "output_modalities out or use ['audio']",
        )
    if model.tool_choice is not None and model.tool_choice != "auto":
        raise _refused(
            name,
            f"{path}.tool_choice",
            "forces or forbids tool use",
            "decides itself when to delegate: leave tool_choice out (or 'auto'); to keep "
            "an agent from using tools, give it none",
        )
    if model.input_format != model.output_format:
        raise _refused(
            name,
            f"{path}.audio.output.format",
            f"is {model.output_format!r} but audio.input.format is {model.input_format!r}",
            "has one audio format for both directions: use the same format for both",
        )
    unsupported = (
        ("audio.output.speed", model.speed),
        ("audio.input.noise_reduction", model.noise_reduction),
        ("max_output_tokens", model.max_output_tokens),
        ("prompt", model.prompt),
        ("tracing", model.tracing),
    )
    for key, value in unsupported:
        if value is not None:
            raise _refused(name, f"{path}.{key}", "is set", f"has no such setting: leave {key} out")
