"""Records to Clerk's JSON objects, field for field as the spec's schemas name them."""

from __future__ import annotations

import hashlib
import string
from typing import Any

from clerk_orgs_async.testing._records import Membership, Organization, User
from clerk_orgs_async.testing._roles import RoleCatalog

DEFAULT_IMAGE = "default"
"""The image ID under which the emulator serves its placeholder avatar."""


def image_url(images_base: str, image_id: str | None) -> str:
    """Where the emulator serves an image; Clerk's objects always carry one, a default if unset."""
    return f"{images_base}/{image_id or DEFAULT_IMAGE}"


def organization(
    org: Organization,
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


def public_user_data(user: User, images_base: str) -> dict[str, Any]:
    """The ``OrganizationMembershipPublicUserData`` of a member."""
    url = user.image_url or image_url(images_base, None)
    return {
        "user_id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "profile_image_url": url,
        "image_url": url,
        "has_image": user.image_url is not None,
        "identifier": (
            user.email_address or user.phone_number or user.username or user.web3_wallet
        ),
        "username": user.username,
        "banned": user.banned,
        "deprovisioned": False,
    }


def membership(
    member: Membership, org: Organization, user: User, images_base: str, roles: RoleCatalog
) -> dict[str, Any]:
    """An ``OrganizationMembership``: its organization, role, permissions and member."""
    return {
        "object": "organization_membership",
        "id": member.id,
        "role": member.role,
        "role_name": roles.by_key(member.role).name,
        "permissions": roles.permission_keys(member.role),
        "public_metadata": member.public_metadata,
        "private_metadata": member.private_metadata,
        "organization": organization(org, images_base),
        "public_user_data": public_user_data(user, images_base),
        "created_at": member.created_at,
        "updated_at": member.updated_at,
    }


def deleted_organization(org: Organization) -> dict[str, Any]:
    """The ``DeletedObject`` answered by ``DELETE /organizations/{id}``."""
    return {"object": "organization", "id": org.id, "slug": org.slug, "deleted": True}


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
    user: User, kind: str, value: str | None, **extra: Any
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


def user(user: User, images_base: str) -> dict[str, Any]:
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
