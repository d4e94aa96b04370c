"""Bodies in a ``Content-Encoding``: decoded within a bound, the loop free meanwhile.

A gzip bomb (2 MB on the wire, 2 GB once decoded) once held every request for seconds, key
or no key: aiohttp decompressed it whole in the event loop before any size limit applied.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import zlib
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from clerk_orgs_async._json import dumps
from clerk_orgs_async.testing import ClerkEmulator, _payload

from ._support import Api

MIB = 2**20


def gzip_bomb(expanded_mib: int) -> bytes:
    """A gzip stream of ``expanded_mib`` MiB of zeros, built in milliseconds.

    After a full flush the compressor starts afresh, so every further MiB of zeros compresses
    to the same kilobyte. (Its trailer's checksum covers two MiB only: nothing reading less
    than the whole stream can tell.)
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * MIB
    head = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    return head + piece * (expanded_mib - 1) + compressor.flush()


BOMB = gzip_bomb(2048)


class DecodedBytes:
    """Counts the bytes every ``zlib.decompressobj`` made during a test hands out."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.total = 0
        original = zlib.decompressobj

        def counting(*args: Any) -> Any:
            real = original(*args)
            counter = self

            class Counted:
                def decompress(self, data: bytes, max_length: int = 0) -> bytes:
                    out = real.decompress(data, max_length)
                    counter.total += len(out)
                    return out

                def __getattr__(self, name: str) -> Any:
                    return getattr(real, name)

            return Counted()

        monkeypatch.setattr(zlib, "decompressobj", counting)


async def _post_bomb(api: Api, *, key: str | None = None) -> Any:
    return await api.call(
        "POST",
        "/organizations",
        data=io.BytesIO(BOMB),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        key=key,
    )


def test_the_bomb_is_what_the_issue_describes() -> None:
    assert 2 * 10**6 <= len(BOMB) <= 2.2 * 10**6
    assert len(zlib.decompressobj(31).decompress(BOMB[:30_000], 0)) > 25 * MIB


async def test_a_gzip_bomb_is_a_413_after_decoding_at_most_the_limit(
    api: Api, clerk_emulator: ClerkEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded = DecodedBytes(monkeypatch)
    reply = await _post_bomb(api)
    assert (reply.status, reply.error_code()) == (413, "request_entity_too_large")
    assert clerk_emulator.state.organizations == {}
    assert 0 < decoded.total <= _payload.MAX_BODY_BYTES + _payload.DECODE_STEP
    (record,) = clerk_emulator.requests
    assert record.status == 413
    assert "over the emulator's size limit once decoded" in record.request_body


async def test_a_gzip_bomb_without_the_key_is_a_401_and_is_decoded_no_further(
    api: Api, clerk_emulator: ClerkEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded = DecodedBytes(monkeypatch)
    reply = await _post_bomb(api, key="sk_test_wrong")
    assert (reply.status, reply.error_code()) == (401, "clerk_key_invalid")
    # Only the request log reads its body, within the same bound.
    assert decoded.total <= _payload.MAX_BODY_BYTES + _payload.DECODE_STEP


@pytest.mark.parametrize("key", [None, "sk_test_wrong"])
async def test_other_requests_are_served_while_a_bomb_is_decoded(
    api: Api, monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    decoding, served = asyncio.Event(), asyncio.Event()
    pause = _payload._pause

    async def held_pause() -> None:
        # The first pause between two steps of decoding waits for the other request.
        if not decoding.is_set():
            decoding.set()
            await served.wait()
        await pause()

    monkeypatch.setattr(_payload, "_pause", held_pause)
    bomb = asyncio.create_task(_post_bomb(api, key=key))
    await decoding.wait()
    listed = await api.call("GET", "/organizations")
    assert listed.status == 200  # answered while the bomb's decoding is under way
    assert not bomb.done()
    served.set()
    assert (await bomb).status == (413 if key is None else 401)


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda raw: zlib.compress(raw)[2:-4]),  # without the zlib header
        ("identity", lambda raw: raw),
    ],
)
async def test_encoded_bodies_are_decoded_and_journaled_decoded(
    tmp_path: Path, emulator_options: dict[str, Any], encoding: str, encode: Any
) -> None:
    data = tmp_path / "state.json"
    body = dumps({"name": "Packed", "slug": "packed", "public_metadata": {"pad": "x" * 5000}})
    async with (
        ClerkEmulator(**emulator_options, data_file=data) as emulator,
        aiohttp.ClientSession() as session,
    ):
        reply = await Api(session, emulator).call(
            "POST",
            "/organizations",
            data=encode(body),
            headers={"Content-Type": "application/json", "Content-Encoding": encoding},
        )
        assert reply.status == 200, reply.body
        assert reply.body["public_metadata"] == {"pad": "x" * 5000}
        journal = data.with_name(data.name + ".journal").read_bytes()
        assert b"Content-Encoding" not in journal
        killed = journal  # what a kill -9 would leave: the journal, not yet compacted
    data.unlink()
    data.with_name(data.name + ".journal").write_bytes(killed)
    async with ClerkEmulator(data_file=data) as restarted:
        assert [o.slug for o in restarted.state.organizations.values()] == ["packed"]


@pytest.mark.parametrize(
    ("encoding", "sent"),
    [
        ("gzip", b'{"name": "Acme"}'),
        ("gzip", gzip.compress(b'{"name": "Acme"}')[:-3]),  # cut short
        ("gzip", gzip.compress(b'{"name": "Acme"}') + b"junk"),
        ("br", b'{"name": "Acme"}'),
        ("gzip, gzip", gzip.compress(gzip.compress(b'{"name": "Acme"}'))),
    ],
    ids=["not-gzip", "cut-short", "trailing-junk", "brotli", "twice"],
)
async def test_a_body_not_in_a_supported_encoding_is_a_400(
    api: Api, clerk_emulator: ClerkEmulator, encoding: str, sent: bytes
) -> None:
    reply = await api.call(
        "POST",
        "/organizations",
        data=sent,
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert (reply.status, reply.error_code()) == (400, "request_body_invalid")
    assert clerk_emulator.state.organizations == {}
