"""The console in a real browser: the app served on loopback, driven in Debian's Chromium by
Playwright. Each page visited is screenshotted into .screenshots/ to be looked at."""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from tests.conftest import AUTH_TOKEN

CHROMIUM = "/usr/bin/chromium"
SHOTS = os.path.join(os.path.dirname(__file__), "..", "..", ".screenshots")
# Headless Chromium on a closed network: no background connections, no first-run chores.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--lang=it-IT"]

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM) or
                                    shutil.which("chromium") is None,
                                    reason="Debian's chromium is not installed (make test installs it)")


class LiveServer:
    """The app on 127.0.0.1:<free port> in a thread, until stopped."""

    def __init__(self, database_url, instance_path):
        self.server = make_server("127.0.0.1", 0, None, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "browser-tests",
                               "PUBLIC_BASE_URL": self.url, "TELEPHONY": "simulator",
                               "TWILIO_ACCOUNT_SID": None, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                               "TTS_ENGINE": "say"})
        self.app.instance_path = instance_path
        self.server.app = self.app
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.app.extensions["cortesia.engine"].dispose()


@pytest.fixture
def live(database_url, tmp_path):
    server = LiveServer(database_url, str(tmp_path / "instance"))
    yield server
    server.stop()


@pytest.fixture
def page(request):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        browser.close()


def shoot(page, name):
    """Keep a screenshot of what the user sees now."""
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def log_in(page, live, username, password):
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # The form always answers with a new page (the next one, or the form again with its
    # error): wait for it, so that what a test reads next is never the login form.
    with page.expect_navigation():
        page.click("button.primary")
