"""The conformance check itself: it covers all 14 operations and catches a drifting body."""

from __future__ import annotations

import io

import aiohttp
import pytest

from clerk_orgs_async.testing import RequestRecord, ServedResponse

from ._support import Api, Conformance


@pytest.fixture
def checker(conformance: Conformance) -> Conformance:
    if not conformance.enabled:
        pytest.skip("the spec is not beside the repository (../shared/clerk-api/)")
    return conformance


def _served(route: str, method: str, status: int, body: bytes) -> ServedResponse:
    record = RequestRecord(method=method, path="/v1" + route, status=status)
    return ServedResponse(record=record, route=route, content_type="application/json", body=body)


def test_a_body_missing_a_required_field_is_caught(checker: Conformance) -> None:
    problems = checker.check(_served("/organizations", "POST", 200, b'{"object":"organization"}'))
    assert any("'id' is a required property" in p for p in problems)


def test_a_status_the_spec_does_not_list_is_caught(checker: Conformance) -> None:
    body = b'{"errors":[{"code":"x","message":"x","long_message":"x"}]}'
    assert checker.check(_served("/organizations/{organization_id}", "DELETE", 422, body))
    assert not checker.check(_served("/organizations/{organization_id}", "DELETE", 404, body))


def test_an_extra_field_in_a_closed_schema_is_caught(checker: Conformance) -> None:
    body = b'{"object":"organization","deleted":true,"extra":1}'
    assert checker.check(_served("/organizations/{organization_id}", "DELETE", 200, body))


async def test_every_operation_answers_per_its_schema(checker: Conformance, api: Api) -> None:
    start = len(checker.seen)
    org = await api.create_org("Every", created_by="user_alice")
    org_path = f"/organizations/{org['id']}"
    member_path = f"{org_path}/memberships/user_bob"
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(b"\x89PNG"), filename="l.png", content_type="image/png")
    calls: list[tuple[str, str, object]] = [
        ("GET", "/organizations", None),
        ("GET", org_path, None),
        ("PATCH", org_path, {"name": "Every 2"}),
        ("PATCH", org_path + "/metadata", {"public_metadata": {"a": 1}}),
        ("PUT", org_path + "/metadata", {"private_metadata": {"b": 2}}),
        ("PUT", org_path + "/logo", form),
        ("DELETE", org_path + "/logo", None),
        ("POST", org_path + "/memberships", {"user_id": "user_bob", "role": "org:member"}),
        ("GET", org_path + "/memberships", None),
        ("PATCH", member_path, {"role": "org:admin"}),
        ("PATCH", member_path + "/metadata", {"public_metadata": {"c": 3}}),
        ("DELETE", member_path, None),
        ("DELETE", org_path, None),
    ]
    for method, path, payload in calls:
        kwargs = {"data": payload} if isinstance(payload, aiohttp.FormData) else {"json": payload}
        reply = await api.call(method, path, **kwargs)
        assert reply.status == 200, (method, path, reply.body)
    operations = {
        (method, route) for method, route, status in checker.seen[start:] if status == 200
    }
    spec_operations = {
        (method.upper(), route) for route, item in checker.spec["paths"].items() for method in item
    }
    assert len(spec_operations) == 14
    assert operations == spec_operations
