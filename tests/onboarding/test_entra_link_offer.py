"""Linking a Microsoft account records the sign-in, and a signed-in user who signs in with an
unlinked Microsoft account may link it right there, from the sign-in the server kept."""

import pytest

from onboarding.models import EntraIdentity
from tests.conftest import sign_in
from tests.onboarding.entra_helpers import entra_sign_in, entra_user

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")]

OFFER = "Link this Microsoft account to your portal account"
# Where the server keeps the sign-in it offers to link (onboarding.views.entra).
PENDING_LINK_SESSION_KEY = "entra_pending_link"


def test_it_records_the_sign_in_that_linked_the_account(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com", name="Anna Admin")
    sign_in(client, cast.admin)

    entra_sign_in(client, entra, anna, url="/entra/link/")

    assert EntraIdentity.objects.get(user=cast.admin).last_sign_in_at is not None
    page = client.get("/entra/").content.decode()
    assert "anna@acme.onmicrosoft.com" in page


def test_it_offers_a_signed_in_user_to_link_the_unlinked_account(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com", name="Anna Admin")
    sign_in(client, cast.admin)

    page = entra_sign_in(client, entra, anna).content.decode()

    assert OFFER in page and 'action="/entra/link/"' in page
    assert "Sign in with your email address and password" not in page
    assert not EntraIdentity.objects.exists()

    # Whatever the form says of an account, the server links the one that signed in.
    answer = client.post("/entra/link/", {"pending": "1", "tenant_id": "forged",
                                          "object_id": "forged"})
    assert answer.status_code == 302 and answer["Location"] == "/entra/"
    identity = EntraIdentity.objects.get()
    assert identity.user == cast.admin
    assert (identity.tenant_id, identity.object_id) == (anna["tenant_id"], anna["object_id"])
    assert identity.last_sign_in_at is not None
    assert PENDING_LINK_SESSION_KEY not in client.session
    # Used once: posting again links nothing and says so.
    again = client.post("/entra/link/", {"pending": "1"}, follow=True).content.decode()
    assert "That Microsoft sign-in has expired" in again
    assert EntraIdentity.objects.count() == 1


def test_it_does_not_offer_linking_to_someone_not_signed_in(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com")

    page = entra_sign_in(client, entra, anna).content.decode()

    assert OFFER not in page
    assert "Sign in with your email address and password" in page
    assert PENDING_LINK_SESSION_KEY not in client.session


def test_it_asks_for_the_password_again_before_linking_the_offered_account(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com")
    client.force_login(cast.admin)
    entra_sign_in(client, entra, anna)

    answer = client.post("/entra/link/", {"pending": "1"})

    assert answer["Location"].startswith("/accounts/reauthenticate/")
    assert not EntraIdentity.objects.exists()


def test_it_links_nothing_without_a_kept_sign_in(client, cast, entra):
    sign_in(client, cast.admin)

    answer = client.post("/entra/link/", {"pending": "1", "tenant_id": "t", "object_id": "o"},
                         follow=True)

    assert "That Microsoft sign-in has expired" in answer.content.decode()
    assert not EntraIdentity.objects.exists()
