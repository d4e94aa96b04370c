"""Every endpoint of invitations, domains, roles, permissions and the instance-wide lists, on
the wire: method, path, query, body and headers, and what comes back."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from clerk_orgs_async import (
    UNSET,
    BulkInvitationError,
    ClerkClient,
    DeletedObject,
    DomainVerification,
    InvalidRequestError,
    InvitationRequest,
    OrganizationDomain,
    OrganizationInvitation,
    OrganizationPermission,
    OrganizationRole,
    PublicOrganizationData,
    UnexpectedResponseError,
)
from tests.conftest import SECRET, sample
from tests.wire.conftest import API, only_request, sent

Call = Callable[[ClerkClient], Awaitable[Any]]


def page(name: str, count: int = 1) -> dict[str, Any]:
    return {"data": [sample(name)] * count, "total_count": count}


DELETED = {"object": "x", "id": "x_1", "deleted": True}
CASES: list[tuple[str, Call, str, str, dict[str, Any] | None, Any, Any]] = [
    # (id, call, method, path?query, body or None, payload, expected type)
    (
        "invitations.create",
        lambda c: c.organization_invitations.create(
            "org_1",
            email_address="grace@example.com",
            role="org:member",
            inviter_user_id="user_1",
            public_metadata={"team": "research"},
            redirect_url="https://app.example.com/welcome",
            expires_in_days=7,
            notify=False,
        ),
        "POST",
        "/v1/organizations/org_1/invitations",
        {
            "email_address": "grace@example.com",
            "role": "org:member",
            "inviter_user_id": "user_1",
            "public_metadata": {"team": "research"},
            "redirect_url": "https://app.example.com/welcome",
            "expires_in_days": 7,
            "notify": False,
        },
        sample("invitation"),
        OrganizationInvitation,
    ),
    (
        "invitations.list",
        lambda c: c.organization_invitations.list(
            "org_1", status="pending", email_address="grace@example.com", limit=20, offset=5
        ),
        "GET",
        "/v1/organizations/org_1/invitations?status=pending&email_address=grace@example.com"
        "&order_by=-created_at&limit=20&offset=5",
        None,
        page("invitation"),
        None,
    ),
    (
        "invitations.list_all",
        lambda c: c.organization_invitations.list_all(
            status="revoked", query="grace", order_by="created_at", limit=3
        ),
        "GET",
        "/v1/organization_invitations?status=revoked&query=grace&order_by=created_at&limit=3",
        None,
        page("invitation_with_organization"),
        None,
    ),
    (
        "invitations.get",
        lambda c: c.organization_invitations.get("org_1", "orginv_1"),
        "GET",
        "/v1/organizations/org_1/invitations/orginv_1",
        None,
        sample("invitation"),
        OrganizationInvitation,
    ),
    (
        "invitations.revoke",
        lambda c: c.organization_invitations.revoke(
            "org_1", "orginv_1", requesting_user_id="user_1"
        ),
        "POST",
        "/v1/organizations/org_1/invitations/orginv_1/revoke",
        {"requesting_user_id": "user_1"},
        sample("invitation_with_organization"),
        OrganizationInvitation,
    ),
    (
        "domains.create",
        lambda c: c.organization_domains.create(
            "org_1", name="acme.com", enrollment_mode="automatic_invitation", verified=True
        ),
        "POST",
        "/v1/organizations/org_1/domains",
        {"name": "acme.com", "enrollment_mode": "automatic_invitation", "verified": True},
        sample("domain"),
        OrganizationDomain,
    ),
    (
        "domains.list",
        lambda c: c.organization_domains.list(
            "org_1", verified=False, enrollment_mode="manual_invitation"
        ),
        "GET",
        "/v1/organizations/org_1/domains?verified=false&enrollment_mode=manual_invitation",
        None,
        page("domain"),
        None,
    ),
    (
        "domains.list_all",
        lambda c: c.organization_domains.list_all(
            organization_id="org_1",
            query="acme",
            domains=["acme.com", "acme.io"],
            verified=True,
            enrollment_mode=["automatic_invitation", "automatic_suggestion"],
        ),
        "GET",
        "/v1/organization_domains?organization_id=org_1&query=acme&domains=acme.com"
        "&domains=acme.io&verified=true&enrollment_mode=automatic_invitation"
        "&enrollment_mode=automatic_suggestion&order_by=-created_at",
        None,
        page("domain"),
        None,
    ),
    (
        "domains.update",
        lambda c: c.organization_domains.update(
            "org_1", "orgdmn_1", enrollment_mode="automatic_suggestion"
        ),
        "PATCH",
        "/v1/organizations/org_1/domains/orgdmn_1",
        {"enrollment_mode": "automatic_suggestion"},
        sample("domain"),
        OrganizationDomain,
    ),
    (
        "domains.delete",
        lambda c: c.organization_domains.delete("org_1", "orgdmn_1"),
        "DELETE",
        "/v1/organizations/org_1/domains/orgdmn_1",
        None,
        DELETED,
        DeletedObject,
    ),
    (
        "domains.verify_ownership",
        lambda c: c.organization_domains.verify_ownership("org_1", "orgdmn_1"),
        "POST",
        "/v1/organizations/org_1/domains/orgdmn_1/verify_ownership",
        None,
        sample("domain"),
        OrganizationDomain,
    ),
    (
        "roles.list",
        lambda c: c.organization_roles.list(query="bill", order_by="name"),
        "GET",
        "/v1/organization_roles?query=bill&order_by=name",
        None,
        page("role"),
        None,
    ),
    (
        "roles.create",
        lambda c: c.organization_roles.create(
            name="Billing manager",
            key="org:billing_manager",
            description="Manages invoices",
            permissions=["perm_1", "perm_2"],
            include_in_initial_role_set=True,
        ),
        "POST",
        "/v1/organization_roles",
        {
            "name": "Billing manager",
            "key": "org:billing_manager",
            "description": "Manages invoices",
            "permissions": ["perm_1", "perm_2"],
            "include_in_initial_role_set": True,
        },
        sample("role"),
        OrganizationRole,
    ),
    (
        "roles.get",
        lambda c: c.organization_roles.get("role_1"),
        "GET",
        "/v1/organization_roles/role_1",
        None,
        sample("role"),
        OrganizationRole,
    ),
    (
        "roles.update",
        lambda c: c.organization_roles.update("role_1", description=None, permissions=[]),
        "PATCH",
        "/v1/organization_roles/role_1",
        {"description": None, "permissions": []},
        sample("role"),
        OrganizationRole,
    ),
    (
        "roles.delete",
        lambda c: c.organization_roles.delete("role_1"),
        "DELETE",
        "/v1/organization_roles/role_1",
        None,
        DELETED,
        DeletedObject,
    ),
    (
        "roles.assign_permission",
        lambda c: c.organization_roles.assign_permission("role_1", "perm_1"),
        "POST",
        "/v1/organization_roles/role_1/permissions/perm_1",
        None,
        sample("role"),
        OrganizationRole,
    ),
    (
        "roles.remove_permission",
        lambda c: c.organization_roles.remove_permission("role_1", "perm_1"),
        "DELETE",
        "/v1/organization_roles/role_1/permissions/perm_1",
        None,
        sample("role"),
        OrganizationRole,
    ),
    (
        "permissions.list",
        lambda c: c.organization_permissions.list(query="invoices", order_by="-created_at"),
        "GET",
        "/v1/organization_permissions?query=invoices&order_by=-created_at",
        None,
        page("permission"),
        None,
    ),
    (
        "permissions.create",
        lambda c: c.organization_permissions.create(
            name="Read invoices", key="org:invoices:read", description="See invoices"
        ),
        "POST",
        "/v1/organization_permissions",
        {"name": "Read invoices", "key": "org:invoices:read", "description": "See invoices"},
        sample("permission"),
        OrganizationPermission,
    ),
    (
        "permissions.get",
        lambda c: c.organization_permissions.get("perm_1"),
        "GET",
        "/v1/organization_permissions/perm_1",
        None,
        sample("permission"),
        OrganizationPermission,
    ),
    (
        "permissions.update",
        lambda c: c.organization_permissions.update("perm_1", name="Read all invoices"),
        "PATCH",
        "/v1/organization_permissions/perm_1",
        {"name": "Read all invoices"},
        sample("permission"),
        OrganizationPermission,
    ),
    (
        "permissions.delete",
        lambda c: c.organization_permissions.delete("perm_1"),
        "DELETE",
        "/v1/organization_permissions/perm_1",
        None,
        DELETED,
        DeletedObject,
    ),
    (
        "memberships.list_all",
        lambda c: c.organization_memberships.list_all(order_by="-created_at", limit=500),
        "GET",
        "/v1/organization_memberships?order_by=-created_at&limit=500",
        None,
        page("membership", 2),
        None,
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "target", "body", "payload", "kind"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
async def test_each_endpoint_on_the_wire(
    mock: aioresponses,
    clerk: ClerkClient,
    call: Call,
    method: str,
    target: str,
    body: dict[str, Any] | None,
    payload: Any,
    kind: type | None,
) -> None:
    root = str(URL(API).with_path(""))  # the target's path starts with /v1
    mock.add(
        re.compile(re.escape(root + target.split("?")[0]) + r"(\?.*)?$"), method, payload=payload
    )

    result = await call(clerk)

    sent_method, url, kwargs = only_request(mock)
    assert sent_method == method
    assert url.path == target.split("?")[0]
    expected_query = URL(target).query if "?" in target else {}
    assert sorted(URL.build(query=kwargs.get("params") or []).query.items()) == sorted(
        expected_query.items()
    )
    headers = kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {SECRET}"
    assert headers["Clerk-API-Version"] == "2025-11-10"
    if body is None:
        assert kwargs["data"] is None
    else:
        assert headers["Content-Type"] == "application/json"
        assert json.loads(kwargs["data"]) == body
    if kind is not None:
        assert isinstance(result, kind)
    else:  # a list: a Page of decoded models
        assert len(result.data) == payload["total_count"]


async def test_decoded_invitations_domains_and_roles_keep_every_field(
    mock: aioresponses, clerk: ClerkClient
) -> None:
    mock.get(
        re.compile(re.escape(f"{API}/organization_invitations") + r".*"),
        payload=page("invitation_with_organization"),
    )
    mock.get(f"{API}/organizations/org_1/domains", payload=page("domain"))
    mock.get(f"{API}/organization_roles/role_1", payload=sample("role"))
    invitation = (await clerk.organization_invitations.list_all()).data[0]
    domain = (await clerk.organization_domains.list("org_1")).data[0]
    role = await clerk.organization_roles.get("role_1")
    assert invitation.status == "revoked" and invitation.expires_at is None
    assert invitation.public_organization_data == PublicOrganizationData(
        id="org_2xK7d3mQz9LpR4sT8vW1yB6nH0c",
        name="Acme Corporation",
        slug="acme-corp",
        image_url="https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
        has_image=False,
    )
    assert domain.verification is not None and domain.ownership_verification is None
    assert isinstance(domain.affiliation_verification, DomainVerification)
    assert domain.affiliation_verification.attempts == 1
    assert domain.total_pending_invitations == 2
    assert [p.key for p in role.permissions] == ["org:invoices:read", "org:sys_memberships:read"]
    assert role.permissions[1].type == "system"


async def test_an_unknown_enum_value_from_a_newer_clerk_still_decodes(
    mock: aioresponses, clerk: ClerkClient
) -> None:
    mock.get(
        f"{API}/organizations/org_1/invitations/orginv_1",
        payload={**sample("invitation"), "status": "snoozed"},
    )
    mock.get(
        f"{API}/organizations/org_1/domains",
        payload={
            "data": [{**sample("domain"), "enrollment_mode": "future_mode"}],
            "total_count": 1,
        },
    )
    assert (await clerk.organization_invitations.get("org_1", "orginv_1")).status == "snoozed"
    assert (await clerk.organization_domains.list("org_1")).data[0].enrollment_mode == "future_mode"


async def test_bulk_create_sends_calls_of_ten_and_returns_all_in_order(
    mock: aioresponses, clerk: ClerkClient
) -> None:
    bulk = f"{API}/organizations/org_1/invitations/bulk"
    emails = [f"person{n}@example.com" for n in range(23)]
    for start in range(0, 23, 10):
        chunk = emails[start : start + 10]
        data = [{**sample("invitation"), "id": f"orginv_{e}", "email_address": e} for e in chunk]
        mock.post(bulk, payload={"data": data, "total_count": len(data)})

    created = await clerk.organization_invitations.bulk_create(
        "org_1",
        [InvitationRequest(email_address=e, role="org:member") for e in emails[:20]]
        + [{"email_address": e, "role": "org:member", "notify": False} for e in emails[20:]],
    )

    assert [i.email_address for i in created] == emails
    bodies = [json.loads(kwargs["data"]) for _, _, kwargs in sent(mock)]
    assert [len(b) for b in bodies] == [10, 10, 3]
    assert bodies[0][0] == {"email_address": emails[0], "role": "org:member"}
    assert bodies[2][0] == {"email_address": emails[20], "role": "org:member", "notify": False}


def _invitation(email: str) -> dict[str, Any]:
    return {**sample("invitation"), "id": f"orginv_{email}", "email_address": email}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda chunk: chunk[:-1], "holds 9 invitations for the 10 sent"),
        (lambda chunk: [*chunk, "person0@example.com"], "holds 11 invitations for the 10 sent"),
        (lambda chunk: [*chunk[:-1], "someone@else.io"], "none for 'person19@example.com'"),
        (lambda chunk: [*chunk[:-1], chunk[0]], "none for 'person19@example.com'"),
    ],
    ids=["too few", "too many", "another address", "one twice"],
)
async def test_a_bulk_answer_without_one_invitation_per_address_is_refused(
    mock: aioresponses,
    clerk: ClerkClient,
    answer: Callable[[list[str]], list[str]],
    reason: str,
) -> None:
    bulk = f"{API}/organizations/org_1/invitations/bulk"
    emails = [f"person{n}@example.com" for n in range(25)]
    first = [_invitation(e) for e in emails[:10]]
    mock.post(bulk, payload={"data": first, "total_count": 10})
    odd = [_invitation(e) for e in answer(emails[10:20])]
    mock.post(bulk, payload={"data": odd, "total_count": len(odd)})
    # Its invitations cannot be looked up (no list answers): they may exist.
    with pytest.raises(BulkInvitationError) as caught:
        await clerk.organization_invitations.bulk_create(
            "org_1", [InvitationRequest(email_address=e, role="org:member") for e in emails]
        )
    error = caught.value
    assert isinstance(error.error, UnexpectedResponseError)
    assert reason in str(error.error)
    assert [i.email_address for i in error.created] == emails[:10]
    assert [r.email_address for r in error.maybe_created] == emails[10:20]
    assert [r.email_address for r in error.not_created] == emails[20:]
    assert error.outcome_unknown and error.refused == []
    assert [m for m, u, _ in sent(mock) if u.path.endswith("/bulk")] == ["POST", "POST"]


async def test_a_bulk_answer_in_another_order_or_case_is_put_in_the_order_asked(
    mock: aioresponses, clerk: ClerkClient
) -> None:
    bulk = f"{API}/organizations/org_1/invitations/bulk"
    emails = ["Ada@Example.com", "grace@example.com", "alan@example.com"]
    answer = [_invitation(e.lower()) for e in reversed(emails)]
    mock.post(bulk, payload={"data": answer, "total_count": 3})
    created = await clerk.organization_invitations.bulk_create(
        "org_1", [InvitationRequest(email_address=e, role="org:member") for e in emails]
    )
    assert [i.email_address for i in created] == [e.lower() for e in emails]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c: c.organization_roles.create(name="X", key="admin"), "org:"),
        (lambda c: c.organization_roles.create(name="X", key="org:Bad Key"), "lowercase"),
        (lambda c: c.organization_permissions.create(name="X", key="org:sys_x:read"), "reserved"),
        (lambda c: c.organization_permissions.create(name="X", key="invoices"), "org:invoices"),
        (
            lambda c: c.organization_invitations.create(
                "org_1", email_address="grace", role="org:member"
            ),
            "email",
        ),
        (
            lambda c: c.organization_invitations.create(
                "org_1", email_address="g@example.com", role="member"
            ),
            "org:",
        ),
        (
            lambda c: c.organization_invitations.create(
                "org_1", email_address="g@example.com", role="org:member", expires_in_days=366
            ),
            "expires_in_days",
        ),
        (lambda c: c.organization_invitations.bulk_create("org_1", []), "at least one"),
        (
            lambda c: c.organization_invitations.bulk_create(
                "org_1",
                [
                    {"email_address": "ok@example.com", "role": "org:member"},
                    {"email_address": "nope", "role": "org:member"},
                    {"email_address": "x@example.com", "role": "org:member", "colour": "red"},
                ],
            ),
            "invitation 2.*invitation 3",
        ),
        (
            lambda c: c.organization_invitations.bulk_create(
                "org_1",
                [{"email_address": "x@example.com", "role": "org:member", 1: "x", "y": 2}],
            ),
            r"unknown field\(s\) 'y', 1",
        ),
        (lambda c: c.organization_domains.create("org_1", name="not a domain"), "domain name"),
        (lambda c: c.organization_domains.create("org_1", name="localhost"), "domain name"),
        (lambda c: c.organization_invitations.get("org_1", ""), "non-empty"),
    ],
)
async def test_refusals_before_any_io(
    mock: aioresponses, clerk: ClerkClient, call: Call, match: str
) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        await call(clerk)
    assert not mock.requests


def test_invitation_request_defaults_leave_fields_out() -> None:
    request = InvitationRequest(email_address="g@example.com", role="org:member")
    assert request.notify is UNSET and request.expires_in_days is UNSET
