"""``clerk.organization_invitations``: invitations to join an organization by email."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeGuard

import attrs

from . import _json
from . import _rules as rules
from ._pagination import Paginator
from ._resource import Listing, Lookup, Paging, Resource, Retries, Timeouts
from ._retry import Recovery
from ._rules import Metadata
from ._sansio import json_body
from ._serialization import structurer
from ._unset import UNSET, Unset
from .errors import APIError, BulkInvitationError, ClerkError, InvalidRequestError
from .models import InvitationRequest, OrganizationInvitation

_invitation = structurer(OrganizationInvitation)
_invitations = structurer(list[OrganizationInvitation])

INVITATIONS = "/organizations/{organization_id}/invitations"
INVITATION = INVITATIONS + "/{invitation_id}"
_LIST = Listing(INVITATIONS, _invitations, "organization_invitations.list")
_LIST_ALL = Listing("/organization_invitations", _invitations, "organization_invitations.list_all")
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
        return await self._create_one(organization_id, request, timeout, retry)

    async def _create_one(
        self,
        organization_id: str,
        request: InvitationRequest,
        timeout: Timeouts,
        retry: Retries,
    ) -> OrganizationInvitation:
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

        Each item is an ``InvitationRequest`` or a dict of its fields. Clerk refuses a call
        whole when it refuses one of its invitations (an unknown role, an address already
        invited): the call's invitations are then sent one at a time, so that only the
        refused ones are left out, and the later calls go on. Invitations of a call whose
        answer was lost (a 5xx, a timeout), or did not hold one invitation per address sent,
        are looked up by email, as ``create`` does, never sent again blindly. Clerk allows 50
        bulk calls an hour; with pacing on, a call past them waits for the budget within its
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
            BulkInvitationError: some invitations were refused (each with Clerk's error, in
                ``refused``), or a call failed otherwise and the rest were not sent;
                ``created``, ``not_created`` (refused or never sent) and ``maybe_created``
                account for every invitation.

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
        tally = _Tally(requests)
        size = rules.MAX_BULK_INVITATIONS
        for start in range(0, len(requests), size):
            chunk = range(start, min(start + size, len(requests)))
            try:
                found = await self._bulk_call(
                    organization_id,
                    [requests[i] for i in chunk],
                    bodies[start : chunk.stop],
                    timeout,
                    retry,
                )
            except InvalidRequestError:
                raise  # an argument refused before anything was sent
            except ClerkError as error:
                if not _refused_alone(error):
                    raise tally.stopped(chunk, error) from error
                if len(chunk) == 1:
                    tally.refused[start] = error
                else:
                    # Nothing of this call was created: find which invitations Clerk refuses.
                    await self._one_by_one(organization_id, chunk, tally, timeout, retry)
            else:
                tally.created.update(zip(chunk, found, strict=True))
            if on_progress is not None:
                on_progress(len(tally.created), len(requests))
        if tally.refused:
            first = tally.refused[min(tally.refused)]
            raise tally.error(first) from first
        return [tally.created[i] for i in range(len(requests))]

    async def _bulk_call(
        self,
        organization_id: str,
        chunk: list[InvitationRequest],
        bodies: list[dict[str, Any]],
        timeout: Timeouts,
        retry: Retries,
    ) -> list[OrganizationInvitation]:
        """One bulk call: the invitations created, in the order of ``chunk``."""

        async def recover(lookup: Lookup) -> list[OrganizationInvitation] | Recovery:
            try:
                found = await self._pending_since(organization_id, chunk, lookup)
            except _Unknown:
                return Recovery.UNKNOWN
            return Recovery.NOT_APPLIED if found is None else found

        return await self._request(
            "POST",
            INVITATIONS + "/bulk",
            lambda payload: _one_per_address(chunk, _invitations(payload["data"])),
            ids={"organization_id": organization_id},
            body=_json.dumps(bodies),
            timeout=timeout,
            retry=retry,
            recover=recover,
        )

    async def _one_by_one(
        self,
        organization_id: str,
        chunk: range,
        tally: _Tally,
        timeout: Timeouts,
        retry: Retries,
    ) -> None:
        """Send a refused call's invitations one at a time (the single endpoint has a budget
        five times the bulk one's, and each answer names its own invitation's refusal)."""
        for index in chunk:
            request = tally.requests[index]
            try:
                tally.created[index] = await self._create_one(
                    organization_id, request, timeout, retry
                )
            except ClerkError as error:
                if not _refused_alone(error):
                    raise tally.stopped(range(index, index + 1), error) from error
                tally.refused[index] = error

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
        filters = {
            "status": rules.string(status, "status"),
            "email_address": rules.string(email_address, "email_address"),
            "order_by": rules.string(order_by, "order_by") or "-created_at",
        }
        paging = Paging(limit=limit, offset=offset, max_items=max_items, prefetch=prefetch)
        return self._list(_LIST, filters, paging, timeout, retry, organization_id=organization_id)

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
        filters = {
            "status": rules.string(status, "status"),
            "query": rules.string(query, "query"),
            "order_by": rules.string(order_by, "order_by") or "-created_at",
        }
        paging = Paging(limit=limit, offset=offset, max_items=max_items, prefetch=prefetch)
        return self._list(_LIST_ALL, filters, paging, timeout, retry)

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


# Refusals that one invitation can cause (its role, its address, a quota that fewer fit):
# the others (401, the organization's 404, 429…) would refuse each invitation alike.
_ONE_INVITATION_REFUSALS = frozenset({400, 403, 409, 413, 422})


def _refused_alone(error: ClerkError) -> TypeGuard[APIError]:
    """A refusal that created nothing and may concern only some of a call's invitations."""
    return (
        isinstance(error, APIError)
        and error.status in _ONE_INVITATION_REFUSALS
        and not error.outcome_unknown
    )


