"""Planning without a server: validation, and current state + desired -> actions."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clerk_orgs_async._sync_plan import plan_create, plan_delete, plan_update, same_json, validate
from clerk_orgs_async._sync_records import Key
from clerk_orgs_async.models import Organization
from clerk_orgs_async.sync import DesiredMember, DesiredOrganization, InvalidDesiredStateError

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def org(**fields: Any) -> Organization:
    values: dict[str, Any] = {
        "id": "org_1",
        "name": "Acme",
        "slug": "acme",
        "created_at": NOW,
        "updated_at": NOW,
        "max_allowed_memberships": 5,
        **fields,
    }
    return Organization(**values)


def desired(**fields: Any) -> DesiredOrganization:
    return DesiredOrganization(**{"slug": "acme", "name": "Acme", **fields})


def kinds(actions: list[Any]) -> list[tuple[str, str | None]]:
    return [(a.kind, a.user_id) for a in actions]


def test_in_sync_organization_plans_nothing() -> None:
    current = org(public_metadata={"tier": "gold"})
    wanted = desired(
        max_allowed_memberships=5,
        public_metadata={"tier": "gold"},
        members=[DesiredMember("user_a", "org:admin")],
    )
    assert plan_update(current, {"user_a": "org:admin"}, wanted, "slug") == []


def test_none_fields_are_left_alone() -> None:
    current = org(max_allowed_memberships=9, public_metadata={"x": 1}, private_metadata={"y": 2})
    assert plan_update(current, {"user_a": "org:admin"}, desired(), "slug") == []


def test_update_lists_only_the_fields_that_differ() -> None:
    current = org(public_metadata={"tier": "gold", "old": True})
    wanted = desired(name="Acme Inc", max_allowed_memberships=5, public_metadata={"tier": "gold"})
    (action,) = plan_update(current, None, wanted, "slug")
    assert action.kind == "update"
    assert action.organization_id == "org_1"
    assert dict(action.changes) == {
        "name": ("Acme", "Acme Inc"),
        "public_metadata": ({"tier": "gold", "old": True}, {"tier": "gold"}),
    }


def test_empty_metadata_clears_it() -> None:
    (action,) = plan_update(
        org(private_metadata={"k": 1}), None, desired(private_metadata={}), "slug"
    )
    assert action.changes == {"private_metadata": ({"k": 1}, {})}


def test_member_actions_in_safe_order() -> None:
    have = {"user_old": "org:member", "user_up": "org:member", "user_down": "org:admin"}
    wanted = desired(
        max_allowed_memberships=3,
        members=[
            DesiredMember("user_down", "org:member"),
            DesiredMember("user_up", "org:admin"),
            DesiredMember("user_new"),
        ],
    )
    actions = plan_update(org(max_allowed_memberships=10), have, wanted, "slug")
    assert kinds(actions) == [
        ("set_role", "user_up"),  # a promotion first
        ("remove_member", "user_old"),  # removals free room...
        ("update", None),  # ...before the limit is lowered
        ("set_role", "user_down"),
        ("add_member", "user_new"),
    ]
    assert actions[0].changes == {"role": ("org:member", "org:admin")}
    assert actions[1].changes == {"role": ("org:member", None)}
    assert actions[4].changes == {"role": (None, "org:member")}


def test_members_none_leaves_members_alone() -> None:
    assert plan_update(org(), {"user_x": "org:admin"}, desired(members=None), "slug") == []
    # Members not read (None) are not planned even when some are desired.
    assert plan_update(org(), None, desired(members=[DesiredMember("user_y")]), "slug") == []


def test_create_makes_the_first_admin_the_creator() -> None:
    wanted = desired(
        max_allowed_memberships=0,
        public_metadata={"a": 1},
        members=[DesiredMember("user_m"), DesiredMember("user_a", "org:admin")],
    )
    create, add = plan_create(wanted, "slug")
    assert create.kind == "create"
    assert create.organization_id is None
    assert create.changes == {
        "name": (None, "Acme"),
        "slug": (None, "acme"),
        "max_allowed_memberships": (None, 0),
        "public_metadata": (None, {"a": 1}),
        "created_by": (None, "user_a"),
    }
    assert kinds([add]) == [("add_member", "user_m")]


def test_create_without_an_admin_has_no_creator() -> None:
    create, *adds = plan_create(desired(members=[DesiredMember("user_m")]), "slug")
    assert "created_by" not in create.changes
    assert kinds(adds) == [("add_member", "user_m")]


def test_key_name_renames_the_slug() -> None:
    (action,) = plan_update(org(slug="old-slug"), None, desired(slug="new-slug"), "name")
    assert action.key == "Acme"
    assert action.changes == {"slug": ("old-slug", "new-slug")}


def test_delete() -> None:
    action = plan_delete(org(), "name")
    assert (action.kind, action.key, action.organization_id) == ("delete", "Acme", "org_1")


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def test_validate_accepts_good_records() -> None:
    validate([desired(), desired(slug="b", name="B", members=[DesiredMember("u")])], "slug")


@pytest.mark.parametrize(
    ("key", "records", "message"),
    [
        ("slug", [desired(slug="Bad Slug")], "may contain only lowercase"),
        ("slug", [desired(name="  ")], "name must be"),
        ("slug", [desired(max_allowed_memberships=-1)], "0 (unlimited) or more"),
        ("slug", [desired(), desired(name="Other")], "duplicate slug 'acme' (also record 1)"),
        ("name", [desired(), desired(slug="other")], "duplicate name 'Acme' (also record 1)"),
        (
            "slug",
            [desired(members=[DesiredMember("u"), DesiredMember("u", "org:admin")])],
            "2 times",
        ),
        (
            "slug",
            [desired(members=[DesiredMember("", "org:admin")])],
            "needs a role and either a user_id or an email_address",
        ),
        (
            "slug",
            [desired(max_allowed_memberships=1, members=[DesiredMember("u"), DesiredMember("v")])],
            "2 members exceed max_allowed_memberships=1",
        ),
        # Fields of the wrong type: refused with the rest, never a TypeError part way or a
        # write that fails after others were sent.
        ("slug", [desired(slug=5)], "slug must be a string"),
        ("slug", [desired(name=b"Acme")], "name must be a string"),
        ("slug", [desired(name="Acme\ud800")], "surrogate"),
        ("slug", [desired(max_allowed_memberships=math.nan)], "max_allowed_memberships must"),
        ("slug", [desired(max_allowed_memberships=True)], "max_allowed_memberships must"),
        ("slug", [desired(max_allowed_memberships=2**40)], "up to 2147483647"),
        ("slug", [desired(public_metadata={"score": math.nan})], "public_metadata.score"),
        ("slug", [desired(private_metadata=[1])], "private_metadata must be a dict"),
        ("slug", [desired(public_metadata=nested(10_000))], "deeper than 64"),
        ("slug", [desired(members="user_1")], "members must be a list"),
        # A generator would be used up by the checks, then read as "no members": remove all.
        ("slug", [desired(members=(m for m in [DesiredMember("u")]))], "members must be a list"),
        ("slug", [desired(members=[{"user_id": "u"}])], "each member must be a DesiredMember"),
        ("slug", [desired(members=[DesiredMember(5)])], "user_id must be a string"),  # type: ignore[arg-type]
        ("slug", [desired(members=[DesiredMember("u", 5)])], "role must be a string"),  # type: ignore[arg-type]
        ("slug", [{"slug": "acme", "name": "Acme"}], "expected a DesiredOrganization, got dict"),
        ("slug", [None], "expected a DesiredOrganization, got NoneType"),
    ],
)
def test_validate_refuses(key: Key, records: list[DesiredOrganization], message: str) -> None:
    with pytest.raises(InvalidDesiredStateError, match="problem") as caught:
        validate(records, key)
    assert any(message in text for _, text in caught.value.problems)


def test_validate_reports_every_problem_with_its_index() -> None:
    with pytest.raises(InvalidDesiredStateError) as caught:
        validate([desired(), desired(slug="B"), desired(slug="c", name="")], "slug")
    assert [index for index, _ in caught.value.problems] == [1, 2]
    assert "record 2:" in str(caught.value)


def test_duplicate_names_are_allowed_with_key_slug() -> None:
    validate([desired(), desired(slug="acme-2")], "slug")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=10,
)


@settings(max_examples=50)
@given(json_values)
def test_same_json_is_reflexive(value: Any) -> None:
    assert same_json(value, value)


@pytest.mark.parametrize(
    ("a", "b"),
    [({"a": True}, {"a": 1}), ({"a": 1}, {"a": 1.0}), ([1, 2], [2, 1]), ({"a": 1}, {"b": 1})],
)
def test_same_json_tells_json_types_apart(a: Any, b: Any) -> None:
    assert not same_json(a, b)
