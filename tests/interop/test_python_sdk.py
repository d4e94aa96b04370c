"""Clerk's official Python SDK (``clerk-backend-api``), unchanged, against the emulator.

Every operation of the organization surface the SDK has, through its ``*_async`` methods on the
test's loop, asserting what Clerk answers; so where the emulator answers otherwise, a test here
fails. The SDK's billing operations are left out: the emulator has no billing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from clerk_backend_api import Clerk, models

from clerk_orgs_async.testing import ClerkEmulator, OrganizationRecord

ALICE, BOB, CAROL = "user_alice", "user_bob", "user_carol"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
# The SDK warns about itself ("warning: ** DEPRECATED ** ..."; the colon ends pytest's pattern)
# where it reads the deprecated `verification` alias every domain Clerk sends carries, and where
# it builds the users list's query from its request model, deprecated fields and all.
SDK_DEPRECATIONS = pytest.mark.filterwarnings("ignore:warning:DeprecationWarning")


@pytest.fixture
def org(clerk_emulator: ClerkEmulator) -> OrganizationRecord:
    """An organization seeded without the SDK: Alice its admin, Bob a member."""
    seeded = clerk_emulator.state.create_organization(
        "Acme", created_by=ALICE, public_metadata={"plan": {"tier": "pro", "seats": 5}}
    )
    clerk_emulator.state.create_membership(seeded.id, BOB, "org:member")
    return seeded


async def clerk_error(call: Awaitable[object]) -> tuple[type[Exception], int, str]:
    """The SDK's error type, the status and Clerk's first error code for a refused call."""
    with pytest.raises(models.ClerkBaseError) as caught:
        await call
    error = caught.value
    return type(error), error.status_code, json.loads(error.body)["errors"][0]["code"]


async def test_sync_methods_in_a_thread(clerk_emulator: ClerkEmulator) -> None:
    """The SDK's plain methods block: from a thread, the emulator answers on the test's loop."""

    def create_then_get() -> tuple[str, str]:
        with Clerk(
            bearer_auth=clerk_emulator.secret_key, server_url=clerk_emulator.base_url
        ) as blocking:
            created = blocking.organizations.create(request={"name": "Initech"})
            return created.slug, blocking.organizations.get(organization_id=created.id).name

    assert await asyncio.to_thread(create_then_get) == ("initech", "Initech")


# Organizations


async def test_organizations_create(sdk: Clerk, clerk_emulator: ClerkEmulator) -> None:
    created = await sdk.organizations.create_async(
        request={
            "name": "Hooli",
            "slug": "hooli",
            "created_by": ALICE,
            "max_allowed_memberships": 10,
            "public_metadata": {"plan": "pro"},
            "private_metadata": {"crm": 7},
        }
    )
    assert (created.name, created.slug, created.max_allowed_memberships) == ("Hooli", "hooli", 10)
    assert (created.public_metadata, created.private_metadata) == ({"plan": "pro"}, {"crm": 7})
    assert created.id.startswith("org_")
    [admin] = clerk_emulator.state.memberships(created.id)
    assert (admin.user_id, admin.role) == (ALICE, "org:admin")


async def test_organizations_list(sdk: Clerk, clerk_emulator: ClerkEmulator) -> None:
    gamma, alpha, beta = (
        clerk_emulator.state.create_organization(name, created_by=ALICE)
        for name in ("Gamma", "Alpha", "Beta")
    )
    clerk_emulator.state.create_membership(beta.id, BOB, "org:member")
    page = await sdk.organizations.list_async(include_members_count=True, order_by="name", limit=2)
    assert page.total_count == 3
    assert [(o.name, o.members_count) for o in page.data] == [("Alpha", 1), ("Beta", 2)]
    found = await sdk.organizations.list_async(query="gam")
    assert [o.name for o in found.data] == [gamma.name]
    of_bob = await sdk.organizations.list_async(user_id=[BOB])
    assert [o.name for o in of_bob.data] == [beta.name]
    by_id = await sdk.organizations.list_async(
        organization_id=[alpha.id, gamma.id], order_by="name"
    )
    assert [o.name for o in by_id.data] == ["Alpha", "Gamma"]


@pytest.mark.parametrize("key", ["id", "slug"])
async def test_organizations_get(sdk: Clerk, org: OrganizationRecord, key: str) -> None:
    got = await sdk.organizations.get_async(
        organization_id=getattr(org, key), include_members_count=True
    )
    assert (got.id, got.name, got.members_count) == (org.id, "Acme", 2)


async def test_organizations_update(sdk: Clerk, org: OrganizationRecord) -> None:
    updated = await sdk.organizations.update_async(
        organization_id=org.id,
        name="Acme Corp",
        slug="acme-corp",
        max_allowed_memberships=3,
        admin_delete_enabled=False,
    )
    assert (updated.name, updated.slug) == ("Acme Corp", "acme-corp")
    assert (updated.max_allowed_memberships, updated.admin_delete_enabled) == (3, False)
    assert (await sdk.organizations.get_async(organization_id="acme-corp")).id == org.id


async def test_organizations_delete(sdk: Clerk, org: OrganizationRecord) -> None:
    deleted = await sdk.organizations.delete_async(organization_id=org.id)
    assert (deleted.object, deleted.id, deleted.deleted) == ("organization", org.id, True)
    error = await clerk_error(sdk.organizations.get_async(organization_id=org.id))
    assert error == (models.ClerkErrors, 404, "resource_not_found")


async def test_organizations_merge_metadata(sdk: Clerk, org: OrganizationRecord) -> None:
    merged = await sdk.organizations.merge_metadata_async(
        organization_id=org.id, public_metadata={"plan": {"seats": 9, "tier": None}}
    )
    assert merged.public_metadata == {"plan": {"seats": 9}}


async def test_organizations_replace_metadata(sdk: Clerk, org: OrganizationRecord) -> None:
    replaced = await sdk.organizations.replace_metadata_async(
        organization_id=org.id, private_metadata={"crm": 1}
    )
    # A field left out keeps its value; a field given is replaced whole.
    assert replaced.public_metadata == {"plan": {"tier": "pro", "seats": 5}}
    assert replaced.private_metadata == {"crm": 1}


async def test_organizations_upload_and_delete_logo(sdk: Clerk, org: OrganizationRecord) -> None:
    with_logo = await sdk.organizations.upload_logo_async(
        organization_id=org.id,
        file={"file_name": "logo.png", "content": PNG, "content_type": "image/png"},
        uploader_user_id=ALICE,
    )
    assert with_logo.has_image is True
    assert with_logo.image_url
    without = await sdk.organizations.delete_logo_async(organization_id=org.id)
    assert without.has_image is False


# Memberships


async def test_memberships_create(sdk: Clerk, org: OrganizationRecord) -> None:
    created = await sdk.organization_memberships.create_async(
        organization_id=org.id, user_id=CAROL, role="org:member", public_metadata={"team": "ops"}
    )
    assert created.role == "org:member"
    assert created.public_metadata == {"team": "ops"}
    assert created.organization.id == org.id
    assert created.public_user_data is not None
    assert created.public_user_data.user_id == CAROL


async def test_memberships_list(sdk: Clerk, org: OrganizationRecord) -> None:
    everyone = await sdk.organization_memberships.list_async(organization_id=org.id)
    assert everyone.total_count == 2
    admins = await sdk.organization_memberships.list_async(
        organization_id=org.id, role=["org:admin"]
    )
    assert [m.public_user_data.user_id for m in admins.data if m.public_user_data] == [ALICE]
    by_email = await sdk.organization_memberships.list_async(
        organization_id=org.id, email_address_query="bob@"
    )
    assert [m.public_user_data.user_id for m in by_email.data if m.public_user_data] == [BOB]


# Every filter the SDK sends, as it serialises it (lists as repeated parameters).
MEMBERSHIP_FILTERS: list[tuple[dict[str, Any], list[str]]] = [
    ({"user_id": [BOB, CAROL]}, [BOB, CAROL]),
    ({"email_address": ["carol@sample.org"]}, [CAROL]),
    ({"phone_number": ["+15550000001"]}, [ALICE]),
    ({"username": ["bobby"]}, [BOB]),
    ({"web3_wallet": ["0xaaa1"]}, [ALICE]),
    ({"role": ["org:member"]}, [BOB, CAROL]),
    ({"query": "car"}, [CAROL]),
    ({"phone_number_query": "0002"}, [BOB]),
    ({"username_query": "bob"}, [BOB]),
    ({"name_query": "Anders"}, [ALICE]),
    ({"last_active_at_after": 1_700_000_100_000}, [BOB]),
    ({"last_active_at_before": 1_700_000_100_000}, [ALICE]),
    ({"created_at_before": 1}, []),
    ({"order_by": "-username"}, [CAROL, BOB, ALICE]),
]


@pytest.mark.parametrize(("filters", "expected"), MEMBERSHIP_FILTERS, ids=str)
async def test_memberships_list_filters(
    sdk: Clerk,
    org: OrganizationRecord,
    clerk_emulator: ClerkEmulator,
    filters: dict[str, Any],
    expected: list[str],
) -> None:
    clerk_emulator.state.create_membership(org.id, CAROL, "org:member")
    page = await sdk.organization_memberships.list_async(organization_id=org.id, **filters)
    found = [m.public_user_data.user_id for m in page.data if m.public_user_data]
    if "order_by" not in filters:
        found.sort()
    assert found == expected


async def test_memberships_update(sdk: Clerk, org: OrganizationRecord) -> None:
    updated = await sdk.organization_memberships.update_async(
        organization_id=org.id, user_id=BOB, role="org:admin"
    )
    assert updated.role == "org:admin"


async def test_memberships_update_metadata(sdk: Clerk, org: OrganizationRecord) -> None:
    updated = await sdk.organization_memberships.update_metadata_async(
        organization_id=org.id, user_id=BOB, public_metadata={"a": 1}, private_metadata={"b": 2}
    )
    assert (updated.public_metadata, updated.private_metadata) == ({"a": 1}, {"b": 2})


async def test_memberships_delete(
    sdk: Clerk, org: OrganizationRecord, clerk_emulator: ClerkEmulator
) -> None:
    deleted = await sdk.organization_memberships.delete_async(organization_id=org.id, user_id=BOB)
    assert deleted.public_user_data is not None
    assert deleted.public_user_data.user_id == BOB
    assert [m.user_id for m in clerk_emulator.state.memberships(org.id)] == [ALICE]


async def test_instance_memberships_list(
    sdk: Clerk, org: OrganizationRecord, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.state.create_organization("Other", created_by=CAROL)
    page = await sdk.users.get_instance_organization_memberships_async(order_by="created_at")
    assert page.total_count == 3
    assert {m.public_user_data.user_id for m in page.data if m.public_user_data} == {
        ALICE,
        BOB,
        CAROL,
    }


# Invitations


async def invite(sdk: Clerk, org: OrganizationRecord, email: str) -> models.OrganizationInvitation:
    return await sdk.organization_invitations.create_async(
        organization_id=org.id, email_address=email, role="org:member"
    )


async def test_invitations_create(sdk: Clerk, org: OrganizationRecord) -> None:
    created = await sdk.organization_invitations.create_async(
        organization_id=org.id,
        email_address="new@example.com",
        role="org:admin",
        inviter_user_id=ALICE,
        public_metadata={"source": "sdk"},
        expires_in_days=7,
    )
    assert (created.email_address, created.role, created.status) == (
        "new@example.com",
        "org:admin",
        "pending",
    )
    assert created.organization_id == org.id
    assert created.public_metadata == {"source": "sdk"}


async def test_invitations_bulk_create(sdk: Clerk, org: OrganizationRecord) -> None:
    created = await sdk.organization_invitations.bulk_create_async(
        organization_id=org.id,
        request_body=[
            models.CreateOrganizationInvitationBulkRequestBody(
                email_address="one@example.com", role="org:member"
            ),
            models.CreateOrganizationInvitationBulkRequestBody(
                email_address="two@example.com", role="org:admin"
            ),
        ],
    )
    assert sorted((i.email_address, i.role) for i in created.data) == [
        ("one@example.com", "org:member"),
        ("two@example.com", "org:admin"),
    ]


async def test_invitations_list(sdk: Clerk, org: OrganizationRecord) -> None:
    await invite(sdk, org, "kept@example.com")
    gone = await invite(sdk, org, "gone@example.com")
    await sdk.organization_invitations.revoke_async(organization_id=org.id, invitation_id=gone.id)
    pending = await sdk.organization_invitations.list_async(
        organization_id=org.id, status=models.ListOrganizationInvitationsQueryParamStatus.PENDING
    )
    assert [i.email_address for i in pending.data] == ["kept@example.com"]
    everything = await sdk.organization_invitations.list_async(organization_id=org.id)
    assert everything.total_count == 2


async def test_invitations_list_pending(sdk: Clerk, org: OrganizationRecord) -> None:
    await invite(sdk, org, "wait@example.com")
    with pytest.deprecated_call():  # the SDK's own warning: Clerk deprecated this operation
        pending = await sdk.organization_invitations.list_pending_async(organization_id=org.id)
    assert [i.email_address for i in pending.data] == ["wait@example.com"]


async def test_invitations_get_all(
    sdk: Clerk, org: OrganizationRecord, clerk_emulator: ClerkEmulator
) -> None:
    other = clerk_emulator.state.create_organization("Other", created_by=CAROL)
    await invite(sdk, org, "a@example.com")
    await sdk.organization_invitations.create_async(
        organization_id=other.id, email_address="b@example.com", role="org:member"
    )
    page = await sdk.organization_invitations.get_all_async(
        status=models.ListInstanceOrganizationInvitationsQueryParamStatus.PENDING
    )
    assert page.total_count == 2
    assert {
        (i.email_address, i.public_organization_data.id)
        for i in page.data
        if i.public_organization_data
    } == {
        ("a@example.com", org.id),
        ("b@example.com", other.id),
    }


async def test_invitations_get(sdk: Clerk, org: OrganizationRecord) -> None:
    created = await invite(sdk, org, "get@example.com")
    got = await sdk.organization_invitations.get_async(
        organization_id=org.id, invitation_id=created.id
    )
    assert (got.id, got.email_address) == (created.id, "get@example.com")


async def test_invitations_revoke(sdk: Clerk, org: OrganizationRecord) -> None:
    created = await invite(sdk, org, "revoke@example.com")
    revoked = await sdk.organization_invitations.revoke_async(
        organization_id=org.id, invitation_id=created.id, requesting_user_id=ALICE
    )
    assert (revoked.id, revoked.status) == (created.id, "revoked")


# Domains


async def add_domain(sdk: Clerk, org: OrganizationRecord, name: str) -> models.OrganizationDomain:
    return await sdk.organization_domains.create_async(
        organization_id=org.id, name=name, enrollment_mode="manual_invitation", verified=False
    )


@SDK_DEPRECATIONS
async def test_domains_create(sdk: Clerk, org: OrganizationRecord) -> None:
    created = await sdk.organization_domains.create_async(
        organization_id=org.id, name="acme.com", enrollment_mode="automatic_invitation"
    )
    assert (created.name, created.organization_id) == ("acme.com", org.id)
    assert created.enrollment_mode == "automatic_invitation"
    assert created.affiliation_verification is not None
    assert created.affiliation_verification.status == "verified"  # verified unless told otherwise


@SDK_DEPRECATIONS
async def test_domains_list(sdk: Clerk, org: OrganizationRecord) -> None:
    await add_domain(sdk, org, "acme.com")
    await sdk.organization_domains.create_async(
        organization_id=org.id, name="acme.io", enrollment_mode="manual_invitation"
    )
    unverified = await sdk.organization_domains.list_async(organization_id=org.id, verified="false")
    assert [d.name for d in unverified.data] == ["acme.com"]
    assert (await sdk.organization_domains.list_async(organization_id=org.id)).total_count == 2


@SDK_DEPRECATIONS
async def test_domains_list_all(
    sdk: Clerk, org: OrganizationRecord, clerk_emulator: ClerkEmulator
) -> None:
    other = clerk_emulator.state.create_organization("Other", created_by=CAROL)
    await add_domain(sdk, org, "acme.com")
    await sdk.organization_domains.create_async(
        organization_id=other.id, name="other.com", enrollment_mode="manual_invitation"
    )
    everything = await sdk.organization_domains.list_all_async(order_by="name")
    assert [(d.name, d.organization_id) for d in everything.data] == [
        ("acme.com", org.id),
        ("other.com", other.id),
    ]
    one = await sdk.organization_domains.list_all_async(domains=["other.com"])
    assert [d.name for d in one.data] == ["other.com"]


@SDK_DEPRECATIONS
async def test_domains_update(sdk: Clerk, org: OrganizationRecord) -> None:
    created = await add_domain(sdk, org, "acme.com")
    updated = await sdk.organization_domains.update_async(
        organization_id=org.id,
        domain_id=created.id,
        enrollment_mode="automatic_suggestion",
        verified=True,
    )
    assert updated.enrollment_mode == "automatic_suggestion"
    assert updated.affiliation_verification is not None
    assert updated.affiliation_verification.status == "verified"


@SDK_DEPRECATIONS
async def test_domains_verify_ownership(sdk: Clerk, org: OrganizationRecord) -> None:
    created = await add_domain(sdk, org, "acme.com")
    verified = await sdk.organization_domains.verify_ownership_async(
        organization_id=org.id, domain_id=created.id
    )
    assert verified.id == created.id
    assert verified.ownership_verification is not None


@SDK_DEPRECATIONS
async def test_domains_delete(sdk: Clerk, org: OrganizationRecord) -> None:
    created = await add_domain(sdk, org, "acme.com")
    deleted = await sdk.organization_domains.delete_async(
        organization_id=org.id, domain_id=created.id
    )
    assert (deleted.object, deleted.id, deleted.deleted) == (
        "organization_domain",
        created.id,
        True,
    )
    assert (await sdk.organization_domains.list_async(organization_id=org.id)).total_count == 0


# Roles and permissions


async def new_permission(sdk: Clerk, key: str = "org:invoices:read") -> models.Permission:
    return await sdk.organization_permissions.create_async(
        name="Read invoices", key=key, description="See every invoice"
    )


async def test_permissions_create(sdk: Clerk) -> None:
    created = await new_permission(sdk)
    assert (created.key, created.name, created.description) == (
        "org:invoices:read",
        "Read invoices",
        "See every invoice",
    )
    assert created.id.startswith("perm_")


async def test_permissions_list(sdk: Clerk) -> None:
    await new_permission(sdk)
    found = await sdk.organization_permissions.list_async(query="invoices")
    assert [p.key for p in found.data] == ["org:invoices:read"]
    everything = await sdk.organization_permissions.list_async(limit=500)
    assert everything.total_count == len(everything.data) > 1  # with Clerk's system permissions


async def test_permissions_get(sdk: Clerk) -> None:
    created = await new_permission(sdk)
    got = await sdk.organization_permissions.get_async(permission_id=created.id)
    assert (got.id, got.key) == (created.id, "org:invoices:read")


async def test_permissions_update(sdk: Clerk) -> None:
    created = await new_permission(sdk)
    updated = await sdk.organization_permissions.update_async(
        permission_id=created.id, name="Read all invoices", key="org:invoices:read_all"
    )
    assert (updated.name, updated.key) == ("Read all invoices", "org:invoices:read_all")


async def test_permissions_delete(sdk: Clerk) -> None:
    created = await new_permission(sdk)
    deleted = await sdk.organization_permissions.delete_async(permission_id=created.id)
    assert (deleted.object, deleted.id, deleted.deleted) == ("permission", created.id, True)
    error = await clerk_error(sdk.organization_permissions.get_async(permission_id=created.id))
    assert error == (models.ClerkErrors, 404, "resource_not_found")


async def new_role(sdk: Clerk, permission_ids: list[str]) -> models.Role:
    return await sdk.organization_roles.create_async(
        name="Billing", key="org:billing", description="Pays", permissions=permission_ids
    )


async def test_roles_create(sdk: Clerk) -> None:
    permission = await new_permission(sdk)
    created = await new_role(sdk, [permission.id])
    assert (created.key, created.name, created.description) == ("org:billing", "Billing", "Pays")
    assert [p.key for p in created.permissions] == ["org:invoices:read"]


async def test_roles_list(sdk: Clerk) -> None:
    await new_role(sdk, [])
    page = await sdk.organization_roles.list_async(order_by="key")
    assert [r.key for r in page.data] == ["org:admin", "org:billing", "org:member"]
    assert page.total_count == 3
    found = await sdk.organization_roles.list_async(query="billing")
    assert [r.key for r in found.data] == ["org:billing"]


async def test_roles_get(sdk: Clerk) -> None:
    created = await new_role(sdk, [])
    got = await sdk.organization_roles.get_async(organization_role_id=created.id)
    assert (got.id, got.key) == (created.id, "org:billing")


async def test_roles_update(sdk: Clerk) -> None:
    created = await new_role(sdk, [])
    permission = await new_permission(sdk)
    updated = await sdk.organization_roles.update_async(
        organization_role_id=created.id, name="Finance", permissions=[permission.id]
    )
    assert (updated.name, updated.key) == ("Finance", "org:billing")
    assert [p.id for p in updated.permissions] == [permission.id]


async def test_roles_delete(sdk: Clerk) -> None:
    created = await new_role(sdk, [])
    deleted = await sdk.organization_roles.delete_async(organization_role_id=created.id)
    assert (deleted.object, deleted.id, deleted.deleted) == ("role", created.id, True)


async def test_roles_assign_and_remove_permission(sdk: Clerk) -> None:
    role = await new_role(sdk, [])
    permission = await new_permission(sdk)
    assigned = await sdk.organization_roles.assign_permission_async(
        organization_role_id=role.id, permission_id=permission.id
    )
    assert [p.key for p in assigned.permissions] == ["org:invoices:read"]
    removed = await sdk.organization_roles.remove_permission_async(
        organization_role_id=role.id, permission_id=permission.id
    )
    assert removed.permissions == []


# Users (what an organization's code reads about its members)


@SDK_DEPRECATIONS
async def test_users_list(sdk: Clerk) -> None:
    users = await sdk.users.list_async(request={"email_address": ["alice@example.com"]})
    assert [u.id for u in users] == [ALICE]


async def test_users_get(sdk: Clerk) -> None:
    user = await sdk.users.get_async(user_id=BOB)
    assert (user.id, user.first_name) == (BOB, "Bob")


@SDK_DEPRECATIONS
async def test_users_count(sdk: Clerk, clerk_emulator: ClerkEmulator) -> None:
    everyone = await sdk.users.count_async(request={})
    assert (everyone.object, everyone.total_count) == (
        "total_count",
        len(clerk_emulator.state.users),
    )
    # With the list's filters.
    alice = await sdk.users.count_async(request={"email_address": ["alice@example.com"]})
    assert alice.total_count == 1


# Clerk's errors, through the SDK's error types

ERRORS: list[tuple[str, Callable[[Clerk, OrganizationRecord], Awaitable[object]], Any]] = [
    (
        "unknown organization",
        lambda sdk, org: sdk.organizations.get_async(organization_id="org_missing"),
        (models.ClerkErrors, 404, "resource_not_found"),
    ),
    (
        "slug taken",
        lambda sdk, org: sdk.organizations.create_async(request={"name": "X", "slug": org.slug}),
        (models.ClerkErrors, 422, "form_identifier_exists"),
    ),
    (
        "already a member",
        lambda sdk, org: sdk.organization_memberships.create_async(
            organization_id=org.id, user_id=BOB, role="org:member"
        ),
        (models.ClerkErrors, 400, "already_a_member_in_organization"),
    ),
]


@pytest.mark.parametrize(("call", "expected"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
async def test_errors(
    sdk: Clerk,
    org: OrganizationRecord,
    call: Callable[[Clerk, OrganizationRecord], Awaitable[object]],
    expected: tuple[type[Exception], int, str],
) -> None:
    assert await clerk_error(call(sdk, org)) == expected


async def test_wrong_secret_key(clerk_emulator: ClerkEmulator) -> None:
    async with Clerk(bearer_auth="sk_test_wrong", server_url=clerk_emulator.base_url) as wrong:
        _, status, code = await clerk_error(wrong.organizations.list_async())
    assert (status, code) == (401, "clerk_key_invalid")
