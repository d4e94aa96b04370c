"""What the handlers of invitations, domains, roles and instance lists share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from aiohttp import web

from clerk_orgs_async.testing import _bodies as bodies
from clerk_orgs_async.testing._errors import ClerkAPIError
from clerk_orgs_async.testing._handlers import IMAGES_PATH, STATE
from clerk_orgs_async.testing._queries import check_page
from clerk_orgs_async.testing._records import Organization
from clerk_orgs_async.testing._render import image_url
from clerk_orgs_async.testing._state import EmulatorState

T = TypeVar("T")


def state(request: web.Request) -> EmulatorState:
    """The emulated instance behind the request's application."""
    return request.app[STATE]


def images_base(request: web.Request) -> str:
    """Where this emulator serves images, for the ``image_url`` of objects."""
    return f"{request.scheme}://{request.host}{IMAGES_PATH}"


def page(
    request: web.Request,
    items: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    *,
    bad_page_status: int = 422,
) -> dict[str, Any]:
    """One ``{data, total_count}`` page of ``items`` per ``limit`` (1..500) and ``offset``.

    ``bad_page_status`` is 400 for the one list whose spec lists no 422.
    """
    q = request.query
    try:
        limit = bodies.query_int(q, "limit", 10) or 0
        offset = bodies.query_int(q, "offset", 0) or 0
        check_page(limit, offset)
    except ClerkAPIError as error:
        if bad_page_status == error.status:
            raise
        raise ClerkAPIError(
            bad_page_status,
            "invalid_query_parameter_value",
            error.message,
            error.long_message,
            meta=error.meta,
        ) from None
    return {
        "data": [render(item) for item in items[offset : offset + limit]],
        "total_count": len(items),
    }


def public_organization_data(org: Organization, base: str) -> dict[str, Any]:
    """The ``OrganizationInvitationPublicOrganizationData`` of an organization."""
    return {
        "id": org.id,
        "name": org.name,
        "slug": org.slug,
        "image_url": image_url(base, org.image_id),
        "has_image": org.image_id is not None,
    }


def deleted(object_type: str, object_id: str) -> dict[str, Any]:
    """The ``DeletedObject`` a DELETE answers."""
    return {"object": object_type, "id": object_id, "deleted": True}


def optional(body: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The given body fields that are present and not ``null``, for keyword arguments."""
    return {name: body[name] for name in names if body.get(name) is not None}
