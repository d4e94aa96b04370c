"""The organization operations over HTTP, each with Clerk's rules and error codes."""

from __future__ import annotations

import re

import pytest

from clerk_orgs_async.testing import ClerkEmulator

from ._support import Api

ID = re.compile(r"org_[0-9A-Za-z]{27}")


async def test_create_answers_a_full_organization(api: Api) -> None:
    org = await api.create_org(
        "Acme Inc",
        created_by="user_alice",
        public_metadata={"plan": "pro"},
        private_metadata={"crm": 7},
        max_allowed_memberships=10,
        role_set_key="role_set:default",
    )
    assert ID.fullmatch(org["id"])
    assert org["object"] == "organization"
    assert org["slug"] == "acme-inc"
    assert org["created_by"] == "user_alice"
    assert org["public_metadata"] == {"plan": "pro"}
    assert org["private_metadata"] == {"crm": 7}
    assert org["max_allowed_memberships"] == 10
    assert org["admin_delete_enabled"] is True
    assert org["has_image"] is False
    assert org["role_set_key"] == "role_set:default"
    assert org["created_at"] == org["updated_at"] > 1_600_000_000_000
    assert "members_count" not in org


async def test_create_applies_the_instance_default_quota(api: Api) -> None:
    assert (await api.create_org())["max_allowed_memberships"] == 5


async def test_create_takes_an_rfc3339_created_at(api: Api) -> None:
    org = await api.create_org(created_at="2012-10-20T07:15:20.902Z")
    assert org["created_at"] == 1350717320902


async def test_derived_slugs_are_made_unique(api: Api) -> None:
    first = await api.create_org("Hello, World!")
    second = await api.create_org("hello world")
    assert (first["slug"], second["slug"]) == ("hello-world", "hello-world-2")


async def test_a_given_slug_that_is_taken_is_refused(api: Api) -> None:
    await api.create_org(slug="acme")
    reply = await api.call("POST", "/organizations", json={"name": "Other", "slug": "acme"})
    assert (reply.status, reply.error_code()) == (422, "form_identifier_exists")
    assert reply.body["errors"][0]["meta"] == {"param_name": "slug"}
    assert reply.body["clerk_trace_id"]


@pytest.mark.parametrize(
    ("body", "status", "code", "param"),
    [
        ({}, 422, "form_param_missing", "name"),
        ({"name": "x" * 257}, 422, "form_param_value_invalid", "name"),
        ({"name": "see https://evil.example"}, 422, "form_param_value_invalid", "name"),
        ({"name": "<b>bold</b>"}, 422, "form_param_value_invalid", "name"),
        ({"name": "A", "slug": "Not Valid"}, 422, "form_param_value_invalid", "slug"),
        ({"name": "A", "max_allowed_memberships": -1}, 422, "form_param_value_invalid", None),
        ({"name": "A", "created_at": "yesterday"}, 422, "form_param_value_invalid", None),
        ({"name": 5}, 400, "request_body_invalid", "name"),
        ({"name": "A", "public_metadata": []}, 400, "request_body_invalid", None),
        ({"name": "A", "max_allowed_memberships": True}, 400, "request_body_invalid", None),
        ({"name": "A", "created_by": "user_nobody"}, 400, "organization_creator_not_found", None),
    ],
)
async def test_create_refuses_what_clerk_refuses(
    api: Api, body: dict[str, object], status: int, code: str, param: str | None
) -> None:
    reply = await api.call("POST", "/organizations", json=body)
    assert (reply.status, reply.error_code()) == (status, code)
    if param is not None:
        assert reply.body["errors"][0]["meta"]["param_name"] == param


