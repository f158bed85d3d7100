"""Web console fixtures: the server app with every captcha's answer fixed (a test-only setting),
and a browser-like client that signs in through the form."""
from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD
from tests.sync_server.conftest import Server

CAPTCHA = "ACDE"
# Browser tests: Debian's Chromium through Playwright, at both screen sizes.
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENS = [(1366, 768), (1920, 1080)]


@pytest.fixture
def web(db_url, tmp_path):
    srv = Server(db_url, tmp_path)
    srv.settings.captcha_fixed_answer = CAPTCHA
    yield srv
    srv.close()


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the page's form (form token, captcha id, next)."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def sign_in(client: TestClient, username: str, *, password: str = PASSWORD,
            answer: str = CAPTCHA, next_: str | None = None):
    page = client.get("/admin/login" + (f"?next={next_}" if next_ else ""))
    data = form_fields(page.text) | {"username": username, "password": password,
                                     "captcha_answer": answer}
    return client.post("/admin/login", data=data, follow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def web_live(sqlite_template, tmp_path_factory):
    """A real server on 127.0.0.1 for a browser test module (the captcha's answer fixed), made
    from the migrated template database; one per test module."""
    from tests.live_server import LiveServer
    folder = tmp_path_factory.mktemp("web-live")
    shutil.copyfile(sqlite_template, folder / "server.db")
    srv = LiveServer(f"sqlite:///{folder / 'server.db'}", folder)
    srv.settings.captcha_fixed_answer = CAPTCHA
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(params=SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def page(browser, request):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="zh-CN")
    context.set_default_timeout(60_000)  # make test runs two workers on a shared machine
    tab = context.new_page()
    tab.violations = []  # type: ignore[attr-defined]
    tab.on("console", lambda m: tab.violations.append(m.text)
           if "Content Security Policy" in m.text or m.type == "error" else None)
    yield tab
    context.close()


def sign_in_page(page, live, username: str, password: str = PASSWORD, answer: str = CAPTCHA):
    page.goto(live.url + "/admin/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_label("验证码", exact=True).fill(answer)
    page.get_by_role("button", name="登录").click()


def menu_click(page, label: str) -> None:
    """Open a console page from the side menu as a user does: unfold its group when it is
    folded, then click the entry and wait until that page has loaded (a check made straight
    after the click would otherwise read the page being left)."""
    nav = page.get_by_role("navigation")
    link = nav.get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        entry = page.get_by_role("link", name=label, exact=True, include_hidden=True)
        nav.locator("details").filter(has=entry).locator("summary").click()
    href = link.get_attribute("href")
    with page.expect_navigation(url=lambda url: url.endswith(href) or href in url):
        link.click()