def _one_per_address(
    sent: list[InvitationRequest], answer: list[OrganizationInvitation]
) -> list[OrganizationInvitation]:
    """The answer of a bulk call in the order sent: one invitation per address sent.

    Raises:
        ValueError: too few, too many, or other addresses (the client's decoding makes it
            an ``UnexpectedResponseError``, and looks the invitations up).
    """
    by_address: dict[str, list[OrganizationInvitation]] = {}
    for invitation in answer:
        by_address.setdefault(_address(invitation.email_address), []).append(invitation)
    ordered = []
    for request in sent:
        same = by_address.get(_address(request.email_address))
        if not same:
            raise ValueError(
                f"the answer holds {len(answer)} invitations for the {len(sent)} sent, "
                f"none for {request.email_address!r}"
            )
        ordered.append(same.pop(0))
    if len(answer) != len(sent):
        raise ValueError(f"the answer holds {len(answer)} invitations for the {len(sent)} sent")
    return ordered


def _address(email: str) -> str:
    """An address as Clerk stores it (lowercased)."""
    return email.strip().lower()


@attrs.define
class _Tally:
    """What became of each invitation of a ``bulk_create``, by its index."""

    requests: list[InvitationRequest]
    created: dict[int, OrganizationInvitation] = attrs.Factory(dict)
    refused: dict[int, APIError] = attrs.Factory(dict)

    def error(self, error: ClerkError, maybe: range = range(0)) -> BulkInvitationError:
        """The error saying what was created, refused, not sent, and maybe created."""
        indexes = range(len(self.requests))
        return BulkInvitationError(
            created=[self.created[i] for i in indexes if i in self.created],
            not_created=[
                self.requests[i] for i in indexes if i not in self.created and i not in maybe
            ],
            maybe_created=[self.requests[i] for i in maybe],
            error=error,
            refused=[(self.requests[i], e) for i, e in sorted(self.refused.items())],
        )

    def stopped(self, unsent: range, error: ClerkError) -> BulkInvitationError:
        """Stopped by ``error`` on the invitations ``unsent`` (the rest never went)."""
        return self.error(error, unsent if error.outcome_unknown else range(0))


class _Unknown(Exception):
    """Only some of a call's invitations exist, or the server's clock is unknown."""
