"""A FastAPI app sharing one ClerkClient between all its requests.

The client is created once in the app's lifespan (one aiohttp session and connection pool for
the app's life) and handed to handlers through a dependency. Every ``ClerkError`` becomes an
HTTP answer (see :data:`STATUSES`): what the caller got wrong keeps Clerk's status (400, 404,
409, 422), a rate limit is a 429 with ``Retry-After``, Clerk being down or unreachable a 503,
a timeout a 504, and a refusal of the app's own credentials or an unreadable answer a 502.

    pip install -e '.[examples]'                  # fastapi and uvicorn
    CLERK_SECRET_KEY=sk_test_... uvicorn examples.fastapi_app:app       # from the repository
    CLERK_SECRET_KEY=sk_test_... uvicorn --app-dir examples fastapi_app:app   # from anywhere
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
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
)

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
    detail = str(error) if status < 500 else "Clerk is unavailable; try again later."
    headers = {}
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)


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


def create_app(*, secret_key: str | None = None, base_url: str | None = None) -> FastAPI:
    """The app; the key and URL default to $CLERK_SECRET_KEY and $CLERK_API_URL."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with ClerkClient(secret_key, base_url=base_url) as clerk:
            app.state.clerk = clerk
            yield

    app = FastAPI(lifespan=lifespan)

    @app.exception_handler(ClerkError)
    async def clerk_error(_request: Request, error: ClerkError) -> JSONResponse:
        return error_response(error)

    @app.get("/organizations/{organization_id}/members")
    async def list_members(organization_id: str, clerk: Clerk) -> list[Member]:
        return [
            Member(user_id=m.public_user_data.user_id, role=m.role)
            async for m in clerk.organization_memberships.list(
                organization_id, order_by="created_at"
            )
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

    @app.post("/organizations/{organization_id}/members", status_code=201)
    async def add_member(organization_id: str, member: Member, clerk: Clerk) -> Member:
        await clerk.organization_memberships.create(
            organization_id, user_id=member.user_id, role=member.role
        )
        return member

    return app


app = create_app()
