"""The compiled constructors of the frozen event vocabularies behave as the dataclass's own."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any

import pytest

import rtvoice.model.commands
import rtvoice.model.events
import rtvoice.model.items
import rtvoice.session.events
import rtvoice.session.history
from rtvoice._records import compile_initializers
from rtvoice.model.events import AudioDelta, UnknownEvent
from rtvoice.session.events import AudioChunk, AudioEvent

VOCABULARIES = [
    rtvoice.model.commands,
    rtvoice.model.events,
    rtvoice.model.items,
    rtvoice.session.events,
    rtvoice.session.history,
]


def _records() -> list[type]:
    found = []
    for module in VOCABULARIES:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and dataclasses.is_dataclass(value)
            ):
                found.append(value)
    return found


RECORDS = _records()


def _compiled(cls: type) -> bool:
    """Whether ``cls.__init__`` writes each field through its slot's setter, not through
    ``object.__setattr__`` as a frozen dataclass's own ``__init__`` does."""
    names = cls.__init__.__code__.co_names
    setters = {f.name for f in dataclasses.fields(cls) if f.init}
    return "__setattr__" not in names and all(
        any(name.endswith(f"_set_{field}") for name in names) for field in setters
    )


def test_every_frozen_record_of_the_vocabularies_has_a_compiled_constructor() -> None:
    assert len(RECORDS) > 90
    for cls in RECORDS:
        assert cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]
        assert _compiled(cls), cls
        assert cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: cls.__qualname__)
def test_signature_matches_the_fields(cls: type) -> None:
    params = list(inspect.signature(cls).parameters.values())
    fields = [f for f in dataclasses.fields(cls) if f.init]
    assert [p.name for p in params] == [f.name for f in fields]
    for p, f in zip(params, fields, strict=True):
        assert p.kind is (p.KEYWORD_ONLY if f.kw_only else p.POSITIONAL_OR_KEYWORD)
        if f.default is not dataclasses.MISSING:
            assert p.default == f.default
        elif f.default_factory is dataclasses.MISSING:
            assert p.default is p.empty


def test_an_audio_delta_is_built_read_and_stays_frozen() -> None:
    delta = AudioDelta(response_id="r", item_id="i", output_index=0, content_index=1, audio=b"ab")
    assert (delta.response_id, delta.item_id, delta.content_index, delta.audio) == (
        "r",
        "i",
        1,
        b"ab",
    )
    assert delta.type == "audio_delta"
    assert delta == AudioDelta(
        response_id="r", item_id="i", output_index=0, content_index=1, audio=b"ab"
    )
    assert hash(delta) == hash(dataclasses.replace(delta))
    assert repr(delta).startswith("AudioDelta(response_id='r', item_id='i'")
    with pytest.raises(FrozenInstanceError):
        delta.audio = b""  # type: ignore[misc]
    match AudioEvent(audio=AudioChunk(data=b"x", item_id="i", content_index=0, response_id="r")):
        case AudioEvent(audio=AudioChunk(data=data)):
            assert data == b"x"
        case _:
            pytest.fail("the event did not match its own class pattern")


def test_argument_errors_name_the_field() -> None:
    with pytest.raises(TypeError, match="audio"):
        AudioDelta(response_id="r", item_id="i", output_index=0, content_index=0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="volume"):
        AudioDelta(  # type: ignore[call-arg]
            response_id="r", item_id="i", output_index=0, content_index=0, audio=b"", volume=1
        )
    with pytest.raises(TypeError):
        AudioDelta("r", "i", 0, 0, b"")  # type: ignore[misc]


def test_a_default_factory_gives_each_instance_its_own_value() -> None:
    first, second = UnknownEvent(event_type="x"), UnknownEvent(event_type="y")
    assert first.raw == {}
    assert second.raw == {}
    assert first.raw is not second.raw


def _namespace(**classes: type) -> dict[str, Any]:
    return {"__name__": __name__, **classes}


def test_positional_keyword_and_init_false_fields() -> None:
    @dataclass(frozen=True, slots=True)
    class Mixed:
        a: int
        b: str = "b"
        c: list[int] = field(default_factory=list)
        d: int = field(default=7, init=False)
        e: int = field(default=0, kw_only=True)

    reference = Mixed(1, "x", [2], e=3)
    compile_initializers(_namespace(Mixed=Mixed))
    assert _compiled(Mixed)
    assert Mixed(1, "x", [2], e=3) == reference
    assert Mixed(1).c == []
    assert Mixed(1).c is not Mixed(1).c
    assert Mixed(1).d == 7
    with pytest.raises(TypeError):
        Mixed(1, d=8)  # type: ignore[call-arg]


def test_classes_from_other_modules_and_unfrozen_ones_are_left_alone() -> None:
    @dataclass(slots=True)
    class Plain:
        a: int

    original = Plain.__init__
    compile_initializers(_namespace(Plain=Plain, AudioDelta=AudioDelta))
    assert Plain.__init__ is original
    assert AudioDelta.__init__.__module__ == "rtvoice.model.events"


def test_a_post_init_is_refused_at_import() -> None:
    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:  # pragma: no cover - never called
            raise AssertionError

    with pytest.raises(TypeError, match="Checked has __post_init__"):
        compile_initializers(_namespace(Checked=Checked))
