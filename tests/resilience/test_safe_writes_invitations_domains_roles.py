"""Invitations, domains, roles and permissions through the client against the emulator, with
answers lost on the way: nothing created twice, nothing reported wrongly, nothing dropped."""

from __future__ import annotations

import asyncio

import pytest

from clerk_orgs_async import (
    BulkInvitationError,
    ClerkClient,
    ClientClosedError,
    InvitationRequest,
    Organization,
)
from clerk_orgs_async.testing import ClerkEmulator
from tests._wait import until

BULK = "/v1/organizations/*/invitations/bulk"


@pytest.fixture
async def org(clerk: ClerkClient) -> Organization:
    return await clerk.organizations.create(
        name="Acme", slug="acme", created_by="user_owner", max_allowed_memberships=0
    )


def emails(count: int, prefix: str = "person") -> list[str]:
    return [f"{prefix}{n}@example.com" for n in range(count)]


async def test_invite_list_and_revoke(clerk: ClerkClient, org: Organization) -> None:
    invitation = await clerk.organization_invitations.create(
        org.id, email_address="grace@example.com", role="org:member", expires_in_days=3
    )
    pending = await clerk.organization_invitations.list(org.id, status="pending").collect()
    assert [i.id for i in pending] == [invitation.id]
    revoked = await clerk.organization_invitations.revoke(org.id, invitation.id)
    assert revoked.status == "revoked"
    assert await clerk.organization_invitations.list(org.id, status="pending").collect() == []
    everywhere = await clerk.organization_invitations.list_all(status="revoked").collect()
    assert [i.public_organization_data.slug for i in everywhere if i.public_organization_data] == [
        "acme"
    ]


