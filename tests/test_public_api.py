"""The package's public face: exactly the intended names, and a light import."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys

import pytest

import clerk_orgs_async
from clerk_orgs_async import errors, models

PUBLIC = {
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BulkInvitationError",
    "ClerkClient",
    "ClerkError",
    "ClientClosedError",
    "ConflictError",
    "DeletedObject",
    "DomainVerification",
    "ErrorDetail",
    "InvalidRequestError",
    "InvitationRequest",
    "NotFoundError",
    "Organization",
    "OrganizationDomain",
    "OrganizationDomainsAPI",
    "OrganizationInvitation",
    "OrganizationInvitationsAPI",
    "OrganizationMembership",
    "OrganizationMembershipsAPI",
    "OrganizationPermission",
    "OrganizationPermissionsAPI",
    "OrganizationRole",
    "OrganizationRolesAPI",
    "OrganizationsAPI",
    "Page",
    "PaginationError",
    "Paginator",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PublicInviterData",
    "PublicOrganizationData",
    "PublicUserData",
    "RateLimit",
    "RateLimitError",
    "RedisRateLimit",
    "ResponseTooLargeError",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "Timeout",
    "UNSET",
    "UnexpectedResponseError",
    "UnprocessableEntityError",
    "Unset",
    "WebhookVerificationError",
    "__version__",
    "instant_retries",
}


def test_all_is_exactly_the_public_surface() -> None:
    assert set(clerk_orgs_async.__all__) == PUBLIC
    for name in clerk_orgs_async.__all__:
        assert hasattr(clerk_orgs_async, name)


@pytest.mark.parametrize("package", ["clerk_orgs_async", "clerk_orgs_async.testing"])
def test_type_checkers_see_exactly_the_runtime_table(package: str) -> None:
    # The TYPE_CHECKING imports of a lazy package repeat its _EXPORTS for type checkers only,
    # each from the module the table names.
    module = importlib.import_module(package)
    tree = ast.parse(inspect.getsource(module))
    checked = {
        alias.asname or alias.name: "." + (stmt.module or "")
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
        for stmt in node.body
        if isinstance(stmt, ast.ImportFrom)
        for alias in stmt.names
    }
    assert checked == module._EXPORTS
    assert set(module.__all__) - {"__version__"} == set(module._EXPORTS)


def test_submodules_export_what_they_define() -> None:
    for module in (errors, models):
        for name in module.__all__:
            assert getattr(clerk_orgs_async, name) is getattr(module, name)


def test_error_tree() -> None:
    assert issubclass(errors.InvalidRequestError, ValueError)
    assert issubclass(errors.APITimeoutError, errors.APIConnectionError)
    for name in errors.__all__:
        if name != "ErrorDetail":
            assert issubclass(getattr(errors, name), errors.ClerkError)


def test_import_stays_light() -> None:
    code = (
        "import sys, clerk_orgs_async;"
        "heavy = {'click', 'rich', 'clerk_orgs_async.testing', 'clerk_orgs_async.sync',"
        " 'aiohttp.web', 'jsonschema', 'hypothesis', 'redis', 'clerk_orgs_async.webhooks',"
        " 'standardwebhooks'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_group_loads_on_its_first_use() -> None:
    """``ClerkClient`` alone loads no endpoint group, nor the models; a group's first use loads
    its module (and the models it decodes), and only that group's."""
    code = (
        "import sys; from clerk_orgs_async import ClerkClient;"
        "loaded = lambda: sorted(m for m in sys.modules if m.startswith('clerk_orgs_async.'));"
        "before = loaded(); clerk = ClerkClient('sk_test_x');"
        "assert clerk.organization_domains is clerk.organization_domains;"
        "print(before); print(sorted(set(loaded()) - set(before)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, added = out.stdout.splitlines()
    groups = ("_organizations", "_memberships", "_invitations", "_domains", "_roles", "models")
    assert not [name for name in groups if f"clerk_orgs_async.{name}'" in before]
    assert "'clerk_orgs_async._domains'" in added and "'clerk_orgs_async.models'" in added
    assert not [name for name in groups[:3] if f"clerk_orgs_async.{name}'" in added]


def test_sync_and_testing_modules_have_a_deliberate_surface() -> None:
    from clerk_orgs_async import sync, testing, webhooks

    assert set(sync.__all__) == {
        "ACTION_KINDS",
        "ActionKind",
        "DesiredMember",
        "DesiredOrganization",
        "InvalidDesiredStateError",
        "Key",
        "Outcome",
        "RequestCounts",
        "SyncAction",
        "SyncFailure",
        "SyncReport",
        "export_organizations",
        "sync_organizations",
        "validate",
    }
    assert set(testing.__all__) == {
        "CapturedWebhooks",
        "ClerkEmulator",
        "DataFileError",
        "DomainRecord",
        "EmulatorState",
        "EmulatorStats",
        "Fault",
        "Faults",
        "InvitationRecord",
        "Latency",
        "LogoRecord",
        "MembershipQuery",
        "MembershipRecord",
        "OrganizationQuery",
        "OrganizationRecord",
        "PermissionRecord",
        "REQUEST_LOG_SIZE",
        "RequestRecord",
        "RoleRecord",
        "SVIX_RETRY_SCHEDULE",
        "ServedResponse",
        "UserRecord",
        "WebhookAttempt",
        "WebhookEndpoint",
        "WebhookFaults",
        "WebhookMessage",
        "Webhooks",
        "instant_retries",
    }
    assert set(webhooks.__all__) == {
        "WebhookData",
        "WebhookEvent",
        "WebhookVerificationError",
        "verify_webhook",
    }
    assert webhooks.WebhookVerificationError is clerk_orgs_async.WebhookVerificationError
    for module in (sync, testing, webhooks):
        assert module.__all__ == sorted(module.__all__)
        for name in module.__all__:
            assert getattr(module, name) is not None
    assert set(dir(testing)) >= set(testing.__all__)


def test_testing_names_load_on_first_use_and_unknown_ones_raise() -> None:
    code = (
        "import sys, clerk_orgs_async.testing as t\n"
        "before = 'clerk_orgs_async.testing._emulator' in sys.modules\n"
        "t.ClerkEmulator\n"
        "print(before, 'clerk_orgs_async.testing._emulator' in sys.modules)\n"
        "try:\n    t.NoSuchThing\nexcept AttributeError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "False True",
        "module 'clerk_orgs_async.testing' has no attribute 'NoSuchThing'",
    ]


DEPRECATED_TESTING_NAMES = {
    "Domain": "DomainRecord",
    "Invitation": "InvitationRecord",
    "Logo": "LogoRecord",
    "Membership": "MembershipRecord",
    "Organization": "OrganizationRecord",
    "Permission": "PermissionRecord",
    "Role": "RoleRecord",
    "User": "UserRecord",
}


@pytest.mark.parametrize(("old", "new"), sorted(DEPRECATED_TESTING_NAMES.items()))
def test_the_emulator_records_old_names_still_work_and_warn(old: str, new: str) -> None:
    # The records were renamed so that testing.Organization is not mistaken for the client's
    # clerk_orgs_async.Organization; the old names stay, as aliases that warn on every read.
    from clerk_orgs_async import testing

    for _ in range(2):
        with pytest.warns(DeprecationWarning, match=rf"testing\.{old} is deprecated: use .*{new}"):
            assert getattr(testing, old) is getattr(testing, new)
    assert old not in testing.__all__ and old not in dir(testing)
    assert not hasattr(clerk_orgs_async, new)  # an emulator record, not a client name


def test_an_old_record_name_imports_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="OrganizationRecord"):
        from clerk_orgs_async.testing import Organization
    assert Organization is not clerk_orgs_async.Organization
