"""Asyncio-native client for the organization side of Clerk's Backend API.

```python
from clerk_orgs_async import ClerkClient

async with ClerkClient() as clerk:  # the key from $CLERK_SECRET_KEY
    async for org in clerk.organizations.list():
        print(org.slug)
```
"""

# Names load on first use (PEP 562): the pytest plugin every install registers imports this
# package, and a test suite that never uses it should not pay for importing aiohttp.
from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import attach
from ._version import __version__ as __version__

_EXPORTS = {
    # The public surface, declared once: name -> the module defining it.
    "APIConnectionError": ".errors",
    "APIError": ".errors",
    "APITimeoutError": ".errors",
    "AuthenticationError": ".errors",
    "BadRequestError": ".errors",
    "BulkInvitationError": ".errors",
    "ClerkClient": "._client",
    "ClerkError": ".errors",
    "ClientClosedError": ".errors",
    "ConflictError": ".errors",
    "DeletedObject": ".models",
    "DomainVerification": ".models",
    "ErrorDetail": ".errors",
    "InvalidRequestError": ".errors",
    "InvitationRequest": ".models",
    "NotFoundError": ".errors",
    "Organization": ".models",
    "OrganizationDomain": ".models",
    "OrganizationDomainsAPI": "._domains",
    "OrganizationInvitation": ".models",
    "OrganizationInvitationsAPI": "._invitations",
    "OrganizationMembership": ".models",
    "OrganizationMembershipsAPI": "._memberships",
    "OrganizationPermission": ".models",
    "OrganizationPermissionsAPI": "._roles",
    "OrganizationRole": ".models",
    "OrganizationRolesAPI": "._roles",
    "OrganizationsAPI": "._organizations",
    "Page": "._pagination",
    "PaginationError": ".errors",
    "Paginator": "._pagination",
    "PayloadTooLargeError": ".errors",
    "PaymentRequiredError": ".errors",
    "PermissionDeniedError": ".errors",
    "PublicInviterData": ".models",
    "PublicOrganizationData": ".models",
    "PublicUserData": ".models",
    "RateLimit": "._limits",
    "RateLimitError": ".errors",
    "RedisRateLimit": "._limits",
    "ResponseTooLargeError": ".errors",
    "RetryEvent": "._retry",
    "RetryPolicy": "._retry",
    "ServerError": ".errors",
    "Timeout": "._transport",
    "UNSET": "._unset",
    "UnexpectedResponseError": ".errors",
    "UnprocessableEntityError": ".errors",
    "Unset": "._unset",
    "WebhookVerificationError": ".errors",
    "instant_retries": "._retry",
}

__all__ = sorted([*_EXPORTS, "__version__"])
__getattr__, __dir__ = attach(__name__, _EXPORTS, globals())

if TYPE_CHECKING:
    # For type checkers only; tests/test_public_api.py checks these match _EXPORTS.
    from ._client import ClerkClient as ClerkClient
    from ._domains import OrganizationDomainsAPI as OrganizationDomainsAPI
    from ._invitations import OrganizationInvitationsAPI as OrganizationInvitationsAPI
    from ._limits import RateLimit as RateLimit
    from ._limits import RedisRateLimit as RedisRateLimit
    from ._memberships import OrganizationMembershipsAPI as OrganizationMembershipsAPI
    from ._organizations import OrganizationsAPI as OrganizationsAPI
    from ._pagination import Page as Page
    from ._pagination import Paginator as Paginator
    from ._retry import RetryEvent as RetryEvent
    from ._retry import RetryPolicy as RetryPolicy
    from ._retry import instant_retries as instant_retries
    from ._roles import OrganizationPermissionsAPI as OrganizationPermissionsAPI
    from ._roles import OrganizationRolesAPI as OrganizationRolesAPI
    from ._transport import Timeout as Timeout
    from ._unset import UNSET as UNSET
    from ._unset import Unset as Unset
    from .errors import APIConnectionError as APIConnectionError
    from .errors import APIError as APIError
    from .errors import APITimeoutError as APITimeoutError
    from .errors import AuthenticationError as AuthenticationError
    from .errors import BadRequestError as BadRequestError
    from .errors import BulkInvitationError as BulkInvitationError
    from .errors import ClerkError as ClerkError
    from .errors import ClientClosedError as ClientClosedError
    from .errors import ConflictError as ConflictError
    from .errors import ErrorDetail as ErrorDetail
    from .errors import InvalidRequestError as InvalidRequestError
    from .errors import NotFoundError as NotFoundError
    from .errors import PaginationError as PaginationError
    from .errors import PayloadTooLargeError as PayloadTooLargeError
    from .errors import PaymentRequiredError as PaymentRequiredError
    from .errors import PermissionDeniedError as PermissionDeniedError
    from .errors import RateLimitError as RateLimitError
    from .errors import ResponseTooLargeError as ResponseTooLargeError
    from .errors import ServerError as ServerError
    from .errors import UnexpectedResponseError as UnexpectedResponseError
    from .errors import UnprocessableEntityError as UnprocessableEntityError
    from .errors import WebhookVerificationError as WebhookVerificationError
    from .models import DeletedObject as DeletedObject
    from .models import DomainVerification as DomainVerification
    from .models import InvitationRequest as InvitationRequest
    from .models import Organization as Organization
    from .models import OrganizationDomain as OrganizationDomain
    from .models import OrganizationInvitation as OrganizationInvitation
    from .models import OrganizationMembership as OrganizationMembership
    from .models import OrganizationPermission as OrganizationPermission
    from .models import OrganizationRole as OrganizationRole
    from .models import PublicInviterData as PublicInviterData
    from .models import PublicOrganizationData as PublicOrganizationData
    from .models import PublicUserData as PublicUserData
