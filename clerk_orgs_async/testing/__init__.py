"""A local, stateful emulator of Clerk's Backend API for organizations: the 40 operations of
organizations, memberships, invitations, domains, roles and permissions.

Run it in-process (``async with ClerkEmulator() as emu``), from the pytest plugin's
``clerk_emulator`` and ``clerk`` fixtures, or as ``clerk-orgs emulator`` in another process.
Names load on first use, so the pytest plugin, which every install loads, stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clerk_orgs_async._lazy import attach

_EXPORTS = {
    # The public surface, declared once: name -> the module defining it.
    "CapturedWebhooks": "._webhook_capture",
    "ClerkEmulator": "._emulator",
    "DataFileError": "._durable",
    "Domain": "._domains",
    "EmulatorState": "._state",
    "EmulatorStats": "._app",
    "Fault": "._faults",
    "Faults": "._faults",
    "Invitation": "._invitations",
    "Latency": "._pacing",
    "Logo": "._records",
    "Membership": "._records",
    "MembershipQuery": "._queries",
    "Organization": "._records",
    "OrganizationQuery": "._queries",
    "Permission": "._roles",
    "REQUEST_LOG_SIZE": "._emulator",
    "RequestRecord": "._request_log",
    "Role": "._roles",
    "SVIX_RETRY_SCHEDULE": "._webhook_store",
    "ServedResponse": "._app",
    "User": "._records",
    "WebhookAttempt": "._webhook_store",
    "WebhookEndpoint": "._webhook_store",
    "WebhookFaults": "._webhook_store",
    "WebhookMessage": "._webhook_store",
    "Webhooks": "._webhooks",
    "instant_retries": "._sleeps",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = attach(__name__, _EXPORTS, globals())

if TYPE_CHECKING:
    # For type checkers only; tests/test_public_api.py checks these match _EXPORTS.
    from ._app import EmulatorStats as EmulatorStats
    from ._app import ServedResponse as ServedResponse
    from ._domains import Domain as Domain
    from ._durable import DataFileError as DataFileError
    from ._emulator import REQUEST_LOG_SIZE as REQUEST_LOG_SIZE
    from ._emulator import ClerkEmulator as ClerkEmulator
    from ._faults import Fault as Fault
    from ._faults import Faults as Faults
    from ._invitations import Invitation as Invitation
    from ._pacing import Latency as Latency
    from ._queries import MembershipQuery as MembershipQuery
    from ._queries import OrganizationQuery as OrganizationQuery
    from ._records import Logo as Logo
    from ._records import Membership as Membership
    from ._records import Organization as Organization
    from ._records import User as User
    from ._request_log import RequestRecord as RequestRecord
    from ._roles import Permission as Permission
    from ._roles import Role as Role
    from ._sleeps import instant_retries as instant_retries
    from ._state import EmulatorState as EmulatorState
    from ._webhook_capture import CapturedWebhooks as CapturedWebhooks
    from ._webhook_store import SVIX_RETRY_SCHEDULE as SVIX_RETRY_SCHEDULE
    from ._webhook_store import WebhookAttempt as WebhookAttempt
    from ._webhook_store import WebhookEndpoint as WebhookEndpoint
    from ._webhook_store import WebhookFaults as WebhookFaults
    from ._webhook_store import WebhookMessage as WebhookMessage
    from ._webhooks import Webhooks as Webhooks
