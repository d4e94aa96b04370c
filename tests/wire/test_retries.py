"""Retries, Retry-After, deadlines and safe writes, checked on the wire."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from types import SimpleNamespace

import aiohttp
import pytest
from aioresponses import aioresponses

from clerk_orgs_async import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BadRequestError,
    ClerkClient,
    DeletedObject,
    NotFoundError,
    RateLimitError,
    RetryEvent,
    RetryPolicy,
    ServerError,
    _retry,
)
from tests.conftest import SECRET, sample
from tests.wire.conftest import API, sent

ORG = f"{API}/organizations/org_1"
ORGS = f"{API}/organizations"
MEMBERS = f"{API}/organizations/org_1/memberships"
NO_JITTER = RetryPolicy(jitter=False)


def fresh(name: str) -> dict[str, object]:
    """A sample created now, with the Date header of a server whose clock agrees."""
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000) + 1000
    return {**sample(name), "created_at": now_ms, "updated_at": now_ms}


def dated() -> dict[str, str]:
    """The Date header of a server whose clock agrees, as it answers now (not at import: a
    module is imported at collection, long before its last test runs)."""
    return {"Date": format_datetime(datetime.now(timezone.utc), usegmt=True)}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the client's sleeps instead of waiting them out."""
    recorded: list[float] = []

    async def fake_sleep(delay: float) -> None:
        recorded.append(delay)

    monkeypatch.setattr(_retry, "sleep", fake_sleep)
    return recorded


def refused() -> aiohttp.ClientConnectorError:
    key = SimpleNamespace(ssl=True, host="api.clerk.com", port=443)
    return aiohttp.ClientConnectorError(key, OSError(111, "Connection refused"))  # type: ignore[arg-type]


def client(**options: object) -> ClerkClient:
    return ClerkClient(SECRET, rate_limit=None, **options)  # type: ignore[arg-type]


async def test_429_with_retry_after_is_honoured(mock: aioresponses, sleeps: list[float]) -> None:
    mock.get(ORG, status=429, headers={"Retry-After": "1"}, payload={"errors": []})
    mock.get(ORG, payload=sample("organization"))
    events: list[RetryEvent] = []
    async with client(retry=NO_JITTER, on_retry=events.append) as clerk:
        org = await clerk.organizations.get("org_1")
    assert org.slug == "acme-corp"
    assert len(sent(mock)) == 2
    # One wait: the retry's own wait covers the block its 429 set on the endpoint.
    assert sleeps == [1.0]
    assert [(e.attempt, e.status, e.delay) for e in events] == [(1, 429, 1.0)]


async def test_429_without_retry_after_backs_off(mock: aioresponses, sleeps: list[float]) -> None:
    mock.get(ORG, status=429)
    mock.get(ORG, payload=sample("organization"))
    async with client(retry=NO_JITTER) as clerk:
        await clerk.organizations.get("org_1")
    assert sleeps == [0.5]


async def test_retry_after_http_date(mock: aioresponses, sleeps: list[float]) -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    mock.get(ORG, status=429, headers={"Retry-After": format_datetime(when, usegmt=True)})
    mock.get(ORG, payload=sample("organization"))
    async with client(retry=NO_JITTER) as clerk:
        await clerk.organizations.get("org_1")
    assert 28 <= sleeps[0] <= 30


async def test_two_503s_then_success(mock: aioresponses, sleeps: list[float]) -> None:
    mock.get(ORG, status=503)
    mock.get(ORG, status=503)
    mock.get(ORG, payload=sample("organization"))
    async with client(retry=NO_JITTER) as clerk:
        await clerk.organizations.get("org_1")
    assert sleeps == [0.5, 1.0]
    assert len(sent(mock)) == 3


async def test_five_503s_give_up_after_the_attempt_limit(
    mock: aioresponses, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="clerk_orgs_async")
    for _ in range(5):
        mock.get(ORG, status=503, payload={"errors": [], "clerk_trace_id": "trace-9"})
    async with client(retry=NO_JITTER) as clerk:
        with pytest.raises(ServerError) as caught:
            await clerk.organizations.get("org_1")
    assert caught.value.attempts == 4
    assert "after 4 attempts" in str(caught.value)
    assert len(sent(mock)) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3
    assert "GET /v1/organizations/org_1" in messages[0]
    assert "attempt 1 failed with 503 (trace trace-9)" in messages[0]
    assert SECRET not in "".join(messages)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_client_errors_are_never_retried(
    mock: aioresponses, sleeps: list[float], status: int
) -> None:
    mock.get(ORG, status=status, repeat=True)
    async with client() as clerk:
        with pytest.raises(APIError) as caught:
            await clerk.organizations.get("org_1")
    assert caught.value.status == status
    assert len(sent(mock)) == 1
    assert sleeps == []


