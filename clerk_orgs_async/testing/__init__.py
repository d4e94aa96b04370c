"""A local, stateful emulator of Clerk's Backend API for organizations: organizations,
memberships, invitations, domains, roles and permissions, and the users to add to them.

Run it in-process (``async with ClerkEmulator() as emu``), from the pytest plugin's
``clerk_emulator`` and ``clerk`` fixtures, or as ``clerk-orgs emulator`` in another process.
Names load on first use, so the pytest plugin, which every install loads, stays cheap.

The emulator's records end in ``Record`` (``OrganizationRecord``): they are its mutable state,
not the client's models (``clerk_orgs_async.Organization``). The names they had before
(``Organization``, ``Membership``, ``User``, ``Logo``, ``Invitation``, ``Domain``, ``Role``,
``Permission``) still work and warn (``DeprecationWarning``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clerk_orgs_async._lazy import attach

_EXPORTS = {
    # The public surface, declared once: name -> the module defining it.
    "CapturedWebhooks": "._webhook_capture",
    "ClerkEmulator": "._emulator",
    "DataFileError": "._durable",
    "DomainRecord": "._domains",
    "EmulatorState": "._state",
    "EmulatorStats": "._app",
    "Fault": "._faults",
    "Faults": "._faults",
    "InvitationRecord": "._invitations",
    "Latency": "._pacing",
    "LogoRecord": "._organizations",
    "MembershipQuery": "._memberships",
    "MembershipRecord": "._memberships",
    "OrganizationQuery": "._organizations",
    "OrganizationRecord": "._organizations",
    "PermissionRecord": "._roles",
    "REQUEST_LOG_SIZE": "._emulator",
    "RequestRecord": "._request_log",
    "RoleRecord": "._roles",
    "SVIX_RETRY_SCHEDULE": "._webhook_store",
    "ServedResponse": "._app",
    "UserRecord": "._users",
    "WebhookAttempt": "._webhook_store",
    "WebhookEndpoint": "._webhook_store",
    "WebhookFaults": "._webhook_store",
    "WebhookMessage": "._webhook_store",
    "Webhooks": "._webhooks",
    "instant_retries": "._sleeps",
}
_DEPRECATED = {
    # Old name -> the name that replaced it (issue 19: a record is not the client's model).
    "Domain": "DomainRecord",
    "Invitation": "InvitationRecord",
    "Logo": "LogoRecord",
    "Membership": "MembershipRecord",
    "Organization": "OrganizationRecord",
    "Permission": "PermissionRecord",
    "Role": "RoleRecord",
    "User": "UserRecord",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = attach(__name__, _EXPORTS, globals(), _DEPRECATED)

if TYPE_CHECKING:
    # For type checkers only; tests/test_public_api.py checks these match _EXPORTS.
    from ._app import EmulatorStats as EmulatorStats
    from ._app import ServedResponse as ServedResponse
    from ._domains import DomainRecord as DomainRecord
    from ._durable import DataFileError as DataFileError
    from ._emulator import REQUEST_LOG_SIZE as REQUEST_LOG_SIZE
    from ._emulator import ClerkEmulator as ClerkEmulator
    from ._faults import Fault as Fault
    from ._faults import Faults as Faults
    from ._invitations import InvitationRecord as InvitationRecord
    from ._memberships import MembershipQuery as MembershipQuery
    from ._memberships import MembershipRecord as MembershipRecord
    from ._organizations import LogoRecord as LogoRecord
    from ._organizations import OrganizationQuery as OrganizationQuery
    from ._organizations import OrganizationRecord as OrganizationRecord
    from ._pacing import Latency as Latency
    from ._request_log import RequestRecord as RequestRecord
    from ._roles import PermissionRecord as PermissionRecord
    from ._roles import RoleRecord as RoleRecord
    from ._sleeps import instant_retries as instant_retries
    from ._state import EmulatorState as EmulatorState
    from ._users import UserRecord as UserRecord
    from ._webhook_capture import CapturedWebhooks as CapturedWebhooks
    from ._webhook_store import SVIX_RETRY_SCHEDULE as SVIX_RETRY_SCHEDULE
    from ._webhook_store import WebhookAttempt as WebhookAttempt
    from ._webhook_store import WebhookEndpoint as WebhookEndpoint
    from ._webhook_store import WebhookFaults as WebhookFaults
    from ._webhook_store import WebhookMessage as WebhookMessage
    from ._webhooks import Webhooks as Webhooks
