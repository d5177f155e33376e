"""What every command shares: the Typer apps, the --bootstrap-servers option, errors in words,
running a command's coroutine with Ctrl-C and SIGTERM handled, output files and positions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from .. import catalog, connect
from ..errors import StreamsError
from ..ranges import Position, parse_position

app = typer.Typer(
    help="Huntaze's event streams: the catalog, live tail, replay, export, dead letters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
dlq_app = typer.Typer(help="Dead-letter topics: what is in them, and re-driving them.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")

err = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    bootstrap: str = connect.DEFAULT_BOOTSTRAP


STATE = State()


@app.callback()
def options(
    bootstrap_servers: str = typer.Option(
        None, "--bootstrap-servers", "-b", help="Kafka address (default: $KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092)"
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the Kafka client's own warnings"),
) -> None:
    STATE.bootstrap = connect.bootstrap_servers(bootstrap_servers)
    # aiokafka logs every failed connection attempt; the tool says it once, in words
    logging.basicConfig(level=logging.WARNING if verbose else logging.CRITICAL, stream=sys.stderr)
    _guard(catalog.load_event_modules)


def _fail(exc: StreamsError) -> typer.Exit:
    err.print(f"[bold red]error:[/bold red] {exc.message}", soft_wrap=True)
    if exc.hint:
        err.print(f"       {exc.hint}", soft_wrap=True)
    return typer.Exit(exc.exit_code)


def _guard(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except StreamsError as exc:
        raise _fail(exc) from None


def _run(make: Callable[[], Awaitable[Any]], *, interrupt_code: int = 130) -> Any:
    """Runs the command's coroutine: errors in words, Ctrl-C/SIGTERM end it cleanly."""

    async def main() -> Any:
        task = asyncio.current_task()
        assert task is not None
        with contextlib.suppress(NotImplementedError):
            for sig in (signal.SIGTERM, signal.SIGINT):  # both end the command at its next await
                asyncio.get_running_loop().add_signal_handler(sig, task.cancel)
        return await make()

    try:
        return asyncio.run(main())
    except StreamsError as exc:
        raise _fail(exc) from None
    except (KeyboardInterrupt, asyncio.CancelledError):
        if interrupt_code:
            err.print("interrupted")
        raise typer.Exit(interrupt_code) from None
    except BrokenPipeError:  # the reader of stdout went away (| head): done
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None


def _wide() -> Console:
    """stdout; when it is not a terminal (a file, a pipe), wide enough not to cut the table."""
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=220)


def _open(path: Path) -> Any:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise _fail(StreamsError(f"cannot write {path}: {exc.strerror or exc}")) from None


def _position(text: str | None, default: Position) -> Position:
    return default if text is None else _guard(lambda: parse_position(text))
