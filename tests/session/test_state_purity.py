"""The conversation state is pure: no module of ``rtvoice.session.state`` may import an event
loop, the clock or the async session, nor await anything (read from the source, so a module
that breaks the rule fails here even if nothing runs the offending line)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rtvoice.session.state

STATE = Path(rtvoice.session.state.__file__).parent
MODULES = sorted(STATE.glob("*.py"))

FORBIDDEN = frozenset(
    {"anyio", "asyncio", "sniffio", "trio", "time", "datetime", "threading", "socket", "select"}
)
"""Top-level packages whose presence means IO, tasks or the clock."""

SESSION_VOCABULARIES = frozenset(
    {"rtvoice.session.events", "rtvoice.session.history", "rtvoice.session._messages"}
)
"""What of ``rtvoice.session`` outside the package the state may use: its public
vocabularies, nothing async."""


def module_name(path: Path) -> str:
    name = "rtvoice.session.state"
    return name if path.stem == "__init__" else f"{name}.{path.stem}"


def imports(source: str, module: str) -> set[str]:
    """Every module ``source`` (the module ``module``) imports, as absolute names."""
    package = module if module.endswith(".state") else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if node.module:
                found.add(target)
            else:  # ``from .. import x`` imports the module ``x`` of that package
                found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def violations(source: str, module: str) -> list[str]:
    """What in ``source`` breaks the state's rule."""
    found: list[str] = []
    for name in sorted(imports(source, module)):
        if name.split(".")[0] in FORBIDDEN:
            found.append(f"imports {name}")
        elif (
            name.startswith("rtvoice.session")
            and not name.startswith("rtvoice.session.state")
            and name not in SESSION_VOCABULARIES
        ):
            found.append(f"imports the session module {name}")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.AsyncFunctionDef | ast.Await | ast.AsyncFor | ast.AsyncWith):
            found.append(f"line {node.lineno}: {type(node).__name__}")
    return found


def test_the_package_holds_the_state_machine() -> None:
    names = {path.stem for path in MODULES}
    assert {"_machine", "_core", "_server_events", "_effects", "_audio_ledger"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.stem)
def test_state_module_is_pure(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8"), module_name(path)) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import anyio", ["imports anyio"]),
        ("from time import monotonic", ["imports time"]),
        ("import asyncio.queues", ["imports asyncio.queues"]),
        (
            "from .._reader import read_model",
            ["imports the session module rtvoice.session._reader"],
        ),
        ("from .. import _link", ["imports the session module rtvoice.session._link"]),
        ("from ... import tools", []),
        ("from ..events import AudioEvent\nfrom ._core import StateCore", []),
        ("async def step() -> None:\n    pass", ["line 1: AsyncFunctionDef"]),
        (
            "def step(x):\n    return (await x for _ in ())",
            ["line 2: Await"],
        ),
    ],
)
def test_the_check_catches_what_breaks_the_rule(source: str, expected: list[str]) -> None:
    assert violations(source, "rtvoice.session.state._example") == expected
