"""What the emulator's tests share: seeded users, a plain aiohttp caller, the spec checker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import attrs

from clerk_orgs_async._json import loads
from clerk_orgs_async.testing import ClerkEmulator, ServedResponse

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "clerk-api"
SPEC = SPEC_DIR / "bapi-2025-11-10-organization-surface.yml"
SPEC_MISSING = (
    f"Clerk's OpenAPI spec is not at {SPEC} (the repository's ../shared/clerk-api/): "
    "the checks of the emulator's responses against it are off"
)
# Statuses any operation answers although the spec excerpt lists them on some only: a
# malformed body, a missing or wrong key, an unknown resource or route, a method a route does
# not take, a body shorter than its Content-Length, a body over the size limit (as sent or
# once decoded), the rate limit.
CROSS_CUTTING = frozenset({400, 401, 404, 405, 408, 413, 429})
# GET /users, /users/count and /users/{user_id} are not in the spec excerpts: the emulator
# serves them, read-only, so that code can find the users it seeds. Their 200s are checked
# against what Clerk's full spec requires of a User (clerk/openapi-specs, bapi/2025-11-10.yml,
# components.schemas.User: its "required" list, with the types of those fields) and of a
# TotalCount, their errors against ClerkErrors like every other operation's.
_USER_FIELDS = {
    "id": "string",
    "object": "string",
    **dict.fromkeys(
        (
            "username",
            "first_name",
            "last_name",
            "primary_email_address_id",
            "primary_phone_number_id",
            "primary_web3_wallet_id",
            "external_id",
        ),
        "string?",
    ),
    **dict.fromkeys(
        (
            "has_image",
            "password_enabled",
            "two_factor_enabled",
            "totp_enabled",
            "backup_code_enabled",
            "banned",
            "locked",
            "delete_self_enabled",
            "create_organization_enabled",
        ),
        "boolean",
    ),
    **dict.fromkeys(
        (
            "email_addresses",
            "phone_numbers",
            "web3_wallets",
            "passkeys",
            "external_accounts",
            "saml_accounts",
            "enterprise_accounts",
        ),
        "array",
    ),
    "public_metadata": "object",
    **dict.fromkeys(
        (
            "last_sign_in_at",
            "lockout_expires_in_seconds",
            "verification_attempts_remaining",
            "last_active_at",
            "mfa_enabled_at",
            "mfa_disabled_at",
            "legal_accepted_at",
        ),
        "integer?",
    ),
    "created_at": "integer",
    "updated_at": "integer",
}
USER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": sorted(_USER_FIELDS),
    "properties": {
        name: {"type": kind.rstrip("?"), "nullable": kind.endswith("?")}
        for name, kind in _USER_FIELDS.items()
    },
}
USER_SCHEMA["properties"]["object"]["enum"] = ["user"]
# (method, route) -> the 200's schema, and the error statuses the full spec lists (and 429).
USERS_ROUTES: dict[tuple[str, str], tuple[dict[str, Any], frozenset[int]]] = {
    ("GET", "/users"): ({"type": "array", "items": USER_SCHEMA}, frozenset({400, 401, 422, 429})),
    ("GET", "/users/{user_id}"): (USER_SCHEMA, frozenset({400, 401, 404, 429})),
    ("GET", "/users/count"): (
        {
            "type": "object",
            "required": ["object", "total_count"],
            "properties": {
                "object": {"type": "string", "enum": ["total_count"]},
                "total_count": {"type": "integer"},
            },
        },
        frozenset({400, 401, 422, 429}),
    ),
}

USERS: list[dict[str, Any] | str] = [
    {
        "id": "user_alice",
        "first_name": "Alice",
        "last_name": "Anders",
        "email_address": "alice@example.com",
        "username": "alice",
        "phone_number": "+15550000001",
        "web3_wallet": "0xaaa1",
        "image_url": "https://images.example.com/alice.png",
        "last_active_at": 1_700_000_000_000,
    },
    {
        "id": "user_bob",
        "first_name": "Bob",
        "last_name": "Baker",
        "email_address": "bob@example.com",
        "username": "bobby",
        "phone_number": "+15550000002",
        "last_active_at": 1_700_000_500_000,
    },
    {
        "id": "user_carol",
        "first_name": "Carol",
        "last_name": "Clark",
        "email_address": "carol@sample.org",
        "username": "carol",
    },
    "user_dave",
    "user_erin",
    "user_frank",
]


def _null_allowed(schema: Any) -> Any:
    """A copy of the spec where ``nullable: true`` beside ``allOf`` admits ``null``.

    OAS 3.0.3 lets the ``allOf`` veto ``null`` even then, but Clerk's spec means ``null`` there
    (``ownership_verification`` is "Null until ownership has been attempted").
    """
    if isinstance(schema, list):
        return [_null_allowed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copied = {key: _null_allowed(value) for key, value in schema.items()}
    if copied.get("nullable") is True and "allOf" in copied:
        return {"anyOf": [{"enum": [None]}, {"allOf": copied.pop("allOf")}], **copied}
    return copied


class Conformance:
    """Validates served responses against the spec; collects what did not conform."""

    def __init__(self, spec_path: Path) -> None:
        self.enabled = spec_path.exists()
        self.failures: list[str] = []
        self.seen: list[tuple[str, str, int]] = []
        if not self.enabled:
            return
        import yaml
        from openapi_schema_validator import OAS30Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        self.spec: dict[str, Any] = yaml.load(spec_path.read_text(), Loader=yaml.CSafeLoader)
        registry: Registry[Any] = Registry().with_resource(
            "urn:spec",
            Resource.from_contents(_null_allowed(self.spec), default_specification=DRAFT4),
        )

        def validator(pointer: str) -> Any:
            return OAS30Validator({"$ref": f"urn:spec#{pointer}"}, registry=registry)

        self._validator = validator

    def schema_pointer(self, route: str | None, method: str, status: int) -> str | None:
        """The JSON pointer of the schema the spec gives this response, if any."""
        responses = self.spec["paths"].get(route or "", {}).get(method.lower(), {})
        response = responses.get("responses", {}).get(str(status))
        if response is None:
            return "/components/schemas/ClerkErrors" if status in CROSS_CUTTING else None
        name = response["$ref"].rsplit("/", 1)[1]
        schema_ref: str = self.spec["components"]["responses"][name]["content"]["application/json"][
            "schema"
        ]["$ref"]
        return schema_ref.removeprefix("#")

    def spec_operations(self) -> set[tuple[str, str]]:
        """Every ``(METHOD, route)`` the spec lists."""
        return {
            (method.upper(), route) for route, item in self.spec["paths"].items() for method in item
        }

    def check(self, served: ServedResponse) -> list[str]:
        """Problems with one response; injected faults (but the rate limiter's) are exempt."""
        record = served.record
        if record.status is None or record.fault not in (None, "rate_limit"):
            return []
        if served.route is None and record.status < 400:
            return []  # the emulator's own image route
        where = f"{record.method} {record.path} -> {record.status}"
        users_route = USERS_ROUTES.get((record.method, served.route or ""))
        if users_route is not None:
            schema, error_statuses = users_route
            if record.status == 200:
                from openapi_schema_validator import OAS30Validator

                errors = OAS30Validator(schema).iter_errors(loads(served.body))
                return [f"{where}: {e.message}" for e in errors]
            if record.status not in error_statuses:
                return [f"{where}: Clerk's spec lists no such status for this operation"]
            pointer: str | None = "/components/schemas/ClerkErrors"
        else:
            pointer = self.schema_pointer(served.route, record.method, record.status)
        if pointer is None:
            return [f"{where}: the spec lists no such status for this operation"]
        if served.content_type != "application/json":
            return [f"{where}: content type {served.content_type}"]
        body = loads(served.body)
        return [f"{where}: {e.message}" for e in self._validator(pointer).iter_errors(body)]

    def record(self, served: ServedResponse) -> None:
        """Check a served response and remember which operation and status it was."""
        if not self.enabled:
            return
        self.failures.extend(self.check(served))
        if served.route is not None and served.record.status is not None:
            self.seen.append((served.record.method, served.route, served.record.status))


@attrs.frozen
class Reply:
    status: int
    body: Any
    headers: Any

    def error_code(self) -> str:
        code: str = self.body["errors"][0]["code"]
        return code


class Api:
    """Plain aiohttp calls to an emulator: what goes over the wire, no client library."""

    def __init__(self, session: aiohttp.ClientSession, emulator: ClerkEmulator) -> None:
        self.session = session
        self.emulator = emulator

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        key: str | None = None,
    ) -> Reply:
        auth = {"Authorization": f"Bearer {key or self.emulator.secret_key}"}
        async with self.session.request(
            method,
            self.emulator.base_url + path,
            json=json,
            params=params,
            data=data,
            headers={**auth, **(headers or {})},
        ) as response:
            raw = await response.read()
            body = loads(raw) if response.content_type == "application/json" else raw
            return Reply(response.status, body, response.headers)

    async def create_org(self, name: str = "Acme", **fields: Any) -> dict[str, Any]:
        reply = await self.call("POST", "/organizations", json={"name": name, **fields})
        assert reply.status == 200, reply.body
        body: dict[str, Any] = reply.body
        return body
