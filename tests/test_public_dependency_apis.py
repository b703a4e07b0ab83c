"""rtvoice uses only the public interfaces of its dependencies (docs/architecture.md).

A module of ``src/`` may not import a dependency's private module (any dotted part starting
with ``_``) or read an underscore name from a dependency's module. This cannot see every
private attribute of every object, but it catches the way such reads usually begin.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "rtvoice"
DEPENDENCIES = ("websockets", "pydantic", "pydantic_core", "anyio", "opentelemetry", "sniffio")
MODULES = sorted(SRC.rglob("*.py"))


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: list[str] = []
    aliases: set[str] = set()  # names bound to a dependency module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in DEPENDENCIES:
                    aliases.add(alias.asname or alias.name.split(".")[0])
                    if _private(alias.name):
                        found.append(f"line {node.lineno}: import {alias.name}")
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and node.module.split(".")[0] in DEPENDENCIES
        ):
            if _private(node.module):
                found.append(f"line {node.lineno}: from {node.module} import ...")
            found += [
                f"line {node.lineno}: from {node.module} import {alias.name}"
                for alias in node.names
                if _private(alias.name)
            ]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_a_private_interface_of_a_dependency() -> None:
    found = {
        str(path.relative_to(SRC)): violations
        for path in MODULES
        if (violations := _violations(path))
    }
    assert found == {}


def test_the_check_sees_a_private_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import websockets.asyncio.client as c\n"
        "from anyio._core._eventloop import get_async_backend\n"
        "from websockets.http11 import _private_name\n"
        "import anyio\n"
        "anyio._backends\n"
    )
    assert len(_violations(sample)) == 3
