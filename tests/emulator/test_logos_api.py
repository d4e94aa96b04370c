"""Logo upload and removal: content types, the 10 MB limit, the bytes served back."""

from __future__ import annotations

import io

import aiohttp
import pytest

from clerk_orgs_async.testing import ClerkEmulator

from ._support import Api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _form(data: bytes, content_type: str, uploader: str | None = None) -> aiohttp.FormData:
    form = aiohttp.FormData()
    if uploader is not None:
        form.add_field("uploader_user_id", uploader)
    # A stream, not bytes: aiohttp warns about sending megabytes of raw bytes in one go.
    form.add_field("file", io.BytesIO(data), filename="logo", content_type=content_type)
    return form


async def test_upload_sets_the_image_and_serves_it_back(api: Api) -> None:
    org = await api.create_org()
    reply = await api.call(
        "PUT", f"/organizations/{org['id']}/logo", data=_form(PNG, "image/png", "user_alice")
    )
    assert reply.status == 200, reply.body
    assert reply.body["has_image"] is True
    url = reply.body["image_url"]
    assert url != org["image_url"]
    assert url.startswith(api.emulator.base_url + "/_emulator/images/img_")
    async with api.session.get(url) as image:  # no Authorization: image URLs are public
        assert (image.status, image.content_type) == (200, "image/png")
        assert await image.read() == PNG
    got = await api.call("GET", f"/organizations/{org['id']}")
    assert (got.body["has_image"], got.body["image_url"]) == (True, url)


async def test_replacing_and_deleting_the_logo_frees_the_old_image(api: Api) -> None:
    org = await api.create_org()
    first = await api.call("PUT", f"/organizations/{org['id']}/logo", data=_form(PNG, "image/png"))
    second = await api.call(
        "PUT", f"/organizations/{org['id']}/logo", data=_form(b"GIF89a", "image/gif")
    )
    async with api.session.get(first.body["image_url"]) as old:
        assert old.status == 404
    deleted = await api.call("DELETE", f"/organizations/{org['id']}/logo")
    assert deleted.body["has_image"] is False
    assert deleted.body["image_url"] == org["image_url"]  # back to the placeholder
    async with api.session.get(second.body["image_url"]) as gone:
        assert gone.status == 404
    async with api.session.get(org["image_url"]) as placeholder:
        assert (placeholder.status, placeholder.content_type) == (200, "image/png")


@pytest.mark.parametrize(
    "content_type",
    [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/x-icon",
        "image/vnd.microsoft.icon",
    ],
)
async def test_image_types_are_accepted(api: Api, content_type: str) -> None:
    org = await api.create_org()
    reply = await api.call(
        "PUT", f"/organizations/{org['id']}/logo", data=_form(b"img", content_type)
    )
    assert reply.status == 200


@pytest.mark.parametrize("content_type", ["image/svg+xml", "text/plain", "application/pdf"])
async def test_other_types_are_refused(api: Api, content_type: str) -> None:
    org = await api.create_org()
    reply = await api.call(
        "PUT", f"/organizations/{org['id']}/logo", data=_form(b"<svg/>", content_type)
    )
    assert (reply.status, reply.error_code()) == (400, "unsupported_content_type")


async def test_logos_over_10_mb_get_413(api: Api) -> None:
    org = await api.create_org()
    limit = 10 * 1024 * 1024
    exactly = await api.call(
        "PUT", f"/organizations/{org['id']}/logo", data=_form(b"\0" * limit, "image/png")
    )
    assert exactly.status == 200
    over = await api.call(
        "PUT", f"/organizations/{org['id']}/logo", data=_form(b"\0" * (limit + 1), "image/png")
    )
    assert (over.status, over.error_code()) == (413, "request_entity_too_large")


async def test_upload_refusals(api: Api) -> None:
    org = await api.create_org()
    path = f"/organizations/{org['id']}/logo"
    no_file = aiohttp.MultipartWriter("form-data")
    no_file.append("user_alice").set_content_disposition("form-data", name="uploader_user_id")
    reply = await api.call("PUT", path, data=no_file)
    assert (reply.status, reply.error_code()) == (400, "form_param_missing")
    not_multipart = await api.call("PUT", path, json={"file": "x"})
    assert (not_multipart.status, not_multipart.error_code()) == (400, "request_body_invalid")
    ghost = await api.call("PUT", path, data=_form(PNG, "image/png", "user_ghost"))
    assert (ghost.status, ghost.error_code()) == (404, "resource_not_found")
    missing = await api.call("PUT", "/organizations/org_x/logo", data=_form(PNG, "image/png"))
    assert missing.status == 404
    assert (await api.call("DELETE", "/organizations/org_x/logo")).status == 404


async def test_deleting_the_organization_deletes_its_logo(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    org = await api.create_org()
    reply = await api.call("PUT", f"/organizations/{org['id']}/logo", data=_form(PNG, "image/png"))
    image_id = reply.body["image_url"].rsplit("/", 1)[1]
    await api.call("DELETE", f"/organizations/{org['id']}")
    assert clerk_emulator.state.logo(image_id) is None
