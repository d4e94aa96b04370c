"""Error responses, whatever their body, map to the right exception and keep what Clerk said."""

from __future__ import annotations

import logging

import pytest
from aioresponses import aioresponses

from clerk_orgs_async import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ClerkClient,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
    UnprocessableEntityError,
)
from tests.conftest import SECRET, sample
from tests.wire.conftest import API

ORG = f"{API}/organizations/org_1"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, PaymentRequiredError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, PayloadTooLargeError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (418, APIError),
    ],
)
async def test_status_maps_to_class(mock: aioresponses, status: int, cls: type[APIError]) -> None:
    mock.get(ORG, status=status, payload=sample("error_not_found"))
    async with ClerkClient(SECRET, retry=None, rate_limit=None) as clerk:
        with pytest.raises(cls) as caught:
            await clerk.organizations.get("org_1")
    error = caught.value
    assert type(error) is cls
    assert error.status == status
    assert error.code == "resource_not_found"
    assert error.errors[0].long_message == "Given organization not found."
    assert error.clerk_trace_id == "6f2c0b6a1d3e4f5a8b9c0d1e2f3a4b5c"
    assert str(error) == (
        f"{status} resource_not_found: Given organization not found. "
        "(GET /v1/organizations/org_1) [trace 6f2c0b6a1d3e4f5a8b9c0d1e2f3a4b5c]"
    )


async def test_html_502_keeps_the_text(mock: aioresponses) -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    mock.get(ORG, status=502, body=html, content_type="text/html")
    async with ClerkClient(SECRET, retry=None, rate_limit=None) as clerk:
        with pytest.raises(ServerError) as caught:
            await clerk.organizations.get("org_1")
    assert caught.value.errors == []
    assert caught.value.body == html
    assert "502 Bad Gateway" in str(caught.value)


async def test_empty_error_body(mock: aioresponses) -> None:
    mock.get(ORG, status=404, body=b"")
    async with ClerkClient(SECRET, retry=None, rate_limit=None) as clerk:
        with pytest.raises(NotFoundError, match="404 empty response body"):
            await clerk.organizations.get("org_1")


@pytest.mark.parametrize(
    "body", [b"", b"<html>ok</html>", b"[1, 2]", b'{"id": "org_1"}', b'{"data": 5}']
)
async def test_undecodable_success_body(mock: aioresponses, body: bytes) -> None:
    mock.get(ORG, status=200, body=body)
    mock.get(f"{API}/organizations?order_by=-created_at", status=200, body=body)
    async with ClerkClient(SECRET, retry=None, rate_limit=None) as clerk:
        with pytest.raises(UnexpectedResponseError) as caught:
            await clerk.organizations.get("org_1")
        with pytest.raises(UnexpectedResponseError):
            await clerk.organizations.list()
    assert caught.value.status == 200
    assert caught.value.body == body.decode()


async def test_unknown_fields_and_nulls_decode(mock: aioresponses) -> None:
    payload = sample("organization_minimal") | {
        "brand_new_field": {"nested": True},
        "private_metadata": None,
        "public_metadata": None,
    }
    mock.get(ORG, payload=payload)
    async with ClerkClient(SECRET, rate_limit=None) as clerk:
        org = await clerk.organizations.get("org_1")
    assert org.public_metadata == {}
    assert org.private_metadata == {}
    assert org.members_count is None


async def test_secret_never_appears(mock: aioresponses, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    mock.get(ORG, status=401, payload={"errors": [{"code": "clerk_key_invalid"}]})
    mock.get(f"{API}/organizations/org_2", exception=ConnectionResetError("reset"))
    clerk = ClerkClient(SECRET, retry=None, rate_limit=None)
    async with clerk:
        with pytest.raises(AuthenticationError) as auth:
            await clerk.organizations.get("org_1")
        with pytest.raises(APIConnectionError) as conn:
            await clerk.organizations.get("org_2")
    texts = [repr(clerk), str(clerk), str(auth.value), repr(auth.value), str(conn.value)]
    texts += [record.getMessage() for record in caplog.records]
    assert all(SECRET not in text and SECRET[8:] not in text for text in texts)
    assert "sk_test_" in repr(clerk)
