"""``GET /organization_memberships``: every membership of the instance, with its organization."""

from __future__ import annotations

from aiohttp import web

from clerk_orgs_async.testing import _bodies as bodies
from clerk_orgs_async.testing import _render as render
from clerk_orgs_async.testing._handlers import json_response
from clerk_orgs_async.testing._http import images_base, state


async def list_instance_memberships(request: web.Request) -> web.Response:
    """Ordered like an organization's list (default ``-created_at``), paged by offset."""
    q = request.query
    emulated = state(request)
    members, total = emulated.list_all_memberships(
        q.get("order_by") or "-created_at",
        bodies.query_int(q, "limit", 10) or 0,
        bodies.query_int(q, "offset", 0) or 0,
    )
    base = images_base(request)
    data = [
        render.membership(
            m,
            emulated.organizations[m.organization_id],
            emulated.users[m.user_id],
            base,
            emulated.roles,
        )
        for m in members
    ]
    return json_response({"data": data, "total_count": total})


def add_routes(app: web.Application) -> None:
    """Register the instance-wide membership list."""
    app.router.add_get("/v1/organization_memberships", list_instance_memberships, allow_head=False)
