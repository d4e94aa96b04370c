"""Exceptions raised by clerk_orgs_async.

```text
ClerkError
├── InvalidRequestError (also a ValueError): refused before any I/O
├── ClientClosedError (also a RuntimeError): the client was closed
├── PaginationError: a listing contradicted itself; iteration stopped rather than guess
├── BulkInvitationError: a bulk_create left invitations out; it says what was created
├── WebhookVerificationError: a webhook delivery is not signed by Clerk, too old or new,
│   or not Clerk's event envelope
├── APIConnectionError: the request got no HTTP response
│   └── APITimeoutError
└── APIError: Clerk answered with an error status
    ├── BadRequestError            400
    ├── AuthenticationError        401
    ├── PaymentRequiredError       402
    ├── PermissionDeniedError      403
    ├── NotFoundError              404
    ├── ConflictError              409
    ├── PayloadTooLargeError       413
    ├── UnprocessableEntityError   422
    ├── RateLimitError             429
    ├── ServerError                5xx
    └── UnexpectedResponseError    a success status with a body that cannot be decoded
        └── ResponseTooLargeError  a success body over the client's max_response_bytes
```

Every error carries ``attempts`` (how many requests were sent) and ``outcome_unknown`` (True
when a write may have been applied although it failed, so it was not retried blindly).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BulkInvitationError",
    "ClerkError",
    "ClientClosedError",
    "ConflictError",
    "ErrorDetail",
    "InvalidRequestError",
    "NotFoundError",
    "PaginationError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "UnexpectedResponseError",
    "UnprocessableEntityError",
    "WebhookVerificationError",
]

_BODY_EXCERPT = 200


@attrs.frozen(kw_only=True)
class ErrorDetail:
    """One entry of Clerk's ``errors`` array."""

    code: str = ""
    message: str = ""
    long_message: str | None = None
    meta: dict[str, Any] = attrs.field(factory=dict)


class ClerkError(Exception):
    """Base of every exception this library raises."""

    attempts: int = 1
    outcome_unknown: bool = False

    def _suffix(self) -> str:
        parts = []
        if self.attempts > 1:
            parts.append(f"after {self.attempts} attempts")
        if self.outcome_unknown:
            parts.append("the write may have been applied; it was not retried to avoid a duplicate")
        return f" ({'; '.join(parts)})" if parts else ""

    def __str__(self) -> str:
        return super().__str__() + self._suffix()


class InvalidRequestError(ClerkError, ValueError):
    """An argument was refused before anything was sent."""


class ClientClosedError(ClerkError, RuntimeError):
    """The client was closed before or while the request ran."""


class WebhookVerificationError(ClerkError):
    """A webhook delivery was refused: a ``svix-*`` header is missing, no signature matches,
    its timestamp is outside the tolerance, or the body is not Clerk's event envelope.

    Answer the delivery with a 400 and no detail. The message says why for your logs; it
    never holds the signing secret, and neither does any chained exception.
    """


class APIConnectionError(ClerkError):
    """No HTTP response: connection refused or dropped, DNS failure, TLS failure.

    ``request_sent`` is False only when the request certainly never reached the server
    (it failed while connecting), which makes even a POST safe to retry.
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read or total timeout)."""


