"""Typed models of Clerk's organization resources.

Field names are Clerk's JSON names. Timestamps are timezone-aware UTC datetimes (Clerk sends
milliseconds). Unknown fields in a response are ignored and absent optional fields get
defaults, so a newer Clerk does not break an older client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._pagination import Page
from .errors import ErrorDetail

__all__ = [
    "DeletedObject",
    "ErrorDetail",
    "Organization",
    "OrganizationMembership",
    "Page",
    "PublicUserData",
]


@attrs.frozen(kw_only=True)
class Organization:
    """An organization (``OrganizationWithLogo`` adds nothing but the optional logo fields)."""

    id: str
    name: str
    slug: str
    created_at: datetime
    updated_at: datetime
    object: str = "organization"
    has_image: bool = False
    image_url: str | None = None
    logo_url: str | None = None
    max_allowed_memberships: int = 0
    admin_delete_enabled: bool = False
    public_metadata: dict[str, Any] = attrs.field(factory=dict)
    private_metadata: dict[str, Any] = attrs.field(factory=dict)
    members_count: int | None = None
    """Present only when asked for with ``include_members_count=True``."""
    pending_invitations_count: int | None = None
    missing_member_with_elevated_permissions: bool | None = None
    created_by: str | None = None
    last_active_at: datetime | None = None
    role_set_key: str | None = None


@attrs.frozen(kw_only=True)
class PublicUserData:
    """The public part of a member's user record."""

    user_id: str
    first_name: str | None = None
    last_name: str | None = None
    image_url: str | None = None
    has_image: bool = False
    identifier: str | None = None
    username: str | None = None
    profile_image_url: str | None = None
    banned: bool | None = None
    deprovisioned: bool | None = None


@attrs.frozen(kw_only=True)
class OrganizationMembership:
    """A user's membership in an organization, with the organization and the user's public data."""

    id: str
    role: str
    organization: Organization
    created_at: datetime
    updated_at: datetime
    object: str = "organization_membership"
    role_name: str | None = None
    permissions: list[str] = attrs.field(factory=list)
    public_metadata: dict[str, Any] = attrs.field(factory=dict)
    private_metadata: dict[str, Any] = attrs.field(factory=dict)
    public_user_data: PublicUserData | None = None


@attrs.frozen(kw_only=True)
class DeletedObject:
    """What a delete returns."""

    deleted: bool
    object: str = ""
    id: str | None = None
    slug: str | None = None
    external_id: str | None = None
