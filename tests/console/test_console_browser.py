"""The web console in a real headless Chromium: what a person sees and does.

State is made through the client as an app would; every check waits for a condition (Playwright's
``expect`` retries until its timeout), never for a fixed time.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import Browser, Dialog, Locator, Page, expect

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.errors import APIConnectionError, NotFoundError, ServerError
from clerk_orgs_async.testing import ClerkEmulator
from clerk_orgs_async.testing._console._routes import CONSOLE
from tests.conftest import SECRET

from ._seed import seed

pytestmark = pytest.mark.slow  # a real Chromium: make test runs these, make check does not


def org_item(page: Page, name: str) -> Locator:
    return page.locator("li.org").filter(has=page.locator(".org-name", has_text=name))


async def test_an_organization_shows_its_members_roles_metadata_logo_invitations_domains(
    page: Page, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    seeded = await seed(clerk)
    await page.goto(emulator.console_url)
    acme = org_item(page, "Acme Inc")
    await expect(acme).to_be_visible()
    await expect(page.locator("#org-summary")).to_have_text("Showing 1 to 5 of 5, newest first.")
    names = await page.locator(".org-name").all_inner_texts()
    assert names == [
        "Wayne Enterprises",
        "Umbrella Research",
        "Initech",
        "Globex Corporation",
        "Acme Inc",
    ]
    members = acme.get_by_role("region", name="Members of Acme Inc")
    await expect(members).to_be_hidden()
    await acme.locator("summary").click()
    await expect(members).to_be_visible()
    await expect(members.locator("tbody tr")).to_have_count(3)
    await expect(members).to_contain_text("Alice Anders")
    await expect(members.locator("tr", has_text="Bob Baker")).to_contain_text("Member org:member")
    await expect(members.locator("tr", has_text="Carol Clark")).to_contain_text("Admin org:admin")
    await expect(acme.locator("pre").first).to_have_text(
        json.dumps({"features": ["sso", "audit_log"], "plan": "pro", "seats": 25}, indent=2)
    )
    await expect(acme.locator("pre").nth(1)).to_contain_text('"stripe_customer": "cus_Q4xZ81"')
    invitations = acme.get_by_role("region", name="Invitations to Acme Inc")
    await expect(invitations).to_contain_text("dana@acme.example")
    await expect(invitations).to_contain_text("pending")
    await expect(acme.get_by_role("region", name="Domains of Acme Inc")).to_contain_text(
        "acme.example"
    )
    logo = acme.get_by_role("img", name="Acme Inc logo")
    await expect(logo).to_be_visible()
    assert await logo.evaluate("img => img.complete && img.naturalWidth") == 64
    response = await page.request.get(await logo.evaluate("img => img.src"))
    assert await response.body() == seeded.acme_logo
    # Users, with their memberships; roles with their permissions.
    alice = page.get_by_role("region", name="Table of users", exact=True).locator(
        "tr", has_text="user_alice"
    )
    await expect(alice).to_contain_text("Acme Inc org:admin")
    await expect(alice).to_contain_text("Wayne Enterprises org:admin")
    roles = page.get_by_role("region", name="Table of roles", exact=True)
    await expect(roles.locator("tr", has_text="org:member")).to_contain_text(
        "org:sys_memberships:read"
    )


async def test_search_and_paging_find_organizations_by_name_and_slug(
    page: Page, emulator: ClerkEmulator
) -> None:
    emulator.state.seed_organizations(45, name="Team {n}")
    emulator.state.create_organization("Needle Works", slug="haystack")
    await page.goto(emulator.console_url)
    await expect(page.locator(".org-name").first).to_have_text("Needle Works")
    pager = page.get_by_role("navigation", name="Organization pages")
    await expect(pager).to_contain_text("Page 1 of 3")
    await pager.get_by_role("link", name="Next").click()
    await expect(pager).to_contain_text("Page 2 of 3")
    await expect(page.locator(".org-name").first).to_have_text("Team 26")
    search = page.get_by_label("Search by name, slug or ID")
    await search.fill("haystack")
    await search.press("Enter")
    await expect(page.locator(".org-name")).to_have_text(["Needle Works"])
    await expect(page.locator("#org-summary")).to_have_text("Showing 1 to 1 of 1, newest first.")
    # A paste far longer than any name: still the console, not the server's bare 400.
    await search.fill("ü" * 10_000)
    await search.press("Enter")
    await expect(page.locator("#org-summary")).to_have_text(re.compile("No organization matches"))


async def test_the_log_updates_live_and_opens_a_request_with_the_key_redacted(
    page: Page, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await page.goto(emulator.console_url)
    await expect(page.locator("#log-live")).to_have_text(re.compile("No requests yet"))
    await page.evaluate("window.stillTheSamePage = true")
    org = await clerk.organizations.create(name="Live Co", public_metadata={"tier": "gold"})
    with pytest.raises(NotFoundError):
        await clerk.organizations.get("nothing-here")
    rows = page.locator("#log-rows tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("GET/v1/organizations/nothing-here404")
    await expect(rows.nth(1)).to_contain_text("POST/v1/organizations200")
    assert await page.evaluate("window.stillTheSamePage") is True, "the page reloaded"
    await expect(page.locator('[data-count="organizations"]')).to_have_text("1")
    # Latency and time as a person reads them.
    await expect(rows.nth(1).locator("td").nth(4)).to_have_text(re.compile(r"^\d+\.\d ms$"))
    await rows.nth(1).get_by_role("link").click()
    detail = page.locator("tr.detail")
    await expect(detail).to_contain_text('"name": "Live Co"')
    await expect(detail).to_contain_text(f'"id": "{org.id}"')
    await detail.get_by_text("Headers").first.click()
    await expect(detail).to_contain_text("Bearer [redacted]")
    assert SECRET not in await page.content()
    await rows.nth(0).get_by_role("link").click()
    await expect(page.locator("tr.detail")).to_have_count(2)
    await expect(page.locator("tr.detail").first).to_contain_text("resource_not_found")


async def test_the_log_filters_by_status_and_path(
    page: Page, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await clerk.organizations.create(name="Kept")
    for slug in ("gone-1", "gone-2"):
        with pytest.raises(NotFoundError):
            await clerk.organizations.get(slug)
    await page.goto(emulator.console_url)
    await page.get_by_label("Status filter").fill("4xx")
    await page.get_by_role("button", name="Filter").click()
    rows = page.locator("#log-rows tr")
    await expect(rows).to_have_count(2)
    await expect(rows.locator(".status")).to_have_text(["404", "404"])
    # Live updates keep the filter: a new 200 stays out, a new 404 comes in.
    await clerk.organizations.list()
    with pytest.raises(NotFoundError):
        await clerk.organizations.get("gone-3")
    await expect(rows).to_have_count(3)
    await expect(rows.first).to_contain_text("gone-3")
    await page.get_by_label("Status filter").fill("")
    await page.get_by_label("Path contains").fill("gone-2")
    await page.get_by_role("button", name="Filter").click()
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("/v1/organizations/gone-2")
    await page.get_by_label("Status filter").fill("teapot")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_role("alert")).to_contain_text("such as 429")


async def test_a_fault_added_from_the_form_reaches_the_app(
    page: Page, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await page.goto(emulator.console_url)
    form = page.locator("form.fault-form")
    await form.get_by_label("Status", exact=True).check()
    await page.get_by_label("Status code").fill("503")
    await page.get_by_label("Method").select_option("POST")
    await page.get_by_label("Path (a glob, optional)").fill("/v1/organizations")
    await page.get_by_role("button", name="Add fault").click()
    await expect(page.get_by_role("status").first).to_contain_text("Fault added")
    faults = page.locator("#fault-list")
    await expect(faults).to_have_text("503 for the next POST request to /v1/organizations")
    assert emulator.faults.pending == 1
    with pytest.raises(ServerError) as raised:
        await clerk.organizations.create(name="Refused")
    assert raised.value.status == 503
    assert not emulator.state.organizations
    # The page sees it without a reload: the 503 in the log, the fault used up.
    first = page.locator("#log-rows tr").first
    await expect(first.locator(".status")).to_have_text("503")
    await expect(first.locator("td").last).to_have_text("503")
    await expect(faults).to_have_text("None: every request is served normally.")
    await clerk.organizations.create(name="Accepted")
    await expect(page.locator("#log-rows tr").first.locator(".status")).to_have_text("200")


async def test_the_fault_form_is_usable_from_the_keyboard_alone(
    page: Page, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await page.goto(emulator.console_url)
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    await expect(skip).to_be_focused()
    outline = await skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none", "focus must be visible"
    await page.locator("form.fault-form").get_by_label("Status", exact=True).focus()
    await page.keyboard.press("ArrowRight")  # radio group: the next kind, "Drop the connection"
    await expect(page.get_by_label("Drop the connection")).to_be_checked()
    await expect(page.get_by_label("Status code")).to_be_hidden()
    await page.get_by_label("For the next … requests").focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("2")
    await page.keyboard.press("Enter")  # submits the form
    await expect(page.locator("#fault-list")).to_have_text(
        "drop the connection for the next 2 requests"
    )
    for _ in range(2):
        with pytest.raises(APIConnectionError):
            await clerk.organizations.list()
    await expect(page.locator("#log-rows .status").first).to_have_text("dropped")
    # An organization opens from the keyboard too.
    emulator.state.seed_organizations(2, name="Keyboard Co {n}")
    await page.reload()
    details = org_item(page, "Keyboard Co 1").locator("details")
    await expect(details).not_to_have_attribute("open", "")
    await details.locator("summary").focus()
    await page.keyboard.press("Enter")
    await expect(details).to_have_attribute("open", "")


async def test_a_wrong_fault_is_explained_and_nothing_is_added(
    page: Page, emulator: ClerkEmulator
) -> None:
    await page.goto(emulator.console_url)
    await page.get_by_label("Status code").fill("200")
    await page.get_by_role("button", name="Add fault").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Status code: enter a whole number from 400 to 599."
    )
    await expect(page.get_by_label("Status code")).to_have_value("200")
    assert emulator.faults.pending == 0


async def test_reset_asks_first_then_keeps_only_the_users(
    page: Page, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await seed(clerk)
    emulator.faults.status(500)
    await page.goto(emulator.console_url)
    reset = page.get_by_role("button", name="Reset the emulator…")
    asked: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await reset.click()
    await expect(org_item(page, "Acme Inc")).to_be_visible()
    assert asked and asked[0].startswith("Reset the emulator?")
    assert len(emulator.state.organizations) == 5

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.once("dialog", accept)
    await reset.click()
    await expect(page.get_by_role("status").first).to_contain_text("The emulator is reset")
    await expect(page.locator("#org-summary")).to_have_text("No organizations yet.")
    assert not emulator.state.organizations
    assert emulator.faults.pending == 0
    assert not emulator.requests
    assert len(emulator.state.users) == 6
    await expect(page.locator('[data-count="users"]')).to_have_text("6")


async def test_the_state_downloads_as_json(
    page: Page, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    seeded = await seed(clerk)
    await page.goto(emulator.console_url)
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Download the state as JSON").click()
    download = await info.value
    assert download.suggested_filename == "clerk-emulator-state.json"
    saved = json.loads(await asyncio.to_thread(Path(await download.path()).read_text))
    assert saved == json.loads(json.dumps(emulator.state.snapshot()))
    assert saved["organizations"][0]["id"] == seeded.acme_id


async def test_user_input_is_shown_as_text_never_run(
    page: Page, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    attack = '</pre><img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    org = await clerk.organizations.create(
        name="Plain Name", public_metadata={"note": attack, attack: "as a key"}
    )
    await clerk.organization_invitations.create(
        org.id, email_address="<svg/onload=window.pwned=3>@evil.example", role="org:member"
    )
    emulator.state.add_user({"id": "user_evil", "first_name": attack})
    async with aiohttp.ClientSession() as session:
        path = "/v1/organizations/%3Cimg%20src=x%20onerror=window.pwned=4%3E"
        async with session.get(emulator.console_url.rstrip("/") + path) as response:
            assert response.status == 401
    await page.goto(emulator.console_url)
    await expect(org_item(page, "Plain Name").locator("details")).to_have_attribute("open", "")
    await expect(page.locator("pre").first).to_contain_text('"note": "</pre><img src=x')
    await expect(page.get_by_role("region", name="Table of users", exact=True)).to_contain_text(
        attack
    )
    await expect(page.locator("#log-rows")).to_contain_text("<img src=x onerror=window.pwned=4>")
    await expect(page.get_by_role("region", name="Invitations to Plain Name")).to_contain_text(
        "<svg/onload=window.pwned=3>@evil.example"
    )
    assert await page.evaluate("window.pwned") is None
    assert await page.locator("img[src=x], script:not([src]), svg").count() == 0


async def test_readable_on_a_phone(
    browser: Browser, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await seed(clerk)
    # A slug or an ID has no spaces to wrap at: a long one must not widen the page.
    await clerk.organizations.create(name="Long Slug", slug="averylongslug" * 8)
    emulator.faults.status(503, path="/v1/organizations/" + "averylongid" * 8)
    context = await browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    try:
        phone = await context.new_page()
        await phone.goto(emulator.console_url)
        await expect(org_item(phone, "Long Slug")).to_be_in_viewport()
        overflow = await phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, "the page scrolls sideways on a phone"
        await phone.get_by_role("link", name="Request log").click()
        await expect(phone.get_by_role("heading", name="Request log")).to_be_in_viewport()
    finally:
        await context.close()


async def test_text_meets_wcag_aa_contrast(
    page: Page, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await seed(clerk)
    emulator.faults.status(503)
    with pytest.raises(ServerError):
        await clerk.organizations.list()
    await page.goto(emulator.console_url)
    await org_item(page, "Acme Inc").locator("summary").click()
    ratios: dict[str, float] = await page.evaluate(CONTRAST_SCRIPT)
    assert len(ratios) > 15
    low = {text: ratio for text, ratio in ratios.items() if ratio < 4.5}
    assert not low, f"text below 4.5:1 contrast: {low}"


async def test_another_site_cannot_reset_or_add_faults(
    browser: Browser, page: Page, emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await clerk.organizations.create(name="Precious")
    # The attacker even has the form token: the browser's own headers give the post away.
    token = emulator.app[CONSOLE].token
    evil = f"""<!doctype html><title>cute cats</title>
