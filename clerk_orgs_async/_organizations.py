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
    """The organization endpoints, as ``clerk.organizations``.

    Besides what each method lists, every call may raise the errors of any request:
    ``RateLimitError`` (a 429 that could not be waited out), ``ServerError``,
    ``AuthenticationError`` (a wrong key: ``clerk_key_invalid``), ``APIConnectionError``,
    ``APITimeoutError`` and ``ClientClosedError``; see the errors guide.
    """

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
        Ordered by ``created_at`` (the default), iteration is drift-safe: no organization twice,
        every one that existed throughout at least once.

        Args:
            limit: the size of one page, 1..500.
            offset: where the first page starts (for one awaited page).
            query: exact match on ID, partial on name and slug.
            order_by: ``name``, ``created_at`` or ``members_count`` with ``+``/``-``
                (default ``-created_at``, sent explicitly: iteration relies on it).
            include_members_count: fill each organization's ``members_count``.
            include_missing_member_with_elevated_permissions: fill
                ``missing_member_with_elevated_permissions``.
            user_id: organizations with these members (prefix ``-`` to exclude).
            organization_id: these organizations (prefix ``-`` to exclude).
            max_items: stop iterating after this many organizations.
            prefetch: when iterating, keep this many further pages in flight.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's (``None``: no retries).

        Returns:
            A ``Paginator[Organization]``: ``await`` it for one ``Page``, ``async for`` it for
            every organization. Nothing is sent until then.

        Raises:
            InvalidRequestError: ``limit`` outside 1..500, a negative ``offset``, a wrong type
                (raised here, before any I/O).
            PaginationError: while iterating, pages that contradict each other.

        Example:
            ```python
            page = await clerk.organizations.list(limit=20, query="ac")
            async for org in clerk.organizations.list(order_by="name", max_items=100):
                print(org.slug)
            ```
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
        connection, a 5xx), a create with a ``slug`` looks the slug up and returns the
        organization only if this call made it; without a slug it raises rather than risk a
        duplicate (see docs/design/safe-writes.md).

        Args:
            name: the organization's name.
            created_by: the user ID of its creator, who becomes an ``org:admin`` member.
            slug: ``[a-z0-9-]``; derived from the name when left out.
            public_metadata: metadata the frontend can read.
            private_metadata: metadata only the backend can read.
            max_allowed_memberships: the most members (and pending invitations) it may have.
            created_at: a creation time to record instead of now (a ``datetime`` or RFC 3339).
            role_set_key: the role set its members' roles come from.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The new ``Organization``.

        Raises:
            InvalidRequestError: a slug outside ``[a-z0-9-]``, a blank name, a wrong type, or
                metadata JSON cannot carry; nothing was sent.
            UnprocessableEntityError: the slug is taken (``form_identifier_exists``).
            BadRequestError: ``created_by`` is not a user (``organization_creator_not_found``).
            ClerkError: the answer was lost and could not be looked up (no ``slug``):
                ``error.outcome_unknown`` is True.

        Example:
            ```python
            acme = await clerk.organizations.create(name="Acme", slug="acme", created_by="user_1")
            ```
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

        Args:
            organization_id_or_slug: its ID (``org_…``) or its slug.
            include_members_count: fill ``members_count``.
            include_missing_member_with_elevated_permissions: fill
                ``missing_member_with_elevated_permissions``.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``Organization``.

        Raises:
            NotFoundError: no organization has that ID or slug (``resource_not_found``).
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

        Args:
            organization_id: the organization's ID.
            name: a new name.
            slug: a new slug, ``[a-z0-9-]``.
            max_allowed_memberships: the most members it may have.
            admin_delete_enabled: whether its admins may delete it.
            public_metadata: replaces the public metadata whole (API versions before 2026-05-12).
            private_metadata: replaces the private metadata whole (likewise).
            created_at: a creation time to record (a ``datetime`` or RFC 3339).
            role_set_key: the role set its members' roles come from.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The updated ``Organization``.

        Raises:
            InvalidRequestError: a bad slug or type, or metadata under API version 2026-05-12;
                nothing was sent.
            NotFoundError: no such organization (``resource_not_found``).
            UnprocessableEntityError: the new slug is taken (``form_identifier_exists``).
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

        Args:
            organization_id: the organization's ID.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``DeletedObject`` with the organization's ID and ``deleted=True``.

        Raises:
            NotFoundError: no such organization (``resource_not_found``).
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
        """Deep-merge into the metadata (PATCH); a ``None`` value deletes that key.

        Args:
            organization_id: the organization's ID.
            public_metadata: merged into the public metadata.
            private_metadata: merged into the private metadata.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``Organization`` with its merged metadata.

        Raises:
            InvalidRequestError: metadata JSON cannot carry faithfully (``NaN``, sets, integers
                beyond 2**53, nesting deeper than 64 levels…); nothing was sent.
            NotFoundError: no such organization (``resource_not_found``).

        Example:
            ```python
            await clerk.organizations.merge_metadata(org.id, public_metadata={"plan": "pro"})
            ```
        """
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
        """Replace each given metadata field whole (PUT); fields left ``UNSET`` stay.

        Args:
            organization_id: the organization's ID.
            public_metadata: the new public metadata, whole.
            private_metadata: the new private metadata, whole.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``Organization`` with its new metadata.

        Raises:
            InvalidRequestError: metadata JSON cannot carry faithfully; nothing was sent.
            NotFoundError: no such organization (``resource_not_found``).
        """
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

        Args:
            organization_id: the organization's ID.
            file: the image: ``bytes``, a path, or a binary file object.
            content_type: its MIME type, when neither its name nor its bytes tell.
            filename: the name sent with it.
            uploader_user_id: the user who uploads it.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``Organization`` with its new ``image_url``.

        Raises:
            InvalidRequestError: not an accepted image type, or over 10 MB; nothing was sent.
            NotFoundError: no such organization (``resource_not_found``).
            PayloadTooLargeError: Clerk refused the upload's size (413).
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
        """Remove the organization's logo.

        Args:
            organization_id: the organization's ID.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``Organization`` without a logo.

        Raises:
            NotFoundError: no such organization, or it has no logo (``resource_not_found``).
        """
        return await self._request(
            "DELETE",
            ORGANIZATION + "/logo",
            _organization,
            ids={"organization_id": organization_id},
            timeout=timeout,
            retry=retry,
        )
