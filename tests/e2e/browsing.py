"""Helpers for browser tests: signing in, and catching what the browser refuses.

`Watcher` records every Content-Security-Policy violation, uncaught script error and console
error on a page, so a test can assert that a walk through the portal met none.
"""

from pathlib import Path

from tests.conftest import PASSWORD, TOTP_SECRET
from tests.onboarding.test_mfa import current_code

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked "
                + (event.blockedURI || "inline") + " at " + event.sourceFile
                + ":" + event.lineNumber);
});
"""


class Watcher:
    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"{self.page.url}: {message.text}")


def new_page(browser, *, width=1280, height=800, locale="en-GB"):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
    page = context.new_page()
    # Generous: CI machines run the browser beside other work.
    page.set_default_timeout(30_000)
    return page


def sign_in(page, live_server, email, *, totp=False, password=PASSWORD,
            totp_secret=TOTP_SECRET):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if totp:
        page.locator("input[name=code]").fill(current_code(totp_secret))
        page.locator("button[type=submit]").first.click()
        page.wait_for_url(lambda url: "/accounts/" not in url)
    return page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
