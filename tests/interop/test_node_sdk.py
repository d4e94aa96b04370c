"""Clerk's official Node SDK (``@clerk/backend``), unchanged, against the emulator.

``node/interop.mjs`` runs every operation of the organization surface the SDK has, in one
sequence against one emulator, and prints each outcome; each test here asserts one outcome as
Clerk would answer it. ``make test`` installs the SDK (``npm ci`` in ``node/``, from the
committed lockfile); without Node 20.9+ or the SDK these tests fail under CI and skip elsewhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from clerk_orgs_async.testing import ClerkEmulator
from tests._needs import missing
from tests.emulator._support import USERS, Conformance

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "interop.mjs"
MIN_NODE = (20, 9)  # @clerk/backend's "engines"
ALICE, BOB = "user_alice", "user_bob"


def _node_problem() -> str | None:
    """Why the Node SDK cannot run here, or None."""
    node = shutil.which("node")
    if node is None:
        return "Node.js is not installed: Clerk's Node SDK interop tests need Node 20.9+"
    version = asyncio.run(_output(node, "--version"))
    found = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
    if found < MIN_NODE:
        return f"Node.js {version.strip()} is too old: @clerk/backend needs Node 20.9+"
    if not (NODE_DIR / "node_modules" / "@clerk" / "backend").is_dir():
        return f"@clerk/backend is not installed: run `make node-sdk` (npm ci in {NODE_DIR})"
    return None


async def _output(*command: str, env: dict[str, str] | None = None) -> str:
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


async def _run_script(conformance: Conformance) -> tuple[dict[str, Any], list[str]]:
    """The script's outcomes against a fresh emulator, and the responses that broke the spec."""
    start = len(conformance.failures)
    async with ClerkEmulator(users=USERS, on_response=conformance.record) as emulator:
        env = {
            **os.environ,
            "EMULATOR_API_URL": str(URL(emulator.base_url).origin()),
            "EMULATOR_SECRET_KEY": emulator.secret_key,
        }
        # The emulator keeps answering on this loop while the script runs.
        results: dict[str, Any] = json.loads(await _output("node", str(SCRIPT), env=env))
    return results, conformance.failures[start:]


@pytest.fixture(scope="module")
def node_run(conformance: Conformance) -> tuple[dict[str, Any], list[str]]:
    problem = _node_problem()
    if problem is not None:
        missing(problem)  # CI must not pass without having looked: a broken setup there
    return asyncio.run(_run_script(conformance))


def users(memberships: dict[str, Any]) -> list[str]:
    return [m["publicUserData"]["userId"] for m in memberships["data"]]


