"""Fixture frames one change away from well formed, through ``OpenAICodec.decode`` (hypothesis).

Each case takes a literal server frame of ``fixtures/`` (the last frame of each type in each
flow: sessions of every shape, GA and beta names) and changes one thing somewhere inside it:
drops a key or an array element, gives a value another JSON type (nested junk included), or
adds an unknown key. Decoding must never raise, and:

* after any change, every ``DecodeError`` names the changed field, or a field inside it, by its
  dotted path (``item.id`` for a change to ``item.id``);
* an unknown key is ignored wherever it is added;
* the fields a client must not guess (ids, indices, deltas, function call argument events'
  names and call ids, an item's ``id`` and ``type``, a response's ``id``) reject every other
  JSON type and, when required, their absence, naming exactly that field, and accept ``null``
  or absence exactly where it is allowed (an optional ``previous_item_id``);
* a change anywhere the server may grow (inside a session, a response but its ``id``, an item
  but its ``id`` and ``type``, a content part) never makes a ``DecodeError``: the event flows.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, get_args

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rtvoice.model.events import DecodeError, ModelEvent
from rtvoice.model.openai import OpenAICodec

from .flows import flow_names, server_frames

Path = tuple[str | int, ...]

FRAMES: list[dict[str, Any]] = [
    frame.obj
    for name in flow_names()
    for frame in {f.obj["type"]: f for f in server_frames(name)}.values()
    if len(frame.text) < 4000  # the long audio deltas add nothing the short ones miss
]
"""The last frame of each type in each flow."""


def paths(value: Any, at: Path = ()) -> list[Path]:
    """Every key and index inside ``value`` (not the frame's own ``type``)."""
    if isinstance(value, dict):
        children: list[tuple[str | int, Any]] = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    else:
        return []
    found: list[Path] = []
    for key, child in children:
        if (*at, key) != ("type",):
            found.append((*at, key))
        found.extend(paths(child, (*at, key)))
    return found


def dotted(path: Path) -> str:
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else seg)
    return out


def get(obj: Any, path: Path) -> Any:
    for seg in path:
        obj = obj[seg]
    return obj


def changed(obj: dict[str, Any], path: Path, change: str, value: Any = None) -> str:
    """``obj`` with the value at ``path`` dropped or replaced, as JSON text."""
    out = copy.deepcopy(obj)
    parent = get(out, path[:-1])
    if change == "drop":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return json.dumps(out)


def kind(value: Any) -> str:
    """The JSON type of ``value`` (integers and decimals apart, as the decoder keeps them)."""
    if value is None or isinstance(value, bool):
        return repr(value) if value is None else "bool"
    return type(value).__name__


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4)
    | st.sampled_from(["7", "inf", "audio", "message", "zz"]),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)


def decode(frame: str, dialect: str) -> list[ModelEvent]:
    events = OpenAICodec(dialect).decode(frame)  # type: ignore[arg-type]
    assert events
    assert all(isinstance(event, get_args(ModelEvent)) for event in events)
    return events


def reported_paths(events: list[ModelEvent], event_type: str) -> list[str]:
    """The field each ``DecodeError`` names (the first quoted path of its reason)."""
    found = []
    for event in events:
        if isinstance(event, DecodeError):
            assert event.event_type == event_type
            assert event.reason.startswith(f"{event_type}: "), event.reason
            assert "unexpected decoder failure" not in event.reason, event.reason
            match = re.match(r"[^:]+: [^']*'([^']*)'", event.reason)
            assert match, event.reason
            found.append(match.group(1))
    return found


def within(reported: str, changed_path: str) -> bool:
    return reported == changed_path or reported.startswith((changed_path + ".", changed_path + "["))


DROP = object()
"""Stands for "remove the key or element" among the drawn changes."""
changes = st.just(DROP) | json_values
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def with_classic_changes(test: Any) -> Any:
    """Always try the changes a lenient reader is likeliest to let through, as well as what
    hypothesis draws: absence, ``null``, a boolean, a number in a string, a decimal, an empty
    string, nested junk."""
    for change in (DROP, None, True, "7", 1.5, "", [{}], {"zz": [1]}):
        test = example(change=change, dialect="ga")(test)
    return test


CASES = [(obj, path) for obj in FRAMES for path in paths(obj)]


def apply(obj: dict[str, Any], path: Path, change: Any) -> str | None:
    """``obj`` with ``change`` made at ``path``, or ``None`` when it would change nothing's
    JSON type (a replacement must be of another type)."""
    if change is DROP:
        return changed(obj, path, "drop")
    if kind(change) == kind(get(obj, path)):
        return None
    return changed(obj, path, "retype", change)


@PROPERTY
@with_classic_changes
@given(change=changes, dialect=st.sampled_from(["ga", "beta"]))
def test_any_one_change_decodes_or_names_the_changed_field(change: Any, dialect: str) -> None:
    for obj, path in CASES:
        frame = apply(obj, path, change)
        if frame is None:
            continue
        for reported in reported_paths(decode(frame, dialect), obj["type"]):
            assert within(reported, dotted(path)), (obj["type"], dotted(path), reported)


