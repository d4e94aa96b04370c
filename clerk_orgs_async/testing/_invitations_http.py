"""The invitation operations over HTTP: bodies, JSON objects and handlers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from clerk_orgs_async.testing import _bodies as bodies
from clerk_orgs_async.testing._errors import body_invalid
from clerk_orgs_async.testing._http import (
    EventJson,
    image_url,
    images_base,
    json_response,
    optional,
    page,
    public_organization_data,
    state,
)
from clerk_orgs_async.testing._invitations import InvitationRecord, check_bulk_size
from clerk_orgs_async.testing._payload import read_body
from clerk_orgs_async.testing._state import EmulatorState

CREATE = bodies.Body(
    {
        "email_address": ("string", False),
        "inviter_user_id": ("string", True),
        "role": ("string", False),
        "public_metadata": ("object", True),
        "private_metadata": ("object", True),
        "redirect_url": ("string", True),
        "expires_in_days": ("integer", True),
        "notify": ("boolean", True),
    },
    required=("email_address", "role"),
)
REVOKE = bodies.Body({"requesting_user_id": ("string", True)})


def _inviter(emulated: EmulatorState, user_id: str | None, base: str) -> dict[str, Any] | None:
    user = None if user_id is None else emulated.users.get(user_id)
    if user is None:
        return None
    return {
        "user_id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image_url": user.image_url or image_url(base, None),
        "has_image": user.image_url is not None,
        "identifier": (
            user.email_address or user.phone_number or user.username or user.web3_wallet or ""
        ),
    }


def invitation_json(
    emulated: EmulatorState,
    invitation: InvitationRecord,
    base: str,
    *,
    with_organization: bool = False,
) -> dict[str, Any]:
    """An ``OrganizationInvitation`` (with its organization's public data, for instance lists).

    ``url`` is always ``null``: the emulator sends no email and has no acceptance page; tests
    accept through :meth:`EmulatorState.accept_invitation`.
    """
    body: dict[str, Any] = {
        "object": "organization_invitation",
        "id": invitation.id,
        "email_address": invitation.email_address,
        "role": invitation.role,
        "role_name": emulated.roles.by_key(invitation.role).name,
        "organization_id": invitation.organization_id,
        "inviter_id": invitation.inviter_id,
        "public_inviter_data": _inviter(emulated, invitation.inviter_id, base),
        "status": emulated.invitations.status(invitation),
        "public_metadata": invitation.public_metadata,
        "private_metadata": invitation.private_metadata,
        "url": None,
        "expires_at": invitation.expires_at,
        "created_at": invitation.created_at,
        "updated_at": invitation.updated_at,
    }
    if with_organization:
        org = emulated.organizations[invitation.organization_id]
        body["public_organization_data"] = public_organization_data(org, base)
    return body


def _one(request: web.Request, invitation: InvitationRecord) -> web.Response:
    return json_response(invitation_json(state(request), invitation, images_base(request)))


async def create_invitation(request: web.Request) -> web.Response:
    """``POST /organizations/{organization_id}/invitations``."""
    body = bodies.parse_json(await read_body(request), CREATE)
    (created,) = state(request).invitations.create(request.match_info["organization_id"], [body])
    return _one(request, created)


async def create_invitations_bulk(request: web.Request) -> web.Response:
    """``POST /organizations/{organization_id}/invitations/bulk``: 1 to 10, all or none."""
    items = bodies.decode(await read_body(request))
    if not isinstance(items, list) or not items:
        raise body_invalid("it must be a JSON array of 1 to 10 invitations")
    check_bulk_size(len(items))
    checked = [bodies.check(item, CREATE) for item in items]
    emulated = state(request)
    created = emulated.invitations.create(request.match_info["organization_id"], checked)
    base = images_base(request)
    return json_response(
        {"data": [invitation_json(emulated, i, base) for i in created], "total_count": len(created)}
    )


async def list_invitations(request: web.Request) -> web.Response:
    """``GET /organizations/{organization_id}/invitations``: ``status``, ``email_address``."""
    q = request.query
    emulated = state(request)
    found = emulated.invitations.matching(
        request.match_info["organization_id"],
        statuses=q.getall("status", []),
        email_address=q.get("email_address"),
        order_by=q.get("order_by") or "-created_at",
    )
    base = images_base(request)
    return json_response(page(request, found, lambda i: invitation_json(emulated, i, base)))


async def list_pending_invitations(request: web.Request) -> web.Response:
    """``GET /organizations/{organization_id}/invitations/pending`` (deprecated, still served)."""
    emulated = state(request)
    found = emulated.invitations.matching(
        request.match_info["organization_id"], statuses=["pending"]
    )
    base = images_base(request)
    # The spec lists 400, not 422, for this list's bad parameters.
    return json_response(
        page(request, found, lambda i: invitation_json(emulated, i, base), bad_page_status=400)
    )


async def list_instance_invitations(request: web.Request) -> web.Response:
    """``GET /organization_invitations``: every organization's, with its public data."""
    q = request.query
    emulated = state(request)
    found = emulated.invitations.matching(
        None,
        statuses=q.getall("status", []),
        query=q.get("query"),
        order_by=q.get("order_by") or "-created_at",
    )
    base = images_base(request)
    return json_response(
        page(request, found, lambda i: invitation_json(emulated, i, base, with_organization=True))
    )


async def get_invitation(request: web.Request) -> web.Response:
    """``GET /organizations/{organization_id}/invitations/{invitation_id}``."""
    info = request.match_info
    invitation = state(request).invitations.get(info["organization_id"], info["invitation_id"])
    return _one(request, invitation)


async def revoke_invitation(request: web.Request) -> web.Response:
    """``POST /organizations/{organization_id}/invitations/{invitation_id}/revoke``."""
    body = bodies.parse_json(await read_body(request), REVOKE)
    info = request.match_info
    revoked = state(request).invitations.revoke(
        info["organization_id"], info["invitation_id"], **optional(body, "requesting_user_id")
    )
    return _one(request, revoked)


def _invitation_event(
    emulated: EmulatorState, invitation: InvitationRecord, base: str, context: Mapping[str, Any]
) -> dict[str, Any]:
    body = invitation_json(emulated, invitation, base)
    # An accepted invitation's event names who accepted it, which its API object does not.
    return {**body, "user_id": context["user_id"]} if "user_id" in context else body


EVENTS: dict[str, EventJson] = dict.fromkeys(
    (
        "organizationInvitation.created",
        "organizationInvitation.revoked",
        "organizationInvitation.accepted",
    ),
    _invitation_event,
)
"""The webhook events this group sends, each with how its ``data`` renders."""


def add_routes(app: web.Application) -> None:
    """Register the seven invitation operations (literal paths before ``{invitation_id}``)."""
    base = "/v1/organizations/{organization_id}/invitations"
    app.router.add_routes(
        [
            web.get("/v1/organization_invitations", list_instance_invitations, allow_head=False),
            web.post(base, create_invitation),
            web.get(base, list_invitations, allow_head=False),
            web.post(base + "/bulk", create_invitations_bulk),
            web.get(base + "/pending", list_pending_invitations, allow_head=False),
            web.get(base + "/{invitation_id}", get_invitation, allow_head=False),
            web.post(base + "/{invitation_id}/revoke", revoke_invitation),
        ]
    )
