"""Receive Clerk's webhooks: verify the Svix signature and decode the event.

::

    from clerk_orgs_async import Organization
    from clerk_orgs_async.webhooks import WebhookVerificationError, verify_webhook

    @app.post("/webhooks/clerk")
    async def clerk_webhook(request: Request) -> Response:
        try:  # the secret from $CLERK_WEBHOOK_SIGNING_SECRET
            event = verify_webhook(await request.body(), request.headers)
        except WebhookVerificationError:
            return Response(status_code=400)
        if isinstance(event.data, Organization):
            ...  # organization.created / organization.updated
        return Response(status_code=204)

Deliveries come at least once and in no set order: handle each ``event.id`` once, and order
changes to one object by its ``updated_at``. Needs the ``webhooks`` extra
(``pip install 'clerk-orgs-async[webhooks]'``).
"""

from ._webhooks import WebhookData, WebhookEvent, verify_webhook
from .errors import WebhookVerificationError

__all__ = [
    "WebhookData",
    "WebhookEvent",
    "WebhookVerificationError",
    "verify_webhook",
]
