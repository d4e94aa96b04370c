"""The organization role and permission operations over HTTP: bodies, JSON and handlers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clerk_orgs_async.testing import _bodies as bodies
from clerk_orgs_async.testing._errors import body_invalid
from clerk_orgs_async.testing._http import EventJson, deleted, json_response, optional, page, state
from clerk_orgs_async.testing._payload import read_body
from clerk_orgs_async.testing._roles import PermissionRecord, RoleCatalog, RoleRecord

CREATE_ROLE = bodies.Body(
    {
        "name": ("string", False),
        "key": ("string", False),
        "description": ("string", True),
        "permissions": ("array", True),
        "include_in_initial_role_set": ("boolean", True),
    },
    required=("name", "key"),
    closed=True,
)
UPDATE_ROLE = bodies.Body(
    {
        "name": ("string", True),
        "key": ("string", True),
        "description": ("string", True),
        "permissions": ("array", True),
    }
)
CREATE_PERMISSION = bodies.Body(
    {"name": ("string", False), "key": ("string", False), "description": ("string", False)},
    required=("name", "key"),
)
UPDATE_PERMISSION = bodies.Body(
    {"name": ("string", False), "key": ("string", False), "description": ("string", False)}
)


def permission_json(permission: PermissionRecord) -> dict[str, Any]:
    """A ``Permission``; ``type`` is ``system`` for ``org:sys_*`` ones, else ``user``."""
    return {
        "object": "permission",
        "id": permission.id,
        "name": permission.name,
        "key": permission.key,
        "description": permission.description,
        "type": "system" if permission.system else "user",
        "created_at": permission.created_at,
        "updated_at": permission.updated_at,
    }


def role_json(catalog: RoleCatalog, role: RoleRecord) -> dict[str, Any]:
    """A ``Role`` with its permissions in full."""
    return {
        "object": "role",
        "id": role.id,
        "name": role.name,
        "key": role.key,
        "description": role.description,
        "is_creator_eligible": catalog.is_creator_eligible(role),
        "permissions": [permission_json(catalog.permission(p)) for p in role.permission_ids],
        "created_at": role.created_at,
        "updated_at": role.updated_at,
    }


def _permission_ids(body: dict[str, Any]) -> dict[str, Any]:
    ids = body.get("permissions")
    if ids is not None and not all(isinstance(i, str) for i in ids):
        raise body_invalid("permissions must be an array of permission IDs", param="permissions")
    return {} if ids is None else {"permissions": ids}


def _role(request: web.Request, role: RoleRecord) -> web.Response:
    return json_response(role_json(state(request).roles, role))


def _role_id(request: web.Request) -> str:
    return request.match_info["organization_role_id"]


async def list_roles(request: web.Request) -> web.Response:
    """``GET /organization_roles``: ``query``, ``order_by`` (default ``-created_at``)."""
    catalog = state(request).roles
    found = catalog.list_roles(
        request.query.get("query"), request.query.get("order_by") or "-created_at"
    )
    return json_response(page(request, found, lambda r: role_json(catalog, r)))


async def create_role(request: web.Request) -> web.Response:
    """``POST /organization_roles``; ``include_in_initial_role_set`` is accepted and ignored."""
    body = bodies.parse_json(await read_body(request), CREATE_ROLE)
    role = state(request).roles.create_role(
        name=body["name"],
        key=body["key"],
        description=body.get("description"),
        **_permission_ids(body),
    )
    return _role(request, role)


async def get_role(request: web.Request) -> web.Response:
    """``GET /organization_roles/{organization_role_id}``."""
    return _role(request, state(request).roles.role(_role_id(request)))


async def update_role(request: web.Request) -> web.Response:
    """``PATCH /organization_roles/{organization_role_id}``: ``permissions`` replaces."""
    body = bodies.parse_json(await read_body(request), UPDATE_ROLE)
    role = state(request).update_role(
        _role_id(request), **optional(body, "name", "key", "description"), **_permission_ids(body)
    )
    return _role(request, role)


async def delete_role(request: web.Request) -> web.Response:
    """``DELETE /organization_roles/{organization_role_id}``: 422 while the role is in use."""
    role = state(request).delete_role(_role_id(request))
    return json_response(deleted("role", role.id))


async def assign_permission(request: web.Request) -> web.Response:
    """``POST /organization_roles/{organization_role_id}/permissions/{permission_id}``."""
    role = state(request).roles.assign_permission(
        _role_id(request), request.match_info["permission_id"]
    )
    return _role(request, role)


async def remove_permission(request: web.Request) -> web.Response:
    """``DELETE /organization_roles/{organization_role_id}/permissions/{permission_id}``."""
    role = state(request).roles.remove_permission(
        _role_id(request), request.match_info["permission_id"]
    )
    return _role(request, role)


async def list_permissions(request: web.Request) -> web.Response:
    """``GET /organization_permissions``: system and custom, ``query``, ``order_by``."""
    catalog = state(request).roles
    found = catalog.list_permissions(
        request.query.get("query"), request.query.get("order_by") or "-created_at"
    )
    return json_response(page(request, found, permission_json))


async def create_permission(request: web.Request) -> web.Response:
    """``POST /organization_permissions``: a key shaped ``org:feature:action``."""
    body = bodies.parse_json(await read_body(request), CREATE_PERMISSION)
    permission = state(request).roles.create_permission(
        name=body["name"], key=body["key"], description=body.get("description", "")
    )
    return json_response(permission_json(permission))


def _permission_id(request: web.Request) -> str:
    return request.match_info["permission_id"]


async def get_permission(request: web.Request) -> web.Response:
    """``GET /organization_permissions/{permission_id}``."""
    return json_response(permission_json(state(request).roles.permission(_permission_id(request))))


async def update_permission(request: web.Request) -> web.Response:
    """``PATCH /organization_permissions/{permission_id}``: system permissions refuse (403)."""
    body = bodies.parse_json(await read_body(request), UPDATE_PERMISSION)
    permission = state(request).roles.update_permission(
        _permission_id(request), **optional(body, "name", "key", "description")
    )
    return json_response(permission_json(permission))


async def delete_permission(request: web.Request) -> web.Response:
    """``DELETE /organization_permissions/{permission_id}``: the roles holding it lose it."""
    permission = state(request).roles.delete_permission(_permission_id(request))
    return json_response(deleted("permission", permission.id))


EVENTS: dict[str, EventJson] = {
    **dict.fromkeys(
        ("role.created", "role.updated", "role.deleted"),
        lambda emulated, role, _, __: role_json(emulated.roles, role),
    ),
    **dict.fromkeys(
        ("permission.created", "permission.updated", "permission.deleted"),
        lambda _, permission, __, ___: permission_json(permission),
    ),
}
"""The webhook events this group sends, each with how its ``data`` renders."""


def add_routes(app: web.Application) -> None:
    """Register the seven role and five permission operations."""
    role = "/v1/organization_roles/{organization_role_id}"
    permission = "/v1/organization_permissions/{permission_id}"
    app.router.add_routes(
        [
            web.get("/v1/organization_roles", list_roles, allow_head=False),
            web.post("/v1/organization_roles", create_role),
            web.get(role, get_role, allow_head=False),
            web.patch(role, update_role),
            web.delete(role, delete_role),
            web.post(role + "/permissions/{permission_id}", assign_permission),
            web.delete(role + "/permissions/{permission_id}", remove_permission),
            web.get("/v1/organization_permissions", list_permissions, allow_head=False),
            web.post("/v1/organization_permissions", create_permission),
            web.get(permission, get_permission, allow_head=False),
            web.patch(permission, update_permission),
            web.delete(permission, delete_permission),
        ]
    )
