"""Every argument of every method, given a value of the wrong type or range: a typed refusal
before any I/O, or a request sent, never TypeError, OverflowError or a crash."""

from __future__ import annotations

import inspect
import math
import re
from typing import Any

import pytest
from aioresponses import aioresponses

from clerk_orgs_async import ClerkClient, ClerkError, InvalidRequestError
from tests.conftest import SECRET, sample

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
VALID: dict[str, Any] = {
    "organization_id": "org_1",
    "organization_id_or_slug": "acme",
    "user_id": "user_1",
    "name": "Acme",
    "role": "org:member",
    "file": PNG,
}
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
]
METHODS = [
    (group, name)
    for group in ("organizations", "organization_memberships")
    for name in (
        "list",
        "create",
        "get",
        "update",
        "delete",
        "merge_metadata",
        "replace_metadata",
        "upload_logo",
        "delete_logo",
        "update_metadata",
    )
]


def parameters(group: str, name: str) -> list[inspect.Parameter]:
    method = getattr(getattr(ClerkClient(SECRET), group), name, None)
    if method is None:
        return []
    return list(inspect.signature(method).parameters.values())


CASES = [
    pytest.param(group, name, param.name, id=f"{group}.{name}.{param.name}")
    for group, name in METHODS
    for param in parameters(group, name)
]


@pytest.mark.parametrize(("group", "name", "param"), CASES)
@pytest.mark.parametrize("odd", ODD, ids=lambda value: type(value).__name__)
async def test_an_odd_argument_is_refused_typed_or_sent(
    group: str, name: str, param: str, odd: object
) -> None:
    with aioresponses() as mock:
        for verb in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            mock.add(re.compile(r".*"), verb, payload=sample("organization"), repeat=True)
        async with ClerkClient(SECRET, rate_limit=None, retry=None) as clerk:
            method = getattr(getattr(clerk, group), name)
            signature = inspect.signature(method)
            kwargs = {
                p.name: VALID[p.name]
                for p in signature.parameters.values()
                if p.default is inspect.Parameter.empty and p.name in VALID
            }
            kwargs[param] = odd
            try:
                await method(**kwargs)  # list() checks when called; await sends one page
            except InvalidRequestError:
                assert not mock.requests, "refused, yet something was sent"
            except ClerkError:
                assert mock.requests  # the server's (mocked) answer was not the right shape
