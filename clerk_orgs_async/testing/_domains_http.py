"""The organization domain operations over HTTP: bodies, JSON objects and handlers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clerk_orgs_async.testing import _bodies as bodies
from clerk_orgs_async.testing._domains import DomainRecord
from clerk_orgs_async.testing._http import (
    EventJson,
    deleted,
    images_base,
    json_response,
    optional,
    page,
    public_organization_data,
    state,
)
from clerk_orgs_async.testing._payload import read_body
from clerk_orgs_async.testing._state import EmulatorState

CREATE = bodies.Body(
    {
        "name": ("string", False),
        "enrollment_mode": ("string", False),
        "verified": ("boolean", True),
    },
    required=("name",),
    closed=True,
)
UPDATE = bodies.Body({"enrollment_mode": ("string", True), "verified": ("boolean", True)})


def _affiliation(domain: DomainRecord) -> dict[str, Any]:
    # Verified through the Backend API, Clerk records no attempt and no expiry; an unverified
    # domain waits for the affiliation email code.
    if domain.verified:
        return {
            "status": "verified",
            "strategy": "admin",
            "attempts": None,
            "expire_at": None,
            "verified_at": None,
        }
    return {
        "status": "unverified",
        "strategy": "email_code",
        "attempts": 0,
        "expire_at": None,
        "verified_at": None,
    }


def _ownership(domain: DomainRecord) -> dict[str, Any] | None:
    if domain.ownership_verified_at is None:
        return None
    return {
        "status": "verified",
        "strategy": "manual_override",
        "attempts": None,
        "expire_at": None,
        "verified_at": domain.ownership_verified_at,
    }


def domain_json(emulated: EmulatorState, domain: DomainRecord, base: str) -> dict[str, Any]:
    """An ``OrganizationDomain`` with its verification objects and organization data."""
    affiliation = _affiliation(domain)
    org = emulated.organizations[domain.organization_id]
    return {
        "object": "organization_domain",
        "id": domain.id,
        "organization_id": domain.organization_id,
        "name": domain.name,
        "enrollment_mode": domain.enrollment_mode,
        "affiliation_email_address": None,
        "affiliation_verification": affiliation,
        "ownership_verification": _ownership(domain),
        "verification": affiliation,
        # The emulator makes no invitations or suggestions from domains.
        "total_pending_invitations": 0,
        "total_pending_suggestions": 0,
        "public_organization_data": public_organization_data(org, base),
        "created_at": domain.created_at,
        "updated_at": domain.updated_at,
    }


def _one(request: web.Request, domain: DomainRecord) -> web.Response:
    return json_response(domain_json(state(request), domain, images_base(request)))


def _ids(request: web.Request) -> tuple[str, str]:
    return request.match_info["organization_id"], request.match_info["domain_id"]


async def create_domain(request: web.Request) -> web.Response:
    """``POST /organizations/{organization_id}/domains``: verified unless told otherwise."""
    body = bodies.parse_json(await read_body(request), CREATE)
    domain = state(request).domains.create(
        request.match_info["organization_id"],
        body["name"],
        **optional(body, "enrollment_mode", "verified"),
    )
    return _one(request, domain)


def _list(request: web.Request, **filters: Any) -> web.Response:
    q = request.query
    emulated = state(request)
    found = emulated.domains.matching(
        verified=q.get("verified"),
        enrollment_modes=q.getall("enrollment_mode", []),
        order_by=q.get("order_by") or "-created_at",
        **filters,
    )
    base = images_base(request)
    return json_response(page(request, found, lambda d: domain_json(emulated, d, base)))


async def list_domains(request: web.Request) -> web.Response:
    """``GET /organizations/{organization_id}/domains``: ``verified``, ``enrollment_mode``."""
    org_id = request.match_info["organization_id"]
    state(request).domains.check_organization(org_id)
    return _list(request, organization_id=org_id)


async def list_instance_domains(request: web.Request) -> web.Response:
    """``GET /organization_domains``: every filter of the spec, across organizations."""
    q = request.query
    return _list(
        request,
        organization_id=q.get("organization_id"),
        query=q.get("query"),
        names=q.getall("domains", []),
    )


async def update_domain(request: web.Request) -> web.Response:
    """``PATCH /organizations/{organization_id}/domains/{domain_id}``."""
    body = bodies.parse_json(await read_body(request), UPDATE)
    domain = state(request).domains.update(
        *_ids(request), **optional(body, "enrollment_mode", "verified")
    )
    return _one(request, domain)


async def delete_domain(request: web.Request) -> web.Response:
    """``DELETE /organizations/{organization_id}/domains/{domain_id}``."""
    domain = state(request).domains.delete(*_ids(request))
    return json_response(deleted("organization_domain", domain.id))


async def verify_ownership(request: web.Request) -> web.Response:
    """``POST /organizations/{organization_id}/domains/{domain_id}/verify_ownership``."""
    return _one(request, state(request).domains.verify_ownership(*_ids(request)))


EVENTS: dict[str, EventJson] = {
    **dict.fromkeys(
        ("organizationDomain.created", "organizationDomain.updated"),
        lambda emulated, domain, base, _: domain_json(emulated, domain, base),
    ),
    "organizationDomain.deleted": lambda _, domain, __, ___: deleted(
        "organization_domain", domain.id
    ),
}
"""The webhook events this group sends, each with how its ``data`` renders."""


def add_routes(app: web.Application) -> None:
    """Register the six domain operations."""
    base = "/v1/organizations/{organization_id}/domains"
    app.router.add_routes(
        [
            web.get("/v1/organization_domains", list_instance_domains, allow_head=False),
            web.post(base, create_domain),
            web.get(base, list_domains, allow_head=False),
            web.patch(base + "/{domain_id}", update_domain),
            web.delete(base + "/{domain_id}", delete_domain),
            web.post(base + "/{domain_id}/verify_ownership", verify_ownership),
        ]
    )
