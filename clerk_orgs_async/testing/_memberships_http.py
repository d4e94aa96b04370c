"""The membership operations over HTTP, one organization's and the instance's: bodies, JSON."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clerk_orgs_async.testing import _bodies as bodies
from clerk_orgs_async.testing._http import (
    EventJson,
    image_url,
    images_base,
    json_response,
    page_params,
    state,
)
from clerk_orgs_async.testing._memberships import MembershipQuery, MembershipRecord
from clerk_orgs_async.testing._organizations_http import organization_json
from clerk_orgs_async.testing._payload import read_body
from clerk_orgs_async.testing._state import EmulatorState
from clerk_orgs_async.testing._users import UserRecord

CREATE = bodies.Body(
    {"user_id": ("string", False), "role": ("string", False), **bodies.METADATA_FIELDS},
    required=("user_id", "role"),
)
UPDATE = bodies.Body({"role": ("string", False)}, required=("role",))


def public_user_data(user: UserRecord, images_base: str) -> dict[str, Any]:
    """The ``OrganizationMembershipPublicUserData`` of a member."""
    url = user.image_url or image_url(images_base, None)
    return {
        "user_id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "profile_image_url": url,
        "image_url": url,
        "has_image": user.image_url is not None,
        "identifier": (
            user.email_address or user.phone_number or user.username or user.web3_wallet
        ),
        "username": user.username,
        "banned": user.banned,
        "deprovisioned": False,
    }


def membership_json(
    emulated: EmulatorState, member: MembershipRecord, images_base: str
) -> dict[str, Any]:
    """An ``OrganizationMembership``: its organization, role, permissions and member."""
    roles = emulated.roles
    return {
        "object": "organization_membership",
        "id": member.id,
        "role": member.role,
        "role_name": roles.by_key(member.role).name,
        "permissions": roles.permission_keys(member.role),
        "public_metadata": member.public_metadata,
        "private_metadata": member.private_metadata,
        "organization": organization_json(
            emulated.organizations[member.organization_id], images_base
        ),
        "public_user_data": public_user_data(emulated.users[member.user_id], images_base),
        "created_at": member.created_at,
        "updated_at": member.updated_at,
    }


def _one(request: web.Request, member: MembershipRecord) -> web.Response:
    return json_response(membership_json(state(request), member, images_base(request)))


def _many(request: web.Request, members: list[MembershipRecord], total: int) -> web.Response:
    emulated, base = state(request), images_base(request)
    data = [membership_json(emulated, m, base) for m in members]
    return json_response({"data": data, "total_count": total})


def _ids(request: web.Request) -> tuple[str, str]:
    return request.match_info["organization_id"], request.match_info["user_id"]


async def create_membership(request: web.Request) -> web.Response:
    """``POST /organizations/{organization_id}/memberships``."""
    body = bodies.parse_json(await read_body(request), CREATE)
    member = state(request).organization_memberships.create(
        request.match_info["organization_id"],
        body["user_id"],
        body["role"],
        public_metadata=body.get("public_metadata"),
        private_metadata=body.get("private_metadata"),
    )
    return _one(request, member)


async def list_memberships(request: web.Request) -> web.Response:
    """``GET /organizations/{organization_id}/memberships`` with every filter of the spec."""
    q = request.query
    members, total = state(request).organization_memberships.page(
        request.match_info["organization_id"],
        MembershipQuery(
            order_by=q.get("order_by") or "-created_at",
            user_ids=q.getall("user_id", []),
            email_addresses=q.getall("email_address", []),
            phone_numbers=q.getall("phone_number", []),
            usernames=q.getall("username", []),
            web3_wallets=q.getall("web3_wallet", []),
            roles=q.getall("role", []),
            query=q.get("query"),
            email_address_query=q.get("email_address_query"),
            phone_number_query=q.get("phone_number_query"),
            username_query=q.get("username_query"),
            name_query=q.get("name_query"),
            last_active_at_before=bodies.query_int(q, "last_active_at_before"),
            last_active_at_after=bodies.query_int(q, "last_active_at_after"),
            created_at_before=bodies.query_int(q, "created_at_before"),
            created_at_after=bodies.query_int(q, "created_at_after"),
            limit=bodies.query_int(q, "limit", 10) or 0,
            offset=bodies.query_int(q, "offset", 0) or 0,
        ),
    )
    return _many(request, members, total)


async def list_instance_memberships(request: web.Request) -> web.Response:
    """``GET /organization_memberships``: ordered like an organization's list, paged by offset."""
    limit, offset = page_params(request)
    members, total = state(request).organization_memberships.page_all(
        request.query.get("order_by") or "-created_at", limit, offset
    )
    return _many(request, members, total)


async def update_membership(request: web.Request) -> web.Response:
    """``PATCH /organizations/{organization_id}/memberships/{user_id}``: the role."""
    body = bodies.parse_json(await read_body(request), UPDATE)
    member = state(request).organization_memberships.update(*_ids(request), role=body["role"])
    return _one(request, member)


async def delete_membership(request: web.Request) -> web.Response:
    """``DELETE /organizations/{organization_id}/memberships/{user_id}``."""
    return _one(request, state(request).organization_memberships.delete(*_ids(request)))


async def merge_membership_metadata(request: web.Request) -> web.Response:
    """``PATCH /organizations/{organization_id}/memberships/{user_id}/metadata``: deep merge."""
    body = bodies.parse_json(await read_body(request), bodies.METADATA)
    member = state(request).organization_memberships.merge_metadata(*_ids(request), **body)
    return _one(request, member)


EVENTS: dict[str, EventJson] = dict.fromkeys(
    (
        "organizationMembership.created",
        "organizationMembership.updated",
        "organizationMembership.deleted",
    ),
    lambda emulated, member, base, _: membership_json(emulated, member, base),
)
"""The webhook events this group sends, each with how its ``data`` renders."""


def add_routes(app: web.Application) -> None:
    """Register an organization's membership operations and the instance-wide list."""
    base = "/v1/organizations/{organization_id}/memberships"
    app.router.add_routes(
        [
            web.get("/v1/organization_memberships", list_instance_memberships, allow_head=False),
            web.post(base, create_membership),
            web.get(base, list_memberships, allow_head=False),
            web.patch(base + "/{user_id}", update_membership),
            web.delete(base + "/{user_id}", delete_membership),
            web.patch(base + "/{user_id}/metadata", merge_membership_metadata),
        ]
    )
