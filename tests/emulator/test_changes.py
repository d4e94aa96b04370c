"""Every change a store makes is reported to ``state.changes``, with Clerk's event type."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_orgs_async.testing import (
    ClerkEmulator,
    EmulatorState,
    MembershipRecord,
    OrganizationRecord,
)
from clerk_orgs_async.testing._errors import ClerkAPIError

PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)
Event = tuple[str, Any, dict[str, Any]]


def recording(state: EmulatorState) -> list[Event]:
    events: list[Event] = []
    state.changes.listener = lambda event, record, **context: events.append(
        (event, record, context)
    )
    return events


def test_every_write_reports_its_event_with_the_record() -> None:
    state = EmulatorState(clock=lambda: 1_700_000_000_000)
    events = recording(state)
    state.add_users(["user_a", {"id": "user_b", "email_address": "b@example.com"}])
    org = state.create_organization("Acme", created_by="user_a")
    state.update_organization(org.id, name="Acme Inc")
    state.merge_metadata(org.id, public_metadata={"plan": "pro"})
    state.set_logo(org.id, PNG, "image/png")
    state.delete_logo(org.id)
    state.create_membership(org.id, "user_b", "org:member")
    state.update_membership(org.id, "user_b", role="org:admin")
    state.merge_membership_metadata(org.id, "user_b", public_metadata={"a": 1})
    state.delete_membership(org.id, "user_b")
    (invitation,) = state.invitations.create(
        org.id, [{"email_address": "b@example.com", "role": "org:member"}]
    )
    state.accept_invitation(invitation.id)
    (other,) = state.invitations.create(
        org.id, [{"email_address": "c@example.com", "role": "org:member"}]
    )
    state.invitations.revoke(org.id, other.id)
    domain = state.domains.create(org.id, "acme.com", verified=False)
    state.domains.update(org.id, domain.id, verified=True)
    state.domains.verify_ownership(org.id, domain.id)
    state.domains.delete(org.id, domain.id)
    permission = state.roles.create_permission(name="Read", key="org:invoices:read")
    role = state.roles.create_role(name="Billing", key="org:billing")
    state.roles.assign_permission(role.id, permission.id)
    state.update_role(role.id, name="Billing team")
    state.roles.update_permission(permission.id, name="Read all")
    state.roles.delete_permission(permission.id)
    state.delete_role(role.id)
    state.delete_organization(org.id)
    assert [event for event, _, _ in events] == [
        "organization.created",
        "organizationMembership.created",
        "organization.updated",
        "organization.updated",
        "organization.updated",
        "organization.updated",
        "organizationMembership.created",
        "organizationMembership.updated",
        "organizationMembership.updated",
        "organizationMembership.deleted",
        "organizationInvitation.created",
        "organizationMembership.created",
        "organizationInvitation.accepted",
        "organizationInvitation.created",
        "organizationInvitation.revoked",
        "organizationDomain.created",
        "organizationDomain.updated",
        "organizationDomain.updated",
        "organizationDomain.deleted",
        "permission.created",
        "role.created",
        "role.updated",
        "role.updated",
        "permission.updated",
        "permission.deleted",
        "role.deleted",
        # Clerk reports each member of a deleted organization leaving, then the organization.
        "organizationMembership.deleted",
        "organizationMembership.deleted",
        "organization.deleted",
    ]
    assert events[0][1] is org and events[-1][1] is org
    creator, joined = events[1][1], events[11][1]
    assert isinstance(creator, MembershipRecord) and creator.user_id == "user_a"
    assert isinstance(joined, MembershipRecord) and joined.user_id == "user_b"
    assert events[12][1] is invitation and invitation.status == "accepted"
    assert events[12][2] == {"user_id": "user_b"}
    assert {events[-3][1].user_id, events[-2][1].user_id} == {"user_a", "user_b"}


def test_a_refused_write_reports_nothing_and_loading_reports_nothing() -> None:
    state = EmulatorState()
    state.add_user("user_a")
    state.create_organization("Acme", slug="acme", created_by="user_a")
    saved = state.snapshot()
    events = recording(state)
    with pytest.raises(ClerkAPIError, match="slug"):
        state.create_organization("Again", slug="acme")
    state.restore(saved)
    state.reset()
    assert events == []


async def test_requests_report_through_the_emulators_state() -> None:
    async with ClerkEmulator(users=["user_a"]) as emulator:
        events = recording(emulator.state)
        async with emulator.client() as clerk:
            org = await clerk.organizations.create(name="Acme", created_by="user_a")
            await clerk.organizations.delete(org.id)
    assert [(event, type(record)) for event, record, _ in events] == [
        ("organization.created", OrganizationRecord),
        ("organizationMembership.created", MembershipRecord),
        ("organizationMembership.deleted", MembershipRecord),
        ("organization.deleted", OrganizationRecord),
    ]
