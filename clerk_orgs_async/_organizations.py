"""``clerk.organizations``: the organization endpoints."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp

from ._logo import LogoFile, read_logo
from ._pagination import Paginator, created_at_order
from ._retry import Recovery, RetryPolicy
from ._sansio import build_query, json_body, path_segment, rfc3339, strs
from ._serialization import structurer
from ._transport import Timeout
from ._unset import UNSET, Unset
from .errors import InvalidRequestError, NotFoundError
from .models import DeletedObject, Organization

if TYPE_CHECKING:
    from ._client import ClerkClient

_SLUG = re.compile(r"[a-z0-9-]+")
_METADATA_UNSUPPORTED_FROM = "2026-05-12"
_organization = structurer(Organization)
_organizations = structurer(list[Organization])

Metadata = dict[str, Any] | None


def check_slug(slug: str | None | Unset) -> None:
    """Clerk's slug alphabet, checked before sending."""
    if isinstance(slug, str) and not _SLUG.fullmatch(slug):
        raise InvalidRequestError(
            f"a slug may contain only lowercase letters, digits and '-', got {slug!r}"
        )


def _check_max_memberships(value: int | None | Unset) -> None:
    if isinstance(value, int) and value < 0:
        raise InvalidRequestError(
            f"max_allowed_memberships must be 0 (unlimited) or more, got {value}"
        )


def _created_at(value: datetime | str | None | Unset) -> str | None | Unset:
    return rfc3339(value, "created_at") if isinstance(value, datetime | str) else value


