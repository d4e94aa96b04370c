"""Every argument of every method, given a value of the wrong type or range: a typed refusal
before any I/O, or a request sent, never TypeError, OverflowError or a crash."""

from __future__ import annotations

import inspect
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from aioresponses import aioresponses

from clerk_orgs_async import ClerkClient, ClerkError, InvalidRequestError
from tests.conftest import SECRET, sample


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
VALID: dict[str, Any] = {
    "organization_id": "org_1",
    "organization_id_or_slug": "acme",
    "user_id": "user_1",
    "name": "Acme",
    "role": "org:member",
    "file": PNG,
    "email_address": "grace@example.com",
    "invitation_id": "orginv_1",
    "invitations": [{"email_address": "grace@example.com", "role": "org:member"}],
    "domain_id": "orgdmn_1",
    "role_id": "role_1",
    "permission_id": "perm_1",
    "key": "org:things:read",
}
GROUPS = (
    "organizations",
    "organization_memberships",
    "organization_invitations",
    "organization_domains",
    "organization_roles",
    "organization_permissions",
)
ODD: list[Any] = [
    "10",
    1e20,
    -1,
    True,
    [],
    {},
    object(),
    math.nan,
    b"x",
    2**70,
    None,
    "",
    "\x00",
    [1, 2],
    # Values whose mere description or conversion used to fail: a lone surrogate (not
    # UTF-8), integers beyond a float and beyond the 4300 digits str() allows, nesting
    # past the recursion limit, instants that overflow when moved to UTC.
    "\ud800",
    ["\ud800"],
    10**400,
    -(10**5000),
    nested(10_000),
    datetime.max.replace(tzinfo=timezone(timedelta(hours=-1))),
    datetime.min.replace(tzinfo=timezone(timedelta(hours=1))),
]
DEPRECATED = {
    # Aliases that warn, then call the method checked under its current name.
    ("organization_memberships", "update_metadata"),
}
METHODS = [
    (group, name)
    for group in GROUPS
    for name in dir(getattr(ClerkClient(SECRET), group))
    if not name.startswith("_") and (group, name) not in DEPRECATED
]


def parameters(group: str, name: str) -> list[inspect.Parameter]:
    method = getattr(getattr(ClerkClient(SECRET), group), name)
    return list(inspect.signature(method).parameters.values())


CASES = [
    pytest.param(group, name, param.name, id=f"{group}.{name}.{param.name}")
    for group, name in METHODS
    for param in parameters(group, name)
]


@pytest.mark.parametrize(("group", "name", "param"), CASES)
async def test_an_odd_argument_is_refused_typed_or_sent(group: str, name: str, param: str) -> None:
    with aioresponses() as mock:
        for verb in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            mock.add(re.compile(r".*"), verb, payload=sample("organization"), repeat=True)
        async with ClerkClient(SECRET, rate_limit=None, retry=None) as clerk:
            method = getattr(getattr(clerk, group), name)
            required = {
                p.name: VALID[p.name]
                for p in inspect.signature(method).parameters.values()
                if p.default is inspect.Parameter.empty
            }
            for odd in ODD:
                mock.requests.clear()
                try:
                    await method(**{**required, param: odd})  # list() checks when called
                except InvalidRequestError:
                    assert not mock.requests, f"{odd!r}: refused, yet something was sent"
                except ClerkError:
                    assert mock.requests, f"{odd!r}"  # the mocked answer had the wrong shape