async def test_create_refuses_malformed_json(api: Api) -> None:
    reply = await api.call(
        "POST", "/organizations", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (reply.status, reply.error_code()) == (400, "request_body_invalid")


async def test_get_by_id_or_slug_and_members_count_on_request(api: Api) -> None:
    org = await api.create_org("Acme", created_by="user_alice")
    by_id = await api.call("GET", f"/organizations/{org['id']}")
    by_slug = await api.call("GET", "/organizations/acme", params={"include_members_count": "true"})
    assert by_id.body == org
    assert by_slug.body["id"] == org["id"]
    assert by_slug.body["members_count"] == 1
    missing = await api.call("GET", "/organizations/nope")
    assert (missing.status, missing.error_code()) == (404, "resource_not_found")


async def test_update_changes_fields_and_keeps_the_rest(api: Api) -> None:
    org = await api.create_org("Acme", public_metadata={"a": 1})
    reply = await api.call(
        "PATCH",
        f"/organizations/{org['id']}",
        json={"name": "Acme 2", "slug": "acme-2", "admin_delete_enabled": False, "slug2": None}
        | {"max_allowed_memberships": 0, "created_at": "2020-01-01T00:00:00+01:00"},
    )
    assert reply.status == 400  # slug2 is unknown: the update schema is closed
    reply = await api.call(
        "PATCH",
        f"/organizations/{org['id']}",
        json={"name": "Acme 2", "slug": "acme-2", "admin_delete_enabled": False}
        | {"max_allowed_memberships": 0, "created_at": "2020-01-01T00:00:00+01:00"},
    )
    updated = reply.body
    assert (updated["name"], updated["slug"], updated["admin_delete_enabled"]) == (
        "Acme 2",
        "acme-2",
        False,
    )
    assert updated["max_allowed_memberships"] == 0
    assert updated["created_at"] == 1577833200000
    assert updated["public_metadata"] == {"a": 1}
    assert updated["updated_at"] >= org["updated_at"]
    assert (await api.call("GET", "/organizations/acme")).status == 404
    assert (await api.call("GET", "/organizations/acme-2")).body["id"] == org["id"]


async def test_update_replaces_metadata_before_api_2026_05_12(api: Api) -> None:
    org = await api.create_org(public_metadata={"a": 1, "b": 2})
    reply = await api.call(
        "PATCH", f"/organizations/{org['id']}", json={"public_metadata": {"c": 3}}
    )
    assert reply.body["public_metadata"] == {"c": 3}


@pytest.mark.parametrize("version", ["2026-05-12", "2027-01-01"])
async def test_update_refuses_metadata_from_api_2026_05_12(api: Api, version: str) -> None:
    org = await api.create_org()
    reply = await api.call(
        "PATCH",
        f"/organizations/{org['id']}",
        json={"private_metadata": {"c": 3}},
        headers={"Clerk-API-Version": version},
    )
    assert (reply.status, reply.error_code()) == (400, "request_body_invalid")
    assert reply.body["errors"][0]["meta"] == {"param_name": "private_metadata"}
    ok = await api.call(
        "PATCH",
        f"/organizations/{org['id']}",
        json={"name": "Renamed"},
        headers={"Clerk-API-Version": version},
    )
    assert ok.body["name"] == "Renamed"


async def test_update_refuses_a_taken_slug_and_unknown_ids(api: Api) -> None:
    await api.create_org("One")
    two = await api.create_org("Two")
    reply = await api.call("PATCH", f"/organizations/{two['id']}", json={"slug": "one"})
    assert (reply.status, reply.error_code()) == (422, "form_identifier_exists")
    same = await api.call("PATCH", f"/organizations/{two['id']}", json={"slug": "two"})
    assert same.status == 200
    missing = await api.call("PATCH", "/organizations/org_missing", json={"name": "x"})
    assert (missing.status, missing.error_code()) == (404, "resource_not_found")


async def test_merge_metadata_deep_merges_and_null_deletes(api: Api) -> None:
    org = await api.create_org(
        public_metadata={"a": {"b": 1, "c": 2}, "keep": True}, private_metadata={"x": 1}
    )
    reply = await api.call(
        "PATCH",
        f"/organizations/{org['id']}/metadata",
        json={"public_metadata": {"a": {"b": None, "d": 4}, "new": [1]}},
    )
    assert reply.body["public_metadata"] == {"a": {"c": 2, "d": 4}, "keep": True, "new": [1]}
    assert reply.body["private_metadata"] == {"x": 1}


async def test_replace_metadata_replaces_given_fields_whole(api: Api) -> None:
    org = await api.create_org(public_metadata={"a": {"b": 1}}, private_metadata={"x": 1})
    reply = await api.call(
        "PUT", f"/organizations/{org['id']}/metadata", json={"public_metadata": {"z": 0}}
    )
    assert reply.body["public_metadata"] == {"z": 0}
    assert reply.body["private_metadata"] == {"x": 1}


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_metadata_endpoints_refuse_unknown_fields_and_null(api: Api, method: str) -> None:
    org = await api.create_org()
    path = f"/organizations/{org['id']}/metadata"
    unknown = await api.call(method, path, json={"unsafe_metadata": {}})
    assert (unknown.status, unknown.error_code()) == (400, "request_body_invalid")
    null = await api.call(method, path, json={"public_metadata": None})
    assert (null.status, null.error_code()) == (400, "request_body_invalid")
    missing = await api.call(method, "/organizations/org_missing/metadata", json={})
    assert missing.status == 404


async def test_delete_answers_a_deleted_object_and_cascades(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    org = await api.create_org("Doomed", created_by="user_alice")
    await api.call(
        "POST",
        f"/organizations/{org['id']}/memberships",
        json={"user_id": "user_bob", "role": "org:member"},
    )
    reply = await api.call("DELETE", f"/organizations/{org['id']}")
    assert reply.body == {
        "object": "organization",
        "id": org["id"],
        "slug": "doomed",
        "deleted": True,
    }
    assert (await api.call("GET", f"/organizations/{org['id']}")).status == 404
    gone = await api.call("GET", f"/organizations/{org['id']}/memberships")
    assert gone.status == 404
    listed = await api.call("GET", "/organizations", params={"user_id": "user_bob"})
    assert listed.body == {"data": [], "total_count": 0}
    again = await api.call("DELETE", f"/organizations/{org['id']}")
    assert (again.status, again.error_code()) == (404, "resource_not_found")
    # The slug is free again.
    assert (await api.create_org("Doomed"))["slug"] == "doomed"
