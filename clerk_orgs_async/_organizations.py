"""``clerk.organizations``: the organization endpoints."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime

import aiohttp

from . import _rules as rules
from ._logo import LogoFile, read_logo
from ._pagination import Paginator
from ._resource import Listing, Lookup, Paging, Resource, Retries, Timeouts, deleted
from ._retry import Recovery
from ._rules import Metadata
from ._sansio import build_query, json_body
from ._serialization import structurer
from ._unset import UNSET, Unset
from .errors import NotFoundError
from .models import DeletedObject, Organization

_organization = structurer(Organization)
_organizations = structurer(list[Organization])
_deleted = structurer(DeletedObject)

ORGANIZATION = "/organizations/{organization_id}"
_LIST = Listing("/organizations", _organizations, "organizations.list")


def _include(members_count: bool | None, missing_member: bool | None) -> dict[str, bool | None]:
    return {
        "include_members_count": rules.boolean(members_count, "include_members_count"),
        "include_missing_member_with_elevated_permissions": rules.boolean(
            missing_member, "include_missing_member_with_elevated_permissions"
        ),
    }


class OrganizationsAPI(Resource):
    """The organization endpoints, as ``clerk.organizations``."""

    def list(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        query: str | None = None,
        order_by: str | None = None,
        include_members_count: bool | None = None,
        include_missing_member_with_elevated_permissions: bool | None = None,
        user_id: str | Iterable[str] | None = None,
        organization_id: str | Iterable[str] | None = None,
        max_items: int | None = None,
        prefetch: int = 0,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Paginator[Organization]:
        """List organizations: await for one page, or ``async for`` over all of them.

        ``limit`` is the size of one page (1..500; Clerk's default 10 for one awaited page,
        500 when iterating), never a total: use ``max_items`` to stop an iteration early.

        Args:
            query: exact match on ID, partial on name and slug.
            order_by: ``name``, ``created_at`` or ``members_count`` with ``+``/``-``
                (default ``-created_at``, sent explicitly: iteration relies on it).
            user_id: organizations with these members (prefix ``-`` to exclude).
            organization_id: these organizations (prefix ``-`` to exclude).
            max_items: stop iterating after this many organizations.
            prefetch: when iterating, keep this many further pages in flight.

        Example::

            page = await clerk.organizations.list(limit=20, query="ac")
            async for org in clerk.organizations.list(order_by="name", max_items=100):
                print(org.slug)
        """
        filters = {
            "query": rules.string(query, "query"),
            "order_by": rules.string(order_by, "order_by") or "-created_at",
            **_include(include_members_count, include_missing_member_with_elevated_permissions),
            "user_id": rules.strings(user_id, "user_id"),
            "organization_id": rules.strings(organization_id, "organization_id"),
        }
        paging = Paging(limit=limit, offset=offset, max_items=max_items, prefetch=prefetch)
        return self._list(_LIST, filters, paging, timeout, retry)

    async def create(
        self,
        *,
        name: str,
        created_by: str | None | Unset = UNSET,
        slug: str | None | Unset = UNSET,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        max_allowed_memberships: int | None | Unset = UNSET,
        created_at: datetime | str | None | Unset = UNSET,
        role_set_key: str | None | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Organization:
        """Create an organization; ``created_by`` becomes its first admin.

        If the request fails in a way that leaves its outcome unknown (a timeout, a dropped
        connection, a 5xx), a create with a ``slug`` looks the slug up: it returns the
        organization when it matches what was asked **and** was created after this call
        started (on the server's clock), and retries only when this call created nothing.
        An organization that already had the slug is never returned as created: the retry
        then raises the 422 the call would have raised. Without a slug it raises
        (``error.outcome_unknown`` is True) rather than risk a duplicate.

        Raises:
            InvalidRequestError: a slug outside ``[a-z0-9-]``, a blank name, a wrong type.
            UnprocessableEntityError: the slug is taken (``form_identifier_exists``).
        """
        body = json_body(
            {
                "name": rules.name(rules.string(name, "name", nullable=False)),
                "created_by": rules.string(created_by, "created_by"),
                "slug": rules.slug(slug),
                "public_metadata": rules.metadata(public_metadata, "public_metadata"),
                "private_metadata": rules.metadata(private_metadata, "private_metadata"),
                "max_allowed_memberships": rules.integer(
                    max_allowed_memberships, "max_allowed_memberships"
                ),
                "created_at": rules.rfc3339(created_at, "created_at"),
                "role_set_key": rules.string(role_set_key, "role_set_key"),
            }
        )

        async def recover(lookup: Lookup) -> Organization | Recovery:
            try:
                org = await self.get(slug, timeout=lookup.timeout, retry=lookup.retry)  # type: ignore[arg-type]
            except NotFoundError:
                return Recovery.NOT_APPLIED
            ours = lookup.made_by_this_call(org.created_at, org.id)
            if ours is None:
                return Recovery.UNKNOWN
            same = org.name == name and created_by in (UNSET, None, org.created_by)
            # The slug is unique: if another organization holds it, this call created nothing.
            return org if ours and same else Recovery.NOT_APPLIED

        return await self._request(
            "POST",
            "/organizations",
            _organization,
            body=body,
            timeout=timeout,
            retry=retry,
            recover=recover if isinstance(slug, str) else None,
        )

    async def get(
        self,
        organization_id_or_slug: str,
        *,
        include_members_count: bool | None = None,
        include_missing_member_with_elevated_permissions: bool | None = None,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Organization:
        """Fetch one organization by ID or by slug.

        Raises:
            NotFoundError: no organization has that ID or slug.
        """
        params = build_query(
            _include(include_members_count, include_missing_member_with_elevated_permissions)
        )
        return await self._request(
            "GET",
            ORGANIZATION,
            _organization,
            ids={"organization_id": organization_id_or_slug},
            params=params,
            timeout=timeout,
            retry=retry,
        )

    async def update(
        self,
        organization_id: str,
        *,
        name: str | None | Unset = UNSET,
        slug: str | None | Unset = UNSET,
        max_allowed_memberships: int | None | Unset = UNSET,
        admin_delete_enabled: bool | None | Unset = UNSET,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        created_at: datetime | str | None | Unset = UNSET,
        role_set_key: str | None | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Organization:
        """Update the given fields; those left ``UNSET`` are not sent and do not change.

        From API version 2026-05-12 on Clerk rejects metadata here: use ``merge_metadata``
        or ``replace_metadata``; this client refuses it before sending.
        """
        rules.metadata_in_update(
            self._client.api_version,
            public_metadata is not UNSET or private_metadata is not UNSET,
        )
        body = json_body(
            {
                "name": rules.name(name),
                "slug": rules.slug(slug),
                "max_allowed_memberships": rules.integer(
                    max_allowed_memberships, "max_allowed_memberships"
                ),
                "admin_delete_enabled": rules.boolean(admin_delete_enabled, "admin_delete_enabled"),
                "public_metadata": rules.metadata(public_metadata, "public_metadata"),
                "private_metadata": rules.metadata(private_metadata, "private_metadata"),
                "created_at": rules.rfc3339(created_at, "created_at"),
                "role_set_key": rules.string(role_set_key, "role_set_key"),
            }
        )
        return await self._request(
            "PATCH",
            ORGANIZATION,
            _organization,
            ids={"organization_id": organization_id},
            body=body,
            timeout=timeout,
            retry=retry,
        )

    async def delete(
        self,
        organization_id: str,
        *,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> DeletedObject:
        """Delete an organization with its memberships; this cannot be undone.

        When an attempt's outcome is unknown (its response was lost) and the retry finds the
        organization gone, the deletion is reported as done: the first attempt did it.
        """
        return await self._request(
            "DELETE",
            ORGANIZATION,
            _deleted,
            ids={"organization_id": organization_id},
            timeout=timeout,
            retry=retry,
            gone=deleted("organization", organization_id),
        )

    async def merge_metadata(
        self,
        organization_id: str,
        *,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Organization:
        """Deep-merge into the metadata (PATCH); a ``None`` value deletes that key."""
        return await self._metadata(
            "PATCH", organization_id, public_metadata, private_metadata, timeout, retry
        )

    async def replace_metadata(
        self,
        organization_id: str,
        *,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Organization:
        """Replace each given metadata field whole (PUT); fields left ``UNSET`` stay."""
        return await self._metadata(
            "PUT", organization_id, public_metadata, private_metadata, timeout, retry
        )

    async def _metadata(
        self,
        method: str,
        organization_id: str,
        public_metadata: Metadata | Unset,
        private_metadata: Metadata | Unset,
        timeout: Timeouts,
        retry: Retries,
    ) -> Organization:
        body = json_body(
            {
                "public_metadata": rules.metadata(public_metadata, "public_metadata"),
                "private_metadata": rules.metadata(private_metadata, "private_metadata"),
            }
        )
        return await self._request(
            method,
            ORGANIZATION + "/metadata",
            _organization,
            ids={"organization_id": organization_id},
            body=body,
            timeout=timeout,
            retry=retry,
        )

    async def upload_logo(
        self,
        organization_id: str,
        file: LogoFile,
        *,
        content_type: str | None = None,
        filename: str | None = None,
        uploader_user_id: str | None = None,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Organization:
        """Set or replace the logo from bytes, a path or a binary file object.

        The content type is taken from ``content_type``, else guessed from the file name, else
        from the bytes' magic number. JPEG, PNG, GIF, WebP and ICO up to 10 MB are accepted;
        anything else is refused before a byte is sent.
        """
        rules.string(content_type, "content_type")
        rules.string(filename, "filename")
        rules.string(uploader_user_id, "uploader_user_id")
        data, kind, name = await read_logo(file, content_type, filename)

        def form() -> aiohttp.FormData:
            form = aiohttp.FormData()
            # A stream, not bytes: aiohttp warns about (and may refuse) large raw bytes fields.
            form.add_field("file", io.BytesIO(data), content_type=kind, filename=name)
            if uploader_user_id is not None:
                form.add_field("uploader_user_id", uploader_user_id)
            return form

        return await self._request(
            "PUT",
            ORGANIZATION + "/logo",
            _organization,
            ids={"organization_id": organization_id},
            body=form,
            timeout=timeout,
            retry=retry,
        )

    async def delete_logo(
        self,
        organization_id: str,
        *,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Organization:
        """Remove the organization's logo."""
        return await self._request(
            "DELETE",
            ORGANIZATION + "/logo",
            _organization,
            ids={"organization_id": organization_id},
            timeout=timeout,
            retry=retry,
        )
