"""What every group's HTTP module shares: the state's key, JSON answers, pages, common objects.

A group's HTTP module parses a request, calls its store (or the aggregate, for a rule that
spans groups) and renders the records as Clerk's JSON. Each handler reads its body with
``await read_body(request)`` (``_payload``) and changes the state in one synchronous step
after its last ``await``: the data file's journal relies on it (see ``_durable``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from aiohttp import web

from clerk_orgs_async._json import dumps
from clerk_orgs_async.testing import _bodies as bodies
from clerk_orgs_async.testing._errors import ClerkAPIError
from clerk_orgs_async.testing._listing import check_page
from clerk_orgs_async.testing._organizations import OrganizationRecord
from clerk_orgs_async.testing._state import EmulatorState

T = TypeVar("T")
STATE = web.AppKey("state", EmulatorState)
IMAGES_PATH = "/v1/_emulator/images"
DEFAULT_IMAGE = "default"
"""The image ID under which the emulator serves its placeholder avatar."""
EventJson = Callable[[EmulatorState, Any, str, Mapping[str, Any]], dict[str, Any]]
"""Renders a changed record as its webhook event's ``data``, as the API answers it: called with
the state, the record, the images' base URL and what the store reported beside the record.
Each group's HTTP module declares ``EVENTS``, its event types' renderers (``_webhook_events``)."""


def state(request: web.Request) -> EmulatorState:
    """The emulated instance behind the request's application."""
    return request.app[STATE]


def json_response(body: Any) -> web.Response:
    """A 200 with a JSON body."""
    return web.Response(body=dumps(body), content_type="application/json")


def images_base(request: web.Request) -> str:
    """Where this emulator serves images, for the ``image_url`` of objects."""
    return f"{request.scheme}://{request.host}{IMAGES_PATH}"


def image_url(images_base: str, image_id: str | None) -> str:
    """Where the emulator serves an image; Clerk's objects always carry one, a default if unset."""
    return f"{images_base}/{image_id or DEFAULT_IMAGE}"


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
    try:
        limit, offset = page_params(request)
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


def page_params(request: web.Request) -> tuple[int, int]:
    """The ``limit`` (default 10) and ``offset`` (default 0) of a list request."""
    q = request.query
    return bodies.query_int(q, "limit", 10) or 0, bodies.query_int(q, "offset", 0) or 0


def public_organization_data(org: OrganizationRecord, base: str) -> dict[str, Any]:
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
