"""Tables for people that fit the terminal (80 columns when piped) and never break a value.

Each group declares its table once, as a :class:`View` of :class:`Col` (header, cell, how
the column gives way); ``--wide`` prints every cell whole.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timezone
from typing import Generic, Literal, TypeVar

import attrs
import click
from rich.cells import cell_len
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from clerk_orgs_async._cli._output import compose, echo_json, to_data

T = TypeVar("T")

Kind = Literal["whole", "word", "text"]
"""How a column gives way when a table is wider than the terminal:

- ``whole``: never shortened (IDs to copy and paste, addresses, dates);
- ``word``: one value (a slug, a role key, a status), shortened with an ellipsis;
- ``text``: words (a name, a list of changes), wrapped between words, then shortened.
"""

_SHORTEST = 8
"""Characters a ``word`` or ``text`` column keeps, at least, before optional columns are left
out and then the table grows."""


@attrs.frozen
class Col(Generic[T]):
    """One column of a table: its header, its cell for an item, how it gives way."""

    name: str
    cell: Callable[[T], str]
    kind: Kind = "word"
    optional: bool = False
    """Left out when the table cannot fit otherwise (``--wide`` shows it)."""


@attrs.frozen
class View(Generic[T]):
    """How a group's objects are printed: JSON, or a table of ``columns``."""

    columns: Sequence[Col[T]]

    def inserting(self, index: int, column: Col[T]) -> View[T]:
        """This view with one more column (the organization, when listing every one's)."""
        return View([*self.columns[:index], column, *self.columns[index:]])

    def show(self, items: Sequence[T], as_json: bool) -> None:
        """A JSON array, or a table with one row per item."""
        if as_json:
            echo_json([to_data(item) for item in items])
            return
        table(
            None,
            [(c.name, c.kind) for c in self.columns],
            [[c.cell(item) for c in self.columns] for item in items],
            optional=[c.name for c in self.columns if c.optional],
        )

    def show_one(self, item: T, as_json: bool) -> None:
        """A JSON object, or a table of one row."""
        if as_json:
            echo_json(to_data(item))
        else:
            self.show([item], as_json)


def day(moment: datetime | None) -> str:
    """A date for a table cell (the day in UTC); ``--json`` gives the whole timestamp."""
    return "" if moment is None else moment.astimezone(timezone.utc).date().isoformat()


def _wide(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta[_WIDE] = value


_WIDE = "clerk_orgs.wide"

output_options = compose(
    click.option("--json", "as_json", is_flag=True, help="Print JSON."),
    click.option(
        "--wide",
        is_flag=True,
        expose_value=False,
        callback=_wide,
        help="Print every cell whole, even past the terminal's width.",
    ),
)
"""``--json`` (passed as ``as_json``) and ``--wide``, for every command that prints a table."""


def table(
    title: str | None,
    columns: Sequence[tuple[str, Kind]],
    rows: list[list[str]],
    *,
    optional: Collection[str] = (),
) -> None:
    """Print a table on stdout, as wide as the terminal (80 columns when piped).

    When the cells do not fit, ``text`` columns wrap between words first, then ``word`` and
    ``text`` columns are shortened with an ellipsis, the longest first; no value is broken in
    the middle, and ``whole`` columns never give way. When even that is too wide, the
    ``optional`` columns are left out, the rightmost first, with a note under the table; then the
    lines grow past the terminal's width. ``--wide`` prints every cell whole.
    """
    shown = list(range(len(columns)))
    width = Console().width
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get(_WIDE):
        widths = [_Measure(columns[i], rows, i).natural for i in shown]
    else:
        measures = [_Measure(columns[i], rows, i) for i in shown]
        while _frame(len(shown)) + sum(measures[i].least for i in shown) > width:
            droppable = [i for i in shown if columns[i][0] in optional]
            if not droppable:
                break
            shown.remove(droppable[-1])
        budget = width - _frame(len(shown))
        unbroken = [measures[i].unbroken for i in shown]
        if sum(unbroken) <= budget:
            widths = fit([measures[i].natural for i in shown], unbroken, budget)
        else:
            widths = fit(unbroken, [measures[i].least for i in shown], budget)
    console = Console(width=max(width, _frame(len(shown)) + sum(widths)))
    grid = Table(
        *(
            Column(
                # The header may wrap between its words even where the cells may not.
                Text(columns[i][0], no_wrap=False, overflow="ellipsis"),
                width=w,
                no_wrap=columns[i][1] != "text",
                overflow="ellipsis",
            )
            for i, w in zip(shown, widths, strict=True)
        ),
        title=title,
    )
    for row in rows:
        # Text, not markup: a name holding "[b]" or "[/x]" is printed as written.
        grid.add_row(*(Text(row[i]) for i in shown))
    console.print(grid)
    hidden = [name for i, (name, _) in enumerate(columns) if i not in shown]
    if hidden:
        click.echo(f"({', '.join(hidden)} left out to fit {width} columns; --wide shows them)")


def _frame(columns: int) -> int:
    """Each column's padding and left border, and the right border."""
    return 3 * columns + 1


class _Measure:
    """A column's widths: ``natural`` (one line each), ``unbroken`` (text wrapped between
    words, nothing lost), ``least`` (shortened as far as it may be)."""

    def __init__(self, column: tuple[str, Kind], rows: list[list[str]], index: int) -> None:
        name, kind = column
        cells = max((_longest_line(row[index]) for row in rows), default=0)
        words = max((_longest_word(row[index]) for row in rows), default=0)
        heading = _longest_word(name)  # a header may wrap between its words in any column
        self.natural = max(cell_len(name), cells)
        self.unbroken = max(heading, words if kind == "text" else cells)
        self.least = (
            self.unbroken if kind == "whole" else max(heading, min(self.unbroken, _SHORTEST))
        )


def fit(widest: Sequence[int], least: Sequence[int], budget: int) -> list[int]:
    """Column widths between ``least`` and ``widest`` that add up to at most ``budget``,
    taken from the widest columns first; ``least`` itself when even that is over budget.

    Hand-written: rich's own fitting shortens every column evenly as a last resort, which
    cuts values that would fit whole if the longest ones gave way first.
    """
    if sum(widest) <= budget:
        return list(widest)
    if sum(least) >= budget:
        return list(least)

    def total(level: int) -> int:
        return sum(max(low, min(high, level)) for low, high in zip(least, widest, strict=True))

    # The highest level every column may reach (a column narrower than it keeps its width).
    low, high = 0, max(widest)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if total(middle) <= budget else (low, middle - 1)
    widths = [max(a, min(b, low)) for a, b in zip(least, widest, strict=True)]
    spare = budget - sum(widths)
    for i, width in enumerate(widths):  # what is left goes to the leftmost columns cut
        if spare and width < widest[i]:
            widths[i] += 1
            spare -= 1
    return widths


def _longest_line(cell: str) -> int:
    return max((cell_len(line) for line in cell.splitlines()), default=0)


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)
