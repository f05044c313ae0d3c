import pytest

from onboarding.models import Environment

pytestmark = pytest.mark.django_db


def test_it_sends_staff_without_mfa_to_set_it_up(client, cast):
    client.force_login(cast.sales)
    response = client.get("/staff/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/"
    assert b"Staff pages need two-factor authentication" in response.content


def test_it_opens_staff_pages_with_mfa(client, cast):
    client.force_login(cast.techsupport)
    response = client.get("/staff/?q=acme")
    assert response.status_code == 200
    assert b"acme.nl" in response.content
    assert b"other.nl" not in response.content


def test_it_hides_staff_pages_from_everyone_else(client, cast):
    client.force_login(cast.admin)
    assert client.get("/staff/").status_code == 404


def test_it_keeps_staff_out_of_environments(cast):
    assert not Environment.objects.visible_to(cast.techsupport).exists()
