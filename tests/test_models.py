"""Models against realistic payloads: the strict converter catches drift from Clerk's shape."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clerk_orgs_async import (
    DeletedObject,
    Organization,
    OrganizationDomain,
    OrganizationInvitation,
    OrganizationMembership,
    OrganizationPermission,
    OrganizationRole,
)
from clerk_orgs_async._serialization import make_converter
from tests.conftest import sample

STRICT = make_converter(strict=True)


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("organization", Organization),
        ("organization_minimal", Organization),
        ("organization_with_logo", Organization),
        ("membership", OrganizationMembership),
        ("deleted_organization", DeletedObject),
        ("invitation", OrganizationInvitation),
        ("invitation_with_organization", OrganizationInvitation),
        ("domain", OrganizationDomain),
        ("permission", OrganizationPermission),
        ("role", OrganizationRole),
    ],
)
def test_every_sample_field_is_modelled(name: str, cls: type[Any]) -> None:
    # forbid_extra_keys: a field Clerk sends that the model lacks fails here, not in production.
    STRICT.structure(sample(name), cls)


def test_models_are_frozen_and_slotted() -> None:
    org = STRICT.structure(sample("organization"), Organization)
    with pytest.raises(AttributeError):
        org.name = "x"  # type: ignore[misc]
    assert not hasattr(org, "__dict__")


def test_models_the_lean_hook_builds_are_the_models_themselves() -> None:
    from clerk_orgs_async._serialization import structurer

    payload = sample("membership")
    fast: Any = structurer(OrganizationMembership)(payload)
    slow = STRICT.structure(payload, OrganizationMembership)
    pairs: list[tuple[Any, type[Any]]] = [
        (fast, OrganizationMembership),
        (fast.organization, Organization),
    ]
    for built, model in pairs:
        assert type(built) is model
        with pytest.raises(AttributeError):
            built.id = "x"
    assert fast == slow
    assert pickle.loads(pickle.dumps(fast)) == slow  # noqa: S301 - our own bytes
    assert attrs.evolve(fast, role="org:admin").role == "org:admin"


def test_a_model_whose_layout_cannot_be_twinned_is_built_through_its_descriptors() -> None:
    from clerk_orgs_async._serialization import _lean_structure, _twin

    @attrs.frozen(kw_only=True)  # a __weakref__ slot: CPython refuses the class swap
    class WithWeakref:
        id: str
        created_at: datetime

    assert _twin(WithWeakref) is None
    assert _twin(Organization) is not None
    build = _lean_structure(make_converter())(WithWeakref)
    built = build({"id": "x_1", "created_at": 0})
    assert type(built) is WithWeakref
    assert built == WithWeakref(id="x_1", created_at=datetime(1970, 1, 1, tzinfo=timezone.utc))


def _optional_keys(cls: type[Any]) -> list[tuple[str, bool]]:
    """The fields a payload may leave out, and whether each may be null."""
    import attrs

    attrs.resolve_types(cls)
    return [
        (f.name, type(None) in getattr(f.type, "__args__", ()))
        for f in attrs.fields(cls)
        if f.default is not attrs.NOTHING
    ]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_lean_hooks_agree_with_cattrs(data: st.DataObject) -> None:
    from clerk_orgs_async._serialization import structurer

    for name, cls in [
        ("organization", Organization),
        ("membership", OrganizationMembership),
        ("invitation", OrganizationInvitation),
        ("domain", OrganizationDomain),
        ("role", OrganizationRole),
    ]:
        payload = sample(name)
        for key, nullable in _optional_keys(cls):
            choice = data.draw(st.sampled_from(["keep", "drop", "null"]), label=key)
            if choice == "drop":
                payload.pop(key, None)
            elif choice == "null" and nullable:
                payload[key] = None
        stamp = data.draw(st.integers(0, 2**45), label="created_at")
        payload["created_at"] = stamp
        fast: Any = structurer(cls)(payload)
        assert fast == STRICT.structure(payload, cls)
        assert fast.created_at == datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(
            milliseconds=stamp
        )
