"""Asyncio-native client for Clerk's Organizations and Organization Memberships Backend API.

::

    from clerk_orgs_async import ClerkClient

    async with ClerkClient() as clerk:  # the key from $CLERK_SECRET_KEY
        async for org in clerk.organizations.list():
            print(org.slug)
"""

# Names load on first use (PEP 562): the pytest plugin every install registers imports this
# package, and a test suite that never uses it should not pay for importing aiohttp.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._client import ClerkClient
    from ._memberships import OrganizationMembershipsAPI
    from ._organizations import OrganizationsAPI
    from ._pacing import RateLimit
    from ._pagination import Page, Paginator
    from ._retry import RetryEvent, RetryPolicy
    from ._transport import Timeout
    from ._unset import UNSET, Unset
    from .errors import (
        APIConnectionError,
        APIError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ClerkError,
        ClientClosedError,
        ConflictError,
        ErrorDetail,
        InvalidRequestError,
        NotFoundError,
        PayloadTooLargeError,
        PaymentRequiredError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
        UnexpectedResponseError,
        UnprocessableEntityError,
    )
    from .models import DeletedObject, Organization, OrganizationMembership, PublicUserData

_LAZY = {
    "APIConnectionError": ".errors",
    "APIError": ".errors",
    "APITimeoutError": ".errors",
    "AuthenticationError": ".errors",
    "BadRequestError": ".errors",
    "ClerkClient": "._client",
    "ClerkError": ".errors",
    "ClientClosedError": ".errors",
    "ConflictError": ".errors",
    "DeletedObject": ".models",
    "ErrorDetail": ".errors",
    "InvalidRequestError": ".errors",
    "NotFoundError": ".errors",
    "Organization": ".models",
    "OrganizationMembership": ".models",
    "OrganizationMembershipsAPI": "._memberships",
    "OrganizationsAPI": "._organizations",
    "Page": "._pagination",
    "Paginator": "._pagination",
    "PayloadTooLargeError": ".errors",
    "PaymentRequiredError": ".errors",
    "PermissionDeniedError": ".errors",
    "PublicUserData": ".models",
    "RateLimit": "._pacing",
    "RateLimitError": ".errors",
    "RetryEvent": "._retry",
    "RetryPolicy": "._retry",
    "ServerError": ".errors",
    "Timeout": "._transport",
    "UNSET": "._unset",
    "UnexpectedResponseError": ".errors",
    "UnprocessableEntityError": ".errors",
    "Unset": "._unset",
}

__all__ = [
    "UNSET",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClerkClient",
    "ClerkError",
    "ClientClosedError",
    "ConflictError",
    "DeletedObject",
    "ErrorDetail",
    "InvalidRequestError",
    "NotFoundError",
    "Organization",
    "OrganizationMembership",
    "OrganizationMembershipsAPI",
    "OrganizationsAPI",
    "Page",
    "Paginator",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PublicUserData",
    "RateLimit",
    "RateLimitError",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "Timeout",
    "UnexpectedResponseError",
    "UnprocessableEntityError",
    "Unset",
    "__version__",
]


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
