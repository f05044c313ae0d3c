import pytest

pytestmark = pytest.mark.django_db


def test_it_shows_a_styled_404(client, cast):
    client.force_login(cast.admin)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"bootstrap.min.css" in response.content


def test_it_explains_an_address_that_only_takes_a_form(client, cast):
    client.force_login(cast.admin)

    response = client.get("/receiving/")

    assert response.status_code == 405 and response["Allow"] == "POST"
    page = response.content.decode()
    assert "This address takes what a form sends; it has no page of its own." in page
    assert 'href="/"' in page and "bootstrap.min.css" in page
    # Software reading the API still gets the API's own answer.
    assert client.get("/api/v1/documents").status_code in (401, 405)
    assert b"no page of its own" not in client.get("/api/v1/documents").content


def test_it_serves_bootstrap_from_the_portal_itself(client):
    page = client.get("/accounts/login/")
    assert b"/static/bootstrap/css/bootstrap.min.css" in page.content
    assert b"cdn" not in page.content.lower()


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_lists_the_coming_sections_in_the_navigation(client, cast):
    client.force_login(cast.admin)
    page = client.get("/").content.decode()
    for section in ("Organizations", "Connection keys", "Customers", "Integrations", "Outbox",
                    "Inbox"):
        assert section in page
