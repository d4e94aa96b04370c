"""The hook through which every store reports a change: Clerk's event type and the record.

Each store takes an ``on_change`` callable from the aggregate (:class:`EmulatorState`) and
calls it after every change it makes, with the type of the event Clerk would send
(``organization.created``, ``organizationMembership.deleted``…) and the record as it is now
(for a deletion, as it was). Stores never render JSON: a subscriber renders what it needs.
"""

from __future__ import annotations

from collections.abc import Callable

OnChange = Callable[[str, object], None]
"""Called as ``on_change(event_type, record)`` once a store's change is made."""


def ignore_change(event_type: str, record: object) -> None:
    """The default hook: nobody listens."""
