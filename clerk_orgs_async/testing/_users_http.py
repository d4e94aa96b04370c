"""``GET /users``, ``GET /users/count`` and ``GET /users/{user_id}``: the emulator's users,
read-only, as Clerk's JSON."""

from __future__ import annotations

import hashlib
import string
from typing import Any

import attrs
from aiohttp import web

from clerk_orgs_async.testing._bodies import query_int
from clerk_orgs_async.testing._errors import not_found, param_invalid
from clerk_orgs_async.testing._http import EventJson, image_url, images_base, json_response, state
from clerk_orgs_async.testing._users import UserQuery, UserRecord, exact_filters

_PARTIAL = ("email_address_query", "phone_number_query", "username_query", "name_query")


_BASE62 = string.digits + string.ascii_letters


def _derived_id(prefix: str, *parts: str) -> str:
    """A stable Clerk-shaped ID for something the emulator keeps no ID of (a user's email)."""
    digest = hashlib.sha256("\0".join(parts).encode()).digest()
    return f"{prefix}_" + "".join(_BASE62[b % 62] for b in digest[:27])


def _admin_verified() -> dict[str, Any]:
    return {
        "object": "verification_admin",
        "status": "verified",
        "strategy": "admin",
        "attempts": None,
        "expire_at": None,
    }


def _identifications(
    user: UserRecord, kind: str, value: str | None, **extra: Any
) -> list[dict[str, Any]]:
    """A user's email address, phone number or web3 wallet, as Clerk lists them."""
    if value is None:
        return []
    identification = {
        "id": _derived_id("idn", user.id, kind),
        "object": kind,
        kind: value,
        "verification": _admin_verified(),
        **extra,
        "created_at": user.created_at,
        "updated_at": user.created_at,
    }
    return [identification]


def user_json(user: UserRecord, images_base: str) -> dict[str, Any]:
    """A ``User``: every field the spec requires, from what the emulator knows of the user.

    Identifications (email, phone, wallet) are verified by an admin, as for users created
    through the Backend API; the emulator has no passwords, sign-ins or external accounts.
    """
    emails = _identifications(
        user, "email_address", user.email_address, reserved=False, linked_to=[]
    )
    phones = _identifications(
        user,
        "phone_number",
        user.phone_number,
        reserved_for_second_factor=False,
        default_second_factor=False,
        reserved=False,
        linked_to=[],
        backup_codes=None,
    )
    wallets = _identifications(user, "web3_wallet", user.web3_wallet)
    return {
        "id": user.id,
        "object": "user",
        "external_id": None,
        "primary_email_address_id": emails[0]["id"] if emails else None,
        "primary_phone_number_id": phones[0]["id"] if phones else None,
        "primary_web3_wallet_id": wallets[0]["id"] if wallets else None,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image_url": user.image_url or image_url(images_base, None),
        "has_image": user.image_url is not None,
        "public_metadata": {},
        "private_metadata": {},
        "unsafe_metadata": {},
        "email_addresses": emails,
        "phone_numbers": phones,
        "web3_wallets": wallets,
        "passkeys": [],
        "password_enabled": False,
        "two_factor_enabled": False,
        "totp_enabled": False,
        "backup_code_enabled": False,
        "mfa_enabled_at": None,
        "mfa_disabled_at": None,
        "password_last_updated_at": None,
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "last_sign_in_at": None,
        "banned": user.banned,
        "locked": False,
        "deprovisioned": False,
        "lockout_expires_in_seconds": None,
        "verification_attempts_remaining": None,
        "delete_self_enabled": True,
        "create_organization_enabled": True,
        "last_active_at": user.last_active_at,
        "legal_accepted_at": None,
        "created_at": user.created_at,
        "updated_at": user.created_at,
    }


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


async def get_users(request: web.Request) -> web.Response:
    """``GET /users``: a JSON array of ``User``, newest first unless ``order_by`` says."""
    emulated = state(request)
    query = _query(request, paged=True)
    users = emulated.users.page(query, emulated.organization_memberships.members_of)
    base = images_base(request)
    return json_response([user_json(u, base) for u in users])


async def count_users(request: web.Request) -> web.Response:
    """``GET /users/count``: how many users the filters of ``GET /users`` select.

    ``@clerk/backend``'s ``users.getUserList`` reads its ``totalCount`` here.
    """
    emulated = state(request)
    total = emulated.users.count(
        _query(request, paged=False), emulated.organization_memberships.members_of
    )
    return json_response({"object": "total_count", "total_count": total})


async def get_user(request: web.Request) -> web.Response:
    """``GET /users/{user_id}``."""
    user = state(request).users.get(request.match_info["user_id"])
    if user is None:
        raise not_found("user")
    return json_response(user_json(user, images_base(request)))


EVENTS: dict[str, EventJson] = {}
"""None: Clerk's user events are not of its organization surface, which the emulator sends."""


def add_routes(app: web.Application) -> None:
    """Register the read-only users routes under ``/v1``."""
    app.router.add_routes(
        [
            web.get("/v1/users", get_users, allow_head=False),
            # Before the next route, which would read "count" as a user ID.
            web.get("/v1/users/count", count_users, allow_head=False),
            web.get("/v1/users/{user_id}", get_user, allow_head=False),
        ]
    )
