"""The public API used as a user would; mypy --strict checks it (it is never run)."""

from __future__ import annotations

from datetime import datetime, timezone

from clerk_orgs_async import (
    UNSET,
    BulkInvitationError,
    ClerkClient,
    DeletedObject,
    DomainVerification,
    InvitationRequest,
    NotFoundError,
    Organization,
    OrganizationDomain,
    OrganizationInvitation,
    OrganizationMembership,
    OrganizationPermission,
    OrganizationRole,
    Page,
    RateLimit,
    RateLimitError,
    RedisRateLimit,
    RetryEvent,
    RetryPolicy,
    Timeout,
)


def count_retry(event: RetryEvent) -> None:
    print(event.method, event.path, event.attempt, event.delay, event.status)


async def main() -> None:
    async with ClerkClient(
        "sk_test_x",
        retry=RetryPolicy(max_attempts=6, deadline=None),
        rate_limit=RateLimit(requests=50, per_seconds=1.0),
        timeout=Timeout(total=10, connect=2, read=5),
        on_retry=count_retry,
    ) as clerk:
        org: Organization = await clerk.organizations.create(
            name="Acme", created_by="user_1", slug="acme", public_metadata=None
        )
        same: Organization = await clerk.organizations.get("acme", timeout=5)
        page: Page[Organization] = await clerk.organizations.list(limit=20, query="ac")
        following: Page[Organization] | None = await page.next_page()
        total: int = page.total_count + len(following or [])
        async for each in clerk.organizations.list(order_by="name", max_items=10, prefetch=4):
            created: datetime = each.created_at
            print(each.id, created.tzinfo is timezone.utc, total, same.slug)
        everyone: list[Organization] = await clerk.organizations.list().collect()
        await clerk.organizations.update(org.id, name="Acme Inc", slug=UNSET, retry=None)
        await clerk.organizations.merge_metadata(org.id, public_metadata={"old": None})
        member: OrganizationMembership = await clerk.organization_memberships.create(
            org.id, user_id="user_2", role="org:member"
        )
        tagged: OrganizationMembership = await clerk.organization_memberships.merge_metadata(
            org.id, "user_2", public_metadata={"team": None}
        )
        print(tagged.public_metadata)
        members = clerk.organization_memberships.list(org.id, role=["org:admin"], limit=100)
        async for page_of_members in members.pages():
            print(len(page_of_members.data))
        removed: OrganizationMembership | None = await clerk.organization_memberships.delete(
            org.id, member.public_user_data.user_id if member.public_user_data else "user_2"
        )
        deleted: DeletedObject = await clerk.organizations.delete(org.id)
        print(len(everyone), removed, deleted.deleted)
        try:
            await clerk.organizations.get("missing")
        except NotFoundError as error:
            print(error.status, error.code, error.clerk_trace_id, error.attempts)
        except RateLimitError as error:
            print(error.retry_after, error.retry_at)


async def organization_surface(clerk: ClerkClient) -> None:
    invitation: OrganizationInvitation = await clerk.organization_invitations.create(
        "org_1", email_address="grace@example.com", role="org:member", expires_in_days=7
    )
    requests: list[InvitationRequest | dict[str, object]] = [
        InvitationRequest(email_address="a@example.com", role="org:member", notify=False),
        {"email_address": "b@example.com", "role": "org:admin"},
    ]
    try:
        many: list[OrganizationInvitation] = await clerk.organization_invitations.bulk_create(
            "org_1", requests, on_progress=lambda done, total: print(f"{done}/{total}")
        )
        print(len(many))
    except BulkInvitationError as error:
        created: list[OrganizationInvitation] = error.created
        print(len(created), error.not_created, error.maybe_created, error.outcome_unknown)
        for refused, why in error.refused:
            code: str | None = why.code
            print(refused.email_address, code)
    pending: Page[OrganizationInvitation] = await clerk.organization_invitations.list(
        "org_1", status="pending"
    )
    async for each in clerk.organization_invitations.list_all(query="example.com"):
        print(each.public_organization_data.slug if each.public_organization_data else None)
    revoked: OrganizationInvitation = await clerk.organization_invitations.revoke(
        "org_1", invitation.id, requesting_user_id="user_1"
    )
    domain: OrganizationDomain = await clerk.organization_domains.create(
        "org_1", name="example.com", enrollment_mode="automatic_invitation"
    )
    verification: DomainVerification | None = domain.verification
    domains: list[OrganizationDomain] = await clerk.organization_domains.list_all(
        domains=["example.com"]
    ).collect()
    await clerk.organization_domains.verify_ownership("org_1", domain.id)
    gone: DeletedObject = await clerk.organization_domains.delete("org_1", domain.id)
    permission: OrganizationPermission = await clerk.organization_permissions.create(
        name="Read invoices", key="org:invoices:read"
    )
    role: OrganizationRole = await clerk.organization_roles.create(
        name="Billing", key="org:billing", permissions=[permission.id]
    )
    role = await clerk.organization_roles.remove_permission(role.id, permission.id)
    roles: list[OrganizationRole] = await clerk.organization_roles.list(max_items=50).collect()
    memberships = clerk.organization_memberships.list_all(order_by="-created_at", prefetch=2)
    async for membership in memberships:
        print(membership.organization.slug)
    print(pending.total_count, revoked.status, verification, domains, gone, roles)


async def shared_budget() -> None:
    limit = RedisRateLimit("redis://cache:6379/0", share=0.5, per_seconds=10.0)
    requests: int | None = limit.requests
    async with ClerkClient("sk_test_x", rate_limit=limit) as clerk:
        in_force: RateLimit | RedisRateLimit | None = clerk.rate_limit
        print(requests, in_force, await clerk.organizations.list(limit=1))
