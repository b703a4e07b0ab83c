"""Every ```python block in README.md and docs/*.md runs, against the simulator.

The convention (also in docs/contributing.md):

* A block is executed as written, in a fresh namespace, with ``RTVOICE_SIMULATOR=1`` and no
  ``OPENAI_API_KEY``, so a runner built without a provider talks to the built-in simulator.
* A block may use ``await``, ``async with`` and ``async for`` at top level, as in
  ``python -m asyncio``: it then runs as one coroutine under ``anyio.run``.
* A block that defines ``async def main()`` and does not call it gets ``anyio.run(main)``.
* ``<!-- docs-test: continue -->`` on the line before a block runs it in the namespace of the
  previous block of the same page (a page that builds an example step by step).
* ``<!-- docs-test: skip "reason" -->`` on the line before a block leaves it out; the reason
  is required, and the number of skipped blocks is capped below so that exceptions stay few.
* A block that imports a module of an optional extra (:data:`EXTRAS`) is skipped where that
  module is not installed; the dev extra installs them all, so CI's main job runs it.
* The namespace provides three names a page's prose introduces (:func:`provided`):
  ``play(data)``, the user's speaker, which discards the audio; ``agent``, a
  ``RealtimeAgent(name="Assistant")``; ``runner``, a ``RealtimeRunner(agent)`` (on the
  simulator). Anything else a block uses, it defines or imports.

Each block must finish within :data:`BLOCK_TIMEOUT` seconds.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from rtvoice import RealtimeAgent, RealtimeRunner

ROOT = Path(__file__).resolve().parent.parent
BLOCK_TIMEOUT = 10.0

EXTRAS = frozenset(
    {"aiohttp", "numpy", "openai", "playwright", "soxr", "sounddevice", "starlette", "twilio"}
)
"""Modules of rtvoice's optional extras (and the web frameworks its adapters serve): a block
that imports one is skipped where it is not installed."""

FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)\s*$")
MARKER = re.compile(
    r'^\s*<!--\s*docs-test:\s*(?P<kind>continue|skip)(?:\s+"(?P<reason>[^"]+)")?\s*-->\s*$'
)


def play(data: bytes) -> None:
    """The user's speaker, in the docs' examples: here it discards the audio."""


def provided() -> dict[str, Any]:
    """What every block may use without defining it: ``play``, and the ``agent`` and
    ``runner`` the pages' prose introduces (a runner on the simulator, as ``RTVOICE_SIMULATOR``
    makes it)."""
    agent = RealtimeAgent(name="Assistant", instructions="Keep answers short.")
    return {"__name__": "__docs__", "play": play, "agent": agent, "runner": RealtimeRunner(agent)}


@dataclass(frozen=True)
class Block:
    path: str
    line: int
    code: str
    continues: bool
    skip: str | None

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def extract(path: Path) -> Iterator[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    relative = path.relative_to(ROOT).as_posix()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None or not opening["lang"]:
            index += 1
            continue
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and lines[index].strip() != "```":
            body.append(lines[index])
            index += 1
        index += 1
        if opening["lang"] != "python":
            continue
        marker = None
        previous = start - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        if previous >= 0:
            marker = MARKER.match(lines[previous])
        if marker is not None and marker["kind"] == "skip" and not marker["reason"]:
            raise AssertionError(f"{relative}:{start + 1}: a skipped block needs a reason")
        yield Block(
            path=relative,
            line=start + 1,
            code=textwrap.dedent("\n".join(body)) + "\n",
            continues=marker is not None and marker["kind"] == "continue",
            skip=marker["reason"] if marker is not None and marker["kind"] == "skip" else None,
        )


BLOCKS = [block for path in doc_files() for block in extract(path)]


async def _bounded(awaitable: Any) -> None:
    with anyio.fail_after(BLOCK_TIMEOUT):
        await awaitable


def execute(block: Block, namespace: dict[str, Any]) -> None:
    code = compile(block.code, block.id, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    calls_main = re.search(r"^\s*(anyio|asyncio)\.run\(main", block.code, re.M) is not None
    if code.co_flags & inspect.CO_COROUTINE:
        anyio.run(_bounded, eval(code, namespace))
    else:
        exec(code, namespace)
    main = namespace.get("main")
    if inspect.iscoroutinefunction(main) and not calls_main and "def main" in block.code:
        anyio.run(_bounded, main())


def chain(index: int) -> list[Block]:
    """The block at ``index`` with the blocks it continues, first to last."""
    blocks = [BLOCKS[index]]
    while blocks[0].continues and index > 0 and BLOCKS[index - 1].path == blocks[0].path:
        index -= 1
        blocks.insert(0, BLOCKS[index])
    return blocks


@pytest.fixture(autouse=True)
def _simulator_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTVOICE_SIMULATOR", "1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def test_the_docs_have_python_blocks() -> None:
    assert len(BLOCKS) >= 50
    assert "README.md" in {block.path for block in BLOCKS}


def test_the_skipped_blocks_are_few_and_named() -> None:
    skipped = {block.id: block.skip for block in BLOCKS if block.skip is not None}
    assert all(skipped.values())
    assert len(skipped) <= 9, skipped  # raise it only with a reason a reader would accept


def test_every_marker_is_understood() -> None:
    for path in doc_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "docs-test:" in line:
                assert MARKER.match(line), f"{path.name}:{number}: unknown marker {line!r}"


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[block.id for block in BLOCKS])
def test_docs_block_runs(index: int) -> None:
    block = BLOCKS[index]
    if block.skip is not None:
        pytest.skip(block.skip)
    namespace = provided()
    for step in chain(index):
        assert step.skip is None, f"{block.id} continues {step.id}, which is skipped"
        try:
            execute(step, namespace)
        except ModuleNotFoundError as exc:
            # A block about an extra runs where the extra is installed (the dev extra has
            # them all); the test-only environments of the dependency matrix skip it.
            top = (exc.name or "").split(".")[0]
            if top not in EXTRAS:
                raise
            pytest.skip(f"needs {top}, from an extra that is not installed here")
