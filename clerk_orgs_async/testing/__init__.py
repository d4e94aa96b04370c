"""A local, stateful emulator of Clerk's organizations and memberships Backend API.

Run it in-process (``async with ClerkEmulator() as emu``), from the pytest plugin's
``clerk_emulator`` and ``clerk`` fixtures, or as ``clerk-orgs emulator`` in another process.
"""

from clerk_orgs_async.testing._app import EmulatorStats, RequestRecord, ServedResponse
from clerk_orgs_async.testing._emulator import ClerkEmulator
from clerk_orgs_async.testing._faults import Fault, Faults
from clerk_orgs_async.testing._queries import MembershipQuery, OrganizationQuery
from clerk_orgs_async.testing._records import Logo, Membership, Organization, User
from clerk_orgs_async.testing._state import EmulatorState

__all__ = [
    "ClerkEmulator",
    "EmulatorState",
    "EmulatorStats",
    "Fault",
    "Faults",
    "Logo",
    "Membership",
    "MembershipQuery",
    "Organization",
    "OrganizationQuery",
    "RequestRecord",
    "ServedResponse",
    "User",
]
