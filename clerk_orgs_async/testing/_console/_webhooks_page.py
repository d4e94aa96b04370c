"""The console's Webhooks page: endpoints with their faults, messages, attempts and replays.

Served at ``/_console/webhooks`` behind the same guard as the rest of the console (loopback,
``Host``, same-origin forms with the token); every value is escaped by the ``Writer``, and the
endpoints' signing secrets are never shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources

import attrs
from aiohttp import web

from clerk_orgs_async.testing._console._guard import Handler
from clerk_orgs_async.testing._console._html import Html, Writer, iso_time, join, local_time
from clerk_orgs_async.testing._console._page import Console
from clerk_orgs_async.testing._webhook_store import (
    WebhookAttempt,
    WebhookEndpoint,
    WebhookFaults,
    WebhookMessage,
)

PATH = "/_console/webhooks"
MESSAGES_SHOWN = 100
"""The newest messages the page lists."""
WEBHOOKS = (resources.files(__package__) / "templates" / "webhooks.html").read_text("utf-8")
NOTICES = {
    "replayed": "The message is sent again, with a new round of the retry schedule.",
    "faults-set": "The endpoint's faults are set: they apply from its next attempt.",
    "gone": "That endpoint or message is no longer there.",
}
_FAULT_FIELDS = {field.name: field for field in attrs.fields(WebhookFaults)}
_FAULT_HINTS = {
    "duplicate": "chance 0-1",
    "drop": "chance 0-1",
    "bad_signature": "chance 0-1",
    "reorder_window": "seconds",
    "delay": "seconds",
}


def _faults_form(w: Writer, endpoint: WebhookEndpoint, token: str, error: str = "") -> Html:
    inputs = join(
        w.fill(
            '<p><label for="$id">$label <span class="hint">($hint)</span></label>'
            '<input id="$id" name="$name" value="$value" inputmode="decimal" maxlength="16"></p>',
            id=f"{endpoint.id}-{name}",
            label=name.replace("_", " ").capitalize(),
            hint=_FAULT_HINTS[name],
            name=name,
            value=getattr(endpoint.faults, name),
        )
        for name in _FAULT_FIELDS
    )
    return w.fill(
        '<form class="faults-form" method="post" action="$action">'
        '<input type="hidden" name="token" value="$token">'
        '<input type="hidden" name="endpoint_id" value="$endpoint_id">$error$inputs'
        '<p><button type="submit">Set faults</button></p></form>',
        action=PATH + "/faults",
        token=token,
        endpoint_id=endpoint.id,
        error=w.fill('<p class="error" role="alert">$e</p>', e=error) if error else Html(""),
        inputs=inputs,
    )


def _endpoint(w: Writer, endpoint: WebhookEndpoint, pending: int, token: str, error: str) -> Html:
    return w.fill(
        '<li class="endpoint"><h3><code>$url</code></h3>'
        "<p>ID <code>$id</code> · events: $events · $pending pending</p>$form</li>",
        url=endpoint.url,
        id=endpoint.id,
        events=", ".join(endpoint.events) if endpoint.events is not None else "all",
        pending=pending,
        form=_faults_form(w, endpoint, token, error),
    )


def _attempt(w: Writer, attempt: WebhookAttempt) -> Html:
    outcome = attempt.status if attempt.status is not None else attempt.error or "no answer"
    return w.fill(
        '<tr><td><time datetime="$iso">$at</time></td><td>$outcome</td>'
        '<td class="num">$latency ms</td><td>$fault</td></tr>',
        iso=iso_time(attempt.at),
        at=local_time(attempt.at),
        outcome=outcome,
        latency=f"{attempt.latency * 1000:.1f}",
        fault=attempt.fault or "",
    )


def _message(w: Writer, message: WebhookMessage, url: str, token: str) -> Html:
    try:
        body = w.json(json.loads(message.payload))
    except ValueError:
        body = w.text(message.payload)
    attempts = (
        w.fill(
            '<table class="attempts"><caption class="visually-hidden">Attempts</caption>'
            '<thead><tr><th scope="col">Time</th><th scope="col">Status</th>'
            '<th scope="col" class="num">Latency</th><th scope="col">Fault</th></tr></thead>'
            "<tbody>$rows</tbody></table>",
            rows=join(_attempt(w, a) for a in message.attempts),
        )
        if message.attempts
        else Html('<p class="none">No attempt yet.</p>')
    )
    return w.fill(
        '<li class="message" data-status="$status"><details><summary>'
        '<code>$type</code> → <code>$url</code> · <span class="status">$status</span> ·'
        ' <span class="attempt-count">$count</span> attempts · <code>$id</code></summary>'
        "$attempts<pre>$body</pre>"
        '<form method="post" action="$action"><input type="hidden" name="token" value="$token">'
        '<input type="hidden" name="message_id" value="$id">'
        '<input type="hidden" name="endpoint_id" value="$endpoint_id">'
        '<button type="submit" class="secondary">Replay</button></form></details></li>',
        status=message.status,
        type=message.event_type,
        url=url,
        count=len(message.attempts),
        id=message.id,
        attempts=attempts,
        body=body,
        action=PATH + "/replay",
        token=token,
        endpoint_id=message.endpoint_id,
    )


def page(
    console: Console, *, api_url: str, notice: str = "", errors: dict[str, str] | None = None
) -> Html:
    """The Webhooks page."""
    w = console.writer()
    store = console.state.webhooks
    endpoints = store.endpoints
    pending = [m.endpoint_id for m in store.pending()]
    errors = errors or {}
    listed = (
        w.fill(
            '<ul class="endpoints">$items</ul>',
            items=join(
                _endpoint(w, e, pending.count(e.id), console.token, errors.get(e.id, ""))
                for e in endpoints.values()
            ),
        )
        if endpoints
        else Html(
            '<p class="none">None: add one with <code>--webhook URL</code> or'
            " <code>emu.webhooks.add(url)</code>.</p>"
        )
    )
    newest = store.messages[-MESSAGES_SHOWN:][::-1]
    gone = "(removed endpoint)"
    messages = w.fill(
        '<ol class="messages">$items</ol>',
        items=join(
            _message(
                w,
                m,
                endpoints[m.endpoint_id].url if m.endpoint_id in endpoints else gone,
                console.token,
            )
            for m in newest
        ),
    )
    body = w.fill(
        WEBHOOKS,
        notice=(
            w.fill('<p class="notice" role="status">$n</p>', n=NOTICES[notice])
            if notice in NOTICES
            else Html("")
        ),
        endpoints=listed,
        message_note=(
            f"The newest {len(newest)} messages, newest first; open one for its attempts and body."
            if newest
            else "No messages yet: change something through the API."
        ),
        messages=messages if newest else Html(""),
    )
    return console.chrome(
        w,
        title="Webhooks · Clerk emulator console",
        brand=Html(
            '<p class="brand"><span class="mark" aria-hidden="true"></span>'
            '<a href="/">Clerk emulator</a></p>'
        ),
        body=body,
        api_url=api_url,
    )


def _html(markup: str, *, status: int = 200) -> web.Response:
    response = web.Response(text=markup, status=status, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _faults(form: dict[str, str]) -> WebhookFaults:
    """The faults a form gives; an empty field is 0.

    Raises:
        ValueError: a field is not a number in its range.
    """
    values: dict[str, float] = {}
    for name in _FAULT_FIELDS:
        text = form.get(name, "").strip() or "0"
        try:
            values[name] = float(text)
        except ValueError:
            raise ValueError(
                f"{name.replace('_', ' ').capitalize()}: {text!r} is not a number"
            ) from None
    return WebhookFaults(**values)


def webhook_routes(
    console: Console, api_url: Callable[[web.Request], str]
) -> list[tuple[str, str, Handler]]:
    """The page's routes, for ``add_console`` to guard and serve."""

    async def show(request: web.Request) -> web.StreamResponse:
        return _html(
            page(console, api_url=api_url(request), notice=request.query.get("notice", ""))
        )

    async def replay(request: web.Request) -> web.StreamResponse:
        form = await request.post()  # read by the guard already
        try:
            console.state.webhooks.replay(str(form.get("message_id")), str(form.get("endpoint_id")))
        except KeyError:
            return _see_other("gone")
        return _see_other("replayed")

    async def set_faults(request: web.Request) -> web.StreamResponse:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        endpoint_id = form.get("endpoint_id", "")
        try:
            endpoint = console.state.webhooks.endpoint(endpoint_id)
        except KeyError:
            return _see_other("gone")
        try:
            endpoint.faults = _faults(form)
        except ValueError as error:
            markup = page(console, api_url=api_url(request), errors={endpoint_id: str(error)})
            return _html(markup, status=400)
        return _see_other("faults-set")

    return [
        ("GET", PATH, show),
        ("POST", PATH + "/replay", replay),
        ("POST", PATH + "/faults", set_faults),
    ]


def _see_other(notice: str) -> web.Response:
    return web.Response(status=303, headers={"Location": f"{PATH}?notice={notice}"})
