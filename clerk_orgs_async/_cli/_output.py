"""Output shared by the commands: JSON for scripts, progress bars for people."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import click
from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress

F = TypeVar("F", bound=Callable[..., Any])


def compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Decorators applied as if stacked in this order above a function."""

    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def progress_bar(label: str) -> Progress:
    """A progress bar on stderr, off when stderr is no terminal (a pipe, a log file, CI)."""
    # Imported here: only the long-running commands draw one.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )


def to_data(value: Any) -> Any:
    """An attrs model as JSON-ready data (datetimes in ISO 8601)."""

    def serialize(_inst: Any, _field: Any, item: Any) -> Any:
        return item.isoformat() if isinstance(item, datetime) else item

    return attrs.asdict(value, value_serializer=serialize)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