OBJECT_CASES = [(obj, ()) for obj in FRAMES] + [
    (obj, path) for obj, path in CASES if isinstance(get(obj, path), dict)
]


@settings(max_examples=20, deadline=None)
@given(junk=json_values.filter(lambda v: isinstance(v, str)) | st.text(max_size=5))
def test_an_unknown_key_is_ignored_wherever_it_is_added(junk: str) -> None:
    for obj, path in OBJECT_CASES:
        out = copy.deepcopy(obj)
        get(out, path)["zz_unknown"] = junk
        events = decode(json.dumps(out), "ga")
        assert reported_paths(events, obj["type"]) == [], (obj["type"], dotted(path))


# ---------------------------------------------------------------------------------------------
# Where the client must not guess

Rule = tuple[str, bool, bool]
"""A strict field's JSON type (as :func:`kind` names it), whether it is required, whether
``null`` is allowed."""


def required(json_type: str) -> Rule:
    return (json_type, True, False)


def optional(json_type: str) -> Rule:
    """May be absent or ``null``."""
    return (json_type, False, True)


_TOP_LEVEL = {
    "response_id": required("str"),
    "item_id": required("str"),
    "output_index": required("int"),
    "content_index": required("int"),
    "delta": required("str"),
    "call_id": required("str"),
    "name": required("str"),
    "arguments": required("str"),
    "text": required("str"),
    "transcript": required("str"),
    "audio_start_ms": required("int"),
    "audio_end_ms": required("int"),
    "previous_item_id": optional("str"),
}
_INPUT_TRANSCRIPTION = {"content_index": optional("int"), "delta": optional("str")}
_ITEM = {"type": required("str"), "id": required("str")}
_ITEM_AT = re.compile(r"item\.(\w+)$")
_RESPONSE = {"id": required("str")}


def strictness(obj: dict[str, Any], path: Path) -> Rule | None:
    """How the field at ``path`` must be read, for the fields the client must not guess."""
    text = dotted(path)
    if len(path) == 1:
        if obj["type"].startswith("conversation.item.input_audio_transcription."):
            return _INPUT_TRANSCRIPTION.get(text, _TOP_LEVEL.get(text))
        return _TOP_LEVEL.get(text)
    if match := _ITEM_AT.match(text):
        return _ITEM.get(match.group(1))
    if path[0] == "response" and len(path) == 2:
        return _RESPONSE.get(str(path[1]))
    return None


STRICT_CASES = [
    (obj, path, rule) for obj, path in CASES if (rule := strictness(obj, path)) is not None
]


@PROPERTY
@with_classic_changes
@given(change=changes, dialect=st.sampled_from(["ga", "beta"]))
def test_a_strict_field_rejects_every_other_type_and_its_absence_when_required(
    change: Any, dialect: str
) -> None:
    named = {dotted(p).split(".")[-1].split("[")[0] for _, p, _ in STRICT_CASES}
    assert named >= {
        "response_id", "item_id", "output_index", "content_index", "delta", "call_id", "name",
        "arguments", "id", "type",
    }  # fmt: skip
    for obj, path, (json_type, is_required, nullable) in STRICT_CASES:
        if change is DROP:
            must_reject = is_required
        elif kind(change) == json_type:
            continue  # another value of the right type: an enum may or may not take it
        else:
            must_reject = not (change is None and nullable)
        frame = changed(obj, path, "drop" if change is DROP else "retype", change)
        reported = reported_paths(decode(frame, dialect), obj["type"])
        where = (obj["type"], dotted(path))
        assert reported == ([dotted(path)] if must_reject else []), (where, reported)


# ---------------------------------------------------------------------------------------------
# Where the server may grow


def grows(obj: dict[str, Any], path: Path) -> bool:
    """Whether ``path`` is inside an object the server may grow, where no change is an error:
    a session, a response (but its ``id``), an item (but its ``id`` and ``type``), a part."""
    if path[0] in ("session", "part"):
        return len(path) > 1
    if path[0] == "response":
        return len(path) > 1 and path[1] != "id"
    return path[0] == "item" and len(path) > 1 and path[1] not in ("id", "type")


GROWING_CASES = [(obj, path) for obj, path in CASES if grows(obj, path)]


@PROPERTY
@with_classic_changes
@given(change=changes, dialect=st.sampled_from(["ga", "beta"]))
def test_a_change_where_the_server_may_grow_still_gives_the_event(
    change: Any, dialect: str
) -> None:
    assert {p[0] for _, p in GROWING_CASES} == {"session", "response", "item", "part"}
    for obj, path in GROWING_CASES:
        frame = apply(obj, path, change)
        if frame is None:
            continue
        events = decode(frame, dialect)
        assert reported_paths(events, obj["type"]) == [], (obj["type"], dotted(path))
