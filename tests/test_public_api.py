"""The public API is a curated, sorted list, and every name in it exists."""

from __future__ import annotations

import importlib

import pytest

import rtvoice

PUBLIC_MODULES = [
    "rtvoice",
    "rtvoice.audio",
    "rtvoice.config",
    "rtvoice.errors",
    "rtvoice.integrations",
    "rtvoice.guardrails",
    "rtvoice.handoffs",
    "rtvoice.live",
    "rtvoice.middleware",
    "rtvoice.model",
    "rtvoice.model.live",
    "rtvoice.model.live.server",
    "rtvoice.model.openai",
    "rtvoice.model.openai.server",
    "rtvoice.openai_agents",
    "rtvoice.providers",
    "rtvoice.session",
    "rtvoice.simulator",
    "rtvoice.testing",
    "rtvoice.tools",
    "rtvoice.tracing",
    "rtvoice.transport",
    "rtvoice.usage",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_is_sorted_and_resolves(module_name: str) -> None:
    module = importlib.import_module(module_name)
    names = list(module.__all__)
    assert names == sorted(names), f"{module_name}.__all__ is not sorted"
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(module, name), f"{module_name}.__all__ names missing {name}"


def test_error_tree_has_one_root() -> None:
    for name in rtvoice.__all__:
        obj = getattr(rtvoice, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, rtvoice.RealtimeError), name


def test_package_is_typed() -> None:
    from importlib.resources import files

    assert files("rtvoice").joinpath("py.typed").is_file()
