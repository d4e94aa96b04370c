"""Typed models of Clerk's organization resources.

Field names are Clerk's JSON names. Timestamps are timezone-aware UTC datetimes (Clerk sends
milliseconds). Unknown fields in a response are ignored and absent optional fields get
defaults, so a newer Clerk does not break an older client. Fields Clerk documents as
enumerations (an invitation's ``status``, a domain's ``enrollment_mode``) are plain strings:
a value a newer Clerk adds still decodes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._pagination import Page
from ._unset import UNSET, Unset
from .errors import ErrorDetail

__all__ = [
    "DeletedObject",
    "DomainVerification",
    "ErrorDetail",
    "InvitationRequest",
    "Organization",
    "OrganizationDomain",
    "OrganizationInvitation",
    "OrganizationMembership",
    "OrganizationPermission",
    "OrganizationRole",
    "Page",
    "PublicInviterData",
    "PublicOrganizationData",
    "PublicUserData",
]


@attrs.frozen(kw_only=True, weakref_slot=False)
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


@attrs.frozen(kw_only=True, weakref_slot=False)
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


@attrs.frozen(kw_only=True, weakref_slot=False)
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


@attrs.frozen(kw_only=True, weakref_slot=False)
class DeletedObject:
    """What a delete returns."""

    deleted: bool
    object: str = ""
    id: str | None = None
    slug: str | None = None
    external_id: str | None = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class PublicOrganizationData:
    """The public part of an organization, as instance-wide lists show it."""

    id: str
    name: str
    slug: str
    image_url: str | None = None
    has_image: bool = False


@attrs.frozen(kw_only=True, weakref_slot=False)
class PublicInviterData:
    """The public part of the user who sent an invitation."""

    user_id: str
    first_name: str | None = None
    last_name: str | None = None
    image_url: str | None = None
    has_image: bool = False
    identifier: str | None = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class OrganizationInvitation:
    """An invitation to join an organization, sent to an email address.

    ``status`` is ``pending``, ``accepted``, ``revoked`` or ``expired`` (or a newer value);
    ``public_organization_data`` is present in the instance-wide list; ``user_id`` (the user
    who accepted) only in the ``organizationInvitation.accepted`` webhook event.
    """

    id: str
    email_address: str
    role: str
    created_at: datetime
    updated_at: datetime
    object: str = "organization_invitation"
    role_name: str | None = None
    organization_id: str | None = None
    inviter_id: str | None = None
    public_inviter_data: PublicInviterData | None = None
    status: str | None = None
    public_metadata: dict[str, Any] = attrs.field(factory=dict)
    private_metadata: dict[str, Any] = attrs.field(factory=dict)
    url: str | None = None
    expires_at: datetime | None = None
    public_organization_data: PublicOrganizationData | None = None
    user_id: str | None = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class InvitationRequest:
    """One invitation of ``organization_invitations.bulk_create``: the fields of ``create``."""

    email_address: str
    role: str
    inviter_user_id: str | None | Unset = UNSET
    public_metadata: dict[str, Any] | None | Unset = UNSET
    private_metadata: dict[str, Any] | None | Unset = UNSET
    redirect_url: str | None | Unset = UNSET
    expires_in_days: int | None | Unset = UNSET
    notify: bool | None | Unset = UNSET


@attrs.frozen(kw_only=True, weakref_slot=False)
class DomainVerification:
    """Where a domain's verification stands: ``status`` (``verified``, ``unverified``…)."""

    status: str
    strategy: str
    attempts: int | None = None
    expire_at: datetime | None = None
    verified_at: datetime | None = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class OrganizationDomain:
    """An email domain of an organization, and how people with it may join.

    ``enrollment_mode`` is ``manual_invitation``, ``automatic_invitation``,
    ``automatic_suggestion`` or ``enterprise_sso`` (or a newer value).
    """

    id: str
    organization_id: str
    name: str
    enrollment_mode: str
    created_at: datetime
    updated_at: datetime
    object: str = "organization_domain"
    affiliation_email_address: str | None = None
    affiliation_verification: DomainVerification | None = None
    ownership_verification: DomainVerification | None = None
    verification: DomainVerification | None = None
    total_pending_invitations: int = 0
    total_pending_suggestions: int = 0
    public_organization_data: PublicOrganizationData | None = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class OrganizationPermission:
    """A permission (``org:invoices:read``); ``type`` is ``system`` or ``user``."""

    id: str
    name: str
    key: str
    created_at: datetime
    updated_at: datetime
    object: str = "permission"
    description: str | None = None
    type: str | None = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class OrganizationRole:
    """A role members and invitations carry (``org:admin``), with its permissions."""

    id: str
    name: str
    key: str
    created_at: datetime
    updated_at: datetime
    object: str = "role"
    description: str | None = None
    is_creator_eligible: bool = False
    permissions: list[OrganizationPermission] = attrs.field(factory=list)
