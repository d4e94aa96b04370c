"""Organizations and their logos, with Clerk's rules; no HTTP.

Listing keeps one sorted order per ``order_by`` until the next write, so walking 100,000
organizations page by page costs O(page) per request. Memberships are their own store; the
organization keeps only ``members_count``, which that store moves through
:meth:`Organizations.count_member`.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from collections.abc import (
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from typing import Any

import attrs

from clerk_orgs_async.testing._by_id import ById
from clerk_orgs_async.testing._changes import Changes
from clerk_orgs_async.testing._errors import ClerkAPIError, not_found, param_invalid
from clerk_orgs_async.testing._ids import new_id
from clerk_orgs_async.testing._listing import all_of, check_page, parse_order, split_signed
from clerk_orgs_async.testing._rules import (
    check_logo,
    check_name,
    check_slug,
    deep_merge,
    next_update,
    slugify,
    unique_slug,
)
from clerk_orgs_async.testing._snapshot import SnapshotCheck, field, ids, records, unique
from clerk_orgs_async.testing._users import Users

ORG_SORT_KEYS: dict[str, Callable[[OrganizationRecord], tuple[Any, ...]]] = {
    "created_at": lambda o: (o.created_at, o.seq),
    # Case-insensitive, as a database's natural-language collation sorts names.
    "name": lambda o: (o.name.casefold(), o.name, o.seq),
    "members_count": lambda o: (o.members_count, o.seq),
}


@attrs.define(kw_only=True, eq=False)
class OrganizationRecord:
    """An organization; ``seq`` is its creation sequence, the tie-breaker of every ordering."""

    id: str
    seq: int
    name: str
    slug: str
    created_at: int
    updated_at: int
    max_allowed_memberships: int
    created_by: str | None = None
    admin_delete_enabled: bool = True
    public_metadata: dict[str, Any] = attrs.Factory(dict)
    private_metadata: dict[str, Any] = attrs.Factory(dict)
    role_set_key: str | None = None
    image_id: str | None = None
    members_count: int = 0


def bytes_repr(data: bytes) -> str:
    """``<N bytes>``: a repr that does not print an upload."""
    return f"<{len(data)} bytes>"


@attrs.frozen(kw_only=True)
class LogoRecord:
    """An uploaded logo, served back at the organization's ``image_url``."""

    data: bytes = attrs.field(repr=bytes_repr)
    content_type: str


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


