"""The emulator's webhooks: Clerk's events for every change, signed, delivered and retried."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import web
from svix.webhooks import Webhook as SvixWebhook

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.testing import (
    SVIX_RETRY_SCHEDULE,
    ClerkEmulator,
    DataFileError,
    WebhookEndpoint,
    WebhookFaults,
)
from clerk_orgs_async.testing._webhook_delivery import WebhookDelivery
from clerk_orgs_async.testing._webhook_store import (
    MESSAGES_KEPT,
    WebhookAttempt,
    WebhookMessage,
    WebhookStore,
)
from clerk_orgs_async.webhooks import WebhookEvent

FAST = (0.0, 0.01, 0.01)
"""A scaled-down retry schedule: three retries, then the message failed."""


@attrs.define
class Receiver:
    """A scripted endpoint: answers with ``statuses`` in turn (then 200) and keeps each request."""

    statuses: list[int] = attrs.Factory(list)
    headers: dict[str, str] = attrs.Factory(dict)
    received: list[tuple[dict[str, str], bytes]] = attrs.Factory(list)
    arrived: asyncio.Event = attrs.Factory(asyncio.Event)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        self.arrived.set()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, headers=self.headers)

    async def wait(self, count: int) -> None:
        async def enough() -> None:
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), 10)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield receiver
    await runner.cleanup()


@pytest.fixture
async def emu(emulator_options: dict[str, Any]) -> AsyncIterator[ClerkEmulator]:
    async with ClerkEmulator(**emulator_options, webhook_retry_schedule=FAST) as emulator:
        yield emulator


@pytest.fixture
async def clerk(emu: ClerkEmulator) -> AsyncIterator[ClerkClient]:
    async with emu.client() as client:
        yield client


async def test_deliveries_verify_with_svix_own_library(
    emu: ClerkEmulator, clerk: ClerkClient, receiver: Receiver
) -> None:
    endpoint = emu.webhooks.add(receiver.url)
    org = await clerk.organizations.create(name="Acme", created_by="user_alice")
    await receiver.wait(2)
    types = []
    for headers, body in receiver.received:
        SvixWebhook(endpoint.secret).verify(body, headers)
        envelope = json.loads(body)
        assert envelope["object"] == "event"
        assert envelope["instance_id"].startswith("ins_")
        assert envelope["event_attributes"]["http_request"]["client_ip"] == "127.0.0.1"
        types.append(envelope["type"])
    assert types == ["organization.created", "organizationMembership.created"]
    assert json.loads(receiver.received[0][1])["data"]["id"] == org.id
    with pytest.raises(Exception, match=r"(?i)signature"):
        SvixWebhook(endpoint.secret).verify(receiver.received[0][1] + b" ", receiver.received[0][0])


def test_an_endpoint_repr_hides_its_secret() -> None:
    endpoint = WebhookEndpoint(url="http://127.0.0.1:9/hook")
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret not in repr(endpoint)
    assert "whsec_" not in repr(endpoint)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"url": "ftp://example.com/"}, "http"),
        ({"url": "http://127.0.0.1/", "events": ["user.created"]}, "user.created"),
    ],
)
def test_bad_endpoints_are_refused(spec: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        ClerkEmulator().webhooks.add(**spec)


@pytest.mark.parametrize("secret", ["whsec_A", "sk_test_abc", "whsec_", ""])
def test_a_secret_that_cannot_sign_is_refused_without_showing_it(secret: str) -> None:
    with pytest.raises(ValueError, match="whsec_ followed by the base64 of a key") as caught:
        WebhookEndpoint(url="http://127.0.0.1:9/hook", secret=secret)
    assert "sk_test_abc" not in str(caught.value)
    with pytest.raises(TypeError, match="a string") as typed:
        WebhookEndpoint(url="http://127.0.0.1:9/hook", secret=b"whsec_QUFB")  # type: ignore[arg-type]
    assert "QUFB" not in str(typed.value)


@pytest.mark.parametrize("faults", [{"drop": 2}, {"duplicate": -0.1}, {"delay": float("inf")}])
def test_bad_faults_are_refused(faults: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"probability|seconds"):
        WebhookFaults(**faults)


Row = Callable[[ClerkClient, dict[str, Any]], Awaitable[tuple[str, Any]]]


async def _create_org(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    ctx["org"] = await clerk.organizations.create(name="Table", created_by="user_alice")
    return "organization.created", ctx["org"]


async def _update_org(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    return "organization.updated", await clerk.organizations.update(ctx["org"].id, name="T2")


async def _merge_org(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    org = await clerk.organizations.merge_metadata(ctx["org"].id, public_metadata={"a": 1})
    return "organization.updated", org


async def _upload_logo(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    org = await clerk.organizations.upload_logo(ctx["org"].id, png, content_type="image/png")
    return "organization.updated", org


async def _delete_logo(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    return "organization.updated", await clerk.organizations.delete_logo(ctx["org"].id)


async def _add_member(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    ctx["member"] = await clerk.organization_memberships.create(
        ctx["org"].id, user_id="user_bob", role="org:member"
    )
    return "organizationMembership.created", ctx["member"]


async def _update_member(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    member = await clerk.organization_memberships.update(
        ctx["org"].id, "user_bob", role="org:admin"
    )
    return "organizationMembership.updated", member


async def _member_metadata(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    member = await clerk.organization_memberships.merge_metadata(
        ctx["org"].id, "user_bob", public_metadata={"b": 2}
    )
    return "organizationMembership.updated", member


async def _remove_member(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    member = await clerk.organization_memberships.delete(ctx["org"].id, "user_bob")
    return "organizationMembership.deleted", member


async def _invite(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    ctx["invitation"] = await clerk.organization_invitations.create(
        ctx["org"].id, email_address="new@example.com", role="org:member"
    )
    return "organizationInvitation.created", ctx["invitation"]


async def _revoke(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    revoked = await clerk.organization_invitations.revoke(ctx["org"].id, ctx["invitation"].id)
    return "organizationInvitation.revoked", revoked


async def _add_domain(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    ctx["domain"] = await clerk.organization_domains.create(ctx["org"].id, name="table.example")
    return "organizationDomain.created", ctx["domain"]


async def _update_domain(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    domain = await clerk.organization_domains.update(
        ctx["org"].id, ctx["domain"].id, enrollment_mode="automatic_invitation"
    )
    return "organizationDomain.updated", domain


async def _verify_domain(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    domain = await clerk.organization_domains.verify_ownership(ctx["org"].id, ctx["domain"].id)
    return "organizationDomain.updated", domain


async def _delete_domain(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    deleted = await clerk.organization_domains.delete(ctx["org"].id, ctx["domain"].id)
    return "organizationDomain.deleted", deleted


async def _create_permission(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    ctx["permission"] = await clerk.organization_permissions.create(
        name="Bill", key="org:billing:manage"
    )
    return "permission.created", ctx["permission"]


async def _update_permission(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    ctx["permission"] = await clerk.organization_permissions.update(
        ctx["permission"].id, name="Billing"
    )
    return "permission.updated", ctx["permission"]


async def _create_role(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    ctx["role"] = await clerk.organization_roles.create(name="Billing", key="org:billing")
    return "role.created", ctx["role"]


async def _assign(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    ctx["role"] = await clerk.organization_roles.assign_permission(
        ctx["role"].id, ctx["permission"].id
    )
    return "role.updated", ctx["role"]


async def _unassign(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    ctx["role"] = await clerk.organization_roles.remove_permission(
        ctx["role"].id, ctx["permission"].id
    )
    return "role.updated", ctx["role"]


async def _update_role(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    ctx["role"] = await clerk.organization_roles.update(ctx["role"].id, name="Bills")
    return "role.updated", ctx["role"]


async def _delete_role(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    await clerk.organization_roles.delete(ctx["role"].id)
    return "role.deleted", ctx["role"]  # the role as the API last answered it


async def _delete_permission(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    await clerk.organization_permissions.delete(ctx["permission"].id)
    return "permission.deleted", ctx["permission"]


async def _delete_org(clerk: ClerkClient, ctx: dict[str, Any]) -> tuple[str, Any]:
    return "organization.deleted", await clerk.organizations.delete(ctx["org"].id)


TABLE: list[Row] = [
    _create_org,
    _update_org,
    _merge_org,
    _upload_logo,
    _delete_logo,
    _add_member,
    _update_member,
    _member_metadata,
    _remove_member,
    _invite,
    _revoke,
    _add_domain,
    _update_domain,
    _verify_domain,
    _delete_domain,
    _create_permission,
    _update_permission,
    _create_role,
    _assign,
    _unassign,
    _assign,
    _update_role,
    _delete_role,
    _delete_permission,
    _delete_org,
]


async def test_each_change_sends_its_event_with_the_object_the_api_answered(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    captured = await emu.webhooks.capture()
    ctx: dict[str, Any] = {}
    seen: set[str] = set()
    for row in TABLE:
        event_type, answered = await row(clerk, ctx)

        def same(event: WebhookEvent, answered: Any = answered) -> bool:
            return event.id not in seen and getattr(event.data, "id", None) == answered.id

        event = await captured.wait_for(event_type, where=same)
        seen.add(event.id)
        assert event.data == answered, row.__name__
    assert captured.refused == 0


async def test_deleting_an_organization_deletes_each_membership_first(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    org = await clerk.organizations.create(name="Gone", created_by="user_alice")
    await clerk.organization_memberships.create(org.id, user_id="user_bob", role="org:member")
    captured = await emu.webhooks.capture()
    await clerk.organizations.delete(org.id)
    await captured.wait_for("organization.deleted")
    await emu.webhooks.idle()
    deleted = [e.data.public_user_data.user_id for e in captured.events[:-1]]  # type: ignore[union-attr]
    assert [e.type for e in captured.events] == ["organizationMembership.deleted"] * 2 + [
        "organization.deleted"
    ]
    assert sorted(deleted) == ["user_alice", "user_bob"]


async def test_changes_through_the_python_api_emit_too(emu: ClerkEmulator) -> None:
    captured = await emu.webhooks.capture()
    org = emu.state.create_organization("Py", created_by="user_alice")
    [invitation] = emu.state.invitations.create(
        org.id, [{"email_address": "dave@example.com", "role": "org:member"}]
    )
    emu.state.accept_invitation(invitation.id, user_id="user_dave")
    accepted = await captured.wait_for("organizationInvitation.accepted")
    joined = await captured.wait_for(
        "organizationMembership.created",
        where=lambda e: e.data.public_user_data.user_id == "user_dave",  # type: ignore[union-attr]
    )
    assert accepted.data.status == "accepted"  # type: ignore[union-attr]
    assert accepted.data.user_id == "user_dave"  # type: ignore[union-attr]
    assert "event_attributes" not in accepted.raw
    assert joined.data.organization.id == org.id  # type: ignore[union-attr]


async def test_an_endpoint_gets_only_the_event_types_it_asked_for(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    captured = await emu.webhooks.capture(events=["organizationMembership.created"])
    everything = await emu.webhooks.capture()
    await clerk.organizations.create(name="Only", created_by="user_alice")
    await everything.wait_for("organizationMembership.created")
    await emu.webhooks.idle()
    assert [e.type for e in captured.events] == ["organizationMembership.created"]


async def test_failures_are_retried_on_the_schedule_with_one_svix_id(
    emu: ClerkEmulator, clerk: ClerkClient, receiver: Receiver
) -> None:
    receiver.statuses = [500, 302, 503]
    emu.webhooks.add(receiver.url, events=["organization.created"])
    await clerk.organizations.create(name="Retry")
    await receiver.wait(4)
    await emu.webhooks.idle()
    [message] = emu.webhooks.messages
    assert [a.status for a in message.attempts] == [500, 302, 503, 200]
    assert message.status == "delivered"
    assert all(a.latency >= 0 for a in message.attempts)
    assert {h["svix-id"] for h, _ in receiver.received} == {message.id}


async def test_the_message_fails_when_the_schedule_runs_out(
    emu: ClerkEmulator, clerk: ClerkClient, receiver: Receiver
) -> None:
    receiver.statuses = [500] * 10
    emu.webhooks.add(receiver.url, events=["organization.created"])
    await clerk.organizations.create(name="Fails")
    await emu.webhooks.idle()
    [message] = emu.webhooks.messages
    assert message.status == "failed"
    assert len(message.attempts) == 1 + len(FAST)
    emu.webhooks.replay(message)
    receiver.statuses = []
    await emu.webhooks.idle()
    assert message.status == "delivered"
    assert len(receiver.received) == 2 + len(FAST)


async def test_abort_message_stops_the_retries(
    emu: ClerkEmulator, clerk: ClerkClient, receiver: Receiver
) -> None:
    receiver.statuses = [410, 500]
    receiver.headers = {"webhook-delivery": "abort-message"}
    emu.webhooks.add(receiver.url, events=["organization.created"])
    await clerk.organizations.create(name="Abort")
    await emu.webhooks.idle()
    [message] = emu.webhooks.messages
    assert message.status == "aborted"
    assert len(receiver.received) == 1


async def test_an_unreachable_endpoint_is_recorded_with_the_error(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    emu.webhooks.add("http://127.0.0.1:9/", events=["organization.created"])
    await clerk.organizations.create(name="Nobody")
    await emu.webhooks.idle()
    [message] = emu.webhooks.messages
    assert message.status == "failed"
    assert all(a.status is None and a.error for a in message.attempts)


async def test_the_api_answers_without_waiting_for_a_slow_endpoint(
    emulator_options: dict[str, Any],
) -> None:
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response()

    app = web.Application()
    app.router.add_post("/", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
    try:
        async with ClerkEmulator(**emulator_options, webhooks=[url]) as emu:
            async with emu.client() as clerk:
                await clerk.organizations.create(name="Fast")
            assert emu.webhooks.pending
        # Closing with a delivery in flight returned: the message is still owed.
        assert [m.status for m in emu.webhooks.messages] == ["pending"]
    finally:
        release.set()
        await runner.cleanup()


@pytest.mark.parametrize(
    ("faults", "check"),
    [
        (WebhookFaults(duplicate=1.0), "duplicate"),
        (WebhookFaults(drop=1.0), "drop"),
        (WebhookFaults(bad_signature=1.0), "bad_signature"),
    ],
)
async def test_faults_per_endpoint(
    emu: ClerkEmulator, clerk: ClerkClient, faults: WebhookFaults, check: str
) -> None:
    captured = await emu.webhooks.capture(events=["organization.created"], faults=faults)
    await clerk.organizations.create(name="Faulty")
    await emu.webhooks.idle()
    [message] = emu.webhooks.messages
    assert {a.fault for a in message.attempts} == {check}
    if check == "duplicate":
        assert [e.id for e in captured.events] == [message.id] * 2
    elif check == "drop":
        assert message.status == "failed"
        assert captured.events == []
        emu.webhooks.set_faults(captured.endpoint, WebhookFaults())
        emu.webhooks.replay(message)
        assert (await captured.wait_for("organization.created")).id == message.id
    else:
        assert captured.refused == 1 + len(FAST)
        assert captured.events == []


async def test_reordering_within_a_window(emu: ClerkEmulator, clerk: ClerkClient) -> None:
    captured = await emu.webhooks.capture(
        events=["organization.created"], faults=WebhookFaults(reorder_window=0.05)
    )
    for n in range(20):
        await clerk.organizations.create(name=f"Order {n}")
    await emu.webhooks.idle()
    names = [e.data.name for e in captured.events]  # type: ignore[union-attr]
    assert sorted(names) == sorted(f"Order {n}" for n in range(20))
    # 20 uniform draws in the window come out sorted once in 20! runs.
    assert names != [f"Order {n}" for n in range(20)]


async def test_endpoints_and_undelivered_messages_survive_a_restart(
    emulator_options: dict[str, Any], tmp_path: Path, receiver: Receiver
) -> None:
    data = tmp_path / "state.json"
    options = {**emulator_options, "data_file": data, "webhooks": [receiver.url]}
    receiver.statuses = [500] * 3
    async with ClerkEmulator(**options, webhook_retry_schedule=(0.0, 3600.0)) as emu:
        secret = emu.webhooks.endpoints[0].secret
        async with emu.client() as clerk:
            org = await clerk.organizations.create(name="Kept")
        await receiver.wait(2)
        [message] = emu.webhooks.pending
    assert secret not in repr(emu.webhooks.endpoints)
    async with ClerkEmulator(**options, webhook_retry_schedule=FAST) as again:
        [endpoint] = again.webhooks.endpoints
        assert endpoint.secret == secret
        await again.webhooks.idle()
        [delivered] = again.webhooks.messages
    assert (delivered.id, delivered.status) == (message.id, "delivered")
    headers, body = receiver.received[-1]
    SvixWebhook(secret).verify(body, headers)
    assert json.loads(body)["data"]["id"] == org.id
    assert len(receiver.received) == 4  # 2 failures before the restart, 1 after, then 200


def test_an_old_state_file_loads_without_webhooks(emulator_options: dict[str, Any]) -> None:
    emu = ClerkEmulator(**emulator_options)
    snapshot = emu.state.snapshot()
    snapshot["version"] = 2
    del snapshot["webhooks"]
    emu.state.restore(snapshot)
    assert emu.webhooks.endpoints == []


def test_svix_schedule_is_the_documented_one() -> None:
    assert SVIX_RETRY_SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)


def test_finished_messages_are_forgotten_past_the_limit_pending_ones_never() -> None:
    store = WebhookStore()
    store.add(WebhookEndpoint(url="http://127.0.0.1:9/"))
    for n in range(3 * MESSAGES_KEPT):
        [message] = store.enqueue("organization.created", "{}", n)
        if n % 3:
            store.record(message, WebhookAttempt(at=n, status=200), schedule=())
    assert [m.created_at for m in store.pending()] == list(range(0, 3 * MESSAGES_KEPT, 3))
    finished = [m.created_at for m in store.messages if m.status == "delivered"]
    assert MESSAGES_KEPT <= len(finished) <= 2 * MESSAGES_KEPT
    assert finished[-1] == 3 * MESSAGES_KEPT - 1


async def test_the_journal_replay_after_a_crash_sends_nothing_again(
    emulator_options: dict[str, Any], tmp_path: Path, receiver: Receiver
) -> None:
    data = tmp_path / "state.json"
    hooked = {**emulator_options, "webhooks": [receiver.url]}
    async with ClerkEmulator(**hooked, data_file=data) as emu:
        async with emu.client() as clerk:
            await clerk.organizations.create(name="Journaled")
        await receiver.wait(1)
        # The files as a crash (kill -9) would leave them: the write only in the journal.
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        for path in (data, data.with_name(data.name + ".journal")):
            (crashed / path.name).write_bytes(path.read_bytes())
    async with ClerkEmulator(**hooked, data_file=crashed / data.name) as again:
        assert [o.name for o in again.state.organizations.values()] == ["Journaled"]
        await again.webhooks.idle()
        assert again.webhooks.messages == []
    assert len(receiver.received) == 1


async def test_without_faults_an_endpoint_gets_the_events_in_order(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    captured = await emu.webhooks.capture(events=["organization.created"])
    names = [f"In order {n}" for n in range(30)]
    await asyncio.gather(*(clerk.organizations.create(name=name) for name in names))
    await emu.webhooks.idle()
    created = [o.name for o in emu.state.organizations.values()]
    assert [e.data.name for e in captured.events] == created  # type: ignore[union-attr]
    assert sorted(created) == sorted(names)


async def _deliver_once(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    hang: asyncio.Event,
    *,
    timeout: float,
) -> WebhookMessage:
    """One message delivered to a local endpoint served by ``handler``, which waits on
    ``hang`` (set once the delivery is over, so the server can stop)."""
    app = web.Application()
    app.router.add_post("/", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    store = WebhookStore()
    store.add(WebhookEndpoint(url=f"http://127.0.0.1:{runner.addresses[0][1]}/"))
    delivery = WebhookDelivery(store, (), timeout=timeout)
    await delivery.start()
    try:
        [message] = store.enqueue("organization.created", "{}", 0)
        await asyncio.wait_for(delivery.idle(), 30)
    finally:
        await delivery.close()
        hang.set()
        await runner.cleanup()
    return message


async def test_an_endpoint_that_does_not_answer_in_time_fails_the_attempt() -> None:
    hang = asyncio.Event()

    async def never(request: web.Request) -> web.Response:
        await hang.wait()
        return web.Response()

    message = await _deliver_once(never, hang, timeout=0.05)
    [attempt] = message.attempts
    assert (message.status, attempt.status) == ("failed", None)
    assert attempt.error is not None
    assert "Timeout" in attempt.error


async def test_the_answer_is_its_status_whatever_follows_the_headers() -> None:
    # The body is not read: an endpoint that streamed a huge or endless one after its 200
    # filled the emulator's memory, then failed the attempt when the timeout came.
    hang = asyncio.Event()

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        await response.write(b"x" * 65536)
        await hang.wait()
        return response

    message = await _deliver_once(endless, hang, timeout=10)
    [attempt] = message.attempts
    assert (message.status, attempt.status, attempt.error) == ("delivered", 200, None)


@pytest.mark.parametrize("url", ["http://.:9/", "http://" + "a" * 64 + ":9/"])
async def test_a_host_that_cannot_be_resolved_fails_the_attempt_and_the_next_go_on(
    url: str,
) -> None:
    store = WebhookStore()
    store.add(WebhookEndpoint(url=url))
    delivery = WebhookDelivery(store, ())
    await delivery.start()
    try:
        [first] = store.enqueue("organization.created", "{}", 0)
        [second] = store.enqueue("organization.updated", "{}", 1)
        await asyncio.wait_for(delivery.idle(), 10)
    finally:
        await delivery.close()
    for message in (first, second):
        [attempt] = message.attempts
        assert (message.status, attempt.status) == ("failed", None)
        assert attempt.error is not None
        assert "UnicodeError" in attempt.error


@pytest.mark.parametrize(
    ("damage", "found"),
    [
        (lambda w: w["endpoints"][0].update(url=5), "webhooks: TypeError"),
        (lambda w: w["endpoints"][0].update(events=["user.created"]), "no user.created events"),
        (lambda w: w["messages"][0].update(created_at="5"), "'5' is not an integer"),
        (lambda w: w["messages"][0].update(endpoint_id="ep_gone"), "for no endpoint: ep_gone"),
        (lambda w: w.pop("instance_id"), "webhooks: KeyError"),
        # Each of these once stopped every delivery to the endpoint at its first attempt.
        (lambda w: w["endpoints"][0].update(secret="whsec_A"), "signing secret is whsec_"),
        (lambda w: w["endpoints"][0].update(secret="sk_test_x"), "signing secret is whsec_"),
        (lambda w: w["endpoints"][0].update(secret=""), "signing secret is whsec_"),
        (lambda w: w["messages"][0].update(id="msg_1\r\nX: y"), "is not a message ID"),
    ],
)
async def test_a_damaged_webhooks_section_is_refused_whole(
    tmp_path: Path, damage: Callable[[dict[str, Any]], object], found: str
) -> None:
    emu = ClerkEmulator(webhooks=["http://127.0.0.1:9/"])
    emu.state.create_organization("Owed")
    snapshot = emu.state.snapshot()
    assert len(snapshot["webhooks"]["messages"]) == 1
    damage(snapshot["webhooks"])
    data = tmp_path / "state.json"
    data.write_text(json.dumps(snapshot))
    with pytest.raises(DataFileError, match=found):
        await ClerkEmulator(data_file=data).start()
    assert json.loads(data.read_text()) == snapshot
