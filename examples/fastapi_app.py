"""A FastAPI app sharing one ClerkClient between all its requests.

The client is created once in the app's lifespan (one aiohttp session and connection pool for
the app's life) and handed to handlers through a dependency. Every ``ClerkError`` becomes an
HTTP answer (see :data:`STATUSES`): what the caller got wrong keeps Clerk's status (400, 404,
409, 422), a rate limit is a 429 with ``Retry-After``, Clerk being down or unreachable a 503,
a timeout a 504, and a refusal of the app's own credentials or an unreadable answer a 502.
A 4xx's detail is Clerk's message alone; the request the app sent upstream and Clerk's trace
ID stay in the app's logs. The member routes take an organization's ID or its slug.

``POST /webhooks/clerk`` receives Clerk's webhooks into a mirror of organizations and
memberships (:class:`Mirror`), which a periodic reconcile corrects for whatever webhooks
missed. Its signing secret is ``$CLERK_WEBHOOK_SIGNING_SECRET``.

    pip install -e '.[examples]'        # fastapi, uvicorn and standardwebhooks
    export CLERK_SECRET_KEY=sk_test_...   # Clerk's key, or the one `clerk-orgs emulator` prints
    export CLERK_API_URL=...              # only against the emulator (it prints this line too)
    export CLERK_WEBHOOK_SIGNING_SECRET=whsec_...   # the endpoint's, for POST /webhooks/clerk
    uvicorn examples.fastapi_app:app                  # from the repository
    uvicorn --app-dir examples fastapi_app:app        # from anywhere
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from clerk_orgs_async import (
    UNSET,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BulkInvitationError,
    ClerkClient,
    ClerkError,
    ClientClosedError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PaginationError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
    UnprocessableEntityError,
    WebhookVerificationError,
)
from clerk_orgs_async.models import DeletedObject, Organization, OrganizationMembership
from clerk_orgs_async.webhooks import WebhookEvent, verify_webhook

STATUSES: list[tuple[type[ClerkError], int]] = [
    (InvalidRequestError, 422),  # refused before sending: the caller's input
    (BadRequestError, 400),  # organization_creator_not_found; a member already: 409 below
    (NotFoundError, 404),
    (ConflictError, 409),
    (PermissionDeniedError, 403),  # e.g. quota_exceeded: the organization is full
    (PayloadTooLargeError, 413),
    (UnprocessableEntityError, 422),  # form_identifier_exists is made a 409 below
    (RateLimitError, 429),
    (ServerError, 503),
    (APITimeoutError, 504),  # before APIConnectionError, its base class
    (APIConnectionError, 503),
    (AuthenticationError, 502),  # the app's key was refused: not the caller's fault
    (PaymentRequiredError, 502),  # the app's Clerk plan: not the caller's fault either
    (UnexpectedResponseError, 502),  # a success whose body could not be read, or too large
    (PaginationError, 502),  # a listing that contradicted itself
    (APIError, 502),  # any other status
    (ClientClosedError, 503),  # the app is shutting down
    (WebhookVerificationError, 400),  # the webhook route answers these itself, without detail
    (ClerkError, 503),
]
"""Each error class and its HTTP status, most specific first."""
_EXISTS = frozenset({"form_identifier_exists", "already_a_member_in_organization"})
"""Clerk's codes for something that exists already (a 422 and a 400): a 409 here."""


def status_for(error: ClerkError) -> int:
    """The HTTP status for a ``ClerkError``."""
    if isinstance(error, BulkInvitationError):
        return status_for(error.error)  # what stopped the bulk call
    if isinstance(error, (BadRequestError, UnprocessableEntityError)) and error.code in _EXISTS:
        return 409
    return next(status for kind, status in STATUSES if isinstance(error, kind))


def error_response(error: ClerkError) -> JSONResponse:
    """``{"detail": ..., "code": ...}`` with the status for ``error``.

    The detail of a 5xx is generic: it is about the app's own connection to Clerk, not the
    caller's request (and the library's messages never hold the key anyway).
    """
    status = status_for(error)
    code = error.code if isinstance(error, APIError) else None
    detail = detail_for(error) if status < 500 else "Clerk is unavailable; try again later."
    headers = {}
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)


def detail_for(error: ClerkError) -> str:
    """What a 4xx answer tells the caller: Clerk's messages only.

    ``str(error)`` is written for the app's logs: it names the upstream request (method and
    path) and Clerk's trace ID, which are the app's internals, not the caller's business.
    """
    if isinstance(error, BulkInvitationError):
        return detail_for(error.error)
    if isinstance(error, APIError):
        messages = [e.long_message or e.message for e in error.errors]
        return "; ".join(m for m in messages if m) or "Clerk refused the request."
    return str(error)  # refused before sending: about the caller's own input