async def test_timeouts_and_resets_are_retried_for_reads(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.get(ORG, exception=asyncio.TimeoutError())
    mock.get(ORG, exception=aiohttp.ServerDisconnectedError())
    mock.get(ORG, payload=sample("organization"))
    async with client() as clerk:
        await clerk.organizations.get("org_1")
    assert len(sent(mock)) == 3


async def test_timeout_error_after_last_attempt(mock: aioresponses, sleeps: list[float]) -> None:
    mock.get(ORG, exception=asyncio.TimeoutError(), repeat=True)
    async with client(retry=RetryPolicy(max_attempts=2)) as clerk:
        with pytest.raises(APITimeoutError) as caught:
            await clerk.organizations.get("org_1")
    assert caught.value.attempts == 2


async def test_retry_none_turns_retries_off(mock: aioresponses, sleeps: list[float]) -> None:
    mock.get(ORG, status=503, repeat=True)
    async with client() as clerk:
        with pytest.raises(ServerError):
            await clerk.organizations.get("org_1", retry=None)
    assert len(sent(mock)) == 1


async def test_retry_after_beyond_deadline_raises_at_once(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.get(ORG, status=429, headers={"Retry-After": "120"})
    async with client(retry=RetryPolicy(deadline=60)) as clerk:
        with pytest.raises(RateLimitError) as caught:
            await clerk.organizations.get("org_1")
    error = caught.value
    assert error.retry_after == 120
    assert error.retry_at is not None
    expected = datetime.now(timezone.utc) + timedelta(seconds=120)
    assert abs((error.retry_at - expected).total_seconds()) < 5
    assert sleeps == []
    assert len(sent(mock)) == 1


async def test_backoff_stops_at_the_deadline(mock: aioresponses, sleeps: list[float]) -> None:
    mock.get(ORG, status=503, repeat=True)
    policy = RetryPolicy(max_attempts=10, initial_delay=1, jitter=False, deadline=1.5)
    async with client(retry=policy) as clerk:
        with pytest.raises(ServerError) as caught:
            await clerk.organizations.get("org_1")
    # The fake sleep takes no time: 1 s fits in the 1.5 s deadline, 2 s does not.
    assert sleeps == [1.0]
    assert caught.value.attempts == 2


async def test_post_retries_after_429_and_connect_errors(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.post(ORGS, status=429, headers={"Retry-After": "0"})
    mock.post(ORGS, exception=refused())
    mock.post(ORGS, payload=sample("organization"))
    async with client() as clerk:
        org = await clerk.organizations.create(name="Acme Corporation")
    assert org.slug == "acme-corp"
    assert [m for m, _, _ in sent(mock)] == ["POST"] * 3


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500},
        {"status": 502, "body": "<html>bad gateway</html>"},
        {"exception": asyncio.TimeoutError()},
        {"exception": aiohttp.ServerDisconnectedError()},
    ],
)
async def test_ambiguous_create_without_slug_raises_instead_of_duplicating(
    mock: aioresponses, sleeps: list[float], failure: dict[str, object]
) -> None:
    mock.post(ORGS, **failure)
    mock.post(ORGS, payload=sample("organization"))
    async with client() as clerk:
        with pytest.raises((ServerError, APIConnectionError)) as caught:
            await clerk.organizations.create(name="Acme Corporation")
    assert caught.value.outcome_unknown is True
    assert "not retried to avoid a duplicate" in str(caught.value)
    assert len(sent(mock)) == 1


