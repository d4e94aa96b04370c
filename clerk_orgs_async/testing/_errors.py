"""The errors the emulator answers with, in Clerk's ``ClerkErrors`` shape."""

from __future__ import annotations

from typing import Any


class ClerkAPIError(Exception):
    """A Clerk error: raised by the state and the handlers, rendered as a ``ClerkErrors`` body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        long_message: str,
        *,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {long_message}")
        self.status = status
        self.code = code
        self.message = message
        self.long_message = long_message
        self.meta = meta
        self.headers = headers or {}

    def to_json(self, trace_id: str) -> dict[str, Any]:
        """Return the ``ClerkErrors`` body for this error."""
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "long_message": self.long_message,
        }
        if self.meta is not None:
            error["meta"] = self.meta
        return {"errors": [error], "clerk_trace_id": trace_id}


def not_found(what: str = "resource") -> ClerkAPIError:
    """Clerk's 404 for a missing organization, membership or user."""
    return ClerkAPIError(
        404, "resource_not_found", "not found", f"The requested {what} was not found."
    )


def param_missing(param: str, status: int = 422) -> ClerkAPIError:
    """A required body or form parameter is absent."""
    return ClerkAPIError(
        status,
        "form_param_missing",
        f"{param} must be included",
        f"{param} must be included.",
        meta={"param_name": param},
    )


def param_invalid(param: str, detail: str) -> ClerkAPIError:
    """A parameter is present but its value breaks one of Clerk's rules."""
    return ClerkAPIError(
        422,
        "form_param_value_invalid",
        "is invalid",
        f"{param} is invalid: {detail}",
        meta={"param_name": param},
    )


def body_invalid(detail: str, *, param: str | None = None) -> ClerkAPIError:
    """The body is not JSON, or a field has the wrong type or is unknown."""
    return ClerkAPIError(
        400,
        "request_body_invalid",
        "Request body invalid",
        f"The request body is invalid: {detail}",
        meta=None if param is None else {"param_name": param},
    )


def already_a_member(user_id: str) -> ClerkAPIError:
    """Clerk's 400 for adding (or accepting an invitation for) a user who is a member."""
    return ClerkAPIError(
        400,
        "already_a_member_in_organization",
        "already a member",
        f"User {user_id} is already a member of the organization.",
    )


def quota_exceeded(limit: int) -> ClerkAPIError:
    """The organization already has ``limit`` members."""
    return ClerkAPIError(
        403,
        "quota_exceeded",
        "Quota exceeded",
        f"The organization has reached its limit of {limit} memberships.",
    )


def unauthenticated(authorization: str | None) -> ClerkAPIError:
    """Clerk's 401 for a request without the instance's key, as Clerk tells the cases apart.

    Clerk's codes: ``authentication_invalid`` without credentials,
    ``authorization_header_format_invalid`` for a header that is not ``Bearer <key>``, and
    ``clerk_key_invalid`` for a well-formed header bearing a key that is not the instance's.
    """
    if not authorization:
        return ClerkAPIError(
            401,
            "authentication_invalid",
            "Invalid authentication",
            "Missing Authorization header: send 'Authorization: Bearer <secret key>'.",
        )
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return ClerkAPIError(
            401,
            "authorization_header_format_invalid",
            "Invalid Authorization header format",
            "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'",
        )
    invalid = (
        "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct."
    )
    return ClerkAPIError(401, "clerk_key_invalid", invalid, invalid)


def host_not_allowed(host: str | None) -> ClerkAPIError:
    """The emulator's own 400 for a ``Host`` it does not answer (see ``_hosts``)."""
    return ClerkAPIError(
        400,
        "host_not_allowed",
        "Host not allowed",
        f"The emulator answers requests for this machine only (Host: 127.0.0.1:<port> or"
        f" localhost:<port>), not Host {host!r}, against DNS rebinding. Allow another host"
        " with ClerkEmulator(allowed_hosts=[...]) or clerk-orgs emulator --allow-host NAME.",
    )
