"""``clerk.organization_memberships``: the membership endpoints."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._pagination import Paginator, created_at_order
from ._retry import Recovery, RetryPolicy
from ._sansio import build_query, json_body, path_segment, strs
from ._serialization import structurer
from ._transport import Timeout
from ._unset import UNSET, Unset
from .models import OrganizationMembership

if TYPE_CHECKING:
    from ._client import ClerkClient

_membership = structurer(OrganizationMembership)
_memberships = structurer(list[OrganizationMembership])

Metadata = dict[str, Any] | None
Strings = str | Iterable[str] | None
Moment = datetime | int | None


class OrganizationMembershipsAPI:
    """The membership endpoints, as ``clerk.organization_memberships``."""

    def __init__(self, client: ClerkClient) -> None:
        self._client = client

    async def create(
        self,
        organization_id: str,
        *,
        user_id: str,
        role: str,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> OrganizationMembership:
        """Add a user to an organization with a role (``org:admin``, ``org:member``…).

        If the request fails in a way that leaves its outcome unknown, the membership is
        looked up by ``user_id``: it is returned when it exists with the role asked, and the
        request is retried only when it does not exist.

        Raises:
            UnprocessableEntityError: the user is already a member (``form_already_exists``).
            PermissionDeniedError: ``max_allowed_memberships`` is reached.
        """
        segment = path_segment(organization_id, "organization_id")
        path_segment(user_id, "user_id")
        body = json_body(
            {
                "user_id": user_id,
                "role": role,
                "public_metadata": public_metadata,
                "private_metadata": private_metadata,
            }
        )

        async def recover() -> OrganizationMembership | Recovery:
            page = await self.list(organization_id, user_id=[user_id], limit=1, timeout=timeout)
            if not page.data:
                return Recovery.NOT_APPLIED
            found = page.data[0]
            return found if found.role == role else Recovery.UNKNOWN

        return await self._client._call(
            "POST",
            ("organizations", segment, "memberships"),
            _membership,
            body=body,
            timeout=timeout,
            retry=retry,
            recover=recover,
        )

    def list(
        self,
        organization_id: str,
        *,
        limit: int | None = None,
        offset: int | None = None,
        order_by: str | None = None,
        user_id: Strings = None,
        email_address: Strings = None,
        phone_number: Strings = None,
        username: Strings = None,
        web3_wallet: Strings = None,
        role: Strings = None,
        query: str | None = None,
        email_address_query: str | None = None,
        phone_number_query: str | None = None,
        username_query: str | None = None,
        name_query: str | None = None,
        last_active_at_before: Moment = None,
        last_active_at_after: Moment = None,
        created_at_before: Moment = None,
        created_at_after: Moment = None,
        max_items: int | None = None,
        prefetch: int = 0,
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> Paginator[OrganizationMembership]:
        """List an organization's memberships: await for one page, ``async for`` for all.

        ``limit`` is the size of one page, never a total: ``max_items`` caps an iteration.
        Array filters take one value or many; ``user_id`` values may be prefixed with
        ``+``/``-``. The ``*_before``/``*_after`` filters take datetimes or milliseconds.
        """
        segment = path_segment(organization_id, "organization_id")
        filters = build_query(
            {
                "order_by": order_by,
                "user_id": strs(user_id),
                "email_address": strs(email_address),
                "phone_number": strs(phone_number),
                "username": strs(username),
                "web3_wallet": strs(web3_wallet),
                "role": strs(role),
                "query": query,
                "email_address_query": email_address_query,
                "phone_number_query": phone_number_query,
                "username_query": username_query,
                "name_query": name_query,
                "last_active_at_before": last_active_at_before,
                "last_active_at_after": last_active_at_after,
                "created_at_before": created_at_before,
                "created_at_after": created_at_after,
            }
        )
        fetch = self._client._page_fetcher(
            ("organizations", segment, "memberships"),
            _memberships,
            filters,
            timeout=timeout,
            retry=retry,
        )
        return Paginator(
            fetch,
            limit=limit,
            offset=offset,
            max_items=max_items,
            prefetch=prefetch,
            # Clerk documents no default order for memberships: only an explicit one is safe.
            drift=created_at_order(order_by),
            name="organization_memberships.list",
        )

    async def update(
        self,
        organization_id: str,
        user_id: str,
        *,
        role: str,
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> OrganizationMembership:
        """Change a member's role."""
        return await self._client._call(
            "PATCH",
            self._path(organization_id, user_id),
            _membership,
            body=json_body({"role": role}),
            timeout=timeout,
            retry=retry,
        )

    async def update_metadata(
        self,
        organization_id: str,
        user_id: str,
        *,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> OrganizationMembership:
        """Deep-merge into the membership's metadata; a ``None`` value deletes that key."""
        return await self._client._call(
            "PATCH",
            (*self._path(organization_id, user_id), "metadata"),
            _membership,
            body=json_body(
                {"public_metadata": public_metadata, "private_metadata": private_metadata}
            ),
            timeout=timeout,
            retry=retry,
        )

    async def delete(
        self,
        organization_id: str,
        user_id: str,
        *,
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
    ) -> OrganizationMembership | None:
        """Remove a member; returns the removed membership.

        Returns None when an attempt's response was lost and the retry found the membership
        already gone: the lost attempt removed it, so the removal is reported as done.
        """
        return await self._client._call(
            "DELETE",
            self._path(organization_id, user_id),
            _membership,
            timeout=timeout,
            retry=retry,
            gone=lambda: None,
        )

    @staticmethod
    def _path(organization_id: str, user_id: str) -> tuple[str, ...]:
        return (
            "organizations",
            path_segment(organization_id, "organization_id"),
            "memberships",
            path_segment(user_id, "user_id"),
        )
