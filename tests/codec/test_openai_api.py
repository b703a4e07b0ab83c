"""The public surface of ``rtvoice.model.openai``: a short, sorted ``__all__`` that resolves,
documented classes, and a codec that stays sans-IO (no awaits anywhere in the package)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import rtvoice.model.openai as openai_pkg


def test_all_is_sorted_unique_and_resolves() -> None:
    names = list(openai_pkg.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(openai_pkg, name), name
    assert set(names) == {"ClientEventError", "Dialect", "OpenAICodec", "OpenAIServerCodec"}


def test_public_classes_and_methods_have_docstrings() -> None:
    for name in ("ClientEventError", "OpenAICodec", "OpenAIServerCodec"):
        cls = getattr(openai_pkg, name)
        assert inspect.getdoc(cls), name
        for attr, member in vars(cls).items():
            if not attr.startswith("_") and callable(member):
                assert inspect.getdoc(member), f"{name}.{attr}"


def test_the_codec_package_never_awaits_or_does_io() -> None:
    package = Path(openai_pkg.__file__).parent
    forbidden_modules = {"asyncio", "anyio", "socket", "websockets", "time", "threading"}
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.Await, ast.AsyncFunctionDef)), path.name
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & forbidden_modules, path.name
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert node.module.split(".")[0] not in forbidden_modules, path.name
