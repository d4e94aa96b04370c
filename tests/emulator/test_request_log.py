"""The request log: bounded in count and in size, redacted of the secret key when recorded."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from clerk_orgs_async.testing import ClerkEmulator, RequestRecord
from clerk_orgs_async.testing._request_log import (
    BODY_LIMIT,
    REDACTED,
    Arrival,
    RequestLog,
    body_text,
    shown_headers,
)

from ._support import Api

KEY = "sk_test_TheKey0Under0Test0000000000000000000000"


def _record(log: RequestLog, path: str = "/v1/organizations", body: bytes = b"") -> RequestRecord:
    request = make_mocked_request("POST", path, headers={"Content-Type": "application/json"})
    response = web.Response(body=b'{"ok":true}', content_type="application/json")
    return log.add(request, response, fault=None, arrival=Arrival(), request_body=body)


def test_the_log_keeps_the_last_n_requests_numbered_in_order() -> None:
    log = RequestLog(KEY, 3)
    for n in range(5):
        _record(log, f"/v1/organizations/org_{n}")
    assert [r.path for r in log.records] == [f"/v1/organizations/org_{n}" for n in (2, 3, 4)]
    assert [r.seq for r in log.records] == [3, 4, 5]
    assert [r.seq for r in log.after(3)] == [4, 5]
    assert log.after(5) == []
    assert log.find(2) is None
    assert log.find(4) is log.records[1]
    assert log.last_seq == 5
    log.records.clear()
    assert log.last_seq == 0
    assert _record(log).seq == 6, "numbers go on after a clear, so a reader's cursor holds"


def test_a_log_of_zero_keeps_nothing_and_a_negative_size_is_refused() -> None:
    log = RequestLog(KEY, 0)
    _record(log)
    assert not log.records
    with pytest.raises(ValueError, match="request_log_size"):
        RequestLog(KEY, -1)


def test_records_compare_by_method_path_status_and_fault_only() -> None:
    record = _record(RequestLog(KEY, 1))
    assert record.seq == 1 and record.time > 0 and record.response_body == '{"ok":true}'
    assert record == RequestRecord(method="POST", path="/v1/organizations", status=200)
    assert record != RequestRecord(method="POST", path="/v1/organizations", status=200, fault="503")


def test_the_key_is_redacted_from_path_query_headers_and_bodies() -> None:
    log = RequestLog(KEY, 1)
    request = make_mocked_request(
        "POST",
        f"/v1/organizations/{KEY}?query={KEY}",
        headers={"Authorization": f"Bearer {KEY}", "X-Echo": f"x{KEY}x"},
    )
    response = web.Response(text=json.dumps({"echo": KEY}), content_type="application/json")
    record = log.add(
        request, response, fault=None, arrival=Arrival(), request_body=f"[{KEY}]".encode()
    )
    assert KEY not in repr(record)
    assert record.path == f"/v1/organizations/{REDACTED}"
    assert record.query == f"query={REDACTED}"
    assert dict(record.request_headers)["X-Echo"] == f"x{REDACTED}x"
    assert record.response_body == f'{{"echo": "{REDACTED}"}}'


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (f"Bearer {KEY}", f"Bearer {REDACTED}"),
        ("Bearer sk_live_SomeoneElsesRealKey", f"Bearer {REDACTED}"),  # a wrong key is hidden too
        ("Basic dXNlcjpwYXNz", f"Basic {REDACTED}"),
        ("garbage", REDACTED),
    ],
)
def test_any_authorization_is_hidden_whole(value: str, shown: str) -> None:
    assert shown_headers([("authorization", value)], KEY) == (("authorization", shown),)


def test_a_large_body_is_cut_and_says_so() -> None:
    body = json.dumps({"data": "x" * (3 * BODY_LIMIT)}).encode()
    shown = body_text(body, "application/json", KEY)
    kept, note = shown.rsplit("\n", 1)
    assert kept.encode() == body[:BODY_LIMIT]
    assert note == f"[cut: the first {BODY_LIMIT} of {len(body)} bytes are kept]"
    assert body_text(body[:BODY_LIMIT], "application/json", KEY) == body[:BODY_LIMIT].decode()


@pytest.mark.parametrize("offset", range(-len(KEY), 2))
def test_a_key_cut_by_the_limit_leaves_no_part_of_itself(offset: int) -> None:
    # The key placed so that the cut falls anywhere across it (or just before or after it).
    start = BODY_LIMIT + offset
    body = b"a" * start + KEY.encode() + b"b" * BODY_LIMIT
    shown = body_text(body, "text/plain", KEY)
    assert all(KEY[:n] not in shown for n in range(6, len(KEY) + 1)), shown[-80:]
    assert len(shown.encode()) <= BODY_LIMIT + 100


def test_binary_and_odd_bodies_are_described_not_kept() -> None:
    assert body_text(b"\x89PNG\r\n", "image/png", KEY) == "[6 bytes of image/png: not kept]"
    assert body_text(b"\x00\x01", "", KEY) == "[2 bytes of unknown type: not kept]"
    assert body_text(b"caf\xe9", "text/plain", KEY) == "caf\ufffd"
    assert body_text(b"", "application/json", KEY) == ""


async def test_the_emulator_records_what_was_sent_and_answered(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    before = time.time()
    created = await api.call("POST", "/organizations", json={"name": "Acme"}, params={"x": "1"})
    record = clerk_emulator.requests[-1]
    assert (record.method, record.path, record.status, record.query) == (
        "POST",
        "/v1/organizations",
        200,
        "x=1",
    )
    assert json.loads(record.request_body) == {"name": "Acme"}
    assert json.loads(record.response_body) == created.body
    assert record.response_size == len(json.dumps(created.body, separators=(",", ":")).encode())
    assert before <= record.time <= time.time()
    assert 0 < record.latency < 5
    assert dict(record.request_headers)["Authorization"] == f"Bearer {REDACTED}"
    assert dict(record.response_headers)["Content-Type"].startswith("application/json")


async def test_a_hang_shows_in_the_latency_and_a_drop_keeps_the_body_it_read(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.faults.hang(0.2, times=1)
    await api.call("GET", "/organizations")
    assert clerk_emulator.requests[-1].latency >= 0.2
    clerk_emulator.faults.drop(method="POST", after_apply=True)
    with pytest.raises(aiohttp.ClientError):
        await api.call("POST", "/organizations", json={"name": "Landed"})
    dropped = clerk_emulator.requests[-1]
    assert (dropped.status, dropped.fault) == (None, "drop")
    assert json.loads(dropped.request_body) == {"name": "Landed"}
    assert (dropped.response_body, dropped.response_headers) == ("", ())
    clerk_emulator.faults.drop(method="POST")
    with pytest.raises(aiohttp.ClientError):
        await api.call("POST", "/organizations", json={"name": "Never read"})
    assert clerk_emulator.requests[-1].request_body == (
        "[body not read: the connection was dropped]"
    )


async def test_a_logo_upload_is_described_and_the_log_is_bounded(
    api: Api, emulator_options: dict[str, Any]
) -> None:
    async with ClerkEmulator(request_log_size=2, **emulator_options) as emulator:
        api = Api(api.session, emulator)
        org = await api.create_org("Logo Co")
        form = aiohttp.FormData()
        form.add_field("file", b"GIF89a", content_type="image/gif", filename="l.gif")
        uploaded = await api.call("PUT", f"/organizations/{org['id']}/logo", data=form)
        assert uploaded.status == 200
        upload = emulator.requests[-1]
        assert upload.request_body == "[multipart/form-data body: not kept]"
        assert upload.request_size > 0
        async with api.session.get(uploaded.body["image_url"]) as image:
            assert await image.read() == b"GIF89a"
        assert emulator.requests[-1].response_body == "[6 bytes of image/gif: not kept]"
        assert [r.method for r in emulator.requests] == ["PUT", "GET"]
        assert emulator.stats.requests == 3
