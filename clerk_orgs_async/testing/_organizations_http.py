"""The organization operations over HTTP, logos and the image route: bodies, JSON, handlers."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, StreamReader, hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from clerk_orgs_async.testing import _bodies as bodies
from clerk_orgs_async.testing._errors import body_invalid, not_found, param_missing
from clerk_orgs_async.testing._http import (
    DEFAULT_IMAGE,
    IMAGES_PATH,
    EventJson,
    image_url,
    images_base,
    json_response,
    page_params,
    state,
)
from clerk_orgs_async.testing._organizations import OrganizationQuery, OrganizationRecord
from clerk_orgs_async.testing._payload import read_body
from clerk_orgs_async.testing._rules import MAX_LOGO_BYTES, parse_rfc3339_ms

METADATA_API_VERSION = "2026-05-12"
"""From this ``Clerk-API-Version`` on, ``PATCH /organizations/{id}`` refuses metadata."""

CREATE = bodies.Body(
    {
        "name": ("string", False),
        "created_by": ("string", True),
        **bodies.METADATA_FIELDS,
        "slug": ("string", True),
        "max_allowed_memberships": ("integer", True),
        "created_at": ("string", True),
        "role_set_key": ("string", True),
    },
    required=("name",),
)
UPDATE = bodies.Body(
    {
        **bodies.METADATA_FIELDS,
        "name": ("string", True),
        "slug": ("string", True),
        "max_allowed_memberships": ("integer", True),
        "admin_delete_enabled": ("boolean", True),
        "created_at": ("string", True),
        "role_set_key": ("string", True),
    },
    closed=True,
)
# A transparent 1x1 PNG: what an organization without a logo shows at its image_url.
_PLACEHOLDER_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)


def update_body(api_version: str | None) -> bodies.Body:
    """The update body for a ``Clerk-API-Version``; ISO dates compare as strings."""
    if api_version is not None and api_version >= METADATA_API_VERSION:
        return UPDATE.without("public_metadata", "private_metadata")
    return UPDATE


def organization_json(
    org: OrganizationRecord,
    images_base: str,
    *,
    include_members_count: bool = False,
    include_missing_member: bool = False,
    pending_invitations_count: int = 0,
) -> dict[str, Any]:
    """An ``Organization`` (``OrganizationWithLogo`` too, a superset in the spec)."""
    body: dict[str, Any] = {
        "object": "organization",
        "id": org.id,
        "name": org.name,
        "slug": org.slug,
        "image_url": image_url(images_base, org.image_id),
        "has_image": org.image_id is not None,
        "max_allowed_memberships": org.max_allowed_memberships,
        "admin_delete_enabled": org.admin_delete_enabled,
        "public_metadata": org.public_metadata,
        "private_metadata": org.private_metadata,
        "created_at": org.created_at,
        "updated_at": org.updated_at,
        "role_set_key": org.role_set_key,
    }
    if org.created_by is not None:
        body["created_by"] = org.created_by
    if include_members_count:
        body["members_count"] = org.members_count
        body["pending_invitations_count"] = pending_invitations_count
    if include_missing_member:
        body["missing_member_with_elevated_permissions"] = False
    return body


def deleted_organization_json(org: OrganizationRecord) -> dict[str, Any]:
    """The ``DeletedObject`` answered by ``DELETE /organizations/{id}``."""
    return {"object": "organization", "id": org.id, "slug": org.slug, "deleted": True}


def _one(request: web.Request, org_id: str, **include: bool) -> web.Response:
    emulated = state(request)
    org = emulated.get_organization(org_id)
    counted = include.get("include_members_count")
    pending = emulated.invitations.pending_count(org.id) if counted else 0
    return json_response(
        organization_json(org, images_base(request), pending_invitations_count=pending, **include)
    )


def _created_at(body: dict[str, Any]) -> int | None:
    value = body.get("created_at")
    return None if value is None else parse_rfc3339_ms(value)


def _org_id(request: web.Request) -> str:
    return request.match_info["organization_id"]


async def list_organizations(request: web.Request) -> web.Response:
    """``GET /organizations``."""
    q = request.query
    include = {
        "include_members_count": bodies.query_bool(q, "include_members_count"),
        "include_missing_member": bodies.query_bool(
            q, "include_missing_member_with_elevated_permissions"
        ),
    }
    emulated = state(request)
    limit, offset = page_params(request)
    orgs, total = emulated.list_organizations(
        OrganizationQuery(
            query=q.get("query"),
            user_ids=q.getall("user_id", []),
            organization_ids=q.getall("organization_id", []),
            order_by=q.get("order_by") or "-created_at",
            limit=limit,
            offset=offset,
        )
    )
    base = images_base(request)
    counted = include["include_members_count"]
    data = [
        organization_json(
            o,
            base,
            pending_invitations_count=emulated.invitations.pending_count(o.id) if counted else 0,
            **include,
        )
        for o in orgs
    ]
    return json_response({"data": data, "total_count": total})


async def create_organization(request: web.Request) -> web.Response:
    """``POST /organizations``: the creator, if given, becomes the first admin."""
    body = bodies.parse_json(await read_body(request), CREATE)
    org = state(request).create_organization(
        body["name"],
        slug=body.get("slug"),
        created_by=body.get("created_by"),
        max_allowed_memberships=body.get("max_allowed_memberships"),
        public_metadata=body.get("public_metadata"),
        private_metadata=body.get("private_metadata"),
        created_at=_created_at(body),
        role_set_key=body.get("role_set_key"),
    )
    return _one(request, org.id)


async def get_organization(request: web.Request) -> web.Response:
    """``GET /organizations/{organization_id}``, by ID or slug."""
    return _one(
        request,
        _org_id(request),
        include_members_count=bodies.query_bool(request.query, "include_members_count"),
        include_missing_member=bodies.query_bool(
            request.query, "include_missing_member_with_elevated_permissions"
        ),
    )


async def update_organization(request: web.Request) -> web.Response:
    """``PATCH /organizations/{organization_id}``; metadata refused from API 2026-05-12."""
    schema = update_body(request.headers.get("Clerk-API-Version"))
    body = bodies.parse_json(await read_body(request), schema)
    org = state(request).organizations.update(
        _org_id(request),
        name=body.get("name"),
        slug=body.get("slug"),
        max_allowed_memberships=body.get("max_allowed_memberships"),
        admin_delete_enabled=body.get("admin_delete_enabled"),
        public_metadata=body.get("public_metadata"),
        private_metadata=body.get("private_metadata"),
        created_at=_created_at(body),
        role_set_key=body.get("role_set_key"),
    )
    return _one(request, org.id)


async def delete_organization(request: web.Request) -> web.Response:
    """``DELETE /organizations/{organization_id}``: everything it holds goes with it."""
    org = state(request).delete_organization(_org_id(request))
    return json_response(deleted_organization_json(org))


async def merge_metadata(request: web.Request) -> web.Response:
    """``PATCH /organizations/{organization_id}/metadata``: deep merge."""
    body = bodies.parse_json(await read_body(request), bodies.METADATA)
    org = state(request).organizations.merge_metadata(_org_id(request), **body)
    return _one(request, org.id)


async def replace_metadata(request: web.Request) -> web.Response:
    """``PUT /organizations/{organization_id}/metadata``: each given field replaced whole."""
    body = bodies.parse_json(await read_body(request), bodies.METADATA)
    org = state(request).organizations.update(_org_id(request), **body)
    return _one(request, org.id)


async def upload_logo(request: web.Request) -> web.Response:
    """``PUT /organizations/{organization_id}/logo``: multipart ``file``, ``uploader_user_id``."""
    org_id = _org_id(request)
    organizations = state(request).organizations
    organizations.require(org_id)
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
    org = organizations.set_logo(org_id, data, content_type, uploader_user_id=uploader)
    return _one(request, org.id)


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
    org = state(request).organizations.delete_logo(_org_id(request))
    return _one(request, org.id)


async def image(request: web.Request) -> web.Response:
    """Serve an uploaded logo (or the placeholder) at the ``image_url`` the objects carry."""
    image_id = request.match_info["image_id"]
    if image_id == DEFAULT_IMAGE:
        return web.Response(body=_PLACEHOLDER_PNG, content_type="image/png")
    logo = state(request).organizations.logo(image_id)
    if logo is None:
        raise not_found("image")
    return web.Response(body=logo.data, content_type=logo.content_type)


EVENTS: dict[str, EventJson] = {
    "organization.created": lambda _, org, base, __: organization_json(org, base),
    "organization.updated": lambda _, org, base, __: organization_json(org, base),
    "organization.deleted": lambda _, org, base, __: deleted_organization_json(org),
}
"""The webhook events this group sends, each with how its ``data`` renders."""


def add_routes(app: web.Application) -> None:
    """Register the organization and logo operations and the image route."""
    org = "/v1/organizations/{organization_id}"
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
            web.get(IMAGES_PATH + "/{image_id}", image),
        ]
    )