async def test_bulk_create_sends_tens_and_returns_every_invitation_in_order(
    emu: ClerkEmulator, clerk: ClerkClient, org: Organization
) -> None:
    wanted = emails(23)
    progress: list[tuple[int, int]] = []
    created = await clerk.organization_invitations.bulk_create(
        org.id,
        [InvitationRequest(email_address=e, role="org:member") for e in wanted],
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert [i.email_address for i in created] == wanted
    assert sum(1 for r in emu.requests if r.path.endswith("/invitations/bulk")) == 3
    assert progress == [(10, 23), (20, 23), (23, 23)]


async def test_a_refused_invitation_is_left_out_and_every_other_one_is_created(
    emu: ClerkEmulator, clerk: ClerkClient, org: Organization
) -> None:
    wanted = emails(25)
    requests = [InvitationRequest(email_address=e, role="org:member") for e in wanted]
    requests[14] = InvitationRequest(email_address=wanted[14], role="org:no_such_role")
    requests[16] = InvitationRequest(email_address="PERSON3@example.com", role="org:member")
    progress: list[tuple[int, int]] = []
    with pytest.raises(BulkInvitationError) as caught:
        await clerk.organization_invitations.bulk_create(
            org.id, requests, on_progress=lambda done, total: progress.append((done, total))
        )
    assert progress == [(10, 25), (18, 25), (23, 25)]
    error = caught.value
    refused = [wanted[14], "PERSON3@example.com"]
    assert [i.email_address for i in error.created] == [
        e for n, e in enumerate(wanted) if n not in (14, 16)
    ]
    assert [r.email_address for r in error.not_created] == refused
    assert [(r.email_address, e.code) for r, e in error.refused] == [
        (wanted[14], "form_param_value_invalid"),
        ("PERSON3@example.com", "organization_invitation_not_unique"),
    ]
    assert error.error is error.refused[0][1] and error.__cause__ is error.error
    assert error.maybe_created == [] and not error.outcome_unknown
    assert str(error) == (
        "bulk_create: 23 of 25 invitations created, 2 not created; refused: "
        f"{wanted[14]} (form_param_value_invalid), "
        "PERSON3@example.com (organization_invitation_not_unique)"
    )
    in_emulator = await clerk.organization_invitations.list(org.id).collect()
    assert sorted(i.email_address for i in in_emulator) == sorted(
        i.email_address for i in error.created
    )
    # The refused call's ten went again one at a time (both refusals were in it).
    posts = [r.path for r in emu.requests if r.method == "POST"]
    assert sum(p.endswith("/invitations/bulk") for p in posts) == 3
    assert sum(p.endswith("/invitations") for p in posts) == 10


async def test_a_refusal_of_the_whole_organization_is_not_split(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    with pytest.raises(BulkInvitationError) as caught:
        await clerk.organization_invitations.bulk_create(
            "org_missing",
            [InvitationRequest(email_address=e, role="org:member") for e in emails(3)],
        )
    assert caught.value.refused == [] and len(caught.value.not_created) == 3
    assert len([r for r in emu.requests if r.method == "POST"]) == 1


async def test_a_bulk_call_whose_answer_is_lost_is_found_and_returned_once(
    emu: ClerkEmulator, clerk: ClerkClient, org: Organization
) -> None:
    emu.faults.drop(method="POST", path=BULK, after_apply=True)
    wanted = emails(12)
    created = await clerk.organization_invitations.bulk_create(
        org.id, [{"email_address": e, "role": "org:member"} for e in wanted]
    )
    assert [i.email_address for i in created] == wanted
    assert len(await clerk.organization_invitations.list(org.id).collect()) == 12


async def test_a_lost_bulk_call_that_cannot_be_looked_up_is_reported_as_maybe_created(
    emu: ClerkEmulator, clerk: ClerkClient, org: Organization
) -> None:
    wanted = emails(15)
    emu.faults.drop(method="POST", path=BULK, after_apply=True, times=2)
    emu.faults.status(503, method="GET", times=100)  # and the lookups fail too
    with pytest.raises(BulkInvitationError) as caught:
        await clerk.organization_invitations.bulk_create(
            org.id, [InvitationRequest(email_address=e, role="org:member") for e in wanted]
        )
    error = caught.value
    assert error.created == [] and error.outcome_unknown
    assert [r.email_address for r in error.maybe_created] == wanted[:10]
    assert [r.email_address for r in error.not_created] == wanted[10:]
    # Maybe created is never split into single calls (that could invite twice).
    assert not any(r.method == "POST" and r.path.endswith("/invitations") for r in emu.requests)


async def test_a_bulk_call_in_flight_when_the_client_closes_is_reported_as_maybe_created(
    emu: ClerkEmulator,
) -> None:
    # Real sleeps (not the clerk fixture's): the emulator's hang must last.
    wanted = emails(25)
    clerk = emu.client()
    org = await clerk.organizations.create(
        name="Acme", created_by="user_owner", max_allowed_memberships=0
    )
    progress: list[int] = []

    def second_call_lands_then_hangs(done: int, total: int) -> None:
        progress.append(done)
        emu.faults.hang(30, method="POST", path=BULK, after_apply=True)

    task = asyncio.create_task(
        clerk.organization_invitations.bulk_create(
            org.id,
            [InvitationRequest(email_address=e, role="org:member") for e in wanted],
            on_progress=second_call_lands_then_hangs,
        )
    )
    while not progress and not task.done():
        await asyncio.sleep(0.005)
    # The second call landed, its answer hangs.
    await until(lambda: emu.state.invitations.pending_count(org.id) == 20)
    await clerk.aclose()
    with pytest.raises(BulkInvitationError) as caught:
        await asyncio.wait_for(task, 5)
    error = caught.value
    assert isinstance(error.error, ClientClosedError) and error.outcome_unknown
    assert [i.email_address for i in error.created] == wanted[:10]
    assert [r.email_address for r in error.maybe_created] == wanted[10:20]
    assert [r.email_address for r in error.not_created] == wanted[20:]
    async with emu.client() as other:
        landed = await other.organization_invitations.list(org.id).collect()
    assert len(landed) == 20  # the second call's invitations were created


@pytest.mark.parametrize("fault", ["drop", "503"])
async def test_a_lost_invitation_create_is_found_not_sent_twice(
    emu: ClerkEmulator, clerk: ClerkClient, org: Organization, fault: str
) -> None:
    if fault == "drop":
        emu.faults.drop(method="POST", path="/v1/organizations/*/invitations", after_apply=True)
    else:
        emu.faults.status(
            503, method="POST", path="/v1/organizations/*/invitations", after_apply=True
        )
    invitation = await clerk.organization_invitations.create(
        org.id, email_address="grace@example.com", role="org:member"
    )
    all_of_them = await clerk.organization_invitations.list(org.id).collect()
    assert [i.id for i in all_of_them] == [invitation.id]


async def test_a_lost_domain_create_is_found_not_sent_twice(
    emu: ClerkEmulator, clerk: ClerkClient, org: Organization
) -> None:
    emu.faults.drop(method="POST", path="/v1/organizations/*/domains", after_apply=True)
    domain = await clerk.organization_domains.create(org.id, name="acme.com")
    assert [d.id for d in await clerk.organization_domains.list(org.id).collect()] == [domain.id]
    verified = await clerk.organization_domains.verify_ownership(org.id, domain.id)
    assert verified.ownership_verification is not None
    assert verified.ownership_verification.status == "verified"
    emu.faults.drop(method="DELETE", after_apply=True)
    gone = await clerk.organization_domains.delete(org.id, domain.id)
    assert gone.deleted and gone.id == domain.id


async def test_roles_and_permissions_with_lost_answers(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    emu.faults.drop(method="POST", path="/v1/organization_permissions", after_apply=True)
    permission = await clerk.organization_permissions.create(
        name="Read invoices", key="org:invoices:read"
    )
    emu.faults.drop(method="POST", path="/v1/organization_roles", after_apply=True)
    role = await clerk.organization_roles.create(name="Billing", key="org:billing")
    assert [r.key for r in await clerk.organization_roles.list().collect()].count(
        "org:billing"
    ) == 1

    emu.faults.drop(method="POST", path="/v1/organization_roles/*/permissions/*", after_apply=True)
    role = await clerk.organization_roles.assign_permission(role.id, permission.id)
    assert [p.key for p in role.permissions] == ["org:invoices:read"]

    emu.faults.drop(
        method="DELETE", path="/v1/organization_roles/*/permissions/*", after_apply=True
    )
    role = await clerk.organization_roles.remove_permission(role.id, permission.id)
    assert role.permissions == []  # the retry found it removed: the role as it now is


async def test_a_lost_revoke_is_found_revoked(
    emu: ClerkEmulator, clerk: ClerkClient, org: Organization
) -> None:
    invitation = await clerk.organization_invitations.create(
        org.id, email_address="grace@example.com", role="org:member"
    )
    emu.faults.drop(method="POST", path="/v1/organizations/*/revoke", after_apply=True)
    revoked = await clerk.organization_invitations.revoke(org.id, invitation.id)
    assert revoked.status == "revoked"


async def test_every_membership_of_the_instance_in_one_list(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    for n in range(3):
        org = await clerk.organizations.create(name=f"Org {n}", created_by="user_owner")
        await clerk.organization_memberships.create(org.id, user_id="user_1", role="org:member")
    memberships = await clerk.organization_memberships.list_all(
        order_by="-created_at", limit=2
    ).collect()
    assert len(memberships) == 6
    assert {m.organization.name for m in memberships} == {"Org 0", "Org 1", "Org 2"}