class PaginationError(ClerkError):
    """An iteration met pages that contradict each other and stopped rather than guess.

    Raised when a page is out of the order the walk relies on, when the walk cannot find its
    place again, or when pages keep coming back empty while ``total_count`` says more remain
    (a lagging replica). Every item yielded before it was distinct. ``offset`` is where the
    walk was.
    """

    def __init__(self, message: str, *, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class BulkInvitationError(ClerkError):
    """``organization_invitations.bulk_create`` left some invitations out; nothing is left
    unaccounted.

    Attributes:
        created: the invitations created, in the order asked.
        not_created: the requests certainly not created (refused, or never sent).
        maybe_created: the requests of a call whose answer was lost and could not be looked
            up: they may exist (``outcome_unknown`` is True when there are any).
        refused: each request Clerk refused, with its error (``error.code`` is Clerk's
            code); these are in ``not_created`` too.
        error: why the send stopped, or when every call was sent, the first refusal (also
            the exception's ``__cause__``).
    """

    def __init__(
        self,
        *,
        created: list[Any],
        not_created: list[Any],
        maybe_created: list[Any],
        error: ClerkError,
        refused: list[tuple[Any, APIError]] | None = None,
    ) -> None:
        self.created = created
        self.not_created = not_created
        self.maybe_created = maybe_created
        self.refused = refused or []
        self.error = error
        self.outcome_unknown = bool(maybe_created)
        self.attempts = error.attempts
        total = len(created) + len(not_created) + len(maybe_created)
        unknown = f", {len(maybe_created)} may have been" if maybe_created else ""
        message = (
            f"bulk_create{' stopped' if self._stopped() else ''}: {len(created)} of "
            f"{total} invitations created, {len(not_created)} not created{unknown}"
        )
        if self.refused:
            shown = ", ".join(
                f"{getattr(r, 'email_address', r)} ({e.code or e.status})"
                for r, e in self.refused[:_REFUSALS_SHOWN]
            )
            more = len(self.refused) - _REFUSALS_SHOWN
            message += f"; refused: {shown}{f' and {more} more' if more > 0 else ''}"
        if self._stopped():
            message += f"; {type(error).__name__}: {error}"
        super().__init__(message)

    def _stopped(self) -> bool:
        """Whether a failure other than a refusal ended the send."""
        return all(refusal is not self.error for _, refusal in self.refused)

    def __str__(self) -> str:
        return str(self.args[0])


_REFUSALS_SHOWN = 5


class APIError(ClerkError):
    """Clerk answered with an error status; ``errors`` holds Clerk's error entries.

    ``method`` and ``path`` name the request that failed (``GET /v1/organizations/acme``).
    """

    def __init__(
        self,
        status: int,
        errors: list[ErrorDetail] | None = None,
        clerk_trace_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: str = "",
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.errors = errors or []
        self.clerk_trace_id = clerk_trace_id
        self.headers: Mapping[str, str] = headers or {}
        self.body = body
        self.method = method
        self.path = path
        super().__init__(status, self.errors, clerk_trace_id)

    @property
    def code(self) -> str | None:
        """The first error's code, the one to branch on (``resource_not_found``…)."""
        return self.errors[0].code if self.errors else None

    def _detail(self) -> str:
        if self.errors:
            return "; ".join(
                f"{e.code}: {e.long_message or e.message}".rstrip(": ") for e in self.errors
            )
        text = " ".join(self.body.split())
        if len(text) > _BODY_EXCERPT:
            text = text[:_BODY_EXCERPT] + "…"
        return text or "empty response body"

    def __str__(self) -> str:
        request = f" ({self.method} {self.path})" if self.method and self.path else ""
        trace = f" [trace {self.clerk_trace_id}]" if self.clerk_trace_id else ""
        return f"{self.status} {self._detail()}{request}{trace}{self._suffix()}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r})"


class BadRequestError(APIError):
    """400: the request was refused as malformed, or by a rule such as
    ``already_a_member_in_organization`` (the user is a member already)."""


class AuthenticationError(APIError):
    """401: the secret key is missing, wrong or revoked."""


class PaymentRequiredError(APIError):
    """402: the feature needs a paid plan."""


class PermissionDeniedError(APIError):
    """403: not allowed, or a quota such as ``max_allowed_memberships`` is reached."""


class NotFoundError(APIError):
    """404: no such organization, membership or user."""


class ConflictError(APIError):
    """409: the request conflicts with the current state."""


class PayloadTooLargeError(APIError):
    """413: the upload is too large."""


class UnprocessableEntityError(APIError):
    """422: a parameter has an invalid value, or a slug is taken (``form_identifier_exists``)."""


class RateLimitError(APIError):
    """429: too many requests.

    ``retry_after`` is the wait in seconds Clerk asked for (None when it gave none) and
    ``retry_at`` the moment the request may be retried.
    """

    def __init__(
        self,
        status: int,
        errors: list[ErrorDetail] | None = None,
        clerk_trace_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: str = "",
        *,
        retry_after: float | None = None,
        retry_at: datetime | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(status, errors, clerk_trace_id, headers, body, method=method, path=path)
        self.retry_after = retry_after
        self.retry_at = retry_at

    def __str__(self) -> str:
        text = super().__str__()
        if self.retry_at is not None:
            text += f" (retry after {self.retry_at.isoformat(timespec='seconds')})"
        return text


class ServerError(APIError):
    """5xx: Clerk failed; usually temporary."""


class UnexpectedResponseError(APIError):
    """A success status whose body is not the JSON this endpoint returns.

    The request itself succeeded: a write it carried was applied.
    """


class ResponseTooLargeError(UnexpectedResponseError):
    """A success body larger than the client's ``max_response_bytes``; it was not read."""
