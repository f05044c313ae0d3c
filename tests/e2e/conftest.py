"""What every browser test shares."""

import pytest


@pytest.fixture(autouse=True)
def mails_link_to_the_live_server(request, settings):
    """A mail links to the portal's address (PORTAL_URL): in a browser test, the server the
    test started, so that the browser can follow the link."""
    if "live_server" in request.fixturenames:
        settings.PORTAL_URL = request.getfixturevalue("live_server").url
