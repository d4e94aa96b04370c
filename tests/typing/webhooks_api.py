"""The webhooks API used as a user would; mypy --strict checks it (it is never run)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from typing_extensions import assert_type

from clerk_orgs_async import (
    ClerkError,
    DeletedObject,
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)
from clerk_orgs_async.webhooks import (
    WebhookData,
    WebhookEvent,
    WebhookVerificationError,
    verify_webhook,
)


def handle(body: bytes, headers: Mapping[str, str]) -> int:
    try:
        event = verify_webhook(body, headers, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    except WebhookVerificationError as error:
        problem: ClerkError = error  # a ClerkError like every other
        print(problem)
        return 400
    assert_type(event, WebhookEvent)
    assert_type(event.id, str)
    assert_type(event.type, str)
    assert_type(event.timestamp, datetime)
    assert_type(event.instance_id, str | None)
    assert_type(event.raw, dict[str, Any])
    assert_type(event.data, WebhookData)
    data = event.data
    if isinstance(data, Organization):
        print(data.slug, data.updated_at)
    elif isinstance(data, OrganizationMembership):
        print(data.organization.id, data.role)
    elif isinstance(data, OrganizationInvitation) and data.user_id is not None:
        print("accepted by", data.user_id)
    elif isinstance(data, DeletedObject):
        print("deleted", data.object, data.id)
    elif isinstance(data, dict):
        assert_type(data, dict[str, Any])
    match event.data:
        case Organization(slug=slug):
            print(slug)
        case _:
            pass
    return 204


def with_defaults(body: bytes, headers: dict[str, str]) -> WebhookEvent:
    # The secret from $CLERK_WEBHOOK_SIGNING_SECRET; a wider window for a slow queue.
    return verify_webhook(body, headers, tolerance=600)
