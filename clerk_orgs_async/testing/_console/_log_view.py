"""The console's view of the request log: filters, rows, and one exchange in full."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable

import attrs

from clerk_orgs_async.testing._console._html import Html, Writer, join
from clerk_orgs_async.testing._request_log import RequestRecord

ROWS_SHOWN = 100
"""Rows the page starts with; live updates add to them."""
LIVE_ROWS = 500
"""Rows one live update brings at most (the page's script keeps no more than this)."""
_CLASS = re.compile(r"[1-5]xx")
_CODE = re.compile(r"[1-5][0-9][0-9]")
_ROW = (
    '<tr data-seq="$seq"><td><time datetime="$iso">$clock</time></td><td>$method</td>'
    '<td class="path"><a class="detail-link" href="/_console/requests/$seq" '
    'aria-label="$method $path$query: request and response">$path<span class="query">$query</span>'
    '</a></td><td><span class="status $kind">$status</span></td><td class="num">$latency</td>'
    "<td>$fault</td></tr>"
)
_DETAIL = """<div class="exchange">
<dl class="facts">
<div class="wide"><dt>Request</dt><dd><code>$method $path$query</code></dd></div>
<div><dt>Status</dt><dd><span class="status $kind">$status</span></dd></div>
<div><dt>Received</dt><dd><time datetime="$iso">$clock</time></dd></div>
<div><dt>Latency</dt><dd>$latency</dd></div>
<div><dt>Fault</dt><dd>$fault</dd></div>
</dl>
<div class="bodies">
<section aria-label="Request of #$seq"><h3>Request</h3>$request_headers
<pre>$request_body</pre></section>
<section aria-label="Response of #$seq"><h3>Response</h3>$response_headers
<pre>$response_body</pre></section>
</div>
</div>"""


@attrs.frozen
class LogFilter:
    """Which records the console lists: by status (``429``, ``5xx``, ``dropped``) and path."""

    status: str = ""
    path: str = ""

    def matcher(self) -> Callable[[RequestRecord], bool]:
        """The predicate for this filter.

        Raises:
            ValueError: the status is not a code, a class such as ``4xx`` or ``dropped``.
        """
        status = self.status.strip().lower()
        path = self.path.strip()
        if not status:
            wanted: Callable[[int | None], bool] = lambda _: True  # noqa: E731
        elif status == "dropped":
            wanted = lambda code: code is None  # noqa: E731
        elif _CLASS.fullmatch(status):
            wanted = lambda code: code is not None and code // 100 == int(status[0])  # noqa: E731
        elif _CODE.fullmatch(status):
            wanted = lambda code: code == int(status)  # noqa: E731
        else:
            raise ValueError("Filter by a status such as 429, a class such as 5xx, or dropped.")
        return lambda r: wanted(r.status) and path in r.path


def clock(unix: float) -> str:
    """A request's arrival as the developer's local time of day, to the millisecond."""
    return time.strftime("%H:%M:%S", time.localtime(unix)) + f".{int(unix * 1000) % 1000:03d}"


def _iso(unix: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(unix))


def _status(record: RequestRecord) -> tuple[str, str]:
    if record.status is None:
        return "dropped", "s-dropped"
    return str(record.status), f"s-{record.status // 100}xx"


def _fields(record: RequestRecord) -> dict[str, object]:
    status, kind = _status(record)
    return {
        "seq": record.seq,
        "iso": _iso(record.time),
        "clock": clock(record.time),
        "method": record.method,
        "path": record.path,
        "query": f"?{record.query}" if record.query else "",
        "status": status,
        "kind": kind,
        "latency": f"{record.latency * 1000:.1f} ms",
        "fault": record.fault or "—",
    }


def rows(w: Writer, records: Iterable[RequestRecord]) -> Html:
    """Table rows for ``records``, in the order given."""
    return join(w.fill(_ROW, **_fields(r)) for r in records)


def _headers(w: Writer, headers: tuple[tuple[str, str], ...], caption: str) -> Html:
    if not headers:
        return Html("")
    items = join(
        w.fill('<tr><th scope="row">$n</th><td>$v</td></tr>', n=n, v=v) for n, v in headers
    )
    return w.fill(
        '<details class="headers"><summary>Headers</summary><table>'
        '<caption class="visually-hidden">$caption</caption><tbody>$items</tbody></table>'
        "</details>",
        caption=caption,
        items=items,
    )


def _pretty(body: str) -> str:
    """A JSON body indented; anything else (a cut body too) as it is."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # both recurse once per nesting level
        return body or "(empty)"


def detail(w: Writer, record: RequestRecord) -> Html:
    """One exchange in full: headers and bodies, the key redacted when the record was made."""
    return w.fill(
        _DETAIL,
        **_fields(record),
        request_headers=_headers(w, record.request_headers, "Request headers"),
        request_body=_pretty(record.request_body),
        response_headers=_headers(w, record.response_headers, "Response headers"),
        response_body=(
            "(none: the connection was dropped)"
            if record.status is None
            else _pretty(record.response_body)
        ),
    )