class Member(BaseModel):
    user_id: str
    role: str


class NewOrganization(BaseModel):
    name: str
    slug: str | None = None
    created_by: str | None = None


class OrganizationOut(BaseModel):
    id: str
    name: str
    slug: str


def get_clerk(request: Request) -> ClerkClient:
    """The app's one client (see the lifespan)."""
    clerk: ClerkClient = request.app.state.clerk
    return clerk


Clerk = Annotated[ClerkClient, Depends(get_clerk)]


async def organization_id(clerk: ClerkClient, organization: str) -> str:
    """Clerk's membership endpoints take an ID: a slug (never ``org_…``) is looked up first."""
    if organization.startswith("org_"):
        return organization
    return (await clerk.organizations.get(organization)).id


def create_app(*, secret_key: str | None = None, base_url: str | None = None) -> FastAPI:
    """The app; the key and URL default to $CLERK_SECRET_KEY and $CLERK_API_URL."""

    mirror = Mirror()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with ClerkClient(secret_key, base_url=base_url) as clerk:
            app.state.clerk = clerk
            async with reconciling(clerk, mirror):
                yield

    app = FastAPI(lifespan=lifespan)

    @app.exception_handler(ClerkError)
    async def clerk_error(_request: Request, error: ClerkError) -> JSONResponse:
        return error_response(error)

    @app.get("/organizations/{organization}/members")
    async def list_members(organization: str, clerk: Clerk) -> list[Member]:
        """The members of an organization, by ID or slug, oldest first."""
        org_id = await organization_id(clerk, organization)
        return [
            Member(user_id=m.public_user_data.user_id, role=m.role)
            async for m in clerk.organization_memberships.list(org_id, order_by="created_at")
            if m.public_user_data is not None
        ]

    @app.post("/organizations", status_code=201)
    async def create_organization(body: NewOrganization, clerk: Clerk) -> OrganizationOut:
        # Fields left out of the body are left out of the request (not sent as null).
        org = await clerk.organizations.create(
            name=body.name,
            slug=UNSET if body.slug is None else body.slug,
            created_by=UNSET if body.created_by is None else body.created_by,
        )
        return OrganizationOut(id=org.id, name=org.name, slug=org.slug)

    @app.post("/organizations/{organization}/members", status_code=201)
    async def add_member(organization: str, member: Member, clerk: Clerk) -> Member:
        """Add a member to an organization, by ID or slug."""
        org_id = await organization_id(clerk, organization)
        await clerk.organization_memberships.create(
            org_id, user_id=member.user_id, role=member.role
        )
        return member

    add_webhook_route(app, mirror)
    return app


# Webhooks: Clerk tells the app what changed ------------------------------------------------

logger = logging.getLogger(__name__)
RECONCILE_EVERY = 300.0
"""Seconds between two reconciles of the mirror against Clerk."""


@dataclass
class MirroredOrganization:
    id: str
    name: str
    slug: str
    updated_at: datetime
    version: int
    """The mirror's change counter when the row was written (see ``Mirror.forget_missing``)."""


@dataclass
class MirroredMembership:
    id: str
    organization_id: str
    user_id: str | None
    role: str
    updated_at: datetime
    version: int


