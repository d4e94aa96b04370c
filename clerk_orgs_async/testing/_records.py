"""The emulator's records: users, organizations, memberships and logos, as plain mutable data."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.define(kw_only=True, eq=False)
class User:
    """A user of the emulated instance; only what memberships show and filter on."""

    id: str
    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    phone_number: str | None = None
    username: str | None = None
    web3_wallet: str | None = None
    image_url: str | None = None
    banned: bool = False
    created_at: int = 0
    last_active_at: int | None = None


@attrs.define(kw_only=True, eq=False)
class Organization:
    """An organization; ``seq`` is its creation sequence, the tie-breaker of every ordering."""

    id: str
    seq: int
    name: str
    slug: str
    created_at: int
    updated_at: int
    max_allowed_memberships: int
    created_by: str | None = None
    admin_delete_enabled: bool = True
    public_metadata: dict[str, Any] = attrs.Factory(dict)
    private_metadata: dict[str, Any] = attrs.Factory(dict)
    role_set_key: str | None = None
    image_id: str | None = None
    members_count: int = 0


@attrs.define(kw_only=True, eq=False)
class Membership:
    """A user's membership in an organization."""

    id: str
    seq: int
    organization_id: str
    user_id: str
    role: str
    created_at: int
    updated_at: int
    public_metadata: dict[str, Any] = attrs.Factory(dict)
    private_metadata: dict[str, Any] = attrs.Factory(dict)


def bytes_repr(data: bytes) -> str:
    """``<N bytes>``: a repr that does not print an upload."""
    return f"<{len(data)} bytes>"


@attrs.frozen(kw_only=True)
class Logo:
    """An uploaded logo, served back at the organization's ``image_url``."""

    data: bytes = attrs.field(repr=bytes_repr)
    content_type: str
