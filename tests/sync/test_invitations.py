"""Members named by email: a sync keeps their pending invitations, and lets go of the rest."""

from __future__ import annotations

import pytest

from clerk_orgs_async import (
    APIError,
    BulkInvitationError,
    ClerkClient,
    InvalidRequestError,
    InvitationRequest,
    RateLimit,
    RateLimitError,
    RetryPolicy,
)
from clerk_orgs_async._pacing import SCOPED_LIMITS, EndpointLimit
from clerk_orgs_async.sync import (
    DesiredMember,
    DesiredOrganization,
    InvalidDesiredStateError,
    export_organizations,
    sync_organizations,
)
from clerk_orgs_async.testing import ClerkEmulator


def acme(*members: DesiredMember) -> DesiredOrganization:
    return DesiredOrganization(
        slug="acme",
        name="Acme",
        max_allowed_memberships=0,
        members=[DesiredMember("user_1", "org:admin"), *members],
    )


def invited(email: str, role: str = "org:member") -> DesiredMember:
    return DesiredMember(role=role, email_address=email)


async def pending(clerk: ClerkClient) -> dict[str, str]:
    org = await clerk.organizations.get("acme")
    invitations = clerk.organization_invitations.list(org.id, status="pending")
    return {i.email_address: i.role async for i in invitations}


async def test_email_members_are_refused_without_sync_invitations(clerk: ClerkClient) -> None:
    with pytest.raises(InvalidDesiredStateError, match="sync_invitations=True"):
        await sync_organizations(clerk, [acme(invited("grace@example.com"))])


@pytest.mark.parametrize(
    ("members", "problem"),
    [
        ([invited("not-an-email")], "not an email address"),
        ([invited("a@example.com"), invited("A@Example.com")], "listed 2 times"),
        ([DesiredMember("user_2", email_address="b@example.com")], "either a user_id or"),
    ],
)
async def test_email_members_are_checked_before_anything_is_sent(
    clerk_emulator: ClerkEmulator,
    clerk: ClerkClient,
    members: list[DesiredMember],
    problem: str,
) -> None:
    with pytest.raises(InvalidDesiredStateError, match=problem):
        await sync_organizations(clerk, [acme(*members)], sync_invitations=True)
    assert list(clerk_emulator.requests) == []


