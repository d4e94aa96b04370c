"""The 14 operations of the organizations and memberships API, as aiohttp handlers.

Each handler reads its body with ``await read_body(request)`` and changes the state in one
synchronous step after its last ``await``: the data file's journal relies on it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, StreamReader, hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from clerk_orgs_async._json import dumps
from clerk_orgs_async.testing import _bodies as bodies
from clerk_orgs_async.testing import _render as render
from clerk_orgs_async.testing._errors import body_invalid, not_found, param_missing
from clerk_orgs_async.testing._payload import read_body
from clerk_orgs_async.testing._queries import MembershipQuery, OrganizationQuery
from clerk_orgs_async.testing._records import Membership
from clerk_orgs_async.testing._rules import MAX_LOGO_BYTES, parse_rfc3339_ms
from clerk_orgs_async.testing._state import EmulatorState

STATE = web.AppKey("state", EmulatorState)
IMAGES_PATH = "/v1/_emulator/images"
# A transparent 1x1 PNG: what an organization without a logo shows at its image_url.
_PLACEHOLDER_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)


def json_response(body: Any) -> web.Response:
    """A 200 with a JSON body."""
    return web.Response(body=dumps(body), content_type="application/json")


def _state(request: web.Request) -> EmulatorState:
    return request.app[STATE]


def _images_base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}{IMAGES_PATH}"


def _org_json(request: web.Request, org_id: str, **include: bool) -> web.Response:
    state = _state(request)
    org = state.get_organization(org_id)
    pending = state.invitations.pending_count(org.id) if include.get("include_members_count") else 0
    return json_response(
        render.organization(
            org, _images_base(request), pending_invitations_count=pending, **include
        )
    )


def _membership_json(request: web.Request, member: Membership) -> web.Response:
    state = _state(request)
    return json_response(
        render.membership(
            member,
            state.organizations[member.organization_id],
            state.users[member.user_id],
            _images_base(request),
            state.roles,
        )
    )


def _created_at(body: dict[str, Any]) -> int | None:
    value = body.get("created_at")
    return None if value is None else parse_rfc3339_ms(value)


async def list_organizations(request: web.Request) -> web.Response:
    """``GET /organizations``."""
    q = request.query
    include = {
        "include_members_count": bodies.query_bool(q, "include_members_count"),
        "include_missing_member": bodies.query_bool(
            q, "include_missing_member_with_elevated_permissions"
        ),
    }
    state = _state(request)
    orgs, total = state.list_organizations(
        OrganizationQuery(
            query=q.get("query"),
            user_ids=q.getall("user_id", []),
            organization_ids=q.getall("organization_id", []),
            order_by=q.get("order_by") or "-created_at",
            limit=bodies.query_int(q, "limit", 10) or 0,
            offset=bodies.query_int(q, "offset", 0) or 0,
        )
    )
    base = _images_base(request)
    counted = include["include_members_count"]
    data = [
        render.organization(
            o,
            base,
            pending_invitations_count=state.invitations.pending_count(o.id) if counted else 0,
            **include,
        )
        for o in orgs
    ]
    return json_response({"data": data, "total_count": total})


async def create_organization(request: web.Request) -> web.Response:
    """``POST /organizations``."""
    body = bodies.parse_json(await read_body(request), bodies.CREATE_ORGANIZATION)
    org = _state(request).create_organization(
        body["name"],
        slug=body.get("slug"),
        created_by=body.get("created_by"),
        max_allowed_memberships=body.get("max_allowed_memberships"),
        public_metadata=body.get("public_metadata"),
        private_metadata=body.get("private_metadata"),
        created_at=_created_at(body),
        role_set_key=body.get("role_set_key"),
    )
    return _org_json(request, org.id)


async def get_organization(request: web.Request) -> web.Response:
    """``GET /organizations/{organization_id}``, by ID or slug."""
    return _org_json(
        request,
        request.match_info["organization_id"],
        include_members_count=bodies.query_bool(request.query, "include_members_count"),
        include_missing_member=bodies.query_bool(
            request.query, "include_missing_member_with_elevated_permissions"
        ),
    )


async def update_organization(request: web.Request) -> web.Response:
    """``PATCH /organizations/{organization_id}``; metadata refused from API 2026-05-12."""
    schema = bodies.update_organization_body(request.headers.get("Clerk-API-Version"))
    body = bodies.parse_json(await read_body(request), schema)
    org = _state(request).update_organization(
        request.match_info["organization_id"],
        name=body.get("name"),
        slug=body.get("slug"),
        max_allowed_memberships=body.get("max_allowed_memberships"),
        admin_delete_enabled=body.get("admin_delete_enabled"),
        public_metadata=body.get("public_metadata"),
        private_metadata=body.get("private_metadata"),
        created_at=_created_at(body),
        role_set_key=body.get("role_set_key"),
    )
    return _org_json(request, org.id)


async def delete_organization(request: web.Request) -> web.Response:
    """``DELETE /organizations/{organization_id}``: memberships and logo go with it."""
    org = _state(request).delete_organization(request.match_info["organization_id"])
    return json_response(render.deleted_organization(org))


async def merge_metadata(request: web.Request) -> web.Response:
    """``PATCH /organizations/{organization_id}/metadata``: deep merge."""
    body = bodies.parse_json(await read_body(request), bodies.METADATA)
    org = _state(request).merge_metadata(request.match_info["organization_id"], **body)
    return _org_json(request, org.id)


async def replace_metadata(request: web.Request) -> web.Response:
    """``PUT /organizations/{organization_id}/metadata``: each given field replaced whole."""
    body = bodies.parse_json(await read_body(request), bodies.METADATA)
    org = _state(request).replace_metadata(request.match_info["organization_id"], **body)
    return _org_json(request, org.id)


async def upload_logo(request: web.Request) -> web.Response:
    """``PUT /organizations/{organization_id}/logo``: multipart ``file``, ``uploader_user_id``."""
    org_id = request.match_info["organization_id"]
    _state(request).get_organization(org_id)
    if not request.content_type.startswith("multipart/"):
        raise body_invalid("a logo is uploaded as multipart/form-data")
    try:
        data, content_type, uploader = await _logo_form(request)
    except (ValueError, LookupError, HttpProcessingError, RuntimeWarning):
        # aiohttp's multipart reader raises these for a body it cannot parse: no boundary,
        # a bad part header, a truncated body, text in an unknown or mismatched charset; a
        # bad Content-Disposition is a RuntimeWarning, raised where warnings are errors.
        raise body_invalid("it is not a well-formed multipart/form-data body") from None
    if data is None:
        raise param_missing("file", status=400)
    org = _state(request).set_logo(org_id, data, content_type, uploader_user_id=uploader)
    return _org_json(request, org.id)


async def _logo_form(request: web.Request) -> tuple[bytes | None, str, str | None]:
    """The ``file`` part's bytes and content type, and ``uploader_user_id``, if sent."""
    # Parsed from the body as read(), which the journal records, not from the stream, which
    # the journal has already read (a limit above the body's size: no flow control).
    body = await read_body(request)
    content = StreamReader(
        request.protocol, limit=2 * len(body) + 1, loop=asyncio.get_running_loop()
    )
    content.feed_data(body)
    content.feed_eof()
    reader = MultipartReader(request.headers, content)
    data: bytes | None = None
    content_type = ""
    uploader: str | None = None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file":
            content_type = part.headers.get(hdrs.CONTENT_TYPE, "").split(";")[0].strip()
            # Read one byte past the limit: enough to refuse without holding a huge upload.
            chunks = bytearray()
            while len(chunks) <= MAX_LOGO_BYTES and (chunk := await part.read_chunk()):
                chunks += chunk
            data = bytes(chunks)
        elif part.name == "uploader_user_id":
            uploader = await part.text()
    return data, content_type, uploader