async def test_ambiguous_create_with_slug_returns_what_was_created(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.post(ORGS, exception=asyncio.TimeoutError())
    mock.get(f"{ORGS}/acme-corp", payload=fresh("organization"), headers=dated())
    async with client() as clerk:
        org = await clerk.organizations.create(name="Acme Corporation", slug="acme-corp")
    assert org.id == "org_2xK7d3mQz9LpR4sT8vW1yB6nH0c"
    assert [(m, u.path) for m, u, _ in sent(mock)] == [
        ("POST", "/v1/organizations"),
        ("GET", "/v1/organizations/acme-corp"),
    ]


async def test_ambiguous_create_with_free_slug_retries(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.post(ORGS, status=500)
    mock.get(f"{ORGS}/acme-corp", status=404)
    mock.post(ORGS, payload=sample("organization"))
    async with client() as clerk:
        org = await clerk.organizations.create(name="Acme Corporation", slug="acme-corp")
    assert org.slug == "acme-corp"
    assert sorted(m for m, _, _ in sent(mock)) == ["GET", "POST", "POST"]


async def test_ambiguous_create_with_slug_of_another_org_raises(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.post(ORGS, status=503)
    mock.get(f"{ORGS}/acme-corp", payload=sample("organization") | {"name": "Someone else"})
    async with client() as clerk:
        with pytest.raises(ServerError) as caught:
            await clerk.organizations.create(name="Acme Corporation", slug="acme-corp")
    assert caught.value.outcome_unknown is True
    assert [m for m, _, _ in sent(mock)] == ["POST", "GET"]


async def test_ambiguous_membership_create_looks_the_member_up(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.post(MEMBERS, exception=aiohttp.ServerDisconnectedError())
    mock.get(
        f"{MEMBERS}?user_id=user_1&limit=1",
        payload={"data": [fresh("membership")], "total_count": 1},
        headers=dated(),
    )
    async with client() as clerk:
        member = await clerk.organization_memberships.create(
            "org_1", user_id="user_1", role="org:admin"
        )
    assert member.id == "orgmem_2xK8e4nRa0MqS5tU9wX2zC7oI1d"
    assert [m for m, _, _ in sent(mock)] == ["POST", "GET"]


async def test_ambiguous_membership_create_retries_when_absent(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.post(MEMBERS, status=502)
    empty = {"data": [], "total_count": 0}
    mock.get(f"{MEMBERS}?user_id=user_1&limit=1", payload=empty, repeat=True)
    already = {"errors": [{"code": "already_a_member_in_organization"}]}
    mock.post(MEMBERS, status=400, payload=already)
    async with client() as clerk:
        with pytest.raises(BadRequestError):
            await clerk.organization_memberships.create("org_1", user_id="user_1", role="org:admin")
    # The refusal after a lookup that found nothing is looked up once more (a late commit).
    assert [m for m, _, _ in sent(mock)] == ["POST", "POST", "GET", "GET"]


async def test_delete_whose_retry_finds_it_gone_reports_done(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.delete(ORG, exception=asyncio.TimeoutError())
    mock.delete(ORG, status=404, payload=sample("error_not_found"))
    mock.delete(f"{MEMBERS}/user_1", status=503)
    mock.delete(f"{MEMBERS}/user_1", status=404)
    async with client() as clerk:
        deleted = await clerk.organizations.delete("org_1")
        removed = await clerk.organization_memberships.delete("org_1", "user_1")
    assert deleted == DeletedObject(object="organization", id="org_1", deleted=True)
    assert removed is None


async def test_delete_of_missing_org_still_raises(mock: aioresponses, sleeps: list[float]) -> None:
    mock.delete(ORG, status=404, payload=sample("error_not_found"))
    async with client() as clerk:
        with pytest.raises(NotFoundError):
            await clerk.organizations.delete("org_1")


async def test_a_failing_on_retry_hook_does_not_break_the_call(
    mock: aioresponses, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    def hook(event: RetryEvent) -> None:
        raise RuntimeError("metrics backend down")

    mock.get(ORG, status=503)
    mock.get(ORG, payload=sample("organization"))
    async with client(on_retry=hook) as clerk:
        await clerk.organizations.get("org_1")
    assert "on_retry hook raised" in caplog.text


METADATA = f"{ORG}/metadata"


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_a_429_blocks_only_its_endpoint_and_never_past_a_deadline(
    mock: aioresponses, sleeps: list[float], form: str
) -> None:
    # The date is made here, not in the test's ID: IDs must be the same in every process
    # (pytest-xdist's workers compare them) and every run (--lf, a seed's replay).
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    retry_after = "3600" if form == "seconds" else format_datetime(tomorrow, usegmt=True)
    mock.patch(METADATA, status=429, headers={"Retry-After": retry_after}, payload={"errors": []})
    mock.get(f"{API}/organizations/org_2", payload=sample("organization"))
    mock.patch(f"{API}/organizations/org_2/metadata", payload=sample("organization"))
    async with client(retry=RetryPolicy(deadline=60)) as clerk:
        with pytest.raises(RateLimitError):
            await clerk.organizations.merge_metadata("org_1", public_metadata={"a": 1})
        # Another endpoint goes on at once: a FastAPI app keeps serving.
        await clerk.organizations.get("org_2")
        assert sleeps == []
        # The same endpoint (another organization) is refused before any I/O, with the
        # time the block ends, rather than waiting an hour past its deadline.
        with pytest.raises(RateLimitError) as caught:
            await clerk.organizations.merge_metadata("org_2", public_metadata={"a": 1})
    error = caught.value
    assert error.code == "endpoint_blocked"
    assert error.attempts == 0
    assert error.retry_after is not None and error.retry_after > 3000
    assert error.retry_at is not None
    assert sleeps == []
    assert [(m, u.path) for m, u, _ in sent(mock)] == [
        ("PATCH", "/v1/organizations/org_1/metadata"),
        ("GET", "/v1/organizations/org_2"),
    ]


async def test_a_call_with_time_to_spare_waits_the_block_out_once(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.patch(METADATA, status=429, headers={"Retry-After": "30"}, payload={"errors": []})
    mock.patch(f"{API}/organizations/org_2/metadata", payload=sample("organization"))
    async with client(retry=RetryPolicy(deadline=5)) as clerk:
        with pytest.raises(RateLimitError):
            await clerk.organizations.merge_metadata("org_1", public_metadata={})
        await clerk.organizations.merge_metadata(
            "org_2", public_metadata={}, retry=RetryPolicy(deadline=120)
        )
    assert len(sleeps) == 1 and 28 < sleeps[0] <= 30


@pytest.mark.parametrize("retry_after", ["0", "-10", "Mon, 01 Jan 1990 00:00:00 GMT"])
async def test_a_zero_or_past_retry_after_still_backs_off(
    mock: aioresponses, sleeps: list[float], retry_after: str
) -> None:
    mock.get(ORG, status=429, headers={"Retry-After": retry_after}, repeat=True)
    async with client(retry=RetryPolicy(max_attempts=3, jitter=False)) as clerk:
        with pytest.raises(RateLimitError):
            await clerk.organizations.get("org_1")
    assert sleeps == [0.5, 1.0]  # the policy's backoff, never a tight loop


async def test_the_lookup_of_a_lost_post_spends_only_what_the_call_has_left(
    mock: aioresponses, sleeps: list[float]
) -> None:
    mock.post(ORGS, exception=asyncio.TimeoutError())
    mock.get(f"{ORGS}/acme-corp", status=503, repeat=True)
    async with client() as clerk:
        with pytest.raises(APITimeoutError) as caught:
            await clerk.organizations.create(
                name="Acme", slug="acme-corp", retry=RetryPolicy(max_attempts=1)
            )
    assert caught.value.outcome_unknown
    # The lookup ran under the caller's policy (one attempt), not the client's default (four).
    assert [m for m, _, _ in sent(mock)] == ["POST", "GET"]


async def test_a_post_refused_after_a_lookup_found_nothing_is_looked_up_again(
    mock: aioresponses, sleeps: list[float]
) -> None:
    # The first attempt committed late: the lookup missed it, the retry met the slug taken.
    mock.post(ORGS, status=503)
    mock.get(f"{ORGS}/acme-corp", status=404, payload=sample("error_not_found"))
    taken = {"errors": [{"code": "form_identifier_exists", "message": "taken"}]}
    mock.post(ORGS, status=422, payload=taken)
    mock.get(f"{ORGS}/acme-corp", payload=fresh("organization"), headers=dated())
    async with client() as clerk:
        org = await clerk.organizations.create(name="Acme Corporation", slug="acme-corp")
    assert org.slug == "acme-corp"
