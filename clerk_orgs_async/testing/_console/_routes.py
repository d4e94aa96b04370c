"""The console's routes: ``/``, its assets, the live log feed and the forms that change things."""

from __future__ import annotations

import json
from importlib import resources

from aiohttp import web

from clerk_orgs_async.testing._console._fault_form import FaultForm, FormError
from clerk_orgs_async.testing._console._guard import guarded
from clerk_orgs_async.testing._console._log_view import LIVE_ROWS, detail, rows
from clerk_orgs_async.testing._console._page import Console, View, matching
from clerk_orgs_async.testing._console._webhooks_page import webhook_routes

CONSOLE = web.AppKey("console", Console)
PREFIX = "/_console/"
_STATIC_TYPES = {"css": "text/css", "js": "text/javascript", "svg": "image/svg+xml"}
_STATIC = {
    f.name: (f.read_bytes(), _STATIC_TYPES[f.name.rsplit(".", 1)[1]])
    for f in (resources.files(__package__) / "static").iterdir()
    if f.name.rsplit(".", 1)[-1] in _STATIC_TYPES
}


def is_console_path(path: str) -> bool:
    """Whether a request path is the console's (outside ``/v1``, outside the API)."""
    return path in ("/", "/favicon.ico") or path.startswith(PREFIX)


def _console(request: web.Request) -> Console:
    return request.app[CONSOLE]


def _api_url(request: web.Request) -> str:
    return f"http://{request.headers['Host']}/v1"


def _html(markup: str, *, status: int = 200) -> web.Response:
    response = web.Response(text=markup, status=status, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def home(request: web.Request) -> web.StreamResponse:
    """The console."""
    console = _console(request)
    view = View.from_query(request.query)
    notice = request.query.get("notice", "")
    return _html(console.home(view, api_url=_api_url(request), notice=notice))


async def log_feed(request: web.Request) -> web.StreamResponse:
    """What the page's script polls for: rows newer than ``after`` and the active faults."""
    console = _console(request)
    try:
        after = int(request.query.get("after", "0"))
        found = matching(console.log, View.from_query(request.query), after=after, limit=LIVE_ROWS)
    except ValueError as error:
        return web.json_response({"error": str(error)}, status=400)
    w = console.writer()
    response = web.json_response(
        {
            "cursor": console.log.last_seq,
            "rows": rows(w, found),
            "new": len(found),
            "faults": console.fault_list(w),
            "counts": {
                "organizations": len(console.state.organizations),
                "users": len(console.state.users),
                "faults": len(console.faults.describe()),
            },
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def request_detail(request: web.Request) -> web.StreamResponse:
    """One request in full: a page, or with ``?fragment=1`` the part the log expands."""
    console = _console(request)
    try:
        record = console.log.find(int(request.match_info["seq"]))
    except ValueError:
        record = None
    if record is None:
        return _html("<p>That request is no longer in the log.</p>", status=404)
    if request.query.get("fragment"):
        return _html(detail(console.writer(), record))
    return _html(console.request(record, api_url=_api_url(request)))


async def image(request: web.Request) -> web.StreamResponse:
    """An organization's logo, served here so the console's own requests stay out of the log."""
    logo = _console(request).state.logo(request.match_info["image_id"])
    if logo is None:
        return web.Response(status=404, text="No such image.")
    return web.Response(body=logo.data, content_type=logo.content_type)


async def state_json(request: web.Request) -> web.StreamResponse:
    """The whole state as the ``--data`` file holds it, as a download."""
    console = _console(request)
    text = console.log.redact(json.dumps(console.state.snapshot(), indent=2, ensure_ascii=False))
    for endpoint in console.state.webhooks.endpoints.values():  # as the secret key: never shown
        text = text.replace(endpoint.secret, "whsec_…")
    response = web.Response(text=text, content_type="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="clerk-emulator-state.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


async def static(request: web.Request) -> web.StreamResponse:
    """The console's stylesheet, script and icon, shipped in the package."""
    found = _STATIC.get(request.match_info.get("name", "favicon.svg"))
    if found is None:
        return web.Response(status=404, text="No such file.")
    body, content_type = found
    response = web.Response(body=body, content_type=content_type, charset="utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


async def add_fault(request: web.Request) -> web.StreamResponse:
    """Add the fault the form describes, or show the form again with what is wrong."""
    console = _console(request)
    form = FaultForm.from_post(await request.post())  # read by the guard already
    try:
        form.apply(console.faults)
    except FormError as error:
        page = console.home(
            View(), api_url=_api_url(request), fault_form=form, fault_error=str(error)
        )
        return _html(page, status=400)
    return _see_other("/?notice=fault-added#faults")


async def clear_faults(request: web.Request) -> web.StreamResponse:
    """Remove every fault, scripted and random."""
    _console(request).faults.clear()
    return _see_other("/?notice=faults-cleared#faults")


async def reset(request: web.Request) -> web.StreamResponse:
    """Start over: no organizations, added roles, faults or logged requests; users stay."""
    console = _console(request)
    console.state.reset()
    console.faults.clear()
    console.log.records.clear()
    return _see_other("/?notice=reset")


def add_console(app: web.Application, console: Console) -> None:
    """Serve ``console`` at ``/`` and under ``/_console/``, each route behind the guard."""
    app[CONSOLE] = console
    routes = [
        ("GET", "/", home),
        ("GET", "/favicon.ico", static),
        ("GET", PREFIX + "static/{name}", static),
        ("GET", PREFIX + "log", log_feed),
        ("GET", PREFIX + "requests/{seq}", request_detail),
        ("GET", PREFIX + "images/{image_id}", image),
        ("GET", PREFIX + "state.json", state_json),
        ("POST", PREFIX + "faults", add_fault),
        ("POST", PREFIX + "faults/clear", clear_faults),
        ("POST", PREFIX + "reset", reset),
        *webhook_routes(console, _api_url),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, guarded(handler, token=console.token))
