"""What every list endpoint shares: page bounds, orderings, signed ID filters, time windows."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from clerk_orgs_async.testing._errors import param_invalid

MAX_PAGE = 500
MAX_FILTER_VALUES = 100


def check_page(limit: int, offset: int) -> None:
    """Refuse a ``limit`` outside 1..500 or a negative ``offset`` (422)."""
    if not 1 <= limit <= MAX_PAGE:
        raise param_invalid("limit", f"must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise param_invalid("offset", "must be greater than or equal to 0")


def parse_order(order_by: str, fields: Iterable[str]) -> tuple[str, bool]:
    """Return the field and whether the order is descending; ``+`` is implied."""
    field = order_by[1:] if order_by[:1] in ("+", "-") else order_by
    if field not in fields:
        raise param_invalid("order_by", f"{order_by!r} is not a supported order")
    return field, order_by.startswith("-")


def check_count(values: Collection[str], param: str) -> None:
    """Refuse more than :data:`MAX_FILTER_VALUES` values of one filter (422)."""
    if len(values) > MAX_FILTER_VALUES:
        raise param_invalid(param, f"accepts at most {MAX_FILTER_VALUES} values")


def split_signed(values: Sequence[str], param: str) -> tuple[set[str], set[str]]:
    """Split ``+id``/``-id``/``id`` filter values into the included and the excluded."""
    check_count(values, param)
    included, excluded = set(), set()
    for value in values:
        if value.startswith("-"):
            excluded.add(value[1:])
        else:
            included.add(value.removeprefix("+"))
    return included, excluded


def all_of(checks: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    """The predicate that holds when every one of ``checks`` does."""
    return lambda item: all(check(item) for check in checks)


def within(value: int | None, before: int | None, after: int | None) -> bool:
    """Whether a millisecond timestamp lies strictly between the given bounds."""
    if value is None:
        return False
    return (before is None or value < before) and (after is None or value > after)
