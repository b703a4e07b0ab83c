"""Every ```python block in README.md and docs/*.md runs, against the simulator.

The convention (also in docs/contributing.md):

* A block is executed as written, in a fresh namespace, with ``RTVOICE_SIMULATOR=1`` and no
  ``OPENAI_API_KEY``, so a runner built without a provider talks to the built-in simulator.
* A block may use ``await``, ``async with`` and ``async for`` at top level, as in
  ``python -m asyncio``: it then runs as one coroutine under ``anyio.run``.
* A block that defines ``async def main()`` and does not call it gets ``anyio.run(main)``.
* ``<!-- docs-test: continue -->`` on the line before a block runs it in the namespace of the
  previous block of the same page (a page that builds an example step by step).
* ``<!-- docs-test: setup NAME -->`` on the line before a block runs it through the setup
  ``NAME`` of :data:`docs_blocks.SETUPS`: what the block needs around it that a page's reader
  has (a Twilio media stream, OpenAI's HTTP API, an OTLP collector, the app under test),
  played on 127.0.0.1 by the simulator, and the checks that the block did its job.
* There is no way to leave a block out: a block that cannot run anywhere is not Python
  (write it as ``text``).
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

from docs_blocks import SETUPS, Docs
from rtvoice import RealtimeAgent, RealtimeRunner

ROOT = Path(__file__).resolve().parent.parent
BLOCK_TIMEOUT = 10.0

EXTRAS = frozenset(
    {
        "aiohttp",
        "numpy",
        "openai",
        "opentelemetry.exporter.otlp",
        "playwright",
        "soxr",
        "sounddevice",
        "starlette",
        "twilio",
    }
)
"""Modules of rtvoice's optional extras (and the web frameworks its adapters serve): a block
that imports one is skipped where it is not installed."""

FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)\s*$")
MARKER = re.compile(
    r"^\s*<!--\s*docs-test:\s*(?P<kind>continue|setup)(?:\s+(?P<name>[\w-]+))?\s*-->\s*$"
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
    setup: str | None

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
        kind = marker["kind"] if marker is not None else None
        name = marker["name"] if marker is not None else None
        if (kind == "setup") != (name is not None):
            raise AssertionError(
                f"{relative}:{start + 1}: only `setup` takes a name: {kind} {name}"
            )
        yield Block(
            path=relative,
            line=start + 1,
            code=textwrap.dedent("\n".join(body)) + "\n",
            continues=kind == "continue",
            setup=name,
        )


BLOCKS = [block for path in doc_files() for block in extract(path)]


async def _bounded(awaitable: Any) -> None:
    with anyio.fail_after(BLOCK_TIMEOUT):
        await awaitable


def _compile(block: Block) -> Any:
    return compile(block.code, block.id, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def _main_to_run(block: Block, namespace: dict[str, Any]) -> Any:
    """The block's ``async def main()``, if it defines one and does not run it itself."""
    calls_main = re.search(r"^\s*(anyio|asyncio)\.run\(main", block.code, re.M) is not None
    main = namespace.get("main")
    if inspect.iscoroutinefunction(main) and not calls_main and "def main" in block.code:
        return main
    return None


def execute(block: Block, namespace: dict[str, Any]) -> None:
    code = _compile(block)
    if code.co_flags & inspect.CO_COROUTINE:
        anyio.run(_bounded, eval(code, namespace))
    else:
        exec(code, namespace)
    main = _main_to_run(block, namespace)
    if main is not None:
        anyio.run(_bounded, main())


async def run_in_loop(block: Block, namespace: dict[str, Any]) -> None:
    """The block, in the running event loop (a setup runs it beside what it plays)."""
    code = _compile(block)
    if code.co_flags & inspect.CO_COROUTINE:
        await eval(code, namespace)
    else:
        exec(code, namespace)
    main = _main_to_run(block, namespace)
    if main is not None:
        await main()


def execute_with_setup(block: Block, namespace: dict[str, Any], mp: pytest.MonkeyPatch) -> None:
    assert block.setup is not None
    setup = SETUPS[block.setup]
    anyio.run(_bounded, setup(Docs(namespace, mp, lambda: run_in_loop(block, namespace))))


def chain(index: int) -> list[Block]:
    """The block at ``index`` with the blocks it continues, first to last."""
    blocks = [BLOCKS[index]]
    while blocks[0].continues and index > 0 and BLOCKS[index - 1].path == blocks[0].path:
        index -= 1
        blocks.insert(0, BLOCKS[index])
    return blocks


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The extra's module that ``exc`` says is missing, if it is one of :data:`EXTRAS`."""
    missing = exc.name or ""
    for module in EXTRAS:
        if (
            missing == module
            or missing.startswith(module + ".")
            or module.startswith(missing + ".")
        ):
            return module
    return None


@pytest.fixture(autouse=True)
def _simulator_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTVOICE_SIMULATOR", "1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def test_the_docs_have_python_blocks() -> None:
    assert len(BLOCKS) >= 50
    assert "README.md" in {block.path for block in BLOCKS}


def test_every_marker_is_understood() -> None:
    for path in doc_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "docs-test:" in line:
                assert MARKER.match(line), f"{path.name}:{number}: unknown marker {line!r}"


def test_every_setup_a_page_names_exists_and_is_used() -> None:
    named = {block.setup for block in BLOCKS if block.setup is not None}
    assert named == set(SETUPS), (named, set(SETUPS))


def test_a_skip_marker_is_refused() -> None:
    assert MARKER.match('<!-- docs-test: skip "needs a server" -->') is None
    assert MARKER.match("<!-- docs-test: setup twilio-stream -->") is not None


def test_a_missing_extra_is_recognized_by_its_module_path() -> None:
    exporter = ModuleNotFoundError("no", name="opentelemetry.exporter")
    assert missing_extra(exporter) == "opentelemetry.exporter.otlp"
    assert missing_extra(ModuleNotFoundError("no", name="aiohttp.web")) == "aiohttp"
    assert missing_extra(ModuleNotFoundError("no", name="opentelemetry_sdk")) is None
    assert missing_extra(ModuleNotFoundError("no", name="rtvoice.nothing")) is None


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[block.id for block in BLOCKS])
def test_docs_block_runs(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    block = BLOCKS[index]
    namespace = provided()
    steps = chain(index)
    for step in steps:
        assert step.setup is None or step is block, f"{block.id}: a setup block starts no chain"
        try:
            if step.setup is not None:
                execute_with_setup(step, namespace, monkeypatch)
            else:
                execute(step, namespace)
        except ModuleNotFoundError as exc:
            # A block about an extra runs where the extra is installed (the dev extra has
            # them all); the test-only environments of the dependency matrix skip it.
            module = missing_extra(exc)
            if module is None:
                raise
            pytest.skip(f"needs {module}, from an extra that is not installed here")
