"""Every route of the emulator: the 40 operations of the organization surface and the images."""

from __future__ import annotations

from aiohttp import web

from clerk_orgs_async.testing import (
    _domains_http,
    _handlers,
    _invitations_http,
    _memberships_http,
    _roles_http,
)


def add_routes(app: web.Application) -> None:
    """Register every operation under ``/v1``, one group after another."""
    _handlers.add_routes(app)
    _invitations_http.add_routes(app)
    _domains_http.add_routes(app)
    _roles_http.add_routes(app)
    _memberships_http.add_routes(app)
