"""What the console talks to: ``--agent module:attribute``, or the built-in concierge.

A :class:`~rtvoice.RealtimeAgent` gets a runner made here, against the simulator unless
``OPENAI_API_KEY`` is set; a :class:`~rtvoice.RealtimeRunner` is used as it is, except that a
runner that has nowhere to connect (no provider, no key) talks to a simulator too.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..agent import RealtimeAgent
from ..config import RealtimeRunConfig
from ..errors import UserError
from ..model._live_settings import is_live_model
from ..runner import RealtimeRunner

__all__ = ["ConsoleTarget", "load_object", "resolve_target"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleTarget:
    """A runner to start the session from, and where it connects."""

    runner: RealtimeRunner[Any]
    simulated: bool
    """``True``: the session talks to a simulator started for it."""
    simulator_options: Mapping[str, Any]
    """For a runner that has no provider: the simulator to start (see ``needs_simulator``)."""
    needs_simulator: bool
    """The runner has nowhere to connect: the console starts a simulator and points the
    session at it through ``model_config`` (the runner itself is left unchanged)."""


def load_object(spec: str) -> object:
    """The object ``module:attribute`` names (``attribute`` may be dotted).

    The current directory is searched first, as ``python -m`` does, so ``--agent
    myagent:agent`` finds ``./myagent.py`` from the ``rtvoice`` script too.

    Raises:
        UserError: The spec is malformed, the module cannot be imported, or it has no such
            attribute; the message is one line saying what to fix.
    """
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name or not attribute:
        raise UserError(
            f"--agent wants module:attribute (for example myapp.agents:triage), got {spec!r}"
        )
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (
            module_name == exc.name or module_name.startswith(f"{exc.name}.")
        ):
            raise UserError(
                f"cannot import {module_name!r}: no module named {exc.name!r} (run from the "
                "directory that holds it, or add that directory to PYTHONPATH)"
            ) from exc
        raise UserError(f"importing {module_name!r} failed: {_one_line(exc)}") from exc
    except Exception as exc:
        raise UserError(f"importing {module_name!r} failed: {_one_line(exc)}") from exc
    found: object = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise UserError(f"{module_name!r} has no attribute {attribute!r}") from None
    return found


def resolve_target(
    found: object,
    *,
    spec: str,
    voice: bool,
    simulator_options: Mapping[str, Any],
    environ: Mapping[str, str] = os.environ,
    model: str | None = None,
) -> ConsoleTarget:
    """The runner for what ``--agent`` named (an agent or a runner); ``model`` (``--model``)
    is the model an agent talks to (a runner keeps its own).

    Raises:
        UserError: ``found`` is neither a :class:`~rtvoice.RealtimeAgent` nor a
            :class:`~rtvoice.RealtimeRunner`, or (voice) its audio is not PCM16.
    """
    keyed = bool(environ.get("OPENAI_API_KEY"))
    if isinstance(found, RealtimeAgent):
        simulated = not keyed and found.provider is None
        runner: RealtimeRunner[Any] = RealtimeRunner(
            found,
            config=_console_config(voice, model),
            provider=_simulator_provider(simulator_options) if simulated else None,
        )
        return ConsoleTarget(
            runner=runner,
            simulated=simulated,
            simulator_options=simulator_options,
            needs_simulator=False,
        )
    if isinstance(found, RealtimeRunner):
        if model is not None:
            raise UserError(
                f"--model applies to an agent; {spec} is a RealtimeRunner, which names its own "
                "model in its config: leave --model out"
            )
        if voice:
            _require_pcm16(found, spec)
        nowhere = found.starting_agent.provider is None and found.provider is None
        from ..simulator import SimulatorProvider

        provider = found.starting_agent.provider or found.provider
        return ConsoleTarget(
            runner=found,
            simulated=(nowhere and not keyed) or isinstance(provider, SimulatorProvider),
            simulator_options=simulator_options,
            needs_simulator=nowhere and not keyed,
        )
    kind = type(found).__name__
    raise UserError(f"--agent {spec}: is a {kind}, not a RealtimeAgent or a RealtimeRunner")


def _console_config(voice: bool, model: str | None = None) -> RealtimeRunConfig:
    """Text mode asks for text answers; voice mode for speech, with the user's speech
    transcribed so that it can be shown. GPT-Live always speaks and transcribes: the
    console shows its transcript in text mode."""
    if model is not None and is_live_model(model):
        return {"model_settings": {"model_name": model}}
    if model is not None:
        config = _console_config(voice)
        config["model_settings"] = {**config.get("model_settings", {}), "model_name": model}
        return config
    if voice:
        return {
            "model_settings": {
                "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}
            }
        }
    return {"model_settings": {"output_modalities": ["text"]}}


def _simulator_provider(options: Mapping[str, Any]) -> Any:
    from ..simulator import SimulatorProvider

    return SimulatorProvider(**options)


def _require_pcm16(runner: RealtimeRunner[Any], spec: str) -> None:
    model = runner.settings.model
    for side, fmt in (("input", model.input_format), ("output", model.output_format)):
        if fmt != "pcm16":
            raise UserError(
                f"--agent {spec}: voice mode plays and records PCM16 at 24 kHz, but the "
                f"runner's {side} audio is {fmt} (set audio.{side}.format to pcm16, or use "
                "text mode)"
            )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
