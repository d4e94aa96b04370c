"""verify_webhook's checks: signature over the raw body, timestamp window, headers, secret."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import svix.webhooks
from multidict import CIMultiDict

from clerk_orgs_async import ClerkError, InvalidRequestError, WebhookVerificationError
from clerk_orgs_async import _webhooks as webhooks_impl
from clerk_orgs_async.webhooks import verify_webhook
from tests.conftest import sample
from tests.webhooks._deliveries import (
    KEY,
    MESSAGE_ID,
    OTHER_SECRET,
    SECRET,
    SIGNERS,
    Signer,
    by_hand,
    envelope,
    signed_headers,
)

BODY = envelope("organization.created", sample("organization"))
SECRET_TEXTS = (SECRET, SECRET.removeprefix("whsec_"), KEY.hex())


@pytest.fixture(autouse=True)
def _no_secret_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLERK_WEBHOOK_SIGNING_SECRET", raising=False)


def refused(body: bytes, headers: Any, **options: Any) -> WebhookVerificationError:
    """The error verify_webhook raises, after checking it leaks no secret."""
    with pytest.raises(WebhookVerificationError) as caught:
        verify_webhook(body, headers, secret=options.pop("secret", SECRET), **options)
    assert_no_secret(caught.value)
    return caught.value


def assert_no_secret(error: BaseException) -> None:
    seen: BaseException | None = error
    while seen is not None:
        for text in (str(seen), repr(seen), repr(seen.args)):
            for secret in SECRET_TEXTS:
                assert secret not in text
        seen = seen.__cause__ or seen.__context__


@pytest.mark.parametrize("signer", SIGNERS.values(), ids=SIGNERS.keys())
def test_a_delivery_signed_by_each_signer_verifies(signer: Signer) -> None:
    headers = signed_headers(BODY, signer=signer)
    event = verify_webhook(BODY, headers, secret=SECRET)
    assert (event.id, event.type) == (MESSAGE_ID, "organization.created")
    # Svix's own verifier accepts the very same delivery.
    svix.webhooks.Webhook(SECRET).verify(BODY, headers)


@pytest.mark.parametrize("position", [0, len(BODY) // 2, len(BODY) - 1])
def test_a_body_changed_by_one_byte_is_refused(position: int) -> None:
    headers = signed_headers(BODY)
    changed = bytearray(BODY)
    changed[position] ^= 0x01
    error = refused(bytes(changed), headers)
    assert "no signature matches" in str(error)


def test_whitespace_added_to_the_body_is_refused() -> None:
    # A framework that re-encodes the JSON breaks the signature: the raw bytes are what count.
    headers = signed_headers(BODY)
    refused(json.dumps(json.loads(BODY), indent=1).encode(), headers)


def test_a_wrong_secret_is_refused() -> None:
    headers = signed_headers(BODY, secret=OTHER_SECRET)
    assert "no signature matches" in str(refused(BODY, headers))


def test_a_changed_svix_id_is_refused() -> None:
    headers = signed_headers(BODY) | {"svix-id": "msg_other"}
    refused(BODY, headers)


@pytest.mark.parametrize(("age", "side"), [(360, "old"), (-360, "far in the future")])
def test_a_timestamp_six_minutes_off_is_refused(age: float, side: str) -> None:
    error = refused(BODY, signed_headers(BODY, age=age))
    assert f"too {side}" in str(error)
    assert "300 s tolerance" in str(error)


def test_the_tolerance_widens_and_narrows_the_window() -> None:
    assert verify_webhook(BODY, signed_headers(BODY, age=360), secret=SECRET, tolerance=600)
    assert verify_webhook(BODY, signed_headers(BODY, age=-360), secret=SECRET, tolerance=600)
    refused(BODY, signed_headers(BODY, age=120), tolerance=60)


@pytest.mark.parametrize("stamp", ["", "abc", "1.7e9", "-5", " 1", "9" * 40])
def test_a_timestamp_that_is_not_whole_seconds_is_refused(stamp: str) -> None:
    headers = signed_headers(BODY) | {"svix-timestamp": stamp}
    refused(BODY, headers)


def test_a_timestamp_in_other_digits_is_refused() -> None:
    # int() reads Arabic-Indic digits; the signature covers the header's ASCII text.
    headers = signed_headers(BODY)
    arabic = headers["svix-timestamp"].translate({ord("0") + n: 0x660 + n for n in range(10)})
    refused(BODY, headers | {"svix-timestamp": arabic})


@pytest.mark.parametrize("name", ["svix-id", "svix-signature"])
def test_a_header_that_is_not_utf8_is_refused(name: str) -> None:
    # What aiohttp's server makes of a header byte that is not UTF-8: a lone surrogate.
    headers = signed_headers(BODY)
    error = refused(BODY, headers | {name: headers[name] + "\udcff"})
    assert str(error) == f"{name} is not UTF-8 text"


def test_a_timestamp_beyond_the_calendar_is_refused_under_any_tolerance() -> None:
    headers = signed_headers(BODY) | {"svix-timestamp": "9" * 12}  # the year 33658
    refused(BODY, headers, tolerance=1e13)


@pytest.mark.parametrize("name", ["svix-id", "svix-timestamp", "svix-signature"])
def test_each_missing_or_empty_header_is_refused_by_name(name: str) -> None:
    headers = signed_headers(BODY)
    del headers[name]
    assert str(refused(BODY, headers)) == f"missing header: {name}"
    assert str(refused(BODY, headers | {name: ""})) == f"missing header: {name}"


def test_standard_webhooks_header_names_are_not_clerks() -> None:
    headers = {k.replace("svix-", "webhook-"): v for k, v in signed_headers(BODY).items()}
    assert "svix-id, svix-timestamp, svix-signature" in str(refused(BODY, headers))


@pytest.mark.parametrize(
    "headers",
    [
        lambda h: {k.upper(): v for k, v in h.items()},
        lambda h: {k.title(): v for k, v in h.items()},
        lambda h: CIMultiDict({k.title(): v for k, v in h.items()}),
    ],
    ids=["upper", "title", "CIMultiDict"],
)
def test_header_names_match_in_any_case(headers: Any) -> None:
    assert verify_webhook(BODY, headers(signed_headers(BODY)), secret=SECRET)


@pytest.mark.parametrize(
    "signature",
    ["garbage", "v1,", "v1,!!!not base64!!!", "v1", "   "],
)
def test_a_malformed_signature_header_is_refused(signature: str) -> None:
    refused(BODY, signed_headers(BODY) | {"svix-signature": signature})


def test_a_valid_signature_under_another_version_is_refused() -> None:
    headers = signed_headers(BODY)
    other = headers["svix-signature"].replace("v1,", "v2,")
    assert "no v1 signature" in str(refused(BODY, headers | {"svix-signature": other}))


def test_one_valid_signature_among_several_is_accepted() -> None:
    headers = signed_headers(BODY)
    stale = by_hand(BODY, MESSAGE_ID, int(headers["svix-timestamp"]), OTHER_SECRET)
    for value in (f"{stale} {headers['svix-signature']}", f"v2,abc {headers['svix-signature']}"):
        assert verify_webhook(BODY, headers | {"svix-signature": value}, secret=SECRET)
    refused(BODY, headers | {"svix-signature": f"{stale} v1,AAAA"})


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe{}", b'{"type": '])
def test_a_signed_body_that_is_not_json_is_refused(body: bytes) -> None:
    assert str(refused(body, signed_headers(body))) == "the body is not JSON"


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([], "not a JSON object"),
        ({"object": "event", "data": {}, "timestamp": 1}, "no 'type'"),
        ({"type": "", "data": {}, "timestamp": 1}, "no 'type'"),
        ({"type": "user.created", "timestamp": 1}, "'data' is not an object"),
        ({"type": "user.created", "data": [], "timestamp": 1}, "'data' is not an object"),
        ({"type": "user.created", "data": {}}, "'timestamp' is not milliseconds"),
        ({"type": "user.created", "data": {}, "timestamp": "1"}, "'timestamp' is not milli"),
        ({"type": "user.created", "data": {}, "timestamp": True}, "'timestamp' is not milli"),
        ({"type": "user.created", "data": {}, "timestamp": 10**17}, "out of range"),
        ({"type": "x", "object": "list", "data": {}, "timestamp": 1}, "'object' is not 'event'"),
        ({"type": "x", "data": {}, "timestamp": 1, "instance_id": 5}, "'instance_id'"),
    ],
)
def test_json_that_is_not_the_envelope_is_refused(document: Any, reason: str) -> None:
    body = json.dumps(document).encode()
    error = refused(body, signed_headers(body))
    assert str(error).startswith("the body is not Clerk's event envelope: ")
    assert reason in str(error)


def test_the_error_is_a_clerk_error() -> None:
    assert isinstance(refused(BODY, {}), ClerkError)


def test_the_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    headers = signed_headers(BODY)
    monkeypatch.setenv("CLERK_WEBHOOK_SIGNING_SECRET", f"{SECRET}\n")
    assert verify_webhook(BODY, headers).id == MESSAGE_ID
    # An explicit secret wins over the environment.
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, headers, secret=OTHER_SECRET)


def test_a_secret_without_its_prefix_verifies() -> None:
    headers = signed_headers(BODY)
    assert verify_webhook(BODY, headers, secret=SECRET.removeprefix("whsec_"))


def test_no_secret_is_a_clear_error() -> None:
    with pytest.raises(InvalidRequestError, match="CLERK_WEBHOOK_SIGNING_SECRET"):
        verify_webhook(BODY, signed_headers(BODY))
    with pytest.raises(InvalidRequestError, match="CLERK_WEBHOOK_SIGNING_SECRET"):
        verify_webhook(BODY, signed_headers(BODY), secret="")


def test_a_secret_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="secret must be a string, got bytes"):
        verify_webhook(BODY, signed_headers(BODY), secret=SECRET.encode())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "secret",
    [
        "sk_test_2xK7aBcDeFgHiJkLmNoPqRsTuVwXyZ",  # the Clerk secret key, by mistake
        "whsec_",
        "whsec_A",  # one base64 character is no byte
        "whsec_not base64",
        SECRET + "!",
    ],
)
def test_a_malformed_secret_is_refused_without_showing_it(secret: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        verify_webhook(BODY, signed_headers(BODY), secret=secret)
    hidden = secret.removeprefix("whsec_")
    seen: BaseException | None = caught.value
    while seen is not None:
        assert not hidden or hidden not in f"{seen} {seen!r}"
        seen = seen.__cause__ or seen.__context__


@pytest.mark.parametrize("tolerance", [-1, float("nan"), float("inf"), True, "300", None])
def test_a_tolerance_that_is_not_seconds_is_refused(tolerance: Any) -> None:
    with pytest.raises(InvalidRequestError, match="tolerance"):
        verify_webhook(BODY, signed_headers(BODY), secret=SECRET, tolerance=tolerance)


def test_without_standardwebhooks_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caches = (webhooks_impl._webhook_class, webhooks_impl._webhook_for)
    for cache in caches:
        cache.cache_clear()
    monkeypatch.setitem(sys.modules, "standardwebhooks", None)
    try:
        with pytest.raises(ImportError, match=r"pip install 'clerk-orgs-async\[webhooks\]'"):
            verify_webhook(BODY, signed_headers(BODY), secret=SECRET)
    finally:
        for cache in caches:
            cache.cache_clear()


def test_importing_the_package_loads_no_webhook_code() -> None:
    code = (
        "import sys, clerk_orgs_async;"
        "print(sorted(m for m in sys.modules if 'webhook' in m or m.startswith('svix')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_the_webhooks_module_loads_no_standardwebhooks() -> None:
    # The model types are usable (and type-checkable) without the extra installed.
    code = "import sys, clerk_orgs_async.webhooks; print('standardwebhooks' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
