"""``clerk.organization_invitations``: invitations to join an organization by email."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from . import _json
from . import _rules as rules
from ._pagination import Paginator, created_at_order
from ._resource import Lookup, Resource, Retries, Timeouts
from ._retry import Recovery
from ._rules import Metadata
from ._sansio import build_query, json_body
from ._serialization import structurer
from ._unset import UNSET, Unset
from .errors import BulkInvitationError, ClerkError, InvalidRequestError
from .models import InvitationRequest, OrganizationInvitation

_invitation = structurer(OrganizationInvitation)
_invitations = structurer(list[OrganizationInvitation])

INVITATIONS = "/organizations/{organization_id}/invitations"
INVITATION = INVITATIONS + "/{invitation_id}"
_FIELDS = tuple(attrs.fields_dict(InvitationRequest))


def _checked(request: InvitationRequest) -> dict[str, Any]:
    """The body of one invitation, every field checked."""
    return {
        "email_address": rules.email(request.email_address),
        "role": rules.role_key(request.role),
        "inviter_user_id": rules.string(request.inviter_user_id, "inviter_user_id"),
        "public_metadata": rules.metadata(request.public_metadata, "public_metadata"),
        "private_metadata": rules.metadata(request.private_metadata, "private_metadata"),
        "redirect_url": rules.string(request.redirect_url, "redirect_url"),
        "expires_in_days": rules.expires_in_days(request.expires_in_days),
        "notify": rules.boolean(request.notify, "notify"),
    }


def _as_request(item: InvitationRequest | Mapping[str, Any]) -> InvitationRequest:
    if isinstance(item, InvitationRequest):
        return item
    if not isinstance(item, Mapping):
        raise InvalidRequestError(
            f"expected an InvitationRequest or a dict, got {type(item).__name__}"
        )
    # As text: keys of mixed types (1 and "y") cannot be sorted as they are.
    unknown = sorted(map(rules.shown, set(item) - set(_FIELDS)))
    if unknown:
        raise InvalidRequestError(f"unknown field(s) {', '.join(unknown)}")
    try:
        return InvitationRequest(**item)
    except TypeError:
        raise InvalidRequestError("each invitation needs email_address and role") from None


class OrganizationInvitationsAPI(Resource):
    """The invitation endpoints, as ``clerk.organization_invitations``.

    Besides what each method lists, every call may raise the errors of any request:
    ``RateLimitError``, ``ServerError``, ``AuthenticationError`` (``clerk_key_invalid``),
    ``APIConnectionError``, ``APITimeoutError`` and ``ClientClosedError``.
    """

    async def create(
        self,
        organization_id: str,
        *,
        email_address: str,
        role: str,
        inviter_user_id: str | None | Unset = UNSET,
        public_metadata: Metadata | Unset = UNSET,
        private_metadata: Metadata | Unset = UNSET,
        redirect_url: str | None | Unset = UNSET,
        expires_in_days: int | None | Unset = UNSET,
        notify: bool | None | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationInvitation:
        """Invite ``email_address`` to the organization with ``role`` (``org:member``…).

        Clerk emails the invitation unless ``notify`` is False. If the request fails in a
        way that leaves its outcome unknown, the invitation is looked up by email among the
        pending ones: returned when it has the role asked and was created after this call
        started; the request is retried only when this call created nothing.

        Args:
            organization_id: the organization's ID.
            email_address: whom to invite.
            role: the role they join with.
            inviter_user_id: the member who invites (must hold ``org:sys_memberships:manage``).
            public_metadata: copied to the membership when the invitation is accepted.
            private_metadata: likewise, readable by the backend only.
            redirect_url: where the invitation's link leads.
            expires_in_days: 1..365.
            notify: False sends no email.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The pending ``OrganizationInvitation``.

        Raises:
            InvalidRequestError: an email that is plainly not one, a role key not starting
                with ``org:``, ``expires_in_days`` outside 1..365; nothing was sent.
            UnprocessableEntityError: Clerk refused a field (an unknown role, an unknown
                inviter: ``form_resource_not_found``).
            PermissionDeniedError: the inviter is not an admin (``not_an_admin_in_organization``),
                or the organization is full (``organization_membership_quota_exceeded``).

        Example:
            ```python
            await clerk.organization_invitations.create(
                org.id, email_address="grace@example.com", role="org:member", expires_in_days=7
            )
            ```
        """
        request = InvitationRequest(
            email_address=email_address,
            role=role,
            inviter_user_id=inviter_user_id,
            public_metadata=public_metadata,
            private_metadata=private_metadata,
            redirect_url=redirect_url,
            expires_in_days=expires_in_days,
            notify=notify,
        )
        return await self._request(
            "POST",
            INVITATIONS,
            _invitation,
            ids={"organization_id": organization_id},
            body=json_body(_checked(request)),
            timeout=timeout,
            retry=retry,
            recover=self._recover_one(organization_id, request),
        )

    def _recover_one(self, organization_id: str, request: InvitationRequest) -> Any:
        async def recover(lookup: Lookup) -> OrganizationInvitation | Recovery:
            try:
                found = await self._pending_since(organization_id, [request], lookup)
            except _Unknown:
                return Recovery.UNKNOWN
            return found[0] if found is not None else Recovery.NOT_APPLIED

        return recover

    async def _pending_since(
        self, organization_id: str, requests: list[InvitationRequest], lookup: Lookup
    ) -> list[OrganizationInvitation] | None:
        """The pending invitations this call created for ``requests``, in order; None when
        none exist. Raises ``_Unknown`` when only some do, or the clock is unknown."""
        found: list[OrganizationInvitation] = []
        for request in requests:
            page = await self.list(
                organization_id,
                status="pending",
                email_address=request.email_address,
                limit=10,
                timeout=lookup.timeout,
                retry=lookup.retry,
            )
            mine = []
            for invitation in page.data:
                ours = lookup.made_by_this_call(invitation.created_at, invitation.id)
                if ours is None:
                    raise _Unknown
                if ours and invitation.role == request.role:
                    mine.append(invitation)
            if mine:
                found.append(mine[0])
        if not found:
            return None
        if len(found) < len(requests):
            raise _Unknown
        return found

    async def bulk_create(
        self,
        organization_id: str,
        invitations: Iterable[InvitationRequest | Mapping[str, Any]],
        *,
        on_progress: Callable[[int, int], None] | None = None,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> list[OrganizationInvitation]:
        """Invite many people: every invitation is checked first, then sent in calls of at
        most 10 (the endpoint's maximum); returns every invitation created, in order.

        Each item is an ``InvitationRequest`` or a dict of its fields. Invitations of a call
        whose answer was lost are looked up by email, as ``create`` does. Clerk allows 50 bulk
        calls an hour; with pacing on, a call past them waits for the budget within its
        deadline.

        Args:
            organization_id: the organization's ID.
            invitations: the invitations, at least one.
            on_progress: called with (invitations created, invitations in all) after each
                call, e.g. for a progress bar.
            timeout: each call's timeout, instead of the client's.
            retry: each call's retry policy, instead of the client's.

        Returns:
            Every ``OrganizationInvitation`` created, in the order asked.

        Raises:
            InvalidRequestError: no invitations, or any of them invalid (nothing is sent).
            BulkInvitationError: a call failed; ``created``, ``not_created`` (refused or never
                sent) and ``maybe_created`` account for every invitation.

        Example:
            ```python
            people = [InvitationRequest(email_address=e, role="org:member") for e in emails]
            created = await clerk.organization_invitations.bulk_create(org.id, people)
            ```
        """
        if isinstance(invitations, str | bytes | Mapping) or not isinstance(invitations, Iterable):
            raise InvalidRequestError(
                "invitations must be a list of InvitationRequest or dicts, "
                f"got {type(invitations).__name__}"
            )
        requests, bodies, problems = [], [], []
        for index, item in enumerate(invitations):
            try:
                request = _as_request(item)
                bodies.append({k: v for k, v in _checked(request).items() if v is not UNSET})
                requests.append(request)
            except InvalidRequestError as error:
                problems.append(f"invitation {index + 1}: {error}")
        if problems:
            raise InvalidRequestError("; ".join(problems))
        if not requests:
            raise InvalidRequestError("bulk_create needs at least one invitation")
        created: list[OrganizationInvitation] = []
        size = rules.MAX_BULK_INVITATIONS
        for start in range(0, len(requests), size):
            chunk = requests[start : start + size]

            async def recover(
                lookup: Lookup, chunk: list[InvitationRequest] = chunk
            ) -> list[OrganizationInvitation] | Recovery:
                try:
                    found = await self._pending_since(organization_id, chunk, lookup)
                except _Unknown:
                    return Recovery.UNKNOWN
                return Recovery.NOT_APPLIED if found is None else found

            try:
                created += await self._request(
                    "POST",
                    INVITATIONS + "/bulk",
                    lambda payload: _invitations(payload["data"]),
                    ids={"organization_id": organization_id},
                    body=_json.dumps(bodies[start : start + size]),
                    timeout=timeout,
                    retry=retry,
                    recover=recover,
                )
            except InvalidRequestError:
                raise  # an argument refused before anything was sent
            except ClerkError as error:
                unknown = error.outcome_unknown
                raise BulkInvitationError(
                    created=created,
                    not_created=([] if unknown else chunk) + requests[start + size :],
                    maybe_created=chunk if unknown else [],
                    error=error,
                ) from error
            if on_progress is not None:
                on_progress(len(created), len(requests))
        return created

    def list(
        self,
        organization_id: str,
        *,
        status: str | None = None,
        email_address: str | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        max_items: int | None = None,
        prefetch: int = 0,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Paginator[OrganizationInvitation]:
        """An organization's invitations (``status`` ``pending``, ``accepted``, ``revoked``,
        ``expired``), newest first: await for one page, ``async for`` for all.

        The deprecated ``.../invitations/pending`` list is not exposed: use
        ``status="pending"``.

        Args:
            organization_id: the organization's ID.
            status: only invitations in this status.
            email_address: only invitations to this address.
            order_by: ``created_at`` or ``email_address`` with ``+``/``-`` (default
                ``-created_at``).
            limit: the size of one page, 1..500.
            offset: where the first page starts.
            max_items: stop iterating after this many.
            prefetch: when iterating, keep this many further pages in flight.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``Paginator[OrganizationInvitation]``; nothing is sent until it is awaited or
            iterated.

        Raises:
            InvalidRequestError: a bad ``limit``, ``offset`` or type, before any I/O.
            NotFoundError: no such organization (``resource_not_found``), when sent.
        """
        order = rules.string(order_by, "order_by") or "-created_at"
        filters = build_query(
            {
                "status": rules.string(status, "status"),
                "email_address": rules.string(email_address, "email_address"),
                "order_by": order,
            }
        )
        return self._list(
            INVITATIONS,
            _invitations,
            filters,
            ids={"organization_id": organization_id},
            limit=limit,
            offset=offset,
            max_items=max_items,
            prefetch=prefetch,
            drift=created_at_order(order),
            timeout=timeout,
            retry=retry,
            name="organization_invitations.list",
        )

    def list_all(
        self,
        *,
        status: str | None = None,
        query: str | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        max_items: int | None = None,
        prefetch: int = 0,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> Paginator[OrganizationInvitation]:
        """Every organization invitation of the instance (``GET /organization_invitations``),
        each with ``public_organization_data``; ``query`` matches the invited email.

        Args:
            status: only invitations in this status.
            query: a partial match on the invited email address.
            order_by: ``created_at`` or ``email_address`` with ``+``/``-`` (default
                ``-created_at``).
            limit: the size of one page, 1..500.
            offset: where the first page starts.
            max_items: stop iterating after this many.
            prefetch: when iterating, keep this many further pages in flight.
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            A ``Paginator[OrganizationInvitation]``; nothing is sent until it is awaited or
            iterated.

        Raises:
            InvalidRequestError: a bad ``limit``, ``offset`` or type, before any I/O.
        """
        order = rules.string(order_by, "order_by") or "-created_at"
        filters = build_query(
            {
                "status": rules.string(status, "status"),
                "query": rules.string(query, "query"),
                "order_by": order,
            }
        )
        return self._list(
            "/organization_invitations",
            _invitations,
            filters,
            limit=limit,
            offset=offset,
            max_items=max_items,
            prefetch=prefetch,
            drift=created_at_order(order),
            timeout=timeout,
            retry=retry,
            name="organization_invitations.list_all",
        )

    async def get(
        self,
        organization_id: str,
        invitation_id: str,
        *,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationInvitation:
        """One invitation.

        Args:
            organization_id: the organization's ID.
            invitation_id: the invitation's ID (``orginv_…``).
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The ``OrganizationInvitation``.

        Raises:
            NotFoundError: no such invitation (``organization_invitation_not_found``).
        """
        return await self._request(
            "GET",
            INVITATION,
            _invitation,
            ids={"organization_id": organization_id, "invitation_id": invitation_id},
            timeout=timeout,
            retry=retry,
        )

    async def revoke(
        self,
        organization_id: str,
        invitation_id: str,
        *,
        requesting_user_id: str | None | Unset = UNSET,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
    ) -> OrganizationInvitation:
        """Revoke a pending invitation; its link stops working.

        If the answer is lost, the invitation is read back: revoked by this call, it is
        returned; otherwise the request is retried.

        Args:
            organization_id: the organization's ID.
            invitation_id: the invitation's ID.
            requesting_user_id: the member who revokes it (must hold
                ``org:sys_memberships:manage``).
            timeout: this call's timeout, instead of the client's.
            retry: this call's retry policy, instead of the client's.

        Returns:
            The revoked ``OrganizationInvitation``.

        Raises:
            NotFoundError: no such invitation (``organization_invitation_not_found``), or it is
                no longer pending (``organization_invitation_not_pending``).
            PermissionDeniedError: the requesting user is not an admin
                (``not_an_admin_in_organization``).
        """
        ids = {"organization_id": organization_id, "invitation_id": invitation_id}

        async def recover(lookup: Lookup) -> OrganizationInvitation | Recovery:
            invitation = await self.get(
                organization_id, invitation_id, timeout=lookup.timeout, retry=lookup.retry
            )
            ours = lookup.made_by_this_call(invitation.updated_at)
            if ours is None:
                return Recovery.UNKNOWN
            return invitation if ours and invitation.status == "revoked" else Recovery.NOT_APPLIED

        return await self._request(
            "POST",
            INVITATION + "/revoke",
            _invitation,
            ids=ids,
            body=json_body(
                {"requesting_user_id": rules.string(requesting_user_id, "requesting_user_id")}
            ),
            timeout=timeout,
            retry=retry,
            recover=recover,
        )


class _Unknown(Exception):
    """Only some of a call's invitations exist, or the server's clock is unknown."""
