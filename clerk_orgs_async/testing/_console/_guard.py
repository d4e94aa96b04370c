"""Who may use the console: loopback peers naming a loopback host, and same-origin forms.

The console needs no key, shows private metadata and can reset the emulator, so:
- only a peer on loopback is served (the emulator may listen on every interface for its API);
- the ``Host`` must be a loopback name, so a page whose own domain was re-pointed at
  127.0.0.1 (DNS rebinding) cannot read it or post to it as same-origin;
- a form must come from the console itself: a browser's ``Sec-Fetch-Site``/``Origin`` must
  say same-origin, and the form must carry the emulator's token, which no other site can read.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from clerk_orgs_async.testing._hosts import loopback_host
from clerk_orgs_async.testing._payload import read_form
from clerk_orgs_async.testing._request_log import abandon_body

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SECURITY_HEADERS = {
    # Nothing inline, nothing from elsewhere: the console works offline and escaped text
    # that somehow became markup still could not run.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cross-Origin-Resource-Policy": "same-origin",
    # Not "no-referrer": Chromium then sends "Origin: null" with the forms, which must be checked.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def loopback_peer(remote: str | None) -> bool:
    """Whether the connection comes from this machine."""
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def cross_site(headers: Mapping[str, str]) -> bool:
    """Whether a browser says the request comes from another origin than the one it targets."""
    site = headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        return True
    origin = headers.get("Origin")
    return origin is not None and origin != f"http://{headers.get('Host', '')}"


def refusal(request: web.Request) -> str | None:
    """Why the console will not serve ``request``, or ``None``."""
    if not loopback_peer(request.remote):
        return "The emulator's console answers on loopback only."
    if not loopback_host(request.headers.get("Host")):
        return "Open the console at a loopback address, such as http://127.0.0.1:<port>/."
    return None


async def form_refusal(request: web.Request, token: str) -> str | None:
    """Why a posted form is refused: another origin, or a missing or wrong token."""
    if cross_site(request.headers):
        return "This form must be sent from the console's own page."
    sent = (await read_form(request)).get("token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, token):
        return "This form's token is missing or stale: reload the console and try again."
    return None


async def _refused(request: web.Request, token: str) -> web.Response | None:
    """The answer to a request the console will not serve, or ``None``."""
    reason = refusal(request)
    if reason is None and request.method == "POST":
        try:
            reason = await form_refusal(request, token)
        except asyncio.TimeoutError:
            return _abandoned(request, 408, "The form did not arrive in time.")
        except _UNREADABLE:
            return _abandoned(
                request, 400, "This form could not be read: send it from the console's own page."
            )
    return None if reason is None else web.Response(status=403, text=reason)


# What aiohttp raises for a form it cannot parse: text that is not UTF-8 or in an unknown
# charset, multipart without a boundary or with a bad part header (a RuntimeWarning where
# warnings are errors), a body not in its Content-Encoding, a client gone while sending.
_UNREADABLE = (
    ValueError,
    LookupError,
    HttpProcessingError,
    RuntimeWarning,
    web.RequestPayloadError,
    ConnectionResetError,
)


def _abandoned(request: web.Request, status: int, text: str) -> web.Response:
    response = web.Response(status=status, text=text)
    abandon_body(request, response)
    return response


def guarded(handler: Handler, *, token: str) -> Handler:
    """``handler`` behind the checks above, its answers with :data:`SECURITY_HEADERS`."""

    async def guarded_handler(request: web.Request) -> web.StreamResponse:
        refused = await _refused(request, token)
        response = await handler(request) if refused is None else refused
        response.headers.update(SECURITY_HEADERS)
        return response

    return guarded_handler
