"""Each organization-surface event decodes to its model; every other event stays a dict."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from clerk_orgs_async import (
    DeletedObject,
    Organization,
    OrganizationDomain,
    OrganizationInvitation,
    OrganizationMembership,
    OrganizationPermission,
    OrganizationRole,
    WebhookVerificationError,
)
from clerk_orgs_async._serialization import make_converter
from clerk_orgs_async._webhooks import _MODELS
from clerk_orgs_async.webhooks import WebhookEvent, verify_webhook
from tests._needs import missing
from tests.conftest import sample
from tests.webhooks._deliveries import EVENT_MS, INSTANCE, MESSAGE_ID, SECRET, envelope
from tests.webhooks._deliveries import signed_headers as signed

STRICT = make_converter(strict=True)
WEBHOOKS_MD = Path(__file__).resolve().parents[2].parent / "shared" / "clerk-api" / "WEBHOOKS.md"


def accepted_invitation() -> dict[str, Any]:
    accepted = {"status": "accepted", "user_id": "user_2xKEk0tXg6SwY1zA5dD8fI3uO7j"}
    invitation: dict[str, Any] = sample("invitation")
    return invitation | accepted


def deleted_domain() -> dict[str, Any]:
    return {"object": "organization_domain", "id": sample("domain")["id"], "deleted": True}


CASES: list[tuple[str, Any, type[Any]]] = [
    ("organization.created", lambda: sample("organization"), Organization),
    ("organization.updated", lambda: sample("organization_with_logo"), Organization),
    ("organization.deleted", lambda: sample("deleted_organization"), DeletedObject),
    ("organizationMembership.created", lambda: sample("membership"), OrganizationMembership),
    ("organizationMembership.updated", lambda: sample("membership"), OrganizationMembership),
    ("organizationMembership.deleted", lambda: sample("membership"), OrganizationMembership),
    ("organizationInvitation.created", lambda: sample("invitation"), OrganizationInvitation),
    (
        "organizationInvitation.revoked",
        lambda: sample("invitation") | {"status": "revoked"},
        OrganizationInvitation,
    ),
    ("organizationInvitation.accepted", accepted_invitation, OrganizationInvitation),
    ("organizationDomain.created", lambda: sample("domain"), OrganizationDomain),
    ("organizationDomain.updated", lambda: sample("domain"), OrganizationDomain),
    ("organizationDomain.deleted", deleted_domain, DeletedObject),
    ("role.created", lambda: sample("role"), OrganizationRole),
    ("role.updated", lambda: sample("role"), OrganizationRole),
    ("role.deleted", lambda: sample("role"), OrganizationRole),
    ("permission.created", lambda: sample("permission"), OrganizationPermission),
    ("permission.updated", lambda: sample("permission"), OrganizationPermission),
    ("permission.deleted", lambda: sample("permission"), OrganizationPermission),
]


def receive(kind: str, data: Any, **fields: Any) -> WebhookEvent:
    body = envelope(kind, data, **fields)
    return verify_webhook(body, signed(body), secret=SECRET)


@pytest.mark.parametrize(("kind", "payload", "cls"), CASES, ids=[c[0] for c in CASES])
def test_each_organization_event_decodes_to_its_model(
    kind: str, payload: Any, cls: type[Any]
) -> None:
    data = payload()
    event = receive(kind, data)
    assert type(event.data) is cls
    # Every field of the payload is modelled, and the model is what the strict converter makes.
    assert event.data == STRICT.structure(data, cls)
    assert getattr(event.data, "id", None) == data["id"]


def test_an_accepted_invitation_names_the_user_who_accepted() -> None:
    event = receive("organizationInvitation.accepted", accepted_invitation())
    assert isinstance(event.data, OrganizationInvitation)
    assert (event.data.status, event.data.user_id) == (
        "accepted",
        "user_2xKEk0tXg6SwY1zA5dD8fI3uO7j",
    )


def test_the_table_covers_every_event_type_webhooks_md_lists() -> None:
    if not WEBHOOKS_MD.exists():
        missing(f"WEBHOOKS.md is not at {WEBHOOKS_MD} (a clone without ../shared)")
    documented: set[str] = set()
    for row in re.findall(r"^\| (`[^|]+`) \|", WEBHOOKS_MD.read_text(), re.MULTILINE):
        names = re.findall(r"`([^`]+)`", row)
        family = names[0].split(".")[0]
        documented |= {family + name if name.startswith(".") else name for name in names}
    assert documented == set(_MODELS) == {kind for kind, _, _ in CASES}


def test_the_envelope_fields() -> None:
    event = receive("organization.created", sample("organization"))
    assert event.id == MESSAGE_ID
    assert event.timestamp == datetime.fromtimestamp(EVENT_MS / 1000, timezone.utc)
    assert event.timestamp.tzinfo is not None
    assert event.instance_id == INSTANCE
    assert event.raw["event_attributes"]["http_request"]["client_ip"] == "203.0.113.7"
    assert event.raw["data"] == sample("organization")
    assert "raw=" not in repr(event)  # the data is shown once
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.type = "x"  # type: ignore[misc]


def test_an_envelope_without_instance_id_decodes() -> None:
    body = json.dumps({"type": "user.created", "data": {}, "timestamp": EVENT_MS}).encode()
    assert verify_webhook(body, signed(body), secret=SECRET).instance_id is None


@pytest.mark.parametrize(
    "kind",
    [
        "user.created",
        "session.created",
        "email.created",
        "sms.created",
        "waitlistEntry.created",
        "subscription.updated",
        "organization.frobbed",  # a type Clerk adds later, on the organization surface
        "organizationMembership.renamed",
    ],
)
def test_every_other_event_passes_its_data_through_as_a_dict(kind: str) -> None:
    data = {"id": "user_1", "object": "user", "odd": [1, {"x": None}], "created_at": "not ms"}
    event = receive(kind, data)
    assert event.data == data
    assert type(event.data) is dict


@pytest.mark.parametrize("kind", ["role.deleted", "permission.deleted"])
def test_a_bare_deleted_object_for_a_role_or_permission_decodes(kind: str) -> None:
    event = receive(kind, {"object": "role", "id": "role_1", "deleted": True})
    assert event.data == DeletedObject(object="role", id="role_1", deleted=True)


@pytest.mark.parametrize(
    ("kind", "data", "reason"),
    [
        ("organization.created", {}, "KeyError"),
        ("organization.updated", sample("organization") | {"name": 5}, "'name' has the wrong"),
        ("organizationMembership.created", sample("membership") | {"organization": "org_1"}, ""),
        ("role.updated", sample("role") | {"permissions": [{"id": 1}]}, ""),
        ("organization.deleted", {"object": "organization", "id": "org_1"}, "KeyError"),
    ],
)
def test_organization_data_that_does_not_decode_is_refused_typed(
    kind: str, data: dict[str, Any], reason: str
) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        receive(kind, data)
    message = str(caught.value)
    assert message.startswith(f"the body is not Clerk's event envelope: {kind} data does not")
    assert reason in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
