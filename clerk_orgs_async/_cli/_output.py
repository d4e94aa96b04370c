"""Output shared by the commands: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

import attrs
import click
from rich.console import Console
from rich.table import Column, Table


def to_data(value: Any) -> Any:
    """An attrs model as JSON-ready data (datetimes in ISO 8601)."""

    def serialize(_inst: Any, _field: Any, item: Any) -> Any:
        return item.isoformat() if isinstance(item, datetime) else item

    return attrs.asdict(value, value_serializer=serialize)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def table(
    title: str | None,
    columns: list[str],
    rows: list[list[str]],
    *,
    keep: Collection[str] = (),
) -> None:
    """Print a table on stdout; nothing is ever cut off.

    The ``keep`` columns (IDs, to copy and paste) stay on one line at their full width; the
    others fold onto more lines when the terminal (80 columns when piped) is too narrow.
    """
    grid = Table(
        *(
            Column(
                name,
                no_wrap=name in keep,
                min_width=max((len(row[i]) for row in rows), default=0) if name in keep else None,
                overflow="fold",
            )
            for i, name in enumerate(columns)
        ),
        title=title,
    )
    for row in rows:
        grid.add_row(*row)
    Console().print(grid)
