"""``instant_retries``, the client's switch that makes retry waits instant, for tests.

It lives with the retries it switches (``clerk_orgs_async.instant_retries``); the emulator's
package offers it too, beside the faults whose retries it makes instant.
"""

from __future__ import annotations

from clerk_orgs_async import instant_retries as instant_retries