async def test_invitations_are_sent_in_bulk_and_kept(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    emails = [f"dev{n}@example.com" for n in range(23)]
    first = await sync_organizations(
        clerk, [acme(*(invited(e) for e in emails))], sync_invitations=True
    )
    assert first.ok and first.counts["invite"] == 23
    assert await pending(clerk) == dict.fromkeys(emails, "org:member")
    bulk = [r for r in clerk_emulator.requests if r.path.endswith("/invitations/bulk")]
    assert len(bulk) == 3  # 10 + 10 + 3
    again = await sync_organizations(
        clerk, [acme(*(invited(e) for e in emails))], sync_invitations=True
    )
    assert again.actions == []


async def test_a_role_change_re_invites_and_a_dropped_address_is_revoked(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await sync_organizations(
        clerk, [acme(invited("a@example.com"), invited("b@example.com"))], sync_invitations=True
    )
    report = await sync_organizations(
        clerk, [acme(invited("a@example.com", "org:admin"))], sync_invitations=True
    )
    kinds = sorted((a.kind, a.email_address) for a in report.actions)
    assert kinds == [
        ("invite", "a@example.com"),
        ("revoke_invitation", "a@example.com"),
        ("revoke_invitation", "b@example.com"),
    ]
    assert report.ok
    assert await pending(clerk) == {"a@example.com": "org:admin"}


async def test_invitations_the_app_sent_are_left_alone_unless_invitations_are_synced(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await sync_organizations(clerk, [acme()])
    org = clerk_emulator.state.get_organization("acme")
    await clerk.organization_invitations.create(
        org.id, email_address="app@example.com", role="org:member"
    )
    untouched = await sync_organizations(clerk, [acme()])
    assert untouched.actions == []
    revoked = await sync_organizations(clerk, [acme()], sync_invitations=True)
    assert [a.kind for a in revoked.actions] == ["revoke_invitation"]
    assert await pending(clerk) == {}


async def test_an_accepted_invitation_follows_the_membership_rules(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await sync_organizations(clerk, [acme(invited("grace@example.com"))], sync_invitations=True)
    org = await clerk.organizations.get("acme")
    (invitation,) = await clerk.organization_invitations.list(org.id).collect()
    member = clerk_emulator.state.accept_invitation(invitation.id)  # signs Grace up
    report = await sync_organizations(
        clerk, [acme(invited("grace@example.com"))], sync_invitations=True
    )
    assert report.actions == []  # Grace is the member named by her address
    promoted = await sync_organizations(
        clerk, [acme(invited("grace@example.com", "org:admin"))], sync_invitations=True
    )
    assert [(a.kind, a.user_id) for a in promoted.actions] == [("set_role", member.user_id)]


async def test_an_export_with_invitations_syncs_back_to_nothing(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await sync_organizations(
        clerk,
        [acme(invited("a@example.com"), invited("b@example.com", "org:admin"))],
        sync_invitations=True,
    )
    records = [
        r async for r in export_organizations(clerk, include_members=True, include_invitations=True)
    ]
    emails = sorted(m.email_address for m in records[0].members or () if m.email_address)
    assert emails == ["a@example.com", "b@example.com"]
    report = await sync_organizations(clerk, records, sync_invitations=True)
    assert report.actions == []


async def test_a_member_still_invited_by_address_round_trips(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    # Invited, then added directly before accepting: a member with a pending invitation
    # for the address they sign in with. The export lists both; syncing it back, or a
    # record naming the person both ways, changes nothing.
    clerk_emulator.state.add_user({"id": "user_ada", "email_address": "Ada@Example.com"})
    await sync_organizations(
        clerk, [acme(invited("ada@example.com", "org:admin"))], sync_invitations=True
    )
    org = await clerk.organizations.get("acme")
    await clerk.organization_memberships.create(org.id, user_id="user_ada", role="org:member")
    records = [
        r async for r in export_organizations(clerk, include_members=True, include_invitations=True)
    ]
    assert sorted(m.name for m in records[0].members or ()) == [
        "ada@example.com",
        "user_1",
        "user_ada",
    ]
    report = await sync_organizations(clerk, records, sync_invitations=True)
    assert report.actions == []
    assert await pending(clerk) == {"ada@example.com": "org:admin"}


async def test_one_refused_invitation_fails_alone_and_its_chunk_mates_are_sent(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    # Clerk refuses a bulk call whole for one unknown role: the other 24 are still invited.
    emails = [f"dev{n:02d}@example.com" for n in range(25)]
    members = [invited(e, "org:no_such_role" if e == emails[3] else "org:member") for e in emails]
    await sync_organizations(clerk, [acme()])
    report = await sync_organizations(clerk, [acme(*members)], sync_invitations=True)
    outcomes = {a.email_address: a.outcome for a in report.actions if a.kind == "invite"}
    assert outcomes == {e: "failed" if e == emails[3] else "applied" for e in emails}
    (failure,) = report.failures
    assert failure.action is not None and failure.action.email_address == emails[3]
    assert isinstance(failure.error, APIError) and failure.error.code == "form_param_value_invalid"
    assert await pending(clerk) == {e: "org:member" for e in emails if e != emails[3]}
    # Each invitation was created once: the refused call's ten went one at a time.
    posts = [r.path for r in clerk_emulator.requests if r.method == "POST"]
    assert sum(p.endswith("/invitations/bulk") for p in posts) == 3
    assert sum(p.endswith("/invitations") for p in posts) == 10
    again = await sync_organizations(clerk, [acme(*members)], sync_invitations=True)
    assert [(a.email_address, a.outcome) for a in again.actions] == [(emails[3], "failed")]


async def test_a_bulk_call_refused_whole_is_sent_one_by_one(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    # A 4xx means that call created nothing: its invitations are sent again, one at a time.
    emails = [f"dev{n}@example.com" for n in range(15)]
    clerk_emulator.faults.status(
        422, path="/v1/organizations/*/invitations/bulk", times=1, method="POST"
    )
    await sync_organizations(clerk, [acme()])
    report = await sync_organizations(
        clerk, [acme(*(invited(e) for e in emails))], sync_invitations=True
    )
    assert report.ok and report.counts["invite"] == 15
    assert await pending(clerk) == dict.fromkeys(emails, "org:member")


async def test_a_bulk_call_failing_with_a_5xx_is_not_split(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    # 501: may have been applied, and not retried; its lookup fails too. Sending the
    # invitations one by one could invite twice: they are reported as unknown.
    emails = [f"dev{n}@example.com" for n in range(3)]
    await sync_organizations(clerk, [acme()])
    clerk_emulator.faults.status(501, method="POST", path="/v1/organizations/*/invitations/bulk")
    # Its lookup fails too (the organization had no invitation: nothing else reads them).
    clerk_emulator.faults.status(
        503, method="GET", path="/v1/organizations/*/invitations", times=100
    )
    report = await sync_organizations(
        clerk, [acme(*(invited(e) for e in emails))], sync_invitations=True
    )
    assert [a.outcome for a in report.actions] == ["unknown"] * 3
    assert not any(
        r.method == "POST" and r.path.endswith("/invitations") for r in clerk_emulator.requests
    )


async def test_invitations_past_the_hourly_budget_wait_for_it_rather_than_fail(
    clerk_emulator: ClerkEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Clerk's 50 bulk calls an hour, shrunk to 2 calls in 2 s; the direct call's deadline
    # (1 s: time enough for its two answers on a loaded machine) is shorter than the wait for
    # its third call's permit.
    bulk = ("POST", "/organizations/{organization_id}/invitations/bulk")
    monkeypatch.setitem(
        SCOPED_LIMITS, bulk, EndpointLimit("bulk invitation creates", 2, 2.0, per_resource=False)
    )
    emails = [f"dev{n}@example.com" for n in range(25)]
    async with clerk_emulator.client(rate_limit=RateLimit(1000, 10)) as clerk:
        await sync_organizations(clerk, [acme()])
        # A direct call keeps its deadline: refused locally, nothing sent.
        org = await clerk.organizations.get("acme")
        with pytest.raises(BulkInvitationError) as refused:
            await clerk.organization_invitations.bulk_create(
                org.id,
                [InvitationRequest(email_address=e, role="org:member") for e in emails],
                retry=RetryPolicy(deadline=1.0),
            )
        assert isinstance(refused.value.error, RateLimitError)
        assert refused.value.error.code == "rate_limited_locally"
        sent = len(refused.value.created)
        assert sent == 20
        # The sync's one bulk call (the 5 left) needs that same permit: it waits for it.
        report = await sync_organizations(
            clerk, [acme(*(invited(e) for e in emails))], sync_invitations=True
        )
    assert report.ok, report.failures
    assert report.counts["invite"] == 5
    assert len(await pending_in(clerk_emulator)) == 25


async def pending_in(clerk_emulator: ClerkEmulator) -> list[str]:
    async with clerk_emulator.client() as clerk:
        return sorted((await pending(clerk)).keys())


@pytest.mark.parametrize("roles", [("org:admin", "org:member"), ("org:member", "org:member")])
@pytest.mark.parametrize("exists", [True, False], ids=["update", "create"])
async def test_a_person_named_by_user_id_and_by_their_address_is_refused_before_any_write(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient, roles: tuple[str, str], exists: bool
) -> None:
    clerk_emulator.state.add_user({"id": "user_ada", "email_address": "ada@example.com"})
    clerk_emulator.state.add_user({"id": "user_bob", "email_address": "bob@example.com"})
    if exists:
        await sync_organizations(clerk, [acme()])
    twice = acme(
        DesiredMember("user_ada", roles[0]),
        invited("ada@example.com", roles[1]),
        invited("bob@example.com"),  # a user, not otherwise named: invited as usual
    )
    other = DesiredOrganization(slug="globex", name="Globex", members=[invited("bob@example.com")])
    before = len([r for r in clerk_emulator.requests if r.method != "GET"])
    dry = await sync_organizations(clerk, [twice, other], sync_invitations=True, dry_run=True)
    report = await sync_organizations(clerk, [twice, other], sync_invitations=True)
    for run in (dry, report):
        (failure,) = run.failures
        assert failure.key == "acme" and failure.action is None
        assert isinstance(failure.error, InvalidRequestError)
        assert "'user_ada'" in str(failure.error) and "'ada@example.com'" in str(failure.error)
        assert {a.key for a in run.actions} == {"globex"}
    writes = [r for r in clerk_emulator.requests if r.method != "GET"][before:]
    globex = clerk_emulator.state.get_organization("globex")
    assert [r.path for r in writes] == [
        "/v1/organizations",
        f"/v1/organizations/{globex.id}/invitations/bulk",
    ]
    if exists:
        org = clerk_emulator.state.get_organization("acme")
        assert [m.user_id for m in clerk_emulator.state.memberships(org.id)] == ["user_1"]
        assert await pending(clerk) == {}
    else:
        assert "acme" not in {o.slug for o in clerk_emulator.state.organizations.values()}


async def test_a_person_already_invited_is_not_added_by_user_id_as_well(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    # The invitation went out by address first; then the record names the person by ID too.
    clerk_emulator.state.add_user({"id": "user_ada", "email_address": "ada@example.com"})
    await sync_organizations(clerk, [acme(invited("ada@example.com"))], sync_invitations=True)
    twice = acme(DesiredMember("user_ada", "org:member"), invited("ada@example.com"))
    report = await sync_organizations(clerk, [twice], sync_invitations=True)
    (failure,) = report.failures
    assert "'user_ada'" in str(failure.error) and report.actions == []
    org = clerk_emulator.state.get_organization("acme")
    assert [m.user_id for m in clerk_emulator.state.memberships(org.id)] == ["user_1"]
    # Named once, by ID: the member is added and the invitation revoked.
    once = await sync_organizations(
        clerk, [acme(DesiredMember("user_ada", "org:member"))], sync_invitations=True
    )
    assert sorted(a.kind for a in once.actions) == ["add_member", "revoke_invitation"]
    assert once.ok


async def test_a_sync_with_nothing_to_add_or_invite_reads_no_users(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    record = acme(DesiredMember("user_2"), invited("grace@example.com"))
    await sync_organizations(clerk, [record], sync_invitations=True)
    before = len(clerk_emulator.requests)
    again = await sync_organizations(clerk, [record], sync_invitations=True)
    assert again.actions == []
    assert not any(r.path == "/v1/users" for r in list(clerk_emulator.requests)[before:])


async def test_a_record_whose_users_cannot_be_read_is_not_written(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await sync_organizations(clerk, [acme()])
    clerk_emulator.faults.status(503, method="GET", path="/v1/users", times=100)
    before = len(clerk_emulator.requests)
    report = await sync_organizations(
        clerk, [acme(DesiredMember("user_2"), invited("grace@example.com"))], sync_invitations=True
    )
    (failure,) = report.failures
    assert failure.key == "acme" and failure.action is None and report.actions == []
    assert isinstance(failure.error, APIError) and failure.error.status == 503
    assert all(r.method == "GET" for r in list(clerk_emulator.requests)[before:])
