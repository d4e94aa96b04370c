"""``GET /users``, ``GET /users/count`` and ``GET /users/{user_id}``: the emulator's seeded
users, read-only."""

from __future__ import annotations

from collections.abc import Callable

import attrs
from aiohttp import web

from clerk_orgs_async._json import dumps
from clerk_orgs_async.testing import _render as render
from clerk_orgs_async.testing._bodies import query_int
from clerk_orgs_async.testing._errors import not_found, param_invalid
from clerk_orgs_async.testing._handlers import STATE
from clerk_orgs_async.testing._handlers import _images_base as images_base
from clerk_orgs_async.testing._state import EmulatorState
from clerk_orgs_async.testing._users import UserQuery, count_matching, exact_filters, list_users

_PARTIAL = ("email_address_query", "phone_number_query", "username_query", "name_query")


def _banned(value: str | None) -> bool | None:
    if value is None:
        return None
    if value not in ("true", "false"):
        raise param_invalid("banned", "must be true or false")
    return value == "true"


def _query(request: web.Request, *, paged: bool) -> UserQuery:
    """The filters of a ``GET /users`` or ``GET /users/count``, and the list's order and page."""
    q = request.query
    filters = UserQuery(
        user_ids=q.getall("user_id", []),
        organization_ids=q.getall("organization_id", []),
        exact=exact_filters(lambda name: q.getall(name, [])),
        query=q.get("query"),
        partial={name: q[name] for name in _PARTIAL if name in q},
        banned=_banned(q.get("banned")),
        last_active_at_before=query_int(q, "last_active_at_before"),
        last_active_at_after=query_int(q, "last_active_at_after"),
        created_at_before=query_int(q, "created_at_before"),
        created_at_after=query_int(q, "created_at_after"),
    )
    if not paged:  # the count takes the filters only
        return filters
    return attrs.evolve(
        filters,
        order_by=q.get("order_by") or "-created_at",
        limit=query_int(q, "limit", 10) or 0,
        offset=query_int(q, "offset", 0) or 0,
    )


def _members_of(state: EmulatorState) -> Callable[[str], set[str]]:
    def members_of(org_id: str) -> set[str]:
        if org_id not in state.organizations:
            return set()
        return {m.user_id for m in state.memberships(org_id)}

    return members_of


async def get_users(request: web.Request) -> web.Response:
    """``GET /users``: a JSON array of ``User``, newest first unless ``order_by`` says."""
    state = request.app[STATE]
    users = list_users(list(state.users.values()), _query(request, paged=True), _members_of(state))
    base = images_base(request)
    return web.Response(
        body=dumps([render.user(u, base) for u in users]), content_type="application/json"
    )


async def count_users(request: web.Request) -> web.Response:
    """``GET /users/count``: how many users the filters of ``GET /users`` select.

    ``@clerk/backend``'s ``users.getUserList`` reads its ``totalCount`` here.
    """
    state = request.app[STATE]
    total = count_matching(
        list(state.users.values()), _query(request, paged=False), _members_of(state)
    )
    body = dumps({"object": "total_count", "total_count": total})
    return web.Response(body=body, content_type="application/json")


async def get_user(request: web.Request) -> web.Response:
    """``GET /users/{user_id}``."""
    user = request.app[STATE].users.get(request.match_info["user_id"])
    if user is None:
        raise not_found("user")
    body = dumps(render.user(user, images_base(request)))
    return web.Response(body=body, content_type="application/json")


def add_user_routes(app: web.Application) -> None:
    """Register the read-only users routes under ``/v1``."""
    app.router.add_routes(
        [
            web.get("/v1/users", get_users, allow_head=False),
            # Before the next route, which would read "count" as a user ID.
            web.get("/v1/users/count", count_users, allow_head=False),
            web.get("/v1/users/{user_id}", get_user, allow_head=False),
        ]
    )
