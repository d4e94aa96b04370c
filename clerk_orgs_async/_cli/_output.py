"""Output shared by the commands: JSON for scripts, rich tables and progress bars for people."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
import click
from rich.cells import cell_len
from rich.console import Console
from rich.table import Column, Table

if TYPE_CHECKING:
    from rich.progress import Progress


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


_READABLE = 10
"""Characters a folded column keeps per line when a table is wider than the terminal."""


def table(
    title: str | None,
    columns: list[str],
    rows: list[list[str]],
    *,
    keep: Collection[str] = (),
) -> None:
    """Print a table on stdout; nothing is ever cut off.

    The ``keep`` columns (IDs, to copy and paste) stay on one line at their full width; the
    others fold onto more lines when the terminal (80 columns when piped) is too narrow. When
    even the ``keep`` columns do not fit, the lines grow past the terminal's width rather than
    lose their ends.
    """
    longest = [max((cell_len(row[i]) for row in rows), default=0) for i in range(len(columns))]
    least = [
        max(cell_len(name), width if name in keep else min(width, _READABLE))
        for name, width in zip(columns, longest, strict=True)
    ]
    console = Console()
    frame = 3 * len(columns) + 1  # each column's padding and left border, the right border
    kept = sum(width for name, width in zip(columns, least, strict=True) if name in keep)
    # Past the width anyway: the lines grow, and the other columns get room to be read.
    wide = kept + frame + len(columns) - len(keep) > console.width
    if wide:
        console = Console(width=frame + sum(least))
    grid = Table(
        *(
            Column(
                name,
                no_wrap=name in keep,
                min_width=width if wide or name in keep else None,
                overflow="fold",
            )
            for name, width in zip(columns, least, strict=True)
        ),
        title=title,
    )
    for row in rows:
        grid.add_row(*row)
    console.print(grid)
