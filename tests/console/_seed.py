"""A realistic emulator state, made through the client as an app would: for the console's
browser tests and for the README's screenshot."""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import Callable

import attrs

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.errors import APIError

Pixel = tuple[int, int, int]


def png(size: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """A ``size`` x ``size`` RGB PNG whose pixel at (x, y) is ``pixel(x, y)``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size)
    )
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def ring_logo(colour: Pixel) -> bytes:
    """A 64 px logo: a ring of ``colour`` on white."""

    def pixel(x: int, y: int) -> Pixel:
        distance = ((x - 31.5) ** 2 + (y - 31.5) ** 2) ** 0.5
        return colour if 14 <= distance <= 26 else (255, 255, 255)

    return png(64, pixel)


@attrs.frozen
class Seeded:
    """What :func:`seed` made that the tests look for."""

    acme_id: str
    acme_logo: bytes


async def seed(clerk: ClerkClient) -> Seeded:
    """Organizations with members, roles, metadata, logos, invitations and domains; then
    the everyday traffic of an app, a few of its mistakes among it."""
    acme = await clerk.organizations.create(
        name="Acme Inc",
        created_by="user_alice",
        public_metadata={"plan": "pro", "seats": 25, "features": ["sso", "audit_log"]},
        private_metadata={"stripe_customer": "cus_Q4xZ81", "region": "eu-west-1"},
    )
    logo = ring_logo((108, 71, 255))
    await clerk.organizations.upload_logo(acme.id, logo, content_type="image/png")
    await clerk.organization_memberships.create(acme.id, user_id="user_bob", role="org:member")
    await clerk.organization_memberships.create(acme.id, user_id="user_carol", role="org:admin")
    await clerk.organization_invitations.create(
        acme.id, email_address="dana@acme.example", role="org:member"
    )
    await clerk.organization_domains.create(acme.id, name="acme.example")
    globex = await clerk.organizations.create(
        name="Globex Corporation", created_by="user_bob", public_metadata={"plan": "team"}
    )
    await clerk.organizations.upload_logo(
        globex.id, ring_logo((22, 163, 74)), content_type="image/png"
    )
    await clerk.organization_memberships.create(globex.id, user_id="user_dave", role="org:member")
    await clerk.organization_invitations.create(
        globex.id, email_address="hank@globex.example", role="org:member"
    )
    for name, creator in [
        ("Initech", "user_erin"),
        ("Umbrella Research", "user_frank"),
        ("Wayne Enterprises", "user_alice"),
    ]:
        await clerk.organizations.create(name=name, created_by=creator)
    await clerk.organizations.list(query="acme")
    await clerk.organizations.get("globex-corporation")
    await clerk.organization_memberships.list(acme.id)
    for missing in ("no-such-org", "initech-old"):
        with contextlib.suppress(APIError):  # the 404s an app meets, for the log
            await clerk.organizations.get(missing)
    return Seeded(acme_id=acme.id, acme_logo=logo)
