"""A local, stateful emulator of Clerk's Backend API for organizations: the 40 operations of
organizations, memberships, invitations, domains, roles and permissions.

Run it in-process (``async with ClerkEmulator() as emu``), from the pytest plugin's
``clerk_emulator`` and ``clerk`` fixtures, or as ``clerk-orgs emulator`` in another process.
Names load on first use, so the pytest plugin, which every install loads, stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clerk_orgs_async.testing._app import EmulatorStats, ServedResponse
    from clerk_orgs_async.testing._domains import Domain
    from clerk_orgs_async.testing._durable import DataFileError
    from clerk_orgs_async.testing._emulator import ClerkEmulator
    from clerk_orgs_async.testing._faults import Fault, Faults
    from clerk_orgs_async.testing._invitations import Invitation
    from clerk_orgs_async.testing._queries import MembershipQuery, OrganizationQuery
    from clerk_orgs_async.testing._records import Logo, Membership, Organization, User
    from clerk_orgs_async.testing._request_log import RequestRecord
    from clerk_orgs_async.testing._roles import Permission, Role
    from clerk_orgs_async.testing._sleeps import instant_retries
    from clerk_orgs_async.testing._state import EmulatorState

_MODULES = {
    "ClerkEmulator": "_emulator",
    "DataFileError": "_durable",
    "Domain": "_domains",
    "EmulatorState": "_state",
    "EmulatorStats": "_app",
    "Fault": "_faults",
    "Faults": "_faults",
    "Invitation": "_invitations",
    "Logo": "_records",
    "Membership": "_records",
    "MembershipQuery": "_queries",
    "Organization": "_records",
    "OrganizationQuery": "_queries",
    "Permission": "_roles",
    "RequestRecord": "_request_log",
    "Role": "_roles",
    "ServedResponse": "_app",
    "User": "_records",
    "instant_retries": "_sleeps",
}

__all__ = [
    "ClerkEmulator",
    "DataFileError",
    "Domain",
    "EmulatorState",
    "EmulatorStats",
    "Fault",
    "Faults",
    "Invitation",
    "Logo",
    "Membership",
    "MembershipQuery",
    "Organization",
    "OrganizationQuery",
    "Permission",
    "RequestRecord",
    "Role",
    "ServedResponse",
    "User",
    "instant_retries",
]


def __getattr__(name: str) -> Any:
    try:
        module = _MODULES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
