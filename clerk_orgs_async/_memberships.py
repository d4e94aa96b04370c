"""``clerk.organization_memberships``: the membership endpoints."""

from __future__ import annotations

import warnings
from collections.abc import Coroutine, Iterable
from datetime import datetime
from typing import Any

from . import _rules as rules
from ._pagination import Paginator
from ._resource import Listing, Lookup, Paging, Resource, Retries, Timeouts, nothing
from ._retry import Recovery
from ._rules import Metadata
from ._sansio import json_body, path_segment
from ._serialization import structurer
from ._unset import UNSET, Unset
from .models import OrganizationMembership

_membership = structurer(OrganizationMembership)
_memberships = structurer(list[OrganizationMembership])

Strings = str | Iterable[str] | None
Moment = datetime | int | None

MEMBERSHIPS = "/organizations/{organization_id}/memberships"
MEMBERSHIP = MEMBERSHIPS + "/{user_id}"
_LIST = Listing(MEMBERSHIPS, _memberships, "organization_memberships.list")
_LIST_ALL = Listing("/organization_memberships", _memberships, "organization_memberships.list_all")


class OrganizationMembershipsAPI(Resource):
    """The membership endpoints, as ``clerk.organization_memberships``.

    Besides what each method lists, every call may raise the errors of any request:
    ``RateLimitError``, ``ServerError``, ``AuthenticationError`` (``clerk_key_invalid``),
    ``APIConnectionError``, ``APITimeoutError`` and ``ClientClosedError``.
    """

    async def create(
        self,
        organization_id: str,
        *,
        user_id: str,
        role: str,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationMembership:
        """Add a user to an organization with a role (``org:admin``, ``org:member``…).

        If the request fails in a way that leaves its outcome unknown, the membership is
        looked up by ``user_id``: it is returned when it has the role asked and was created
        after this call started (on the server's clock); the request is retried only when
        this call created nothing. A membership that existed before is never returned as
        created: the retry then raises the error the call would have raised (see
        docs/design/safe-writes.md).

        Args:
            organization_id: the organization's ID.
            user_id: the user to add.
            role: the role key, such as ``org:member``.
            public_metadata: the membership's public metadata.
            private_metadata: the membership's private metadata.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The new ``OrganizationMembership``.

        Raises:
            InvalidRequestError: an empty ID, a wrong type, or metadata JSON cannot carry.
            BadRequestError: the user is already a member (``already_a_member_in_organization``).
            NotFoundError: no such organization or user (``resource_not_found``).
            UnprocessableEntityError: a role the instance does not have
                (``form_param_value_invalid``).
            PermissionDeniedError: ``max_allowed_memberships`` is reached
                (``organization_membership_quota_exceeded``).

        Example:
            ```python
            await clerk.organization_memberships.create(org.id, user_id="user_2", role="org:member")
            ```
        """
        path_segment(user_id, "user_id")  # an ID, refused empty like the path IDs
        body = json_body(
            {
                "user_id": user_id,
                "role": rules.string(role, "role", nullable=False),
                "public_metadata": rules.metadata(public_metadata, "public_metadata"),
                "private_metadata": rules.metadata(private_metadata, "private_metadata"),
            }
        )

        async def recover(lookup: Lookup) -> OrganizationMembership | Recovery:
            page = await self.list(
                organization_id,
                user_id=[user_id],
                limit=1,
                timeout=lookup.timeout,
                retry=lookup.retry,
            )
            if not page.data:
                return Recovery.NOT_APPLIED
            found = page.data[0]
            ours = lookup.made_by_this_call(found.created_at, found.id)
            if ours is None:
                return Recovery.UNKNOWN
            # One membership per user: one that is not this call's means it created nothing.
            return found if ours and found.role == role else Recovery.NOT_APPLIED

        return await self._request(
            "POST",
            MEMBERSHIPS,
            _membership,
            ids={"organization_id": organization_id},
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
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Paginator[OrganizationMembership]:
        """List an organization's memberships: await for one page, ``async for`` for all.

        ``limit`` is the size of one page, never a total: ``max_items`` caps an iteration.
        Clerk documents no default order for memberships: pass ``order_by="-created_at"``
        (or ``"created_at"``) for a drift-safe iteration.

        Args:
            organization_id: the organization's ID.
            limit: the size of one page, 1..500.
            offset: where the first page starts.
            order_by: ``created_at``, ``email_address``, ``phone_number``, ``first_name``,
                ``last_name`` or ``username``, with ``+``/``-``.
            user_id: only these users (one or many; prefix ``+``/``-``).
            email_address: only members with these email addresses.
            phone_number: only members with these phone numbers.
            username: only members with these usernames.
            web3_wallet: only members with these wallets.
            role: only members with these roles.
            query: a partial match on the member's ID, email, phone, username or name.
            email_address_query: a partial match on email addresses.
            phone_number_query: a partial match on phone numbers.
            username_query: a partial match on usernames.
            name_query: a partial match on names.
            last_active_at_before: last active before this moment (datetime or milliseconds).
            last_active_at_after: last active after this moment.
            created_at_before: became members before this moment.
            created_at_after: became members after this moment.
            max_items: stop iterating after this many memberships.
            prefetch: when iterating, keep this many further pages in flight.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``Paginator[OrganizationMembership]``; nothing is sent until it is awaited or
            iterated.

        Raises:
            InvalidRequestError: a bad ``limit``, ``offset`` or type, before any I/O.
            NotFoundError: no such organization (``resource_not_found``), when sent.

        Example:
            ```python
            admins = await clerk.organization_memberships.list(org.id, role="org:admin").collect()
            ```
        """
        filters = {
            "order_by": rules.string(order_by, "order_by"),
            "user_id": rules.strings(user_id, "user_id"),
            "email_address": rules.strings(email_address, "email_address"),
            "phone_number": rules.strings(phone_number, "phone_number"),
            "username": rules.strings(username, "username"),
            "web3_wallet": rules.strings(web3_wallet, "web3_wallet"),
            "role": rules.strings(role, "role"),
            "query": rules.string(query, "query"),
            "email_address_query": rules.string(email_address_query, "email_address_query"),
            "phone_number_query": rules.string(phone_number_query, "phone_number_query"),
            "username_query": rules.string(username_query, "username_query"),
            "name_query": rules.string(name_query, "name_query"),
            "last_active_at_before": rules.moment(last_active_at_before, "last_active_at_before"),
            "last_active_at_after": rules.moment(last_active_at_after, "last_active_at_after"),
            "created_at_before": rules.moment(created_at_before, "created_at_before"),
            "created_at_after": rules.moment(created_at_after, "created_at_after"),
        }
        paging = Paging(limit=limit, offset=offset, max_items=max_items, prefetch=prefetch)
        return self._list(_LIST, filters, paging, timeout, retry, organization_id=organization_id)

    def list_all(
        self,
        *,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        max_items: int | None = None,
        prefetch: int = 0,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Paginator[OrganizationMembership]:
        """Every membership of the instance (``GET /organization_memberships``), each with
        its organization: a whole instance's members in ``ceil(memberships / 500)`` requests.

        Clerk documents no default order: pass ``order_by="-created_at"`` (or
        ``"created_at"``) for a drift-safe iteration.

        Args:
            order_by: ``created_at`` with ``+``/``-``.
            limit: the size of one page, 1..500.
            offset: where the first page starts.
            max_items: stop iterating after this many memberships.
            prefetch: when iterating, keep this many further pages in flight.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``Paginator[OrganizationMembership]``; nothing is sent until it is awaited or
            iterated.

        Raises:
            InvalidRequestError: a bad ``limit``, ``offset`` or type, before any I/O.
        """
        filters = {"order_by": rules.string(order_by, "order_by")}
        paging = Paging(limit=limit, offset=offset, max_items=max_items, prefetch=prefetch)
        return self._list(_LIST_ALL, filters, paging, timeout, retry)

    async def update(
        self,
        organization_id: str,
        user_id: str,
        *,
        role: str,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationMembership:
        """Change a member's role.

        Args:
            organization_id: the organization's ID.
            user_id: the member's user ID.
            role: the new role key.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The updated ``OrganizationMembership``.

        Raises:
            NotFoundError: no such organization or member (``resource_not_found``).
            UnprocessableEntityError: a role the instance does not have
                (``form_param_value_invalid``).
        """
        return await self._request(
            "PATCH",
            MEMBERSHIP,
            _membership,
            ids={"organization_id": organization_id, "user_id": user_id},
            body=json_body({"role": rules.string(role, "role", nullable=False)}),
            timeout=timeout,
            retry=retry,
        )

    def update_metadata(
        self,
        organization_id: str,
        user_id: str,
        *,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Coroutine[Any, Any, OrganizationMembership]:
        """Deprecated: ``merge_metadata``, the verb ``organizations`` uses for the same merge.

        Warns (``DeprecationWarning``) when called, then does what ``merge_metadata`` does.
        """
        warnings.warn(
            "organization_memberships.update_metadata() is deprecated: use merge_metadata(), "
            "the same PATCH deep merge",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.merge_metadata(
            organization_id,
            user_id,
            public_metadata=public_metadata,
            private_metadata=private_metadata,
            timeout=timeout,
            retry=retry,
        )

    async def merge_metadata(
        self,
        organization_id: str,
        user_id: str,
        *,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationMembership:
        """Deep-merge into the membership's metadata; a ``None`` value deletes that key.

        The same PATCH merge as ``organizations.merge_metadata``, and its name
        (``update_metadata`` is the deprecated old one).

        Args:
            organization_id: the organization's ID.
            user_id: the member's user ID.
            public_metadata: merged into the public metadata.
            private_metadata: merged into the private metadata.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``OrganizationMembership`` with its merged metadata.

        Raises:
            InvalidRequestError: metadata JSON cannot carry faithfully; nothing was sent.
            NotFoundError: no such organization or member (``resource_not_found``).
        """
        body = json_body(
            {
                "public_metadata": rules.metadata(public_metadata, "public_metadata"),
                "private_metadata": rules.metadata(private_metadata, "private_metadata"),
            }
        )
        return await self._request(
            "PATCH",
            MEMBERSHIP + "/metadata",
            _membership,
            ids={"organization_id": organization_id, "user_id": user_id},
            body=body,
            timeout=timeout,
            retry=retry,
        )

    async def delete(
        self,
        organization_id: str,
        user_id: str,
        *,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationMembership | None:
        """Remove a member; returns the removed membership.

        Unlike the other deletes, this returns an ``OrganizationMembership``, not a
        ``DeletedObject``: Clerk's ``DELETE /organizations/{id}/memberships/{user_id}``
        answers the membership itself (the user and the role they held), and the client
        keeps what Clerk says.

        Args:
            organization_id: the organization's ID.
            user_id: the member's user ID.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The removed ``OrganizationMembership``, or None when an attempt's response was lost
            and the retry found the membership already gone: the lost attempt removed it, so the
            removal is reported as done.

        Raises:
            NotFoundError: no such organization or member (``resource_not_found``).
        """
        return await self._request(
            "DELETE",
            MEMBERSHIP,
            _membership,
            ids={"organization_id": organization_id, "user_id": user_id},
            timeout=timeout,
            retry=retry,
            gone=nothing,
        )
