"""The instance's users and ``GET /users``' filters and orders; no HTTP.

The emulator's users are seeded (or sign up by accepting an invitation), never created over
HTTP, so only the read side of Clerk's users API is served: enough for code to discover the
users it may add to organizations.
"""

from __future__ import annotations

from collections.abc import (
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from typing import Any

import attrs

from clerk_orgs_async.testing._by_id import ById
from clerk_orgs_async.testing._errors import param_invalid
from clerk_orgs_async.testing._ids import new_id
from clerk_orgs_async.testing._listing import (
    MAX_FILTER_VALUES,
    all_of,
    check_page,
    parse_order,
    split_signed,
    within,
)
from clerk_orgs_async.testing._snapshot import SnapshotCheck, ids, records

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


@attrs.define(kw_only=True, eq=False)
class UserRecord:
    """A user of the emulated instance; only what memberships show and filter on."""

    id: str
    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    phone_number: str | None = None
    username: str | None = None
    web3_wallet: str | None = None
    image_url: str | None = None
    banned: bool = False
    created_at: int = 0
    last_active_at: int | None = None


UserSpec = str | Mapping[str, Any] | UserRecord
"""A user to seed: an ID, a mapping of :class:`UserRecord` fields, or a :class:`UserRecord`."""


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


class Users(ById[UserRecord]):
    """The users by ID, in the order they were added (a read-only mapping with its writes).

    Args:
        clock: the current Unix time in milliseconds.
    """

    KIND = "user"

    def __init__(self, clock: Callable[[], int]) -> None:
        self._now = clock
        self._latest_created_at = 0
        self._by_id: dict[str, UserRecord] = {}

    def add(self, user: UserSpec) -> UserRecord:
        """Add (or replace) a user given by ID, by a mapping of its fields, or as a record."""
        if isinstance(user, str):
            record = UserRecord(id=user, created_at=self._created_at())
        elif isinstance(user, UserRecord):
            record = user
        else:
            record = UserRecord(**{"created_at": self._created_at(), **user})
        self._by_id[record.id] = record
        self._latest_created_at = max(self._latest_created_at, record.created_at)
        return record

    def _created_at(self) -> int:
        # Users seeded together often share a millisecond: each gets a later one than the user
        # before, so GET /users (newest first) lists them in one order on any machine.
        return max(self._now(), self._latest_created_at + 1)

    def add_many(self, users: Iterable[UserSpec]) -> list[UserRecord]:
        """Add several users; see :meth:`add`."""
        return [self.add(user) for user in users]

    def seed(self, count: int) -> list[UserRecord]:
        """Add ``count`` users with names, emails, usernames and phone numbers to filter on."""
        start = len(self._by_id)
        return self.add_many(
            UserRecord(
                id=new_id("user"),
                first_name=f"First{n}",
                last_name=f"Last{n}",
                email_address=f"user{n}@example.com",
                phone_number=f"+1555{n:07d}",
                username=f"user{n}",
                created_at=self._created_at(),
            )
            for n in range(start + 1, start + count + 1)
        )

    def with_email(self, email: str) -> UserRecord | None:
        """The first user whose email address is ``email`` (compared in lowercase)."""
        return next(
            (u for u in self._by_id.values() if (u.email_address or "").lower() == email), None
        )

    def page(self, query: UserQuery, members_of: Callable[[str], set[str]]) -> list[UserRecord]:
        """One page of the users ``query`` selects, in its order.

        Args:
            query: the filters, order and page.
            members_of: the IDs of an organization's members (empty for an unknown one).
        """
        check_page(query.limit, query.offset)
        keep = _filter(query, members_of)
        selected = _order([u for u in self._by_id.values() if keep(u)], query.order_by)
        return selected[query.offset : query.offset + query.limit]

    def count(self, query: UserQuery, members_of: Callable[[str], set[str]]) -> int:
        """How many users the filters of ``query`` select (its order and page aside)."""
        keep = _filter(query, members_of)
        return sum(1 for user in self._by_id.values() if keep(user))

    def snapshot(self) -> list[dict[str, Any]]:
        """Every user as JSON-ready data."""
        return [attrs.asdict(u) for u in self._by_id.values()]

    def restore(self, snapshot: Iterable[Mapping[str, Any]]) -> None:
        """Replace the users with those saved by :meth:`snapshot` (no change is reported)."""
        self._by_id = {u.id: u for u in (UserRecord(**raw) for raw in snapshot)}
        latest = max((u.created_at for u in self._by_id.values()), default=0)
        self._latest_created_at = max(self._latest_created_at, latest)


def _filter(
    query: UserQuery, members_of: Callable[[str], set[str]]
) -> Callable[[UserRecord], bool]:
    checks: list[Callable[[UserRecord], bool]] = []
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
        checks.append(lambda u: within(u.last_active_at, *active))
    created = (query.created_at_before, query.created_at_after)
    if created != (None, None):
        checks.append(lambda u: within(u.created_at, *created))
    return all_of(checks)


def _equals(field: str, wanted: set[str]) -> Callable[[UserRecord], bool]:
    return lambda user: getattr(user, field) in wanted


def _contains(fields: Sequence[str], needle: str) -> Callable[[UserRecord], bool]:
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


def _order(users: list[UserRecord], order_by: str) -> list[UserRecord]:
    """Sorted by the field; users without it last either way, creation breaking ties."""
    name, descending = parse_order(order_by, _ORDER_FIELDS)
    field = _ORDER_FIELDS[name]
    present = [u for u in users if getattr(u, field) is not None]
    absent = [u for u in users if getattr(u, field) is None]
    # A stable sort of the creation order: ties stay in creation order.
    present.sort(key=lambda u: getattr(u, field), reverse=descending)
    return present + absent


def exact_filters(getall: Callable[[str], list[str]]) -> dict[str, list[str]]:
    """The exact-match filters present in a query string (``email_address=…`` and so on)."""
    found = {field: getall(field) for field in _EXACT}
    for field, values in found.items():
        if len(values) > MAX_FILTER_VALUES:
            raise param_invalid(field, f"accepts at most {MAX_FILTER_VALUES} values")
    return {field: values for field, values in found.items() if values}


def check_snapshot(check: SnapshotCheck) -> None:
    """Check a data file's ``users`` (see ``_snapshot``)."""
    check.ids["users"] = ids(records(check.snapshot, "users", UserRecord), "users")
