"""Faster constructors for the frozen, slotted dataclasses of the event vocabularies.

A frozen dataclass's generated ``__init__`` writes each field with
``object.__setattr__(self, name, value)``: a global lookup, an attribute lookup and a call that
finds the slot by name, per field. That makes constructing a frozen event about 2.5 times as
costly as an unfrozen one, and the audio hot path builds several per 20 ms of audio (PROTOCOL.md
§9). :func:`compile_initializers` gives such a class an ``__init__`` with the same signature and
behaviour that writes each slot through its own descriptor instead, which costs what an
unfrozen ``__init__`` costs. The classes stay frozen: assigning an attribute still raises
:class:`dataclasses.FrozenInstanceError`; ``repr``, equality, hashing, ``replace`` and pattern
matching are the dataclass's own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

__all__ = ["compile_initializers"]


class _Factory:
    """The default of a field with a ``default_factory``: call the factory."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def compile_initializers(namespace: Mapping[str, object]) -> None:
    """Give every frozen, slotted dataclass defined in a module an ``__init__`` that writes its
    slots directly; called at the end of the module with ``globals()``.

    Args:
        namespace: The module's globals. Classes imported into it are left alone.

    Raises:
        TypeError: One of them has a ``__post_init__`` (a programming error, found at import).
    """
    module = namespace["__name__"]
    classes = [
        cls
        for cls in namespace.values()
        if isinstance(cls, type)
        and cls.__module__ == module
        and getattr(getattr(cls, "__dataclass_params__", None), "frozen", False)
        and "__slots__" in cls.__dict__
    ]
    # One compile for the whole module: compiling is most of the cost, and it is paid at import.
    scope: dict[str, Any] = {"_FACTORY": _FACTORY}
    source = "\n".join(_source(cls, f"_{n}_", scope) for n, cls in enumerate(classes))
    exec(source, scope)
    for n, cls in enumerate(classes):
        init = scope[f"_{n}_init"]
        generated = cls.__dict__["__init__"]  # the dataclass's own, whose signature this keeps
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        init.__module__ = module
        init.__doc__ = generated.__doc__
        init.__annotations__ = dict(generated.__annotations__)
        cls.__init__ = init  # type: ignore[misc]


def _source(cls: type, prefix: str, scope: dict[str, Any]) -> str:
    """The ``__init__`` of ``cls`` as source, named ``<prefix>init``; what it refers to goes
    into ``scope`` under names that start with ``prefix``."""
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__qualname__} has __post_init__, which this initializer skips")
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in dataclasses.fields(cls):
        setter = f"{prefix}set_{f.name}"
        scope[setter] = cls.__dict__[f.name].__set__
        factory = f"{prefix}factory_{f.name}"
        default = f"{prefix}default_{f.name}"
        has_factory = f.default_factory is not dataclasses.MISSING
        if has_factory:
            scope[factory] = f.default_factory
        elif f.default is not dataclasses.MISSING:
            scope[default] = f.default
        if not f.init:
            if has_factory:
                body.append(f"    {setter}(self, {factory}())")
            elif f.default is not dataclasses.MISSING:
                body.append(f"    {setter}(self, {default})")
            # else: left unset, as the dataclass's own __init__ does
            continue
        if has_factory:
            param = f"{f.name}=_FACTORY"
            value = f"{factory}() if {f.name} is _FACTORY else {f.name}"
        elif f.default is not dataclasses.MISSING:
            param = f"{f.name}={default}"
            value = f.name
        else:
            param = value = f.name
        (keyword if f.kw_only else positional).append(param)
        body.append(f"    {setter}(self, {value})")
    signature = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    return f"def {prefix}init({signature}):\n" + ("\n".join(body) or "    pass") + "\n"
