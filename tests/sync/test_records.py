"""DesiredOrganization to and from JSON data, and the report's counts."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_orgs_async.errors import NotFoundError
from clerk_orgs_async.sync import (
    DesiredMember,
    DesiredOrganization,
    SyncAction,
    SyncFailure,
    SyncReport,
)


def test_round_trip_through_dict() -> None:
    record = DesiredOrganization(
        slug="acme",
        name="Acme",
        max_allowed_memberships=0,
        public_metadata={"a": [1]},
        private_metadata={},
        members=[DesiredMember("user_1", "org:admin"), DesiredMember("user_2")],
    )
    data = record.to_dict()
    assert data["members"] == [
        {"user_id": "user_1", "role": "org:admin"},
        {"user_id": "user_2", "role": "org:member"},
    ]
    assert DesiredOrganization.from_dict(data) == record


def test_unmanaged_fields_are_omitted() -> None:
    record = DesiredOrganization(slug="acme", name="Acme")
    assert record.to_dict() == {"slug": "acme", "name": "Acme"}
    assert (
        DesiredOrganization.from_dict({"slug": "acme", "name": "Acme", "members": None}) == record
    )


def test_member_role_defaults_to_member() -> None:
    record = DesiredOrganization.from_dict(
        {"slug": "a", "name": "A", "members": [{"user_id": "user_1"}]}
    )
    assert record.members == [DesiredMember("user_1", "org:member")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a JSON object, got list"),
        ({"name": "A"}, "'slug' is required"),
        ({"slug": "a", "name": "A", "colour": "red"}, "unknown field"),
        ({"slug": "a", "name": 3}, "'name' must be a string"),
        ({"slug": "a", "name": "A", "max_allowed_memberships": True}, "must be an integer"),
        ({"slug": "a", "name": "A", "public_metadata": []}, "must be a JSON object"),
        ({"slug": "a", "name": "A", "members": {}}, "'members' must be a list"),
        (
            {"slug": "a", "name": "A", "members": ["user_1"]},
            "is an object with a 'user_id' or an 'email_address'",
        ),
        ({"slug": "a", "name": "A", "members": [{"user_id": "u", "role": 1}]}, "string 'role'"),
    ],
)
def test_from_dict_refuses(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DesiredOrganization.from_dict(data)


def test_report_counts_every_kind() -> None:
    error = NotFoundError(404)
    failed = SyncAction(kind="add_member", key="a", user_id="u", outcome="failed", error=error)
    report = SyncReport(
        actions=[SyncAction(kind="create", key="a", outcome="applied"), failed],
        failures=[SyncFailure(key="a", error=error, action=failed)],
    )
    assert report.counts == {
        "create": 1,
        "update": 0,
        "delete": 0,
        "add_member": 1,
        "remove_member": 0,
        "set_role": 0,
        "invite": 0,
        "revoke_invitation": 0,
    }
    assert not report.ok
    assert SyncReport(actions=[], failures=[]).ok
