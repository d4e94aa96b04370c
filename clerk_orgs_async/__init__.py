"""Asyncio-native client for Clerk's Organizations and Organization Memberships Backend API.

::

    from clerk_orgs_async import ClerkClient

    async with ClerkClient() as clerk:  # the key from $CLERK_SECRET_KEY
        async for org in clerk.organizations.list():
            print(org.slug)
"""

from ._client import ClerkClient
from ._memberships import OrganizationMembershipsAPI
from ._organizations import OrganizationsAPI
from ._pacing import RateLimit
from ._pagination import Page, Paginator
from ._retry import RetryEvent, RetryPolicy
from ._transport import Timeout
from ._unset import UNSET, Unset
from ._version import __version__
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
