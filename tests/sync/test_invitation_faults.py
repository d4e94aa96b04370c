"""Members named by email, synced through the emulator's random faults: every address ends with
one pending invitation, and only the invitations Clerk refuses fail (each alone)."""

from __future__ import annotations

import pytest

from clerk_orgs_async import APIError, RateLimit
from clerk_orgs_async._pacing import SCOPED_LIMITS, EndpointLimit
from clerk_orgs_async.sync import DesiredMember, DesiredOrganization, sync_organizations
from clerk_orgs_async.testing import ClerkEmulator
from tests.sync.conftest import QUICK_RETRY

COUNT = 30
BAD_ROLE = "org:no_such_role"


def desired(n: int) -> DesiredOrganization:
    invited = [
        DesiredMember(
            role=BAD_ROLE if n % 3 == 0 and k == 4 else "org:member",
            email_address=f"dev{k}.org{n}@example.com",
        )
        for k in range(12)
    ]
    # A user who is not otherwise named: their address is invited as any other.
    invited.append(DesiredMember(role="org:admin", email_address=f"known{n}@example.com"))
    return DesiredOrganization(
        slug=f"org-{n:02d}",
        name=f"Org {n}",
        max_allowed_memberships=0,
        members=[DesiredMember("user_1", "org:admin"), *invited],
    )


def wanted(record: DesiredOrganization) -> dict[str, str]:
    return {
        m.email_address: m.role
        for m in record.members or ()
        if m.email_address is not None and m.role != BAD_ROLE
    }


async def test_invitations_converge_through_random_faults(
    clerk_emulator: ClerkEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Clerk's 50 bulk calls an hour would make this test wait: the client's pacing of them
    # is raised (the emulator, without a rate limit, enforces none).
    bulk = ("POST", "/organizations/{organization_id}/invitations/bulk")
    monkeypatch.setitem(
        SCOPED_LIMITS,
        bulk,
        EndpointLimit("bulk invitation creates", 10_000, 3600.0, per_resource=False),
    )
    clerk_emulator.state.add_users(
        [{"id": f"user_known{n}", "email_address": f"known{n}@example.com"} for n in range(COUNT)]
    )
    records = [desired(n) for n in range(COUNT)]
    clerk_emulator.faults.random({500: 0.05, 503: 0.05, "drop": 0.05}, seed=7, after_apply=0.5)
    async with clerk_emulator.client(retry=QUICK_RETRY, rate_limit=RateLimit(10_000, 1)) as clerk:
        report = await sync_organizations(clerk, records, sync_invitations=True, concurrency=8)
        assert sum(clerk_emulator.stats.faults.values()) > 20
        # Faults may leave an outcome unknown (a lookup that failed too): a second run, with
        # the same faults, finishes the work; a third without faults has only the refusals.
        await sync_organizations(clerk, records, sync_invitations=True, concurrency=8)
        clerk_emulator.faults.clear()
        last = await sync_organizations(clerk, records, sync_invitations=True)
    refused = {(f.key, f.action.email_address) for f in report.failures if f.action is not None}
    bad = {(r.slug, f"dev4.org{n}@example.com") for n, r in enumerate(records) if n % 3 == 0}
    assert bad <= refused
    assert all(
        isinstance(f.error, APIError) and f.error.code == "form_param_value_invalid"
        for f in last.failures
    )
    assert {(f.key, f.action.email_address) for f in last.failures if f.action} == bad
    assert [(a.kind, a.outcome) for a in last.actions] == [("invite", "failed")] * len(bad)
    for record in records:
        org = clerk_emulator.state.get_organization(record.slug)
        invitations = clerk_emulator.state.invitations.matching(org.id)
        pending = [i for i in invitations if i.status == "pending"]
        assert {i.email_address: i.role for i in pending} == wanted(record)
        assert len(pending) == len(wanted(record))  # once each
        assert all(i.status == "pending" for i in invitations)  # nothing revoked
