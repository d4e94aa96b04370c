"""The list endpoints' parameters, filters and orderings, as pure functions over records."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import attrs

from clerk_orgs_async.testing._errors import param_invalid
from clerk_orgs_async.testing._records import Membership, Organization, User

MAX_PAGE = 500
MAX_FILTER_VALUES = 100
ORG_SORT_KEYS: dict[str, Callable[[Organization], tuple[Any, ...]]] = {
    "created_at": lambda o: (o.created_at, o.seq),
    # Case-insensitive, as a database's natural-language collation sorts names.
    "name": lambda o: (o.name.casefold(), o.name, o.seq),
    "members_count": lambda o: (o.members_count, o.seq),
}
_USER_SORT_FIELDS = ("phone_number", "email_address", "first_name", "last_name", "username")
_QUERY_FIELDS = (
    "email_address",
    "phone_number",
    "username",
    "web3_wallet",
    "id",
    "first_name",
    "last_name",
)


@attrs.frozen(kw_only=True)
class OrganizationQuery:
    """The parameters of ``GET /organizations``."""

    query: str | None = None
    user_ids: Sequence[str] = ()
    organization_ids: Sequence[str] = ()
    order_by: str = "-created_at"
    limit: int = 10
    offset: int = 0

    @property
    def filtered(self) -> bool:
        """Whether any filter applies (else a page is a slice of the cached order)."""
        return bool(self.query or self.user_ids or self.organization_ids)


@attrs.frozen(kw_only=True)
class MembershipQuery:
    """The parameters of ``GET /organizations/{id}/memberships``."""

    order_by: str = "-created_at"
    user_ids: Sequence[str] = ()
    email_addresses: Sequence[str] = ()
    phone_numbers: Sequence[str] = ()
    usernames: Sequence[str] = ()
    web3_wallets: Sequence[str] = ()
    roles: Sequence[str] = ()
    query: str | None = None
    email_address_query: str | None = None
    phone_number_query: str | None = None
    username_query: str | None = None
    name_query: str | None = None
    last_active_at_before: int | None = None
    last_active_at_after: int | None = None
    created_at_before: int | None = None
    created_at_after: int | None = None
    limit: int = 10
    offset: int = 0


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


def split_signed(values: Sequence[str], param: str) -> tuple[set[str], set[str]]:
    """Split ``+id``/``-id``/``id`` filter values into the included and the excluded."""
    _check_count(values, param)
    included, excluded = set(), set()
    for value in values:
        if value.startswith("-"):
            excluded.add(value[1:])
        else:
            included.add(value.removeprefix("+"))
    return included, excluded


def _check_count(values: Collection[str], param: str) -> None:
    if len(values) > MAX_FILTER_VALUES:
        raise param_invalid(param, f"accepts at most {MAX_FILTER_VALUES} values")


def _all(checks: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    return lambda item: all(check(item) for check in checks)


def organization_filter(
    query: OrganizationQuery, user_orgs: Mapping[str, set[str]]
) -> Callable[[Organization], bool]:
    """Build the predicate for ``query``, ``user_id`` and ``organization_id``."""
    checks: list[Callable[[Organization], bool]] = []
    if query.query:
        exact, needle = query.query, query.query.lower()
        checks.append(lambda o: o.id == exact or needle in o.name.lower() or needle in o.slug)
    if query.user_ids:
        included, excluded = split_signed(query.user_ids, "user_id")
        with_included = set().union(*(user_orgs.get(u, ()) for u in included))
        with_excluded = set().union(*(user_orgs.get(u, ()) for u in excluded))
        if included:
            checks.append(lambda o: o.id in with_included)
        checks.append(lambda o: o.id not in with_excluded)
    if query.organization_ids:
        included_ids, excluded_ids = split_signed(query.organization_ids, "organization_id")
        if included_ids:
            checks.append(lambda o: o.id in included_ids)
        checks.append(lambda o: o.id not in excluded_ids)
    return _all(checks)


def membership_filter(
    query: MembershipQuery, users: Mapping[str, User]
) -> Callable[[Membership], bool]:
    """Build the predicate for every filter of the memberships list."""
    checks: list[Callable[[Membership], bool]] = []

    def exact(attr: str, values: Sequence[str], param: str) -> None:
        _check_count(values, param)
        wanted = set(values)
        checks.append(lambda m: getattr(users[m.user_id], attr) in wanted)

    def partial(fields: Sequence[str], needle: str) -> None:
        lowered = needle.lower()
        checks.append(
            lambda m: any(lowered in (getattr(users[m.user_id], f) or "").lower() for f in fields)
        )

    if query.user_ids:
        included, excluded = split_signed(query.user_ids, "user_id")
        if included:
            checks.append(lambda m: m.user_id in included)
        checks.append(lambda m: m.user_id not in excluded)
    for attr, values in (
        ("email_address", query.email_addresses),
        ("phone_number", query.phone_numbers),
        ("username", query.usernames),
        ("web3_wallet", query.web3_wallets),
    ):
        if values:
            exact(attr, values, attr)
    if query.roles:
        _check_count(query.roles, "role")
        roles = set(query.roles)
        checks.append(lambda m: m.role in roles)
    for fields, needle in (
        (_QUERY_FIELDS, query.query),
        (("email_address",), query.email_address_query),
        (("phone_number",), query.phone_number_query),
        (("username",), query.username_query),
        (("first_name", "last_name"), query.name_query),
    ):
        if needle:
            partial(fields, needle)
    active = (query.last_active_at_before, query.last_active_at_after)
    if active != (None, None):
        checks.append(lambda m: _within(users[m.user_id].last_active_at, *active))
    created = (query.created_at_before, query.created_at_after)
    if created != (None, None):
        checks.append(lambda m: _within(m.created_at, *created))
    return _all(checks)


def sort_memberships(
    memberships: list[Membership], order_by: str, users: Mapping[str, User]
) -> list[Membership]:
    """Order memberships by their creation or by a field of their user.

    Members without that field come last in either direction, as SQL's ``NULLS LAST`` would
    put them; the creation sequence breaks ties so paging is stable.
    """
    field, descending = parse_order(order_by, ("created_at", *_USER_SORT_FIELDS))
    if field == "created_at":
        return sorted(memberships, key=lambda m: (m.created_at, m.seq), reverse=descending)
    present = [m for m in memberships if getattr(users[m.user_id], field) is not None]
    absent = [m for m in memberships if getattr(users[m.user_id], field) is None]
    present.sort(key=lambda m: (getattr(users[m.user_id], field), m.seq), reverse=descending)
    return present + absent


def _within(value: int | None, before: int | None, after: int | None) -> bool:
    """Whether a millisecond timestamp lies strictly between the given bounds."""
    if value is None:
        return False
    return (before is None or value < before) and (after is None or value > after)
