"""Bulk jobs: make Clerk's organizations match a desired state, and export them.

```python
from clerk_orgs_async import ClerkClient
from clerk_orgs_async.sync import DesiredMember, DesiredOrganization, sync_organizations

async with ClerkClient() as clerk:
    report = await sync_organizations(clerk, [
        DesiredOrganization(slug="acme", name="Acme", members=[
            DesiredMember("user_1", "org:admin"),
        ]),
    ])
```

``export_organizations`` streams the same records back, so an export fed to a sync changes
nothing.
"""

from ._counting import RequestCounts
from ._sync_engine import export_organizations, sync_organizations
from ._sync_plan import validate
from ._sync_records import (
    ACTION_KINDS,
    ActionKind,
    DesiredMember,
    DesiredOrganization,
    InvalidDesiredStateError,
    Key,
    Outcome,
    SyncAction,
    SyncFailure,
    SyncReport,
)

__all__ = [
    "ACTION_KINDS",
    "ActionKind",
    "DesiredMember",
    "DesiredOrganization",
    "InvalidDesiredStateError",
    "Key",
    "Outcome",
    "RequestCounts",
    "SyncAction",
    "SyncFailure",
    "SyncReport",
    "export_organizations",
    "sync_organizations",
    "validate",
]