class Mirror:
    """The app's copy of Clerk's organizations and memberships, in memory (dicts).

    In-memory keeps the example short; a real app keeps the same rows, and the svix-ids it
    handled, in its database, written in one transaction with the change. Webhooks arrive at
    least once and in any order, so:

    - each message (``svix-id``) is applied once: ``handled``;
    - a row is only replaced by a newer ``updated_at``, so an ``updated`` that arrives before
      its ``created``, or after a newer ``updated``, does not roll it back;
    - a deleted ID stays deleted (Clerk never reuses IDs): a late ``updated`` is ignored.
    """

    def __init__(self) -> None:
        self.organizations: dict[str, MirroredOrganization] = {}
        self.memberships: dict[str, MirroredMembership] = {}
        self.deleted: set[str] = set()
        self.handled: set[str] = set()
        self.applied: list[tuple[str, str]] = []
        """(svix-id, type) of each event applied, in order: where an app would act on one."""
        self.version = 0

    def apply(self, event: WebhookEvent) -> None:
        """Apply one verified event, unless its message was applied already."""
        if event.id in self.handled:
            return
        data = event.data
        if isinstance(data, Organization):
            self.put_organization(data)
        elif isinstance(data, OrganizationMembership):
            if event.type == "organizationMembership.deleted":
                self.delete_membership(data.id)
            else:
                self.put_membership(data)
        elif isinstance(data, DeletedObject) and data.id and event.type == "organization.deleted":
            self.delete_organization(data.id)
        self.handled.add(event.id)
        self.applied.append((event.id, event.type))

    def put_organization(self, org: Organization) -> None:
        current = self.organizations.get(org.id)
        if org.id in self.deleted or (current and current.updated_at >= org.updated_at):
            return
        self.version += 1
        self.organizations[org.id] = MirroredOrganization(
            org.id, org.name, org.slug, org.updated_at, self.version
        )

    def put_membership(self, membership: OrganizationMembership) -> None:
        organization_id = membership.organization.id
        if organization_id in self.deleted:
            return
        self.put_organization(membership.organization)  # a snapshot as good as any
        current = self.memberships.get(membership.id)
        if membership.id in self.deleted or (
            current and current.updated_at >= membership.updated_at
        ):
            return
        user = membership.public_user_data
        self.version += 1
        self.memberships[membership.id] = MirroredMembership(
            membership.id,
            organization_id,
            user.user_id if user else None,
            membership.role,
            membership.updated_at,
            self.version,
        )

    def delete_organization(self, organization_id: str) -> None:
        self.deleted.add(organization_id)
        self.organizations.pop(organization_id, None)
        # Clerk deletes an organization's memberships with it.
        for membership in list(self.memberships.values()):
            if membership.organization_id == organization_id:
                del self.memberships[membership.id]

    def delete_membership(self, membership_id: str) -> None:
        self.deleted.add(membership_id)
        self.memberships.pop(membership_id, None)

    def forget_missing(
        self, organization_ids: set[str], membership_ids: set[str], since: int
    ) -> None:
        """Drop rows Clerk no longer lists, except those written after version ``since``
        (while the listing ran: newer than what it saw)."""
        for org in list(self.organizations.values()):
            if org.id not in organization_ids and org.version <= since:
                del self.organizations[org.id]
        for membership in list(self.memberships.values()):
            stale = membership.version <= since and membership.id not in membership_ids
            if stale or membership.organization_id not in self.organizations:
                del self.memberships[membership.id]


async def reconcile(clerk: ClerkClient, mirror: Mirror) -> None:
    """Correct the mirror from Clerk's lists: what a dropped or failed webhook missed.

    Listed rows go through the same ``updated_at`` rule as webhooks, so an event applied while
    the lists were read is not undone. Not marked deleted: a row Clerk no longer lists comes
    back if a later webhook says it exists after all.
    """
    since = mirror.version
    organizations = [org async for org in clerk.organizations.list()]
    memberships = [m async for m in clerk.organization_memberships.list_all()]
    for org in organizations:
        mirror.put_organization(org)
    for membership in memberships:
        mirror.put_membership(membership)
    mirror.forget_missing({o.id for o in organizations}, {m.id for m in memberships}, since)


@asynccontextmanager
async def reconciling(
    clerk: ClerkClient, mirror: Mirror, every: float | None = None
) -> AsyncIterator[None]:
    """Reconcile every ``every`` seconds (``RECONCILE_EVERY``) while the block runs."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(RECONCILE_EVERY if every is None else every)
            try:
                await reconcile(clerk, mirror)
            except ClerkError as error:  # Clerk unavailable: the next round tries again
                logger.warning("reconcile failed: %s", error)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def add_webhook_route(app: FastAPI, mirror: Mirror) -> None:
    """``POST /webhooks/clerk``: verify, apply to ``mirror``, answer 204 at once."""
    app.state.mirror = mirror

    @app.post("/webhooks/clerk", status_code=204)
    async def clerk_webhook(request: Request) -> Response:
        # The raw body: the signature covers the bytes exactly as Clerk sent them.
        body = await request.body()
        try:
            event = verify_webhook(body, request.headers)
        except WebhookVerificationError as error:
            logger.warning("refused a webhook delivery: %s", error)  # never holds the secret
            return Response(status_code=400)
        except InvalidRequestError as error:
            # No signing secret configured: the app's fault. A 5xx makes Svix retry the
            # message once the configuration is fixed.
            logger.error("cannot verify webhooks: %s", error)
            return Response(status_code=500)
        mirror.apply(event)
        return Response(status_code=204)


app = create_app()
