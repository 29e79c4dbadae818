"""Sign-in sessions in a real browser (Playwright driving Debian's Chromium): a signed-in
tab survives a reload, signing out ends the session for good, an idle session expires, and
a forged or tampered cookie is refused. The app runs with a 5-second idle timeout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from test_app_browser import CHROMIUM, CHROMIUM_ARGS, USERS, WAIT_MS, settle, sign_in, start_app

from app import sessions

pytestmark = pytest.mark.integration
IDLE_S = 5.0


@pytest.fixture(scope="module")
def app_url(gateway, tmp_path_factory) -> Iterator[str]:
    with start_app(gateway, tmp_path_factory.mktemp("sessions"), idle_s=IDLE_S) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def web(chromium) -> Iterator[Page]:
    expect.set_options(timeout=WAIT_MS)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()


def signed_in_as(page: Page, user: str) -> None:
    expect(page.get_by_text(f"{user} · {USERS[user][0]}")).to_be_visible()


def on_sign_in_form(page: Page) -> None:
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert "/signin" in page.url


def test_a_reload_keeps_the_session_and_the_page(app_url, web):
    """Signed in on a deep link, a reload stays signed in on the same page; the cookie is
    HTTP-only and SameSite=Strict."""
    web.goto(f"{app_url}/ring?ring_id=R-TEST-1")
    on_sign_in_form(web)
    sign_in(web, "ines")
    web.wait_for_url("**/ring?ring_id=R-TEST-1")
    web.reload()
    settle(web)
    signed_in_as(web, "ines")
    expect(web.get_by_role("heading", name="Ring R-TEST-1")).to_be_visible()
    [cookie] = [c for c in web.context.cookies() if c["name"] == sessions.COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_sign_out_ends_the_session_even_after_a_reload(app_url, web):
    """After signing out, the tab says so, and a reload (the old cookie still sent) lands on
    the sign-in form."""
    web.goto(app_url)
    sign_in(web, "ines")
    old = {c["name"]: c for c in web.context.cookies()}[sessions.COOKIE]
    web.get_by_role("button", name="Sign out").click()
    expect(web.get_by_text("Your session has ended")).to_be_visible()
    web.reload()
    on_sign_in_form(web)
    web.context.add_cookies([old])  # replaying the revoked token does not help
    web.goto(f"{app_url}/queue")
    on_sign_in_form(web)


def test_an_idle_session_expires(app_url, web):
    """Without a click or page load for longer than the idle timeout, the token is refused."""
    web.goto(app_url)
    sign_in(web, "ines")
    web.wait_for_timeout(IDLE_S * 1000 + 1500)
    web.reload()
    on_sign_in_form(web)


def test_a_tampered_or_forged_cookie_is_refused(app_url, web):
    """Changing the expiry in a valid token breaks its signature; a made-up token fails."""
    web.goto(app_url)
    sign_in(web, "ines")
    cookie = {c["name"]: c for c in web.context.cookies()}[sessions.COOKIE]
    sid, expires, signature = cookie["value"].split(".")
    for value in (f"{sid}.{int(expires) + 86400}.{signature}", "made.up.token"):
        web.context.clear_cookies()
        web.context.add_cookies([{**cookie, "value": value}])
        web.goto(f"{app_url}/queue")
        on_sign_in_form(web)
