"""``clerk.organization_domains``: an organization's email domains and how people join by them."""

from __future__ import annotations

from collections.abc import Iterable

from . import _rules as rules
from ._pagination import Paginator
from ._resource import Listing, Lookup, Paging, Resource, Retries, Timeouts, deleted
from ._retry import Recovery
from ._sansio import json_body
from ._serialization import structurer
from ._unset import UNSET, Unset
from .models import DeletedObject, OrganizationDomain

_domain = structurer(OrganizationDomain)
_domains = structurer(list[OrganizationDomain])

DOMAINS = "/organizations/{organization_id}/domains"
DOMAIN = DOMAINS + "/{domain_id}"
_LIST = Listing(DOMAINS, _domains, "organization_domains.list", order="-created_at")
_LIST_ALL = Listing("/organization_domains", _domains, "organization_domains.list_all")


class OrganizationDomainsAPI(Resource):
    """The domain endpoints, as ``clerk.organization_domains``.

    Besides what each method lists, every call may raise the errors of any request:
    ``RateLimitError``, ``ServerError``, ``AuthenticationError`` (``clerk_key_invalid``),
    ``APIConnectionError``, ``APITimeoutError`` and ``ClientClosedError``.
    """

    async def create(
        self,
        organization_id: str,
        *,
        name: str,
        enrollment_mode: str | Unset = UNSET,
        verified: bool | None | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationDomain:
        """Add a domain (``example.com``) to the organization.

        If the request fails in a way that leaves its outcome unknown, the domain is looked up
        by name: returned when this call created it, otherwise the request is retried.

        Args:
            organization_id: the organization's ID.
            name: the domain, a host name.
            enrollment_mode: ``manual_invitation``, ``automatic_invitation`` or
                ``automatic_suggestion``.
            verified: whether the domain counts as verified.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The new ``OrganizationDomain``.

        Raises:
            InvalidRequestError: a name that is not a host name; nothing was sent.
            UnprocessableEntityError: the domain is taken (``organization_domain_already_exists``)
                or a common email provider (``organization_domain_common``).
            NotFoundError: no such organization (``resource_not_found``).

        Example:
            ```python
            domain = await clerk.organization_domains.create(org.id, name="example.com")
            ```
        """
        body = json_body(
            {
                "name": rules.host_name(name),
                "enrollment_mode": rules.string(enrollment_mode, "enrollment_mode", nullable=False),
                "verified": rules.boolean(verified, "verified"),
            }
        )

        async def recover(lookup: Lookup) -> OrganizationDomain | Recovery:
            page = await self.list_all(
                organization_id=organization_id,
                domains=[name],
                limit=10,
                timeout=lookup.timeout,
                retry=lookup.retry,
            )
            for domain in page.data:
                if domain.name.lower() == name.lower():
                    ours = lookup.made_by_this_call(domain.created_at, domain.id)
                    if ours is None:
                        return Recovery.UNKNOWN
                    return domain if ours else Recovery.NOT_APPLIED
            return Recovery.NOT_APPLIED

        return await self._request(
            "POST",
            DOMAINS,
            _domain,
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
        verified: bool | None = None,
        enrollment_mode: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        max_items: int | None = None,
        prefetch: int = 0,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Paginator[OrganizationDomain]:
        """An organization's domains, newest first (Clerk's documented order, which the
        endpoint takes no parameter to change): await for one page, ``async for`` for all.

        Args:
            organization_id: the organization's ID.
            verified: only verified (True) or unverified (False) domains.
            enrollment_mode: only domains with this enrollment mode.
            limit: the size of one page, 1..500.
            offset: where the first page starts.
            max_items: stop iterating after this many.
            prefetch: when iterating, keep this many further pages in flight.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``Paginator[OrganizationDomain]``; nothing is sent until it is awaited or iterated.

        Raises:
            InvalidRequestError: a bad ``limit``, ``offset`` or type, before any I/O.
            NotFoundError: no such organization (``resource_not_found``), when sent.
        """
        filters = {
            "verified": rules.boolean(verified, "verified"),
            "enrollment_mode": rules.string(enrollment_mode, "enrollment_mode"),
        }
        paging = Paging(limit=limit, offset=offset, max_items=max_items, prefetch=prefetch)
        return self._list(_LIST, filters, paging, timeout, retry, organization_id=organization_id)

    def list_all(
        self,
        *,
        organization_id: str | None = None,
        query: str | None = None,
        domains: str | Iterable[str] | None = None,
        verified: bool | None = None,
        enrollment_mode: str | Iterable[str] | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        max_items: int | None = None,
        prefetch: int = 0,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Paginator[OrganizationDomain]:
        """Every organization domain of the instance (``GET /organization_domains``), each
        with ``public_organization_data``; ``domains`` picks exact names.

        Args:
            organization_id: only this organization's domains.
            query: a partial match on the domain name.
            domains: only these exact names.
            verified: only verified (True) or unverified (False) domains.
            enrollment_mode: only domains with these enrollment modes.
            order_by: ``created_at`` or ``name`` with ``+``/``-``.
            limit: the size of one page, 1..500.
            offset: where the first page starts.
            max_items: stop iterating after this many.
            prefetch: when iterating, keep this many further pages in flight.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``Paginator[OrganizationDomain]``; nothing is sent until it is awaited or iterated.

        Raises:
            InvalidRequestError: a bad ``limit``, ``offset`` or type, before any I/O.
        """
        filters = {
            "organization_id": rules.string(organization_id, "organization_id"),
            "query": rules.string(query, "query"),
            "domains": rules.strings(domains, "domains"),
            "verified": rules.boolean(verified, "verified"),
            "enrollment_mode": rules.strings(enrollment_mode, "enrollment_mode"),
            "order_by": rules.string(order_by, "order_by") or "-created_at",
        }
        paging = Paging(limit=limit, offset=offset, max_items=max_items, prefetch=prefetch)
        return self._list(_LIST_ALL, filters, paging, timeout, retry)

    async def update(
        self,
        organization_id: str,
        domain_id: str,
        *,
        enrollment_mode: str | Unset = UNSET,
        verified: bool | None | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationDomain:
        """Change a domain's enrollment mode or verified flag.

        Args:
            organization_id: the organization's ID.
            domain_id: the domain's ID.
            enrollment_mode: the new enrollment mode.
            verified: the new verified flag.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The updated ``OrganizationDomain``.

        Raises:
            NotFoundError: no such organization or domain (``resource_not_found``).
        """
        body = json_body(
            {
                "enrollment_mode": rules.string(enrollment_mode, "enrollment_mode", nullable=False),
                "verified": rules.boolean(verified, "verified"),
            }
        )
        return await self._request(
            "PATCH",
            DOMAIN,
            _domain,
            ids={"organization_id": organization_id, "domain_id": domain_id},
            body=body,
            timeout=timeout,
            retry=retry,
        )

    async def delete(
        self,
        organization_id: str,
        domain_id: str,
        *,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> DeletedObject:
        """Remove a domain from the organization; a retry that finds it gone reports done.

        Args:
            organization_id: the organization's ID.
            domain_id: the domain's ID.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``DeletedObject`` with the domain's ID.

        Raises:
            NotFoundError: no such organization or domain (``resource_not_found``).
        """
        return await self._request(
            "DELETE",
            DOMAIN,
            structurer(DeletedObject),
            ids={"organization_id": organization_id, "domain_id": domain_id},
            timeout=timeout,
            retry=retry,
            gone=deleted("organization_domain", domain_id),
        )

    async def verify_ownership(
        self,
        organization_id: str,
        domain_id: str,
        *,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationDomain:
        """Mark the domain's ownership verified (``ownership_verification.status``).

        Verifying twice changes nothing, so a request whose answer was lost is simply sent
        again.

        Args:
            organization_id: the organization's ID.
            domain_id: the domain's ID.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``OrganizationDomain`` with its ownership verified.

        Raises:
            NotFoundError: no such organization or domain (``resource_not_found``).
        """

        async def again(_lookup: Lookup) -> Recovery:
            return Recovery.NOT_APPLIED

        return await self._request(
            "POST",
            DOMAIN + "/verify_ownership",
            _domain,
            ids={"organization_id": organization_id, "domain_id": domain_id},
            timeout=timeout,
            retry=retry,
            recover=again,
        )