def fields(*names: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    return lambda value: tuple(value[name] for name in names)


ERROR = fields("status", "code")  # a refusal: Clerk's status and first error code

# (operation, what to read from what it returned, what Clerk answers)
CHECKS: list[tuple[str, Callable[[Any], Any], Any]] = [
    (
        "createOrganization",
        fields("name", "slug", "maxAllowedMemberships", "publicMetadata", "privateMetadata"),
        ("Acme", "acme", 10, {"plan": {"tier": "pro", "seats": 5}}, {"crm": 7}),
    ),
    ("createOrganization without creator", fields("slug"), ("globex",)),
    (
        "getOrganizationList",
        lambda v: (v["totalCount"], [(o["name"], o["membersCount"]) for o in v["data"]]),
        (2, [("Acme", 1)]),
    ),
    ("getOrganizationList query", lambda v: [o["name"] for o in v["data"]], ["Globex"]),
    ("getOrganization by id", fields("name", "slug"), ("Acme", "acme")),
    ("getOrganization by slug", fields("name", "membersCount"), ("Acme", 1)),
    (
        "updateOrganization",
        fields("name", "maxAllowedMemberships", "adminDeleteEnabled"),
        ("Acme Corp", 25, False),
    ),
    ("updateOrganizationMetadata", fields("publicMetadata"), ({"plan": {"seats": 9}},)),
    (
        "replaceOrganizationMetadata",
        fields("publicMetadata", "privateMetadata"),
        ({"plan": {"seats": 9}}, {"crm": 1}),
    ),
    ("updateOrganizationLogo", fields("hasImage"), (True,)),
    ("deleteOrganizationLogo", fields("hasImage"), (False,)),
    (
        "createOrganizationMembership",
        lambda v: (v["role"], v["publicUserData"]["userId"]),
        ("org:member", BOB),
    ),
    (
        "createOrganizationMembership existing member",
        ERROR,
        (400, "already_a_member_in_organization"),
    ),
    (
        "getOrganizationMembershipList",
        lambda v: (v["totalCount"], sorted(users(v))),
        (2, [ALICE, BOB]),
    ),
    ("getOrganizationMembershipList role", users, [ALICE]),
    ("getInstanceOrganizationMembershipList", users, [ALICE, BOB]),
    ("updateOrganizationMembership", fields("role"), ("org:admin",)),
    (
        "updateOrganizationMembershipMetadata",
        fields("publicMetadata", "privateMetadata"),
        ({"a": 1}, {"b": 2}),
    ),
    ("deleteOrganizationMembership", lambda v: v["publicUserData"]["userId"], BOB),
    (
        "createOrganizationInvitation",
        fields("emailAddress", "role", "status", "publicMetadata"),
        ("new@example.com", "org:member", "pending", {"source": "sdk"}),
    ),
    (
        "createOrganizationInvitationBulk",
        lambda v: sorted((i["emailAddress"], i["role"]) for i in v["data"]),
        [("one@example.com", "org:member"), ("two@example.com", "org:admin")],
    ),
    ("getOrganizationInvitation", fields("emailAddress", "status"), ("new@example.com", "pending")),
    ("revokeOrganizationInvitation", fields("status"), ("revoked",)),
    ("getOrganizationInvitationList", lambda v: (v["totalCount"], len(v["data"])), (3, 3)),
    (
        "getOrganizationInvitationList pending",
        lambda v: sorted(i["emailAddress"] for i in v["data"]),
        ["one@example.com", "two@example.com"],
    ),
    # The SDK hands domains back as Clerk's JSON: it has no class for them.
    (
        "createOrganizationDomain",
        lambda v: (v["name"], v["enrollment_mode"], v["affiliation_verification"]["status"]),
        ("acme.com", "automatic_invitation", "unverified"),
    ),
    ("getOrganizationDomainList", lambda v: [d["name"] for d in v["data"]], ["acme.com"]),
    (
        "updateOrganizationDomain",
        lambda v: (v["enrollment_mode"], v["affiliation_verification"]["status"]),
        ("manual_invitation", "verified"),
    ),
    ("deleteOrganizationDomain", fields("object", "deleted"), ("organization_domain", True)),
    (
        "createOrganizationPermission",
        fields("key", "name", "description"),
        ("org:invoices:read", "Read invoices", "See every invoice"),
    ),
    (
        "getOrganizationPermissionList",
        lambda v: [p["key"] for p in v["data"]],
        ["org:invoices:read"],
    ),
    ("getOrganizationPermission", fields("key"), ("org:invoices:read",)),
    ("updateOrganizationPermission", fields("name"), ("Read all invoices",)),
    (
        "createOrganizationRole",
        lambda v: (v["key"], v["description"], [p["key"] for p in v["permissions"]]),
        ("org:billing", "Pays", ["org:invoices:read"]),
    ),
    (
        "getOrganizationRoleList",
        lambda v: [role["key"] for role in v["data"]],
        ["org:admin", "org:billing", "org:member"],
    ),
    ("getOrganizationRole", fields("key", "name"), ("org:billing", "Billing")),
    ("updateOrganizationRole", fields("key", "name"), ("org:billing", "Finance")),
    ("removePermissionFromOrganizationRole", fields("permissions"), ([],)),
    (
        "assignPermissionToOrganizationRole",
        lambda v: [p["key"] for p in v["permissions"]],
        ["org:invoices:read"],
    ),
    ("deleteOrganizationRole", fields("object", "deleted"), ("role", True)),
    ("deleteOrganizationPermission", fields("object", "deleted"), ("permission", True)),
    # getUserList asks GET /users and GET /users/count (its totalCount), with the same filters.
    ("getUserList", lambda v: ([u["id"] for u in v["data"]], v["totalCount"]), ([ALICE], 1)),
    ("getCount", lambda v: v, len(USERS)),
    ("getUser", fields("id", "firstName"), (BOB, "Bob")),
    ("deleteOrganization", fields("object", "slug", "deleted"), ("organization", "acme", True)),
    ("getOrganization deleted", ERROR, (404, "resource_not_found")),
    ("getOrganizationList wrong key", ERROR, (401, "clerk_key_invalid")),
]


@pytest.mark.parametrize(("name", "read", "expected"), CHECKS, ids=[c[0] for c in CHECKS])
def test_operation(
    node_run: tuple[dict[str, Any], list[str]],
    name: str,
    read: Callable[[Any], Any],
    expected: Any,
) -> None:
    outcome = node_run[0][name]
    if read is ERROR:
        assert not outcome["ok"], f"Clerk refuses this; the emulator accepted it: {outcome}"
        assert read(outcome) == expected
    else:
        assert outcome["ok"], f"{name} failed: {outcome}"
        assert read(outcome["value"]) == expected


def test_every_operation_is_checked(node_run: tuple[dict[str, Any], list[str]]) -> None:
    assert sorted(node_run[0]) == sorted(name for name, *_ in CHECKS)


def test_responses_conform_to_the_spec(node_run: tuple[dict[str, Any], list[str]]) -> None:
    assert node_run[1] == []
