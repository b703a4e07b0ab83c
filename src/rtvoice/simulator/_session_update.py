"""``session.update`` as the server applies it: validate the patch, then merge it.

A patch either applies whole or not at all: :func:`apply_session_update`
raises before it builds anything. Merge rules:

* a field left unset (``None``, or :data:`~rtvoice.model.session_config.UNSET` for the three
  nullable ones) keeps its value; ``""`` clears ``instructions`` and ``()`` clears ``tools``;
* ``None`` turns ``turn_detection``, ``transcription`` and ``noise_reduction`` off;
* a ``turn_detection`` object replaces the old one, its unset fields taking the defaults of its
  type (the simulator's reading; the protocol does not say whether they merge);
* a ``noise_reduction`` without ``strength`` keeps the existing strength (1.0 when first on);
* ``model`` never changes, and ``extra`` merges key by key.

Parameter paths in errors are the GA ones (``session.audio.output.voice``).
"""

from __future__ import annotations

import dataclasses
from typing import Final, TypeVar

from ..model.session_config import (
    UNSET,
    NoiseReduction,
    SemanticVad,
    ServerVad,
    SessionConfig,
    TurnDetection,
)
from ._defaults import VAD_PREFIX_PADDING_MS, VAD_SILENCE_DURATION_MS, VAD_THRESHOLD
from ._error_catalog import SimulatorError, invalid_value, voice_locked

__all__ = ["apply_session_update", "check_modalities", "resolve_turn_detection"]

_T = TypeVar("_T")

_REALTIME_ONLY: Final = {
    "instructions": "session.instructions",
    "output_modalities": "session.output_modalities",
    "output_format": "session.audio.output.format",
    "voice": "session.audio.output.voice",
    "speed": "session.audio.output.speed",
    "tools": "session.tools",
    "tool_choice": "session.tool_choice",
    "max_output_tokens": "session.max_output_tokens",
    "prompt": "session.prompt",
}


def apply_session_update(
    current: SessionConfig, patch: SessionConfig, *, voice_is_locked: bool
) -> SessionConfig:
    """The effective session after ``patch``.

    Args:
        current: The full effective session (every field set).
        patch: The ``session`` of the update.
        voice_is_locked: Assistant audio exists, so the voice may no longer change.

    Returns:
        The new full effective session.

    Raises:
        SimulatorError: The update is refused; nothing of it applies.
    """
    _validate(current, patch, voice_is_locked=voice_is_locked)
    changes: dict[str, object] = {}
    for field in dataclasses.fields(SessionConfig):
        name = field.name
        if name in ("type", "model", "turn_detection", "transcription", "noise_reduction"):
            continue
        value = getattr(patch, name)
        if value is not None:
            changes[name] = value
    if patch.extra is not None:
        changes["extra"] = {**(current.extra or {}), **patch.extra}
    if patch.transcription is not UNSET:
        changes["transcription"] = patch.transcription
    if patch.turn_detection is not UNSET:
        turn_detection = patch.turn_detection
        if turn_detection is not None:
            turn_detection = resolve_turn_detection(
                turn_detection, reduced=current.type == "transcription"
            )
        changes["turn_detection"] = turn_detection
    if patch.noise_reduction is not UNSET:
        changes["noise_reduction"] = _merge_noise_reduction(
            current.noise_reduction, patch.noise_reduction
        )
    return dataclasses.replace(current, **changes)  # type: ignore[arg-type]


def resolve_turn_detection(
    turn_detection: TurnDetection, *, reduced: bool = False
) -> TurnDetection:
    """Fill the unset fields of a turn detection object with its type's defaults.

    Args:
        turn_detection: As given in an update.
        reduced: Transcription sessions echo only ``threshold``, ``prefix_padding_ms`` and
            ``silence_duration_ms`` of server VAD.
    """
    if isinstance(turn_detection, SemanticVad):
        return SemanticVad(
            eagerness=turn_detection.eagerness or "auto",
            create_response=_pick(turn_detection.create_response, True),
            interrupt_response=_pick(turn_detection.interrupt_response, True),
        )
    resolved = ServerVad(
        threshold=_pick(turn_detection.threshold, VAD_THRESHOLD),
        prefix_padding_ms=_pick(turn_detection.prefix_padding_ms, VAD_PREFIX_PADDING_MS),
        silence_duration_ms=_pick(turn_detection.silence_duration_ms, VAD_SILENCE_DURATION_MS),
        idle_timeout_ms=turn_detection.idle_timeout_ms,
        create_response=_pick(turn_detection.create_response, True),
        interrupt_response=_pick(turn_detection.interrupt_response, True),
    )
    if reduced:
        resolved = dataclasses.replace(
            resolved, idle_timeout_ms=None, create_response=None, interrupt_response=None
        )
    return resolved


def check_modalities(modalities: tuple[str, ...], *, param: str) -> None:
    """Exactly one output modality, ``audio`` or ``text`` (both at once is refused).

    Raises:
        SimulatorError: ``invalid_value`` naming ``param``.
    """
    if modalities not in (("audio",), ("text",)):
        shown = "[" + ", ".join(f"'{modality}'" for modality in modalities) + "]"
        raise invalid_value(
            f"Invalid modalities: {shown}. Supported combinations are: ['text'] and ['audio'].",
            param=param,
        )


def _pick(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def _merge_noise_reduction(current: object, patch: NoiseReduction | None) -> NoiseReduction | None:
    if patch is None:
        return None
    if patch.strength is not None:
        return patch
    strength = current.strength if isinstance(current, NoiseReduction) else None
    return NoiseReduction(type=patch.type, strength=1.0 if strength is None else strength)


def _validate(current: SessionConfig, patch: SessionConfig, *, voice_is_locked: bool) -> None:
    if patch.type != current.type:
        raise invalid_value(
            f"Invalid value: '{patch.type}'. The type of a '{current.type}' session cannot change.",
            param="session.type",
        )
    if current.type == "transcription":
        for name, path in _REALTIME_ONLY.items():
            if getattr(patch, name) is not None:
                raise SimulatorError(
                    "unknown_parameter", f"Unknown parameter: '{path}'.", param=path
                )
    if patch.output_modalities is not None:
        check_modalities(patch.output_modalities, param="session.output_modalities")
    if patch.speed is not None:
        _check_range(patch.speed, 0.25, 1.5, "session.audio.output.speed", decimal=True)
    if isinstance(patch.turn_detection, ServerVad) and patch.turn_detection.threshold is not None:
        _check_range(
            patch.turn_detection.threshold,
            0.0,
            1.0,
            "session.audio.input.turn_detection.threshold",
            decimal=True,
        )
    if isinstance(patch.max_output_tokens, int):
        _check_range(patch.max_output_tokens, 1, 4096, "session.max_output_tokens", decimal=False)
    if voice_is_locked and patch.voice is not None and patch.voice != current.voice:
        raise voice_locked()


def _check_range(value: float, low: float, high: float, param: str, *, decimal: bool) -> None:
    kind = "decimal" if decimal else "integer"
    if value < low:
        raise SimulatorError(
            f"{kind}_below_min_value",
            f"Invalid '{param}': {kind} below minimum value. Expected a value >= {low:g}, but "
            f"got {value:g} instead.",
            param=param,
        )
    if value > high:
        raise SimulatorError(
            f"{kind}_above_max_value",
            f"Invalid '{param}': {kind} above maximum value. Expected a value <= {high:g}, but "
            f"got {value:g} instead.",
            param=param,
        )
