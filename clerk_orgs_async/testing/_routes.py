"""Every route of the emulator: each endpoint group's HTTP module adds its own."""

from __future__ import annotations

from aiohttp import web

from clerk_orgs_async.testing import (
    _domains_http,
    _invitations_http,
    _memberships_http,
    _organizations_http,
    _roles_http,
    _users_http,
)

GROUPS = (
    _organizations_http,
    _memberships_http,
    _invitations_http,
    _domains_http,
    _roles_http,
    _users_http,
)
"""The HTTP module of each endpoint group: a new group adds its module here."""


def add_routes(app: web.Application) -> None:
    """Register every operation under ``/v1``, one group after another."""
    for group in GROUPS:
        group.add_routes(app)
