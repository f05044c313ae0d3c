"""The portal has an icon of its own, on its pages and where browsers look by default."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_it_links_its_icon_from_every_page_and_answers_favicon_ico(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/portal/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/portal/favicon.svg"
    assert "<svg" in Path(finders.find("portal/favicon.svg")).read_text()