class Organizations(ById[OrganizationRecord]):
    """The organizations by ID, in creation order (a read-only mapping with its writes).

    Args:
        users: the instance's users (a creator or logo uploader must be one).
        clock: the current Unix time in milliseconds.
        default_max_allowed_memberships: for organizations created without one; 0 is unlimited.
        changes: where each change is reported (``organization.created``, ``.updated`` and
            ``.deleted``).
    """

    KIND = "organization"

    def __init__(
        self,
        users: Users,
        clock: Callable[[], int],
        *,
        default_max_allowed_memberships: int,
        changes: Changes | None = None,
    ) -> None:
        self._users = users
        self._now = clock
        self.default_max_allowed_memberships = default_max_allowed_memberships
        self._changes = changes or Changes()
        self.clear()

    def clear(self) -> None:
        """Forget every organization and logo."""
        self._seq = itertools.count()
        self._by_id: dict[str, OrganizationRecord] = {}
        self._slugs: dict[str, OrganizationRecord] = {}
        self._logos: dict[str, LogoRecord] = {}
        self._sorted: dict[tuple[str, bool], list[OrganizationRecord]] = {}

    def find(self, id_or_slug: str) -> OrganizationRecord:
        """The organization with this ID or slug, or Clerk's 404."""
        org = self._by_id.get(id_or_slug) or self._slugs.get(id_or_slug)
        if org is None:
            raise not_found("organization")
        return org

    def _changed(self, event: str, org: OrganizationRecord) -> None:
        self._sorted.clear()
        self._changes.emit(event, org)

    def _claim_slug(self, slug: str, org: OrganizationRecord | None) -> str:
        holder = self._slugs.get(check_slug(slug))
        if holder is not None and holder is not org:
            raise ClerkAPIError(
                422,
                "form_identifier_exists",
                "That slug is taken. Please try another.",
                "That slug is taken. Please try another.",
                meta={"param_name": "slug"},
            )
        return slug

    def create(
        self,
        name: str,
        *,
        slug: str | None = None,
        created_by: str | None = None,
        max_allowed_memberships: int | None = None,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
        created_at: int | None = None,
        role_set_key: str | None = None,
    ) -> OrganizationRecord:
        """Create an organization (its creator's membership is the aggregate's to add).

        A given slug must be free (422 ``form_identifier_exists``); a slug derived from the
        name gets ``-2``, ``-3``… appended until it is free, so creating by name never fails.
        """
        check_name(name)
        slug = (
            self._claim_slug(slug, None)
            if slug is not None
            else unique_slug(slugify(name), self._slugs)
        )
        if created_by is not None and created_by not in self._users:
            raise ClerkAPIError(
                400,
                "organization_creator_not_found",
                "Organization creator not found",
                f"No user with ID {created_by} exists to be the organization's creator.",
                meta={"param_name": "created_by"},
            )
        if max_allowed_memberships is not None and max_allowed_memberships < 0:
            raise param_invalid("max_allowed_memberships", "must be 0 (unlimited) or more")
        now = self._now()
        org = OrganizationRecord(
            id=new_id("org"),
            seq=next(self._seq),
            name=name,
            slug=slug,
            created_at=now if created_at is None else created_at,
            updated_at=now,
            created_by=created_by,
            max_allowed_memberships=(
                self.default_max_allowed_memberships
                if max_allowed_memberships is None
                else max_allowed_memberships
            ),
            public_metadata=dict(public_metadata or {}),
            private_metadata=dict(private_metadata or {}),
            role_set_key=role_set_key,
        )
        self._by_id[org.id] = org
        self._slugs[slug] = org
        self._changed("organization.created", org)
        return org

    def update(
        self,
        org_id: str,
        *,
        name: str | None = None,
        slug: str | None = None,
        max_allowed_memberships: int | None = None,
        admin_delete_enabled: bool | None = None,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
        created_at: int | None = None,
        role_set_key: str | None = None,
    ) -> OrganizationRecord:
        """Change the given fields (``None`` leaves one as it is); metadata is replaced whole."""
        org = self.require(org_id)
        if name is not None:
            check_name(name)
        if slug is not None:
            self._claim_slug(slug, org)
        if max_allowed_memberships is not None and max_allowed_memberships < 0:
            raise param_invalid("max_allowed_memberships", "must be 0 (unlimited) or more")
        if name is not None:
            org.name = name
        if slug is not None and slug != org.slug:
            del self._slugs[org.slug]
            self._slugs[slug] = org
            org.slug = slug
        if max_allowed_memberships is not None:
            org.max_allowed_memberships = max_allowed_memberships
        if admin_delete_enabled is not None:
            org.admin_delete_enabled = admin_delete_enabled
        if public_metadata is not None:
            org.public_metadata = dict(public_metadata)
        if private_metadata is not None:
            org.private_metadata = dict(private_metadata)
        if created_at is not None:
            org.created_at = created_at
        if role_set_key is not None:
            org.role_set_key = role_set_key
        org.updated_at = next_update(self._now(), org.updated_at)
        self._changed("organization.updated", org)
        return org

    def merge_metadata(
        self,
        org_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> OrganizationRecord:
        """Deep-merge into the organization's metadata; a ``None`` value deletes its key."""
        org = self.require(org_id)
        if public_metadata is not None:
            org.public_metadata = deep_merge(org.public_metadata, public_metadata)
        if private_metadata is not None:
            org.private_metadata = deep_merge(org.private_metadata, private_metadata)
        org.updated_at = next_update(self._now(), org.updated_at)
        self._changes.emit("organization.updated", org)
        return org

    def delete(self, org_id: str) -> OrganizationRecord:
        """Delete an organization and its logo (the aggregate drops what else it holds)."""
        org = self.require(org_id)
        del self._by_id[org_id]
        del self._slugs[org.slug]
        if org.image_id is not None:
            del self._logos[org.image_id]
        self._changed("organization.deleted", org)
        return org

    def count_member(self, org_id: str, delta: int) -> None:
        """Follow a membership added (``+1``) or removed (``-1``)."""
        self._by_id[org_id].members_count += delta
        self._sorted.clear()

    # Logos

    def set_logo(
        self,
        org_id: str,
        data: bytes,
        content_type: str,
        *,
        uploader_user_id: str | None = None,
    ) -> OrganizationRecord:
        """Store a logo (checked as Clerk does) and point the organization at it."""
        org = self.require(org_id)
        if uploader_user_id is not None:
            self._users.require(uploader_user_id)
        check_logo(data, content_type)
        if org.image_id is not None:
            del self._logos[org.image_id]
        org.image_id = new_id("img")
        self._logos[org.image_id] = LogoRecord(data=data, content_type=content_type)
        org.updated_at = next_update(self._now(), org.updated_at)
        self._changes.emit("organization.updated", org)
        return org

    def delete_logo(self, org_id: str) -> OrganizationRecord:
        """Remove the organization's logo, if it has one."""
        org = self.require(org_id)
        if org.image_id is not None:
            del self._logos[org.image_id]
            org.image_id = None
        org.updated_at = next_update(self._now(), org.updated_at)
        self._changes.emit("organization.updated", org)
        return org

    def logo(self, image_id: str) -> LogoRecord | None:
        """The logo stored under ``image_id``, if any."""
        return self._logos.get(image_id)

    # Listing and persistence

    def _ordered(self, order_by: str) -> list[OrganizationRecord]:
        key = parse_order(order_by, ORG_SORT_KEYS)
        ordered = self._sorted.get(key)
        if ordered is None:
            field, descending = key
            ordered = sorted(self._by_id.values(), key=ORG_SORT_KEYS[field], reverse=descending)
            self._sorted[key] = ordered
        return ordered

    def page(
        self, query: OrganizationQuery, orgs_of_user: Callable[[str], set[str]]
    ) -> tuple[list[OrganizationRecord], int]:
        """One page of the filtered, ordered organizations and the filtered total.

        Args:
            query: the filters, order and page.
            orgs_of_user: the IDs of a user's organizations (for the ``user_id`` filter).
        """
        check_page(query.limit, query.offset)
        ordered = self._ordered(query.order_by)
        if query.filtered:
            keep = _filter(query, orgs_of_user)
            ordered = [org for org in ordered if keep(org)]
        return ordered[query.offset : query.offset + query.limit], len(ordered)

    def snapshot(self) -> dict[str, Any]:
        """The organizations and logos as JSON-ready data."""
        return {
            "organizations": [attrs.asdict(o) for o in self._by_id.values()],
            "logos": {
                image_id: {
                    "content_type": logo.content_type,
                    "data": base64.b64encode(logo.data).decode(),
                }
                for image_id, logo in self._logos.items()
            },
        }

    def restore(
        self, organizations: Iterable[Mapping[str, Any]], logos: Mapping[str, Mapping[str, str]]
    ) -> None:
        """Replace the organizations and logos with those saved by :meth:`snapshot`."""
        self.clear()
        for raw in organizations:
            org = OrganizationRecord(**raw)
            self._by_id[org.id] = org
            self._slugs[org.slug] = org
        self._logos = {
            image_id: LogoRecord(
                data=base64.b64decode(raw["data"]), content_type=raw["content_type"]
            )
            for image_id, raw in logos.items()
        }
        self._seq = itertools.count(max((o.seq for o in self._by_id.values()), default=-1) + 1)


def _filter(
    query: OrganizationQuery, orgs_of_user: Callable[[str], set[str]]
) -> Callable[[OrganizationRecord], bool]:
    """The predicate for ``query``, ``user_id`` and ``organization_id``."""
    checks: list[Callable[[OrganizationRecord], bool]] = []
    if query.query:
        exact, needle = query.query, query.query.lower()
        checks.append(lambda o: o.id == exact or needle in o.name.lower() or needle in o.slug)
    if query.user_ids:
        included, excluded = split_signed(query.user_ids, "user_id")
        with_included = set().union(*(orgs_of_user(u) for u in included))
        with_excluded = set().union(*(orgs_of_user(u) for u in excluded))
        if included:
            checks.append(lambda o: o.id in with_included)
        checks.append(lambda o: o.id not in with_excluded)
    if query.organization_ids:
        included_ids, excluded_ids = split_signed(query.organization_ids, "organization_id")
        if included_ids:
            checks.append(lambda o: o.id in included_ids)
        checks.append(lambda o: o.id not in excluded_ids)
    return all_of(checks)


def check_snapshot(check: SnapshotCheck) -> None:
    """Check a data file's ``organizations`` and ``logos`` (see ``_snapshot``)."""
    orgs = records(check.snapshot, "organizations", OrganizationRecord)
    check.ids["organizations"] = ids(orgs, "organizations")
    unique((org["slug"] for org in orgs), "organizations", "slug")
    for image_id, logo in field(check.snapshot, "logos", dict).items():
        where = f"logos[{image_id!r}]"
        field(logo, "content_type", str, where)
        try:
            base64.b64decode(field(logo, "data", str, where), validate=True)
        except binascii.Error:
            raise ValueError(f"{where}.data is not base64") from None
