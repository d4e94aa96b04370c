"""Output shared by the commands: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import attrs
import click
from rich.console import Console
from rich.table import Table


def to_data(value: Any) -> Any:
    """An attrs model as JSON-ready data (datetimes in ISO 8601)."""

    def serialize(_inst: Any, _field: Any, item: Any) -> Any:
        return item.isoformat() if isinstance(item, datetime) else item

    return attrs.asdict(value, value_serializer=serialize)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def table(title: str | None, columns: list[str], rows: list[list[str]]) -> None:
    """Print a table on stdout."""
    grid = Table(*columns, title=title)
    for row in rows:
        grid.add_row(*row)
    Console().print(grid)
