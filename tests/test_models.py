"""Models against realistic payloads: the strict converter catches drift from Clerk's shape."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_orgs_async import DeletedObject, Organization, OrganizationMembership
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