<form id="reset" method="post" action="{emulator.console_url}_console/reset">
<input name="token" value="{token}"></form>
<script>
fetch("{emulator.console_url}_console/faults", {{method: "POST", mode: "no-cors",
  body: new URLSearchParams({{token: "{token}", kind: "drop", times: "5"}})}})
  .catch(() => {{}}).finally(() => document.getElementById("reset").submit());
</script>"""
    async with serve_html(evil) as url:
        response = await page.goto(url)
        assert response is not None
        await page.wait_for_url(f"{emulator.console_url}_console/reset")
        await expect(page.locator("body")).to_contain_text("must be sent from the console")
    assert [o.name for o in emulator.state.organizations.values()] == ["Precious"]
    assert emulator.faults.pending == 0


@asynccontextmanager
async def serve_html(markup: str) -> AsyncIterator[str]:
    """Serve ``markup`` from another origin (another port on loopback)."""

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=markup, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    finally:
        await runner.cleanup()


CONTRAST_SCRIPT = """() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const ratios = {};
  const selector = "body *:not(script):not(style):not(option):not(datalist)";
  for (const el of document.querySelectorAll(selector)) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest("[hidden], .visually-hidden")) continue;
    const a = lum(parse(style.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const text = el.textContent.trim().slice(0, 30);
    const key = `${el.tagName.toLowerCase()}.${el.className}: ${text}`;
    ratios[key] = Math.round(ratio * 100) / 100;
  }
  return ratios;
}"""
