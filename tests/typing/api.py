"""The public API used as a user would; mypy --strict checks it (it is never run)."""

from __future__ import annotations

from datetime import datetime, timezone

from clerk_orgs_async import (
    UNSET,
    ClerkClient,
    DeletedObject,
    NotFoundError,
    Organization,
    OrganizationMembership,
    Page,
    RateLimit,
    RateLimitError,
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
