"""Normalisers for the audio parts of the model settings.

Each takes the user's value and its dotted path and returns the provider-neutral part from
:mod:`rtvoice.model.session_config`, or raises :class:`~rtvoice.UserError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from ..audio import AudioFormatName
from ..errors import UserError
from ..model.session_config import (
    NoiseReduction,
    SemanticVad,
    ServerVad,
    Transcription,
    TurnDetection,
)
from ._checks import (
    child,
    invalid,
    read_bool,
    read_choice,
    read_int,
    read_mapping,
    read_number,
    read_optional_str,
    read_str,
    read_strings,
    reject_unknown_keys,
)
from ._types import (
    AudioFormatConfig,
    NoiseReductionConfig,
    TranscriptionConfig,
    TurnDetectionConfig,
)

__all__ = [
    "format_to_config",
    "noise_reduction_to_config",
    "read_format",
    "read_noise_reduction",
    "read_transcription",
    "read_turn_detection",
    "transcription_to_config",
    "turn_detection_to_config",
]

PCM_RATE: Final = 24_000
"""The only PCM16 rate the server accepts."""

_FORMAT_NAMES: Final[dict[str, AudioFormatName]] = {
    "pcm16": "pcm16",
    "g711_ulaw": "g711_ulaw",
    "g711_alaw": "g711_alaw",
    "audio/pcm": "pcm16",
    "audio/pcmu": "g711_ulaw",
    "audio/pcma": "g711_alaw",
}
_GA_TYPES: Final[dict[str, Literal["audio/pcm", "audio/pcmu", "audio/pcma"]]] = {
    "audio/pcm": "audio/pcm",
    "audio/pcmu": "audio/pcmu",
    "audio/pcma": "audio/pcma",
}
_FORMAT_EXPECTED: Final = (
    "one of 'pcm16', 'g711_ulaw', 'g711_alaw', 'audio/pcm', 'audio/pcmu', 'audio/pcma', "
    "or a dict such as {'type': 'audio/pcm', 'rate': 24000}"
)
_NOISE_TYPES: Final[dict[str, Literal["near_field", "far_field"]]] = {
    "near_field": "near_field",
    "far_field": "far_field",
}
_VAD_TYPES: Final[dict[str, Literal["server_vad", "semantic_vad"]]] = {
    "server_vad": "server_vad",
    "semantic_vad": "semantic_vad",
}
_EAGERNESS: Final[dict[str, Literal["low", "medium", "high", "auto"]]] = {
    "low": "low",
    "medium": "medium",
    "high": "high",
    "auto": "auto",
}
_SERVER_VAD_ONLY: Final = frozenset(
    {"threshold", "prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms"}
)
_SEMANTIC_VAD_ONLY: Final = frozenset({"eagerness"})
_DELAYS: Final[dict[str, Literal["minimal", "low", "medium", "high", "xhigh"]]] = {
    "minimal": "minimal",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "xhigh": "xhigh",
}


def read_format(value: object, path: str) -> AudioFormatName:
    """A format name, GA type string or GA format object, as the neutral format name.

    Raises:
        UserError: An unknown name, a malformed object, or a PCM rate other than 24000.
    """
    if isinstance(value, str):
        if value in _FORMAT_NAMES:
            return _FORMAT_NAMES[value]
        raise invalid(path, value, _FORMAT_EXPECTED)
    data = read_mapping(value, path, _FORMAT_EXPECTED)
    reject_unknown_keys(data, path, AudioFormatConfig.__annotations__)
    if "type" not in data:
        raise invalid(path, value, "a format dict with a 'type', e.g. {'type': 'audio/pcmu'}")
    kind = read_choice(data["type"], child(path, "type"), _GA_TYPES)
    if "rate" in data:
        rate_path = child(path, "rate")
        if kind != "audio/pcm":
            raise UserError(
                f"Config key {rate_path!r} applies only to 'audio/pcm'; "
                f"{kind!r} (G.711) is always 8000 Hz, so leave 'rate' out"
            )
        if isinstance(data["rate"], bool) or data["rate"] != PCM_RATE:
            raise invalid(
                rate_path, data["rate"], f"{PCM_RATE}, the only rate the server accepts for PCM"
            )
    return _FORMAT_NAMES[kind]


def format_to_config(name: AudioFormatName) -> AudioFormatConfig:
    """The GA object for a format name (the canonical spelling :meth:`to_config` writes)."""
    if name == "pcm16":
        return {"type": "audio/pcm", "rate": PCM_RATE}
    return {"type": "audio/pcmu" if name == "g711_ulaw" else "audio/pcma"}


def read_transcription(value: object, path: str) -> Transcription | None:
    """``None`` (off) or a transcription dict."""
    if value is None:
        return None
    data = read_mapping(value, path, "a dict such as {'model': 'gpt-4o-mini-transcribe'}, or None")
    reject_unknown_keys(data, path, TranscriptionConfig.__annotations__)
    return Transcription(
        model=read_str(data["model"], child(path, "model")) if "model" in data else None,
        language=read_optional_str(data.get("language"), child(path, "language")),
        prompt=read_optional_str(data.get("prompt"), child(path, "prompt")),
        languages=_words(data, "languages", path),
        keywords=_words(data, "keywords", path),
        delay=read_choice(data["delay"], child(path, "delay"), _DELAYS)
        if "delay" in data
        else None,
    )


def _words(data: Mapping[str, object], key: str, path: str) -> tuple[str, ...] | None:
    """A list of non-empty strings (``languages``, ``keywords``), when given."""
    return read_strings(data[key], child(path, key)) if key in data else None


def transcription_to_config(t: Transcription | None) -> TranscriptionConfig | None:
    """The inverse of :func:`read_transcription`."""
    if t is None:
        return None
    out: TranscriptionConfig = {}
    if t.model is not None:
        out["model"] = t.model
    if t.language is not None:
        out["language"] = t.language
    if t.prompt is not None:
        out["prompt"] = t.prompt
    if t.languages is not None:
        out["languages"] = list(t.languages)
    if t.keywords is not None:
        out["keywords"] = list(t.keywords)
    if t.delay is not None:
        out["delay"] = t.delay
    return out


def read_noise_reduction(value: object, path: str) -> NoiseReduction | None:
    """``None`` (off) or ``{"type": "near_field" | "far_field", "strength"?: 0..1}``."""
    if value is None:
        return None
    data = read_mapping(value, path, "a dict such as {'type': 'near_field'}, or None")
    reject_unknown_keys(data, path, NoiseReductionConfig.__annotations__)
    if "type" not in data:
        raise invalid(path, value, "a dict with a 'type': 'near_field' or 'far_field'")
    return NoiseReduction(
        type=read_choice(data["type"], child(path, "type"), _NOISE_TYPES),
        strength=read_number(data["strength"], child(path, "strength"), low=0.0, high=1.0)
        if "strength" in data
        else None,
    )


def noise_reduction_to_config(n: NoiseReduction | None) -> NoiseReductionConfig | None:
    """The inverse of :func:`read_noise_reduction`."""
    if n is None:
        return None
    out: NoiseReductionConfig = {"type": n.type}
    if n.strength is not None:
        out["strength"] = n.strength
    return out


def read_turn_detection(value: object, path: str) -> TurnDetection | None:
    """``None`` (manual turns) or a VAD dict; ``type`` defaults to ``server_vad``.

    Raises:
        UserError: A non-dict (e.g. the string ``"server_vad"``), an unknown key, a key of the
            other VAD type, or a value out of range.
    """
    if value is None:
        return None
    data = read_mapping(
        value,
        path,
        "a dict such as {'type': 'server_vad'} or {'type': 'semantic_vad'}, "
        "or None for manual turns",
    )
    reject_unknown_keys(data, path, TurnDetectionConfig.__annotations__)
    kind = read_choice(data.get("type", "server_vad"), child(path, "type"), _VAD_TYPES)
    foreign = _SEMANTIC_VAD_ONLY if kind == "server_vad" else _SERVER_VAD_ONLY
    for key in data:
        if key in foreign:
            other = "semantic_vad" if kind == "server_vad" else "server_vad"
            raise UserError(
                f"Config key {child(path, key)!r} applies only to type {other!r}, not to {kind!r}"
            )
    create_response = _optional_bool(data, path, "create_response")
    interrupt_response = _optional_bool(data, path, "interrupt_response")
    if kind == "semantic_vad":
        return SemanticVad(
            eagerness=read_choice(data["eagerness"], child(path, "eagerness"), _EAGERNESS)
            if "eagerness" in data
            else None,
            create_response=create_response,
            interrupt_response=interrupt_response,
        )
    idle = data.get("idle_timeout_ms")  # None is allowed: no idle timeout (the default)
    return ServerVad(
        threshold=read_number(data["threshold"], child(path, "threshold"), low=0.0, high=1.0)
        if "threshold" in data
        else None,
        prefix_padding_ms=_optional_ms(data, path, "prefix_padding_ms"),
        silence_duration_ms=_optional_ms(data, path, "silence_duration_ms"),
        idle_timeout_ms=None
        if idle is None
        else read_int(idle, child(path, "idle_timeout_ms"), low=0),
        create_response=create_response,
        interrupt_response=interrupt_response,
    )


def _optional_bool(data: Mapping[str, object], path: str, key: str) -> bool | None:
    return read_bool(data[key], child(path, key)) if key in data else None


def _optional_ms(data: Mapping[str, object], path: str, key: str) -> int | None:
    return read_int(data[key], child(path, key), low=0) if key in data else None


def turn_detection_to_config(td: TurnDetection | None) -> TurnDetectionConfig | None:
    """The inverse of :func:`read_turn_detection` (only the keys that are set)."""
    if td is None:
        return None
    if isinstance(td, SemanticVad):
        out: TurnDetectionConfig = {"type": "semantic_vad"}
        if td.eagerness is not None:
            out["eagerness"] = td.eagerness
    else:
        out = {"type": "server_vad"}
        if td.threshold is not None:
            out["threshold"] = td.threshold
        if td.prefix_padding_ms is not None:
            out["prefix_padding_ms"] = td.prefix_padding_ms
        if td.silence_duration_ms is not None:
            out["silence_duration_ms"] = td.silence_duration_ms
        if td.idle_timeout_ms is not None:
            out["idle_timeout_ms"] = td.idle_timeout_ms
    if td.create_response is not None:
        out["create_response"] = td.create_response
    if td.interrupt_response is not None:
        out["interrupt_response"] = td.interrupt_response
    return out