async def delete_logo(request: web.Request) -> web.Response:
    """``DELETE /organizations/{organization_id}/logo``."""
    org = _state(request).delete_logo(request.match_info["organization_id"])
    return _org_json(request, org.id)


async def create_membership(request: web.Request) -> web.Response:
    """``POST /organizations/{organization_id}/memberships``."""
    body = bodies.parse_json(await read_body(request), bodies.CREATE_MEMBERSHIP)
    member = _state(request).create_membership(
        request.match_info["organization_id"],
        body["user_id"],
        body["role"],
        public_metadata=body.get("public_metadata"),
        private_metadata=body.get("private_metadata"),
    )
    return _membership_json(request, member)


async def list_memberships(request: web.Request) -> web.Response:
    """``GET /organizations/{organization_id}/memberships`` with every filter of the spec."""
    q = request.query
    state = _state(request)
    members, total = state.list_memberships(
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
    base = _images_base(request)
    data = [
        render.membership(
            m, state.organizations[m.organization_id], state.users[m.user_id], base, state.roles
        )
        for m in members
    ]
    return json_response({"data": data, "total_count": total})


async def update_membership(request: web.Request) -> web.Response:
    """``PATCH /organizations/{organization_id}/memberships/{user_id}``: the role."""
    body = bodies.parse_json(await read_body(request), bodies.UPDATE_MEMBERSHIP)
    member = _state(request).update_membership(
        request.match_info["organization_id"], request.match_info["user_id"], role=body["role"]
    )
    return _membership_json(request, member)


async def delete_membership(request: web.Request) -> web.Response:
    """``DELETE /organizations/{organization_id}/memberships/{user_id}``."""
    state = _state(request)
    member = state.delete_membership(
        request.match_info["organization_id"], request.match_info["user_id"]
    )
    return _membership_json(request, member)


async def merge_membership_metadata(request: web.Request) -> web.Response:
    """``PATCH /organizations/{organization_id}/memberships/{user_id}/metadata``: deep merge."""
    body = bodies.parse_json(await read_body(request), bodies.METADATA)
    member = _state(request).merge_membership_metadata(
        request.match_info["organization_id"], request.match_info["user_id"], **body
    )
    return _membership_json(request, member)


async def image(request: web.Request) -> web.Response:
    """Serve an uploaded logo (or the placeholder) at the ``image_url`` the objects carry."""
    image_id = request.match_info["image_id"]
    if image_id == render.DEFAULT_IMAGE:
        return web.Response(body=_PLACEHOLDER_PNG, content_type="image/png")
    logo = _state(request).logo(image_id)
    if logo is None:
        raise not_found("image")
    return web.Response(body=logo.data, content_type=logo.content_type)


def add_routes(app: web.Application) -> None:
    """Register the operations under ``/v1`` and the image route."""
    org = "/v1/organizations/{organization_id}"
    member = org + "/memberships/{user_id}"
    app.router.add_routes(
        [
            web.get("/v1/organizations", list_organizations, allow_head=False),
            web.post("/v1/organizations", create_organization),
            web.get(org, get_organization, allow_head=False),
            web.patch(org, update_organization),
            web.delete(org, delete_organization),
            web.patch(org + "/metadata", merge_metadata),
            web.put(org + "/metadata", replace_metadata),
            web.put(org + "/logo", upload_logo),
            web.delete(org + "/logo", delete_logo),
            web.post(org + "/memberships", create_membership),
            web.get(org + "/memberships", list_memberships, allow_head=False),
            web.patch(member, update_membership),
            web.delete(member, delete_membership),
            web.patch(member + "/metadata", merge_membership_metadata),
            web.get(IMAGES_PATH + "/{image_id}", image),
        ]
    )
