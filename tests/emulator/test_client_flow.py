"""The full flow through ``ClerkClient`` against the emulator, as a user's tests would run it."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_orgs_async import ClerkClient, NotFoundError, RetryPolicy, UnprocessableEntityError
from clerk_orgs_async.testing import ClerkEmulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def clerk_client_options() -> dict[str, Any]:
    return {"retry": RetryPolicy(initial_delay=0, max_delay=0, jitter=False)}


async def test_the_full_flow(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    acme = await clerk.organizations.create(
        name="Acme", created_by="user_alice", public_metadata={"plan": {"tier": "pro", "seats": 5}}
    )
    beta = await clerk.organizations.create(name="Beta Corp", slug="beta", created_by="user_bob")
    assert (acme.slug, acme.created_by, acme.max_allowed_memberships) == ("acme", "user_alice", 5)

    got = await clerk.organizations.get("beta", include_members_count=True)
    assert (got.id, got.members_count) == (beta.id, 1)

    by_name = [org.slug async for org in clerk.organizations.list(order_by="name")]
    assert by_name == ["acme", "beta"]
    page = await clerk.organizations.list(user_id="user_alice", limit=10)
    assert ([org.id for org in page], page.total_count) == ([acme.id], 1)
    assert [o.id async for o in clerk.organizations.list(query="bet")] == [beta.id]
    assert [o.id async for o in clerk.organizations.list(organization_id=f"-{acme.id}")] == [
        beta.id
    ]

    renamed = await clerk.organizations.update(acme.id, name="Acme Renamed", slug="acme-2")
    assert (renamed.name, renamed.slug) == ("Acme Renamed", "acme-2")
    merged = await clerk.organizations.merge_metadata(
        acme.id, public_metadata={"plan": {"seats": None, "addon": True}}
    )
    assert merged.public_metadata == {"plan": {"tier": "pro", "addon": True}}
    replaced = await clerk.organizations.replace_metadata(acme.id, public_metadata={"v": 2})
    assert replaced.public_metadata == {"v": 2}

    with_logo = await clerk.organizations.upload_logo(acme.id, PNG, content_type="image/png")
    assert with_logo.has_image
    assert with_logo.image_url is not None
    assert clerk_emulator.state.logo(with_logo.image_url.rsplit("/", 1)[1]) is not None
    without = await clerk.organizations.delete_logo(acme.id)
    assert not without.has_image

    members = clerk.organization_memberships
    bob = await members.create(acme.id, user_id="user_bob", role="org:member")
    await members.create(acme.id, user_id="user_carol", role="org:member")
    assert bob.public_user_data is not None
    assert bob.public_user_data.identifier == "bob@example.com"
    admins = [m.public_user_data async for m in members.list(acme.id, role="org:admin")]
    assert [user.user_id for user in admins if user is not None] == ["user_alice"]
    by_email = members.list(acme.id, email_address_query="example.com", order_by="-email_address")
    assert [m.role async for m in by_email] == ["org:member", "org:admin"]
    promoted = await members.update(acme.id, "user_bob", role="org:admin")
    assert promoted.role == "org:admin"
    tagged = await members.merge_metadata(acme.id, "user_carol", public_metadata={"team": "x"})
    assert tagged.public_metadata == {"team": "x"}
    removed = await members.delete(acme.id, "user_carol")
    assert removed is not None
    assert removed.public_user_data is not None
    assert removed.public_user_data.user_id == "user_carol"

    deleted = await clerk.organizations.delete(acme.id)
    assert deleted.deleted
    with pytest.raises(NotFoundError):
        await clerk.organizations.get(acme.id)
    assert [o.id async for o in clerk.organizations.list(user_id="user_bob")] == [beta.id]


async def test_clerk_rules_surface_as_client_errors(clerk: ClerkClient) -> None:
    await clerk.organizations.create(name="Taken", slug="taken")
    with pytest.raises(UnprocessableEntityError) as error:
        await clerk.organizations.create(name="Other", slug="taken")
    assert "form_identifier_exists" in str(error.value)


async def test_the_client_retries_through_injected_faults(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.faults.status(503, times=2, method="GET")
    page = await clerk.organizations.list()
    assert page.total_count == 0
    assert [r.status for r in clerk_emulator.requests] == [503, 503, 200]


async def test_a_create_with_a_slug_recovers_from_a_lost_answer(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.faults.drop(method="POST", after_apply=True)
    org = await clerk.organizations.create(name="Once", slug="once")
    assert [o.id for o in clerk_emulator.state.organizations.values()] == [org.id]


async def test_a_large_logo_uploads_and_is_served_back(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    import aiohttp

    org = await clerk.organizations.create(name="Big Logo", slug="big-logo")
    image = PNG + bytes(range(256)) * (2 * 4096)  # about 2 MB

    uploaded = await clerk.organizations.upload_logo(org.id, image)

    assert uploaded.image_url is not None
    async with aiohttp.ClientSession() as session, session.get(uploaded.image_url) as response:
        assert response.headers["Content-Type"] == "image/png"
        assert await response.read() == image
