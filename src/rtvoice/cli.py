"""The ``rtvoice`` command.

``rtvoice demo`` runs a small agent (a tool and a handoff) and prints the conversation;
``rtvoice console`` lets you talk to an agent (yours with ``--agent module:attribute``) by
text or, with ``--voice``, through the microphone and speaker; ``rtvoice simulate`` runs the
local realtime server until Ctrl-C; ``rtvoice --version`` prints the version.
``python -m rtvoice`` is the same command.

Each command imports what it runs (the simulator, the demo), so ``rtvoice --help`` and a
mistyped command answer without loading the server.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

import anyio

from ._version import __version__

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line naming the way to help, exit status 2 (as argparse's)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rtvoice", description="Server-side realtime voice agents.")
    parser.add_argument("--version", action="version", version=f"rtvoice {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser(
        "demo",
        help="run a small agent with a tool and a handoff, and print the conversation",
        description=(
            "A concierge agent with a weather tool hands off to a billing agent. Without "
            "OPENAI_API_KEY it runs against the built-in simulator; with it, against OpenAI."
        ),
    )

    console = commands.add_parser(
        "console",
        help="talk to an agent from the terminal, by text or by voice",
        description=(
            "Type to the agent and read its answers as they stream, with its tool calls, "
            "approvals and handoffs. Without OPENAI_API_KEY it runs against the built-in "
            "simulator. Leave with /quit or Ctrl-D."
        ),
    )
    console.add_argument(
        "--agent",
        metavar="MODULE:ATTRIBUTE",
        default=None,
        help="your RealtimeAgent or RealtimeRunner, e.g. myapp.agents:triage "
        "(default: a concierge with a weather tool and a billing handoff)",
    )
    console.add_argument(
        "--model",
        default=None,
        help="the model for an agent given by --agent (or the default one), e.g. gpt-live-1.1 "
        "for GPT-Live; a RealtimeRunner keeps its own",
    )
    console.add_argument(
        "--voice",
        action="store_true",
        help="talk through the microphone and speaker (needs: pip install 'rtvoice[console]'); "
        "the microphone is muted while the agent speaks, Enter interrupts it",
    )
    console.add_argument(
        "--push-to-talk",
        action="store_true",
        help="with --voice: the microphone is on only between one Enter and the next",
    )
    console.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="the simulator's speed: 1.0 real time (default), 0 as fast as it can",
    )

    simulate = commands.add_parser(
        "simulate",
        help="run the local realtime server (the simulator) until Ctrl-C",
        description=(
            "Serve the OpenAI Realtime protocol (GA) on loopback with a deterministic model. "
            "Point any client at the printed URL, with any non-empty API key."
        ),
    )
    simulate.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    simulate.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any)")
    simulate.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="speed of responses: 1.0 real time (default), 4.0 four times faster, 0 flood",
    )
    simulate.add_argument("--api-key", default=None, help="accept only this key")
    simulate.add_argument(
        "--max-session-minutes",
        type=float,
        default=60.0,
        help="session length before the server closes it (1001, as OpenAI does; default 60)",
    )
    simulate.add_argument(
        "--beta", action="store_true", help="accept OpenAI-Beta: realtime=v1 clients"
    )
    return parser


async def _simulate(args: argparse.Namespace) -> None:
    from .simulator import Simulator, SimulatorOptions

    simulator = Simulator(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        pace=args.pace or None,
        options=SimulatorOptions(max_session_seconds=args.max_session_minutes * 60),
        beta_mode=args.beta,
    )
    async with simulator:
        print(f"rtvoice simulator listening on {simulator.url}", flush=True)
        print(f"  session URL: {simulator.realtime_url('gpt-realtime')}", flush=True)
        print("  press Ctrl-C to stop", flush=True)
        await _until_stopped()
    print("stopped", file=sys.stderr)


async def _until_stopped() -> None:
    """Return on SIGINT or SIGTERM. Receiving the signal here, rather than letting Ctrl-C
    interrupt the event loop, ends the command the same way on every Python: on 3.10 the
    interrupted run surfaced as a ``CancelledError`` and exit status 1."""
    try:
        receiver = anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM)
    except NotImplementedError:  # pragma: no cover  (Windows: Ctrl-C interrupts the loop)
        await anyio.sleep_forever()
        return
    with receiver as signals:
        async for _ in signals:
            return


def _console(args: argparse.Namespace) -> int:
    """``rtvoice console``: 0 when the user leaves, 1 when the session fails, 2 for a usage
    error (one line on stderr), 130 on Ctrl-C."""
    from ._console import (
        DEFAULT_AGENT,
        VoiceMode,
        load_object,
        resolve_target,
        run_console,
        terminal_lines,
    )
    from .errors import UserError

    mode: VoiceMode | None = None
    if args.voice:
        mode = "push-to-talk" if args.push_to_talk else "half-duplex"
    try:
        if args.push_to_talk and not args.voice:
            raise UserError("--push-to-talk goes with --voice")
        if args.pace < 0:
            raise UserError(f"--pace must be 0 or more, got {args.pace}")
        found = DEFAULT_AGENT if args.agent is None else load_object(args.agent)
        target = resolve_target(
            found,
            spec=args.agent or "",
            voice=mode is not None,
            simulator_options={"pace": args.pace or None},
            model=args.model,
        )

        async def converse() -> int:
            status = 130  # stays so if Ctrl-C ends the conversation
            failure: list[UserError] = []
            async with anyio.create_task_group() as group:

                async def talk() -> None:
                    nonlocal status
                    try:
                        status = await run_console(
                            target, lines=terminal_lines(sys.stdin), out=sys.stdout, voice=mode
                        )
                    except UserError as exc:  # raised from here, not inside a task group
                        failure.append(exc)
                    group.cancel_scope.cancel()

                group.start_soon(talk)
                await _until_stopped()
                group.cancel_scope.cancel()
            if failure:
                raise failure[0]
            return status

        logging.basicConfig(level=logging.ERROR)
        return anyio.run(converse)
    except UserError as exc:
        print(f"rtvoice console: {exc}", file=sys.stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _build_parser().parse_args(argv)
    if args.command == "console":
        return _console(args)
    if args.command == "demo":
        from ._demo import run_demo

        logging.basicConfig(level=logging.ERROR)
        anyio.run(run_demo)
        return 0
    if args.command == "simulate":
        try:
            anyio.run(_simulate, args)
        except KeyboardInterrupt:  # pragma: no cover  (where no signal receiver exists)
            print("stopped", file=sys.stderr)
        except OSError as exc:  # the port is taken, the address not ours, ...
            where = f"{args.host}:{args.port}"
            why = os.strerror(exc.errno).lower() if exc.errno else str(exc)
            print(
                f"rtvoice simulate: cannot listen on {where}: {why} "
                "(choose another --port, or --port 0 for any free one)",
                file=sys.stderr,
            )
            return 2
        return 0
    return 2  # pragma: no cover  (argparse rejects unknown commands)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
