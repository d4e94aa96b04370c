"""The conformance check itself: it covers every operation of the spec, and catches drift."""

from __future__ import annotations

import io
import json
from typing import Any

import aiohttp
import pytest

from clerk_orgs_async.testing import RequestRecord, ServedResponse
from tests._needs import missing

from ._support import SPEC_DIR, SPEC_MISSING, USERS_ROUTES, Api, Conformance


@pytest.fixture
def checker(conformance: Conformance) -> Conformance:
    if not conformance.enabled:
        missing(SPEC_MISSING)
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


def test_a_null_verification_passes_and_an_empty_one_is_caught(checker: Conformance) -> None:
    route = "/organizations/{organization_id}/domains/{domain_id}/verify_ownership"
    verification = {
        "status": "verified",
        "strategy": "admin",
        "attempts": None,
        "expire_at": None,
        "verified_at": None,
    }
    domain: dict[str, Any] = {
        "object": "organization_domain",
        "id": "orgdmn_1",
        "organization_id": "org_1",
        "name": "a.io",
        "enrollment_mode": "manual_invitation",
        "affiliation_email_address": None,
        "affiliation_verification": verification,
        "ownership_verification": None,
        "verification": verification,
        "total_pending_invitations": 0,
        "total_pending_suggestions": 0,
        "created_at": 1,
        "updated_at": 1,
    }
    assert not checker.check(_served(route, "POST", 200, json.dumps(domain).encode()))
    domain["ownership_verification"] = {}
    problems = checker.check(_served(route, "POST", 200, json.dumps(domain).encode()))
    assert len(problems) == 1
    assert "{} is not valid under any of the given schemas" in problems[0]


async def _exercise_every_operation(api: Api) -> None:
    """Call each operation of the spec once, in an order where each succeeds."""
    org = await api.create_org("Every", created_by="user_alice")
    org_path = f"/organizations/{org['id']}"
    member_path = f"{org_path}/memberships/user_bob"
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(b"\x89PNG"), filename="l.png", content_type="image/png")

    async def ok(method: str, path: str, payload: object = None) -> Any:
        kwargs = {"data": payload} if isinstance(payload, aiohttp.FormData) else {"json": payload}
        reply = await api.call(method, path, **kwargs)
        assert reply.status == 200, (method, path, reply.body)
        return reply.body

    await ok("GET", "/organizations")
    await ok("GET", org_path)
    await ok("PATCH", org_path, {"name": "Every 2"})
    await ok("PATCH", org_path + "/metadata", {"public_metadata": {"a": 1}})
    await ok("PUT", org_path + "/metadata", {"private_metadata": {"b": 2}})
    await ok("PUT", org_path + "/logo", form)
    await ok("DELETE", org_path + "/logo")
    await ok("POST", org_path + "/memberships", {"user_id": "user_bob", "role": "org:member"})
    await ok("GET", org_path + "/memberships")
    await ok("PATCH", member_path, {"role": "org:admin"})
    await ok("PATCH", member_path + "/metadata", {"public_metadata": {"c": 3}})
    await ok("GET", "/organization_memberships")

    permission = await ok(
        "POST", "/organization_permissions", {"name": "Read reports", "key": "org:reports:read"}
    )
    permission_path = f"/organization_permissions/{permission['id']}"
    permissions = await ok("GET", "/organization_permissions")
    system = next(p for p in permissions["data"] if p["key"] == "org:sys_domains:read")
    await ok("GET", permission_path)
    await ok("PATCH", permission_path, {"description": "See the reports."})
    role = await ok(
        "POST",
        "/organization_roles",
        {"name": "Analyst", "key": "org:analyst", "permissions": [permission["id"]]},
    )
    role_path = f"/organization_roles/{role['id']}"
    await ok("GET", "/organization_roles")
    await ok("GET", role_path)
    await ok("PATCH", role_path, {"description": "Reads reports."})
    await ok("POST", f"{role_path}/permissions/{system['id']}")
    await ok("DELETE", f"{role_path}/permissions/{system['id']}")

    invitations = org_path + "/invitations"
    invited = await ok("POST", invitations, {"email_address": "x@corp.io", "role": "org:analyst"})
    await ok(
        "POST",
        invitations + "/bulk",
        [{"email_address": f"y{n}@corp.io", "role": "org:member"} for n in range(2)],
    )
    await ok("GET", invitations)
    await ok("GET", invitations + "/pending")
    await ok("GET", f"{invitations}/{invited['id']}")
    await ok("POST", f"{invitations}/{invited['id']}/revoke")
    await ok("GET", "/organization_invitations")

    domain = await ok("POST", org_path + "/domains", {"name": "corp.io"})
    domain_path = f"{org_path}/domains/{domain['id']}"
    await ok("GET", org_path + "/domains")
    await ok("PATCH", domain_path, {"enrollment_mode": "automatic_invitation"})
    await ok("POST", domain_path + "/verify_ownership")
    await ok("GET", "/organization_domains")
    await ok("DELETE", domain_path)

    await ok("DELETE", role_path)
    await ok("DELETE", permission_path)
    await ok("DELETE", member_path)
    await ok("DELETE", org_path)


async def test_every_operation_answers_per_its_schema(checker: Conformance, api: Api) -> None:
    start = len(checker.seen)
    await _exercise_every_operation(api)
    succeeded = {(method, route) for method, route, status in checker.seen[start:] if status == 200}
    assert len(checker.spec_operations()) == 40
    assert succeeded == checker.spec_operations()


def test_the_emulator_routes_are_the_spec_operations(checker: Conformance) -> None:
    from clerk_orgs_async.testing import ClerkEmulator
    from clerk_orgs_async.testing._console import is_console_path

    # Exempt: the emulator's own image route and its web console, which are not Clerk's API.
    routes = {
        (route.method, route.resource.canonical.removeprefix("/v1"))
        for route in ClerkEmulator().app.router.routes()
        if route.resource is not None
        and "/_emulator/" not in route.resource.canonical
        and not is_console_path(route.resource.canonical)
    }
    # Beside the spec's operations, the two read-only users routes (see USERS_ROUTES).
    assert set(USERS_ROUTES) <= routes
    assert routes - set(USERS_ROUTES) == checker.spec_operations()


def test_the_2026_twin_differs_only_in_the_organization_update_body(
    checker: Conformance,
) -> None:
    import yaml

    twin = yaml.safe_load((SPEC_DIR / "bapi-2026-05-12-organization-surface.yml").read_text())
    differing = {
        (method, route)
        for route, item in checker.spec["paths"].items()
        for method, operation in item.items()
        if twin["paths"][route][method] != operation
    }
    assert differing == {("patch", "/organizations/{organization_id}")}
    assert twin["components"] == checker.spec["components"]
