"""Platform staff sign in to their work: the staff home, with each of their queues and how
many wait in it; never to "You are not in an environment yet"."""

import pytest

from tests.conftest import PASSWORD, enable_totp
from tests.onboarding.test_mfa import current_code

pytestmark = pytest.mark.django_db


def sign_in_with_code(client, user):
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    return client.post("/accounts/2fa/authenticate/", {"code": current_code()})


@pytest.mark.parametrize("who, queue, heading", [
    ("techsupport", "/staff/activations/", "Activation queue"),
    ("sales", "/staff/upgrades/", "Upgrade requests"),
])
def test_it_lands_staff_on_the_staff_home_with_their_queues(client, cast, who, queue, heading):
    user = getattr(cast, who)
    if who == "sales":
        enable_totp(user)

    response = sign_in_with_code(client, user)

    assert response["Location"] == "/staff/"
    page = client.get("/staff/").content.decode()
    queues = page.split('id="staff-queues"')[1].split("</nav>")[0]
    assert f'href="{queue}">{heading}' in queues
    assert "You are not in an environment yet" not in page
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/staff/"


def test_it_still_follows_the_link_a_staff_member_signed_in_for(client, cast):
    client.post("/accounts/login/?next=/staff/party-links/",
                {"login": cast.techsupport.email, "password": PASSWORD})
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert response["Location"] == "/staff/party-links/"


def test_it_keeps_members_on_their_dashboard(client, cast):
    response = client.post("/accounts/login/", {"login": cast.admin.email,
                                                "password": PASSWORD})
    assert response["Location"] == "/"


def test_it_lists_the_new_queues_on_the_staff_page(client, cast):
    client.force_login(cast.techsupport)
    page = client.get("/staff/").content.decode()
    assert 'href="/staff/identifiers/"' in page and 'href="/staff/upgrades/"' not in page
    enable_totp(cast.sales)
    client.force_login(cast.sales)
    page = client.get("/staff/").content.decode()
    assert 'href="/staff/upgrades/"' in page and 'href="/staff/identifiers/"' not in page
