"""The public surface of ``rtvoice.model.openai`` and of its ``server`` side: short, sorted
``__all__`` lists that resolve, documented classes, a codec that stays sans-IO (no awaits
anywhere in either package), and a client side that never loads the server side or pydantic."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
import textwrap
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


_CLIENT_ONLY = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {tests!r})
    from codec.flows import flow_names, server_frames
    import rtvoice.model.openai
    from rtvoice.model import commands as c, items as i, session_config as s
    from rtvoice.model.openai import OpenAICodec

    def loaded():
        return sorted(
            name for name in sys.modules
            if name.split(".")[0] in ("pydantic", "pydantic_core")
            or name.startswith("rtvoice.model.openai.server")
        )

    report = {{"import": loaded()}}
    for dialect in ("ga", "beta"):
        codec = OpenAICodec(dialect)
        for name in flow_names():
            for frame in server_frames(name):
                codec.decode(frame.text)
                obj = dict(frame.obj, response_id=7, item=[], session={{"type": 7}})
                codec.decode(json.dumps(obj))  # malformed: a DecodeError, still no pydantic
        session = s.SessionConfig(
            instructions="Be brief.", voice="marin", input_format="pcm16",
            turn_detection=s.ServerVad(threshold=0.5), transcription=None,
            tools=(s.FunctionTool(name="f", parameters={{"type": "object"}}),),
            tool_choice="auto", tracing="auto",
        )
        message = i.MessageItem(role="user", content=(i.InputText(text="hi"),))
        for command in (
            c.UpdateSession(session=session), c.AppendInputAudio(audio=b"\\x00\\x01"),
            c.CreateItem(item=message),
            c.CreateResponse(response=c.ResponseParams(input=(message,), voice="marin")),
        ):
            codec.encode(command)
    report["use"] = loaded()
    print(json.dumps(report))
    """
)


def test_the_client_codec_never_loads_the_server_side_or_pydantic() -> None:
    tests = str(Path(__file__).parent.parent)
    result = subprocess.run(
        [sys.executable, "-c", _CLIENT_ONLY.format(tests=tests)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(result.stdout) == {"import": [], "use": []}
