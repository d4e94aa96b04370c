"""A FastAPI app sharing one ClerkClient between all its requests.

The client is created once in the app's lifespan (one aiohttp session and connection pool for
the app's life) and handed to handlers through a dependency. Clerk's errors become HTTP
answers: NotFoundError -> 404, UnprocessableEntityError (and arguments refused before
sending) -> 422.

    CLERK_SECRET_KEY=sk_test_... uvicorn examples.fastapi_app:app
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from clerk_orgs_async import (
    UNSET,
    ClerkClient,
    InvalidRequestError,
    NotFoundError,
    UnprocessableEntityError,
)


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

    @app.exception_handler(NotFoundError)
    async def not_found(_request: Request, error: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(error), "code": error.code}, status_code=404)

    @app.exception_handler(UnprocessableEntityError)
    async def unprocessable(_request: Request, error: UnprocessableEntityError) -> JSONResponse:
        return JSONResponse({"detail": str(error), "code": error.code}, status_code=422)

    @app.exception_handler(InvalidRequestError)
    async def refused(_request: Request, error: InvalidRequestError) -> JSONResponse:
        return JSONResponse({"detail": str(error), "code": None}, status_code=422)

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

    return app


app = create_app()
