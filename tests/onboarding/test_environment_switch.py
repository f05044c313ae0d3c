import pytest

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_it_works_in_the_first_environment_by_default(client, cast):
    client.force_login(cast.accountant)
    response = client.get("/")
    assert b"<h1 class=\"h3 mb-1\">Bakery</h1>" in response.content


def test_it_switches_environment_from_the_navigation(client, cast):
    client.force_login(cast.accountant)
    response = client.post("/environment/switch/", {"environment": cast.accountancy.pk},
                           follow=True)
    assert b"<h1 class=\"h3 mb-1\">Numbers Accountants</h1>" in response.content
    users = client.get("/users/")
    assert b"accountant@numbers.nl" in users.content
    assert b"owner@bakery.nl" not in users.content


def test_it_refuses_to_switch_into_a_foreign_environment(client, cast):
    client.force_login(cast.accountant)
    response = client.post("/environment/switch/", {"environment": cast.company.pk}, follow=True)
    assert b"You are not a member of that environment" in response.content
    assert b"Acme" not in client.get("/").content


def test_it_shows_a_welcome_page_to_users_without_environment(client, cast):
    client.force_login(make_user("newcomer@elsewhere.nl"))
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/welcome/"
    assert b"You are not in an environment yet" in response.content
