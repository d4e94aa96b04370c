"""The realistic samples the model tests decode are valid instances of the spec's schemas."""

from __future__ import annotations

import pytest

from tests._needs import missing
from tests.conftest import sample
from tests.emulator._support import SPEC_MISSING, Conformance

SAMPLES = {
    "organization": "Organization",
    "membership": "OrganizationMembership",
    "invitation": "OrganizationInvitation",
    "invitation_with_organization": "OrganizationInvitationWithPublicOrganizationData",
    "domain": "OrganizationDomain",
    "role": "Role",
    "permission": "Permission",
    "deleted_organization": "DeletedObject",
}


@pytest.mark.parametrize(("name", "schema"), SAMPLES.items())
def test_sample_matches_the_spec(conformance: Conformance, name: str, schema: str) -> None:
    if not conformance.enabled:
        missing(SPEC_MISSING)
    validator = conformance._validator(f"/components/schemas/{schema}")
    errors = [error.message for error in validator.iter_errors(sample(name))]
    assert not errors, errors
