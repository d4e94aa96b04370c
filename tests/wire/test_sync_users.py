"""What a sync reads of ``GET /users`` (who has an address it would invite), on the wire."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses

from clerk_orgs_async import ClerkClient, UnexpectedResponseError
from clerk_orgs_async._sync_reads import address_owners
from tests.wire.conftest import API, only_request


async def test_the_addresses_are_asked_as_given_and_lowercased(
    mock: aioresponses, clerk: ClerkClient
) -> None:
    users = [
        {"id": "user_ada", "email_addresses": [{"email_address": "ada@example.com"}]},
        {
            "id": "user_bob",
            "email_addresses": [
                {"email_address": "bob@home.io"},
                {"email_address": "Bob@Work.io"},
            ],
        },
    ]
    mock.get(
        f"{API}/users?email_address=Ada@Example.com&email_address=ada@example.com"
        "&email_address=bob@work.io&limit=500",
        payload=users,
    )
    owners = await address_owners(clerk, ["Ada@Example.com", "bob@work.io"])
    assert owners == {"ada@example.com": "user_ada", "bob@work.io": "user_bob"}
    method, url, _ = only_request(mock)
    assert (method, url.path) == ("GET", "/v1/users")
    assert url.query.getall("email_address") == [
        "Ada@Example.com",
        "ada@example.com",
        "bob@work.io",
    ]


@pytest.mark.parametrize("payload", [{"data": []}, [{"email_addresses": []}]])
async def test_an_odd_answer_is_an_unexpected_response(
    mock: aioresponses, clerk: ClerkClient, payload: object
) -> None:
    mock.get(f"{API}/users?email_address=a@x.io&limit=500", payload=payload)
    with pytest.raises(UnexpectedResponseError):
        await address_owners(clerk, ["a@x.io"])
