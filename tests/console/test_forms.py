"""The console's fault form and log filter, on their own: what they accept and refuse."""

from __future__ import annotations

import re

import pytest

from clerk_orgs_async.testing import Faults, RequestRecord
from clerk_orgs_async.testing._console._fault_form import FaultForm, FormError
from clerk_orgs_async.testing._console._html import Writer
from clerk_orgs_async.testing._console._log_view import LogFilter


def test_a_posted_form_becomes_the_fault_it_describes() -> None:
    faults = Faults()
    form = FaultForm.from_post(
        {
            "kind": "status",
            "status": " 429 ",
            "retry_after": "30",
            "times": "3",
            "method": "patch",
            "path": "/v1/organizations/*",
            "after_apply": "1",
            "token": "ignored here",
        }
    )
    form.apply(faults)
    assert faults.describe() == [
        "429 (Retry-After 30 s), after the write lands, for the next 3 PATCH requests to "
        "/v1/organizations/*"
    ]
    FaultForm.from_post({"kind": "hang", "seconds": "0.5", "times": "1"}).apply(faults)
    FaultForm.from_post({"kind": "drop", "times": "1", "method": ""}).apply(faults)
    assert faults.describe()[1:] == [
        "hang 0.5 s for the next request",
        "drop the connection for the next request",
    ]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({}, "Choose a fault"),
        ({"kind": "teapot"}, "Choose a fault"),
        ({"times": "0"}, "For the next … requests: enter a whole number from 1 to 10000."),
        ({"times": "1.5"}, "whole number"),
        ({"times": "10001"}, "from 1 to 10000"),
        ({"method": "TRACE"}, "Method: choose one of GET, POST, PATCH, PUT, DELETE, or any."),
        ({"path": "organizations"}, "Path: a glob over the request path, starting with /."),
        ({"path": "/" + "a" * 500}, "Path:"),
        ({"status": "200"}, "Status code: enter a whole number from 400 to 599."),
        ({"status": "5O3"}, "Status code"),
        ({"status": ""}, "Status code"),
        ({"retry_after": "-1"}, "Retry-After: enter a whole number from 0 to 86400."),
        ({"kind": "hang", "seconds": "0"}, "Hang for: enter a number from 0.1 to 3600."),
        ({"kind": "hang", "seconds": "inf"}, "Hang for"),
        ({"kind": "hang", "seconds": "nan"}, "Hang for"),
        ({"kind": "hang", "seconds": "soon"}, "Hang for"),
    ],
)
def test_an_odd_form_is_refused_with_the_reason_and_adds_nothing(
    fields: dict[str, str], problem: str
) -> None:
    posted = {"kind": "status", "status": "503", "times": "1", **fields} if fields else {}
    faults = Faults()
    with pytest.raises(FormError, match=re.escape(problem)):
        FaultForm.from_post(posted).apply(faults)
    assert faults.pending == 0


def test_the_form_shows_back_what_was_typed_escaped() -> None:
    form = FaultForm(kind="drop", method="PUT", path='/v1/"><script>', after_apply=True)
    markup = form.render(Writer("sk_test_x"), token="tok", error="Path: <b>no</b>")
    assert 'value="/v1/&quot;&gt;&lt;script&gt;"' in markup
    assert '<p class="error" role="alert">Path: &lt;b&gt;no&lt;/b&gt;</p>' in markup
    assert 'value="drop" checked' in markup and 'value="PUT" selected' in markup
    assert 'type="checkbox" value="1" checked' in markup
    assert '<input type="hidden" name="token" value="tok">' in markup


def _record(status: int | None, path: str = "/v1/organizations") -> RequestRecord:
    return RequestRecord(method="GET", path=path, status=status)


@pytest.mark.parametrize(
    ("status", "kept"),
    [
        ("", [200, 404, 429, 503, None]),
        ("4xx", [404, 429]),
        ("5XX", [503]),
        (" 429 ", [429]),
        ("dropped", [None]),
        ("200", [200]),
    ],
)
def test_the_log_filters_by_status(status: str, kept: list[int | None]) -> None:
    records = [_record(code) for code in (200, 404, 429, 503, None)]
    keep = LogFilter(status=status).matcher()
    assert [r.status for r in records if keep(r)] == kept


@pytest.mark.parametrize("status", ["4x", "600", "6xx", "20", "ok", "4xx,5xx"])
def test_an_odd_status_filter_is_refused(status: str) -> None:
    with pytest.raises(ValueError, match="such as 429"):
        LogFilter(status=status).matcher()


def test_the_log_filters_by_a_part_of_the_path() -> None:
    records = [_record(200, "/v1/organizations"), _record(200, "/v1/organizations/org_1/logo")]
    keep = LogFilter(status="2xx", path=" /logo ").matcher()
    assert [r.path for r in records if keep(r)] == ["/v1/organizations/org_1/logo"]