class OrganizationsAPI:
    """The organization endpoints, as ``clerk.organizations``."""

    def __init__(self, client: ClerkClient) -> None:
        self._client = client

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
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> Paginator[Organization]:
        """List organizations: await for one page, or ``async for`` over all of them.

        ``limit`` is the size of one page (1..500; Clerk's default 10 for one awaited page,
        500 when iterating), never a total: use ``max_items`` to stop an iteration early.

        Args:
            query: exact match on ID, partial on name and slug.
            order_by: ``name``, ``created_at`` or ``members_count`` with ``+``/``-``
                (default ``-created_at``).
            user_id: organizations with these members (prefix ``-`` to exclude).
            organization_id: these organizations (prefix ``-`` to exclude).
            max_items: stop iterating after this many organizations.
            prefetch: when iterating, keep this many further pages in flight.

        Example::

            page = await clerk.organizations.list(limit=20, query="ac")
            async for org in clerk.organizations.list(order_by="name", max_items=100):
                print(org.slug)
        """
        filters = build_query(
            {
                "query": query,
                "order_by": order_by,
                "include_members_count": include_members_count,
                "include_missing_member_with_elevated_permissions": (
                    include_missing_member_with_elevated_permissions
                ),
                "user_id": strs(user_id),
                "organization_id": strs(organization_id),
            }
        )
        fetch = self._client._page_fetcher(
            ("organizations",), _organizations, filters, timeout=timeout, retry=retry
        )
        return Paginator(
            fetch,
            limit=limit,
            offset=offset,
            max_items=max_items,
            prefetch=prefetch,
            drift=created_at_order(order_by or "-created_at"),  # Clerk's default order
            name="organizations.list",
        )

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
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> Organization:
        """Create an organization; ``created_by`` becomes its first admin.

        If the request fails in a way that leaves its outcome unknown (a timeout, a dropped
        connection, a 5xx), a create with a ``slug`` looks the slug up and returns the
        organization when it matches what was asked, and retries only when it is absent.
        Without a slug it raises (``error.outcome_unknown`` is True) rather than risk a
        duplicate.

        Raises:
            InvalidRequestError: a slug outside ``[a-z0-9-]``, a negative limit.
            UnprocessableEntityError: the slug is taken (``form_identifier_exists``).
        """
        check_slug(slug)
        _check_max_memberships(max_allowed_memberships)
        body = json_body(
            {
                "name": name,
                "created_by": created_by,
                "slug": slug,
                "public_metadata": public_metadata,
                "private_metadata": private_metadata,
                "max_allowed_memberships": max_allowed_memberships,
                "created_at": _created_at(created_at),
                "role_set_key": role_set_key,
            }
        )

        async def recover() -> Organization | Recovery:
            try:
                org = await self.get(slug, timeout=timeout)  # type: ignore[arg-type]
            except NotFoundError:
                return Recovery.NOT_APPLIED
            if org.name == name and created_by in (UNSET, None, org.created_by):
                return org
            return Recovery.UNKNOWN

        return await self._client._call(
            "POST",
            ("organizations",),
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
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> Organization:
        """Fetch one organization by ID or by slug.

        Raises:
            NotFoundError: no organization has that ID or slug.
        """
        params = build_query(
            {
                "include_members_count": include_members_count,
                "include_missing_member_with_elevated_permissions": (
                    include_missing_member_with_elevated_permissions
                ),
            }
        )
        segment = path_segment(organization_id_or_slug, "organization_id_or_slug")
        return await self._client._call(
            "GET",
            ("organizations", segment),
            _organization,
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
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> Organization:
        """Update the given fields; those left ``UNSET`` are not sent and do not change.

        From API version 2026-05-12 on Clerk rejects metadata here: use ``merge_metadata``
        or ``replace_metadata``; this client refuses it before sending.
        """
        segment = path_segment(organization_id, "organization_id")
        check_slug(slug)
        _check_max_memberships(max_allowed_memberships)
        metadata_given = public_metadata is not UNSET or private_metadata is not UNSET
        if metadata_given and self._client.api_version >= _METADATA_UNSUPPORTED_FROM:
            raise InvalidRequestError(
                f"API version {self._client.api_version} does not accept metadata in update(); "
                "use merge_metadata() or replace_metadata()"
            )
        body = json_body(
            {
                "name": name,
                "slug": slug,
                "max_allowed_memberships": max_allowed_memberships,
                "admin_delete_enabled": admin_delete_enabled,
                "public_metadata": public_metadata,
                "private_metadata": private_metadata,
                "created_at": _created_at(created_at),
                "role_set_key": role_set_key,
            }
        )
        return await self._client._call(
            "PATCH",
            ("organizations", segment),
            _organization,
            body=body,
            timeout=timeout,
            retry=retry,
        )

    async def delete(
        self,
        organization_id: str,
        *,
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> DeletedObject:
        """Delete an organization with its memberships; this cannot be undone.

        When an attempt's outcome is unknown (its response was lost) and the retry finds the
        organization gone, the deletion is reported as done: the first attempt did it.
        """
        segment = path_segment(organization_id, "organization_id")
        return await self._client._call(
            "DELETE",
            ("organizations", segment),
            _deleted,
            timeout=timeout,
            retry=retry,
            gone=lambda: DeletedObject(object="organization", id=organization_id, deleted=True),
        )

    async def merge_metadata(
        self,
        organization_id: str,
        *,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
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
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
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
        timeout: float | Timeout | Unset,
        retry: RetryPolicy | None | Unset,
    ) -> Organization:
        segment = path_segment(organization_id, "organization_id")
        body = json_body({"public_metadata": public_metadata, "private_metadata": private_metadata})
        return await self._client._call(
            method,
            ("organizations", segment, "metadata"),
            _organization,
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
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> Organization:
        """Set or replace the logo from bytes, a path or a binary file object.

        The content type is taken from ``content_type``, else guessed from the file name, else
        from the bytes' magic number. JPEG, PNG, GIF, WebP and ICO up to 10 MB are accepted;
        anything else is refused before a byte is sent.
        """
        segment = path_segment(organization_id, "organization_id")
        data, kind, name = await read_logo(file, content_type, filename)

        def form() -> aiohttp.FormData:
            form = aiohttp.FormData()
            # A stream, not bytes: aiohttp warns about (and may refuse) large raw bytes fields.
            form.add_field("file", io.BytesIO(data), content_type=kind, filename=name)
            if uploader_user_id is not None:
                form.add_field("uploader_user_id", uploader_user_id)
            return form

        return await self._client._call(
            "PUT",
            ("organizations", segment, "logo"),
            _organization,
            body=form,
            timeout=timeout,
            retry=retry,
        )

    async def delete_logo(
        self,
        organization_id: str,
        *,
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> Organization:
        """Remove the organization's logo."""
        segment = path_segment(organization_id, "organization_id")
        return await self._client._call(
            "DELETE",
            ("organizations", segment, "logo"),
            _organization,
            timeout=timeout,
            retry=retry,
        )


_deleted = structurer(DeletedObject)
