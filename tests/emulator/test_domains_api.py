"""Organization domains over HTTP: unique names, enrollment modes, verification, lists."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ._support import Api

ID = re.compile(r"orgdmn_[0-9A-Za-z]{27}")


async def _domain(api: Api, org_id: str, name: str, **fields: Any) -> Any:
    return await api.call("POST", f"/organizations/{org_id}/domains", json={"name": name, **fields})


async def test_a_domain_is_verified_and_manual_unless_told_otherwise(api: Api) -> None:
    org = await api.create_org("Acme")
    reply = await _domain(api, org["id"], "  Acme.Example.COM ")
    assert reply.status == 200, reply.body
    body = reply.body
    assert ID.fullmatch(body["id"])
    assert (body["name"], body["organization_id"]) == ("acme.example.com", org["id"])
    assert body["enrollment_mode"] == "manual_invitation"
    assert body["affiliation_verification"]["status"] == "verified"
    assert body["verification"] == body["affiliation_verification"]
    assert body["ownership_verification"] is None
    assert body["public_organization_data"]["id"] == org["id"]
    unverified = await _domain(
        api, org["id"], "corp.io", verified=False, enrollment_mode="automatic_suggestion"
    )
    assert unverified.body["affiliation_verification"]["status"] == "unverified"
    assert unverified.body["enrollment_mode"] == "automatic_suggestion"


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"name": "not a host"}, 422, "form_param_format_invalid"),
        ({"name": "localhost"}, 422, "form_param_format_invalid"),
        ({"name": "-bad.example.com"}, 422, "form_param_format_invalid"),
        ({"name": "gmail.com"}, 422, "organization_domain_common"),
        ({"name": "ok.example.com", "enrollment_mode": "magic"}, 422, "form_param_value_invalid"),
        ({"name": "ok.example.com", "enrollment_mode": None}, 400, "request_body_invalid"),
        ({"name": "ok.example.com", "extra": 1}, 400, "request_body_invalid"),
        ({}, 422, "form_param_missing"),
    ],
)
async def test_refused_domains(api: Api, fields: dict[str, Any], status: int, code: str) -> None:
    org = await api.create_org("Acme")
    reply = await api.call("POST", f"/organizations/{org['id']}/domains", json=fields)
    assert (reply.status, reply.error_code()) == (status, code)
    listed = await api.call("GET", f"/organizations/{org['id']}/domains")
    assert listed.body["total_count"] == 0


async def test_names_are_unique_across_the_instance_until_deleted(api: Api) -> None:
    first, second = await api.create_org("First"), await api.create_org("Second")
    domain = (await _domain(api, first["id"], "shared.io")).body
    taken = await _domain(api, second["id"], "SHARED.io")
    assert (taken.status, taken.error_code()) == (422, "organization_domain_already_exists")
    again = await _domain(api, first["id"], "shared.io")
    assert again.error_code() == "organization_domain_already_exists"
    wrong_org = await api.call("DELETE", f"/organizations/{second['id']}/domains/{domain['id']}")
    assert wrong_org.status == 404
    gone = await api.call("DELETE", f"/organizations/{first['id']}/domains/{domain['id']}")
    assert gone.body == {"object": "organization_domain", "id": domain["id"], "deleted": True}
    assert (await _domain(api, second["id"], "shared.io")).status == 200
    await api.call("DELETE", f"/organizations/{second['id']}")
    assert (await _domain(api, first["id"], "shared.io")).status == 200


async def test_update_and_verify_ownership(api: Api) -> None:
    org = await api.create_org("Acme")
    domain = (await _domain(api, org["id"], "acme.io")).body
    path = f"/organizations/{org['id']}/domains/{domain['id']}"
    updated = await api.call(
        "PATCH", path, json={"enrollment_mode": "automatic_invitation", "verified": False}
    )
    assert updated.body["enrollment_mode"] == "automatic_invitation"
    assert updated.body["affiliation_verification"]["status"] == "unverified"
    bad = await api.call("PATCH", path, json={"enrollment_mode": "everyone"})
    assert (bad.status, bad.error_code()) == (422, "form_param_value_invalid")
    verified = await api.call("POST", path + "/verify_ownership")
    ownership = verified.body["ownership_verification"]
    assert (ownership["status"], ownership["strategy"]) == ("verified", "manual_override")
    assert isinstance(ownership["verified_at"], int)
    again = await api.call("POST", path + "/verify_ownership")
    assert again.body["ownership_verification"] == ownership
    missing = await api.call(
        "POST", f"/organizations/{org['id']}/domains/orgdmn_x/verify_ownership"
    )
    assert (missing.status, missing.error_code()) == (404, "resource_not_found")


async def test_lists_filter_by_verification_mode_name_and_organization(api: Api) -> None:
    acme, beta = await api.create_org("Acme"), await api.create_org("Beta")
    await _domain(api, acme["id"], "a.acme.io")
    await _domain(api, acme["id"], "b.acme.io", verified=False, enrollment_mode="enterprise_sso")
    await _domain(api, beta["id"], "beta.io", enrollment_mode="automatic_invitation")

    async def names(path: str, **params: Any) -> list[str]:
        reply = await api.call("GET", path, params=params)
        assert reply.status == 200, reply.body
        return [d["name"] for d in reply.body["data"]]

    acme_path = f"/organizations/{acme['id']}/domains"
    assert await names(acme_path) == ["b.acme.io", "a.acme.io"]
    assert await names(acme_path, verified="false") == ["b.acme.io"]
    assert await names(acme_path, enrollment_mode="-enterprise_sso") == ["a.acme.io"]
    assert await names("/organization_domains", order_by="name") == [
        "a.acme.io",
        "b.acme.io",
        "beta.io",
    ]
    assert await names("/organization_domains", organization_id=beta["id"]) == ["beta.io"]
    assert await names("/organization_domains", query=beta["id"]) == ["beta.io"]
    assert await names("/organization_domains", query="ACME") == ["b.acme.io", "a.acme.io"]
    assert await names(
        "/organization_domains", enrollment_mode="manual_invitation,automatic_invitation"
    ) == ["beta.io", "a.acme.io"]
    assert await names("/organization_domains", domains=["beta.io", "a.acme.io"]) == [
        "beta.io",
        "a.acme.io",
    ]
    for params in ({"query": "  "}, {"verified": "yes"}, {"enrollment_mode": "x"}):
        reply = await api.call("GET", "/organization_domains", params=params)
        assert (reply.status, reply.error_code()) == (422, "form_param_value_invalid")
    unknown = await api.call("GET", "/organizations/org_nope/domains")
    assert unknown.status == 404
