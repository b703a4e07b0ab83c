"""The public surface of ``rtvoice.model.openai`` and of its ``server`` side: short, sorted
``__all__`` lists that resolve, documented classes, and a codec that stays sans-IO (no awaits
anywhere in either package)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from types import ModuleType

import pytest

import rtvoice.model.openai as client_pkg
import rtvoice.model.openai.server as server_pkg

PUBLIC = {
    client_pkg: {"Dialect", "OpenAICodec"},
    server_pkg: {"ClientEventError", "OpenAIServerCodec"},
}


@pytest.mark.parametrize("package", list(PUBLIC), ids=lambda p: p.__name__)
def test_all_is_sorted_unique_documented_and_resolves(package: ModuleType) -> None:
    names = list(package.__all__)
    assert names == sorted(names)
    assert set(names) == PUBLIC[package]
    for name in names:
        obj = getattr(package, name)
        if not inspect.isclass(obj):
            continue
        assert inspect.getdoc(obj), name
        for attr, member in vars(obj).items():
            if not attr.startswith("_") and callable(member):
                assert inspect.getdoc(member), f"{name}.{attr}"


def test_the_codec_packages_never_await_or_do_io() -> None:
    package = Path(client_pkg.__file__).parent
    forbidden_modules = {"asyncio", "anyio", "socket", "websockets", "time", "threading"}
    paths = sorted(package.rglob("*.py"))
    assert package / "server" / "_codec.py" in paths
    for path in paths:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.Await, ast.AsyncFunctionDef)), path.name
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & forbidden_modules, path.name
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert node.module.split(".")[0] not in forbidden_modules, path.name
