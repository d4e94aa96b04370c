"""``GET /users``: its filters and orders, as pure functions over the emulator's users.

The emulator's users are seeded, never created over HTTP, so only the read side of Clerk's
users API is here: enough for code to discover the users it may add to organizations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from clerk_orgs_async.testing._errors import param_invalid
from clerk_orgs_async.testing._queries import (
    MAX_FILTER_VALUES,
    check_page,
    parse_order,
    split_signed,
)
from clerk_orgs_async.testing._records import User

_EXACT = ("email_address", "phone_number", "username", "web3_wallet")
_QUERY_FIELDS = (*_EXACT, "id", "first_name", "last_name")
# Clerk's "web3wallet" order names the web3_wallet field; the emulator has no sign-ins or
# updates of users, so those orders fall back on creation.
_ORDER_FIELDS = {
    "created_at": "created_at",
    "updated_at": "created_at",
    "email_address": "email_address",
    "web3wallet": "web3_wallet",
    "first_name": "first_name",
    "last_name": "last_name",
    "phone_number": "phone_number",
    "username": "username",
    "last_active_at": "last_active_at",
    "last_sign_in_at": "created_at",
}


@attrs.frozen(kw_only=True)
class UserQuery:
    """The parameters of ``GET /users`` the emulator takes."""

    user_ids: Sequence[str] = ()
    organization_ids: Sequence[str] = ()
    exact: Mapping[str, Sequence[str]] = attrs.Factory(dict)
    query: str | None = None
    partial: Mapping[str, str] = attrs.Factory(dict)
    banned: bool | None = None
    last_active_at_before: int | None = None
    last_active_at_after: int | None = None
    created_at_before: int | None = None
    created_at_after: int | None = None
    order_by: str = "-created_at"
    limit: int = 10
    offset: int = 0


def list_users(
    users: Sequence[User],
    query: UserQuery,
    members_of: Callable[[str], set[str]],
) -> list[User]:
    """One page of the users ``query`` selects, in its order.

    Args:
        users: every user, in creation order.
        query: the filters, order and page.
        members_of: the IDs of an organization's members (empty for an unknown one).
    """
    check_page(query.limit, query.offset)
    keep = _filter(query, members_of)
    selected = _order([u for u in users if keep(u)], query.order_by)
    return selected[query.offset : query.offset + query.limit]


def count_matching(
    users: Sequence[User],
    query: UserQuery,
    members_of: Callable[[str], set[str]],
) -> int:
    """How many of ``users`` the filters of ``query`` select (its order and page aside)."""
    keep = _filter(query, members_of)
    return sum(1 for user in users if keep(user))


def _filter(query: UserQuery, members_of: Callable[[str], set[str]]) -> Callable[[User], bool]:
    checks: list[Callable[[User], bool]] = []
    if query.user_ids:
        included, excluded = split_signed(query.user_ids, "user_id")
        if included:
            checks.append(lambda u: u.id in included)
        checks.append(lambda u: u.id not in excluded)
    if query.organization_ids:
        with_orgs, without_orgs = split_signed(query.organization_ids, "organization_id")
        inside = set().union(*(members_of(o) for o in with_orgs))
        outside = set().union(*(members_of(o) for o in without_orgs))
        if with_orgs:
            checks.append(lambda u: u.id in inside)
        checks.append(lambda u: u.id not in outside)
    for field, values in query.exact.items():
        checks.append(_equals(field, set(values)))
    if query.query:
        checks.append(_contains(_QUERY_FIELDS, query.query))
    for fields, needle in _partial_checks(query.partial):
        checks.append(_contains(fields, needle))
    if query.banned is not None:
        checks.append(lambda u: u.banned == query.banned)
    active = (query.last_active_at_before, query.last_active_at_after)
    if active != (None, None):
        checks.append(lambda u: _within(u.last_active_at, *active))
    created = (query.created_at_before, query.created_at_after)
    if created != (None, None):
        checks.append(lambda u: _within(u.created_at, *created))
    return lambda user: all(check(user) for check in checks)


def _equals(field: str, wanted: set[str]) -> Callable[[User], bool]:
    return lambda user: getattr(user, field) in wanted


def _contains(fields: Sequence[str], needle: str) -> Callable[[User], bool]:
    """A case-insensitive partial match on any of ``fields``."""
    lowered = needle.lower()
    return lambda user: any(lowered in (getattr(user, f) or "").lower() for f in fields)


def _partial_checks(partial: Mapping[str, str]) -> list[tuple[tuple[str, ...], str]]:
    fields = {"name_query": ("first_name", "last_name")}
    return [
        (fields.get(param, (param.removesuffix("_query"),)), needle)
        for param, needle in partial.items()
        if needle
    ]


def _order(users: list[User], order_by: str) -> list[User]:
    """Sorted by the field; users without it last either way, creation breaking ties."""
    name, descending = parse_order(order_by, _ORDER_FIELDS)
    field = _ORDER_FIELDS[name]
    present = [u for u in users if getattr(u, field) is not None]
    absent = [u for u in users if getattr(u, field) is None]
    # A stable sort of the creation order: ties stay in creation order.
    present.sort(key=lambda u: getattr(u, field), reverse=descending)
    return present + absent


def _within(value: int | None, before: int | None, after: int | None) -> bool:
    if value is None:
        return False
    return (before is None or value < before) and (after is None or value > after)


def exact_filters(getall: Callable[[str], list[str]]) -> dict[str, list[str]]:
    """The exact-match filters present in a query string (``email_address=…`` and so on)."""
    found = {field: getall(field) for field in _EXACT}
    for field, values in found.items():
        if len(values) > MAX_FILTER_VALUES:
            raise param_invalid(field, f"accepts at most {MAX_FILTER_VALUES} values")
    return {field: values for field, values in found.items() if values}
