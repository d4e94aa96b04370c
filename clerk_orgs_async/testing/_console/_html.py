"""Safe-by-default HTML from the standard library: ``string.Template`` and ``html.escape``.

Every value filled into a template is redacted of the secret key and escaped unless it is
:class:`Html` already, so user input (organization names, metadata, request bodies) can only
ever become text. A template engine would add a dependency for a handful of templates; this
keeps the one rule that matters, escape by default, in twenty lines.
"""

from __future__ import annotations

import html
import json
import string
import time
from collections.abc import Iterable
from typing import Any

from clerk_orgs_async.testing._request_log import redact


class Html(str):
    """Markup: tags we wrote, or text already escaped."""

    __slots__ = ()


def join(parts: Iterable[Html]) -> Html:
    """Markup made of ``parts``, in order."""
    return Html("".join(parts))


class Writer:
    """Turns values into escaped, redacted text and fills templates with them.

    Args:
        secret: the emulator's key, never shown.
    """

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def text(self, value: object) -> Html:
        """``value`` as text that displays as written, quotes escaped for attributes too."""
        if isinstance(value, Html):
            return value
        return Html(html.escape(redact(str(value), self._secret), quote=True))

    def fill(self, template: str, /, **values: object) -> Html:
        """``template`` (``$name`` placeholders) with each value passed through :meth:`text`."""
        escaped = {name: self.text(value) for name, value in values.items()}
        return Html(string.Template(template).substitute(escaped))

    def json(self, value: Any) -> Html:
        """``value`` as indented JSON text, for a ``<pre>``."""
        return self.text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))


def local_time(unix_ms: int) -> str:
    """A record's timestamp (Unix milliseconds) as the developer's local date and time."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(unix_ms / 1000))


def iso_time(unix_ms: int) -> str:
    """A timestamp for a ``<time datetime>``: ISO 8601 with the local offset."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(unix_ms / 1000))
