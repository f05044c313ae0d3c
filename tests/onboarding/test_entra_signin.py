"""Signing in with Microsoft Entra ID: msal against a local OpenID Connect provider over
HTTPS, the linking of a Microsoft account, and the pages for what goes wrong in real
tenants."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from onboarding.clients.entra import CACHE_SESSION_KEY, FLOW_SESSION_KEY
from onboarding.models import AuditEvent, EntraIdentity, User
from tests.conftest import make_user, sign_in
from tests.onboarding.entra_helpers import (
    ACCEPTANCE_CLIENT_ID,
    CLIENT_ID,
    OTHER_TENANT,
    configure,
    entra_sign_in,
    entra_user,
    link_identity,
    start,
)
from tests.onboarding.test_mfa import current_code
from tests.standins.oidc import callback_path

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")]


def test_it_hides_the_microsoft_button_until_entra_is_configured(client, settings, provider,
                                                                  cast):
    settings.ENTRA_BROKERS = {"production": {}, "acceptance": {}}
    assert "Sign in with Microsoft" not in client.get("/accounts/login/").content.decode()
    assert client.get("/entra/sign-in/").status_code == 404
    # Business Central's connection page says why instead of leading to a dead end.
    client.force_login(cast.admin)
    connect = client.get("/entra/connection/")
    assert connect.status_code == 404
    assert "Signing in with Microsoft is not set up on this portal" in connect.content.decode()
    client.logout()

    configure(settings, provider)
    page = client.get("/accounts/login/").content.decode()
    assert 'id="entra-signin"' in page and "Sign in with Microsoft" in page


def test_it_lets_a_signed_in_user_link_their_microsoft_account(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com", name="Anna Admin")
    sign_in(client, cast.admin)

    response = entra_sign_in(client, entra, anna, url="/entra/link/")

    assert response.status_code == 302 and response["Location"] == "/entra/"
    identity = EntraIdentity.objects.get(user=cast.admin)
    assert (identity.tenant_id, identity.object_id) == (anna["tenant_id"], anna["object_id"])
    assert identity.username == "anna@acme.onmicrosoft.com"
    page = client.get("/entra/").content.decode()
    assert "anna@acme.onmicrosoft.com" in page and "is linked" in page
    # Linking was a Microsoft sign-in: the party link asks for no second one.
    assert "You are signed in with Microsoft as anna@acme.onmicrosoft.com." in page
    assert client.get("/entra/connection/").status_code == 200
    event = AuditEvent.objects.get(action="entra.identity_linked")
    assert event.environment == cast.company and event.actor == cast.admin


def test_it_asks_for_the_password_again_before_linking(client, cast, entra):
    client.force_login(cast.admin)
    response = client.post("/entra/link/", {"broker": "production"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert FLOW_SESSION_KEY not in client.session


def test_it_refuses_a_microsoft_account_linked_to_someone_else(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com")
    link_identity(cast.basic, anna)
    sign_in(client, cast.admin)

    response = entra_sign_in(client, entra, anna, url="/entra/link/")

    page = client.get(response["Location"]).content.decode()
    assert "already linked to another portal user" in page
    assert EntraIdentity.objects.get().user == cast.basic


def test_it_signs_a_linked_identity_in_as_its_portal_user(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com")
    link_identity(cast.admin, anna)
    earlier = client.session
    earlier[CACHE_SESSION_KEY] = '{"RefreshToken": {"kept": "by an older version"}}'
    earlier.save()

    response = entra_sign_in(client, entra, anna)

    assert response.status_code == 302 and response["Location"] == "/entra/connection/"
    assert client.session["_auth_user_id"] == str(cast.admin.pk)
    assert client.session["_auth_user_backend"] == (
        "allauth.account.auth_backends.AuthenticationBackend")
    # Sign-in reads the ID token once: no token (refresh token least of all) is kept.
    assert CACHE_SESSION_KEY not in client.session
    assert "Token" not in json.dumps(client.session.load(), default=str)
    assert FLOW_SESSION_KEY not in client.session
    assert EntraIdentity.objects.get().last_sign_in_at is not None


def test_it_tells_only_users_without_a_linked_account_to_link_one_first(client, cast, entra):
    sign_in(client, cast.admin)
    assert 'id="link-first"' in client.get("/entra/sign-in/").content.decode()

    link_identity(cast.admin, entra_user(entra, "anna@acme.onmicrosoft.com"))

    assert 'id="link-first"' not in client.get("/entra/sign-in/").content.decode()


def test_it_matches_on_tenant_and_object_id_never_on_email(client, cast, entra):
    # Same user name and email as the portal user, but an object id nobody linked.
    impostor = entra_user(entra, cast.admin.email)
    link_identity(cast.admin, {**impostor, "object_id": "another-object-id"})
    users_before = User.objects.count()

    response = entra_sign_in(client, entra, impostor)

    assert response.status_code == 200
    page = response.content.decode()
    assert "This Microsoft account is not linked yet" in page
    assert "Sign in with your email address and password" in page
    assert "invite you" in page
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before


def test_it_tells_a_tenant_apart_by_its_id(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com")
    link_identity(cast.admin, anna)
    same_object_other_tenant = entra_user(entra, "anna@acme.onmicrosoft.com",
                                          tenant_id=OTHER_TENANT, object_id=anna["object_id"])

    response = entra_sign_in(client, entra, same_object_other_tenant)

    assert "This Microsoft account is not linked yet" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_still_asks_for_the_second_factor_of_a_user_who_has_one(client, cast, entra):
    support = entra_user(entra, "support@portal.onmicrosoft.com")
    link_identity(cast.techsupport, support)

    response = entra_sign_in(client, entra, support)

    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    done = client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert done["Location"] == "/entra/connection/"
    assert client.session["_auth_user_id"] == str(cast.techsupport.pk)


def test_it_signs_out_another_portal_user_first(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com")
    link_identity(cast.admin, anna)
    client.force_login(cast.outsider)

    entra_sign_in(client, entra, anna)

    assert client.session["_auth_user_id"] == str(cast.admin.pk)


def test_it_offers_acceptance_and_production_each_with_its_own_app(client, settings, entra):
    configure(settings, entra, acceptance=True)
    page = client.get("/entra/sign-in/").content.decode()
    assert "Acceptance (for testing)" in page and "Production (live use)" in page

    acceptance = parse_qs(urlsplit(start(client, broker="acceptance")).query)
    production = parse_qs(urlsplit(start(client, broker="production")).query)

    assert acceptance["client_id"] == [ACCEPTANCE_CLIENT_ID]
    assert production["client_id"] == [CLIENT_ID]
    assert client.session[FLOW_SESSION_KEY]["broker"] == "production"
    # Proof key and nonce go out with every sign-in.
    assert production["code_challenge_method"] == ["S256"] and production["nonce"]


def test_it_shows_an_error_next_to_the_environment_when_none_is_chosen(client, settings,
                                                                         entra):
    configure(settings, entra, acceptance=True)
    response = client.post("/entra/sign-in/", {})
    assert response.status_code == 400
    assert "Choose an environment." in response.content.decode()


# -- what goes wrong in real tenants ----------------------------------------------------


def test_it_explains_that_an_administrator_must_grant_consent(client, entra):
    entra.answer_next_with_error(
        "consent_required",
        "AADSTS65001: The user or administrator has not consented to use the application.")

    location = start(client)
    response = client.get(callback_path(entra.follow(location)))

    assert response.status_code == 403
    page = response.content.decode()
    assert "an Entra ID administrator must first grant permission to sign in" in page.replace(
        "An Entra", "an Entra")
    assert "AADSTS65001" in page
    consent_link = response.context["admin_consent_url"]
    assert consent_link.startswith(f"{entra.authority}/adminconsent?")
    assert f"client_id={CLIENT_ID}" in consent_link


def test_it_explains_a_consent_refusal_from_the_token_endpoint_alike(client, entra):
    entra.answer_next_with_error(
        "invalid_grant", "AADSTS90094: The grant requires admin permission.")
    response = client.get(callback_path(entra.follow(start(client))))
    assert response.status_code == 403
    assert response.context["error"].kind == "consent"


def test_it_shows_access_denied(client, entra):
    location = entra.deny(start(client))
    response = client.get(callback_path(location))
    assert response.status_code == 403
    assert "Access denied" in response.content.decode()
    assert 'href="/accounts/login/">Sign in with email and password' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_leads_a_signed_in_user_back_to_their_entra_page_after_a_failure(client, cast,
                                                                             entra):
    sign_in(client, cast.admin)
    response = client.get(callback_path(entra.deny(start(client))))

    page = response.content.decode()
    assert 'href="/entra/">Back to your Microsoft Entra ID account' in page
    assert "Sign in with email and password" not in page


def test_it_shows_a_cancelled_sign_in_as_such(client, entra):
    entra.answer_next_with_error("access_denied", "AADSTS50126: the user cancelled",
                                 subcode="cancel")
    response = client.get(callback_path(entra.follow(start(client))))
    assert response.status_code == 200
    assert "You cancelled the sign-in at Microsoft. Nothing was changed." in (
        response.content.decode())


def test_it_answers_400_to_a_tampered_state(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com")
    link_identity(cast.admin, anna)
    location = entra.sign_in(start(client), anna["sub"])
    tampered = location.replace("state=", "state=x")

    response = client.get(callback_path(tampered))

    assert response.status_code == 400
    assert "Sign-in expired" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The genuine answer still completes the sign-in it belongs to.
    assert client.get(callback_path(location))["Location"] == "/entra/connection/"


def test_it_answers_400_to_an_expired_or_replayed_sign_in(client, cast, entra, settings):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com")
    link_identity(cast.admin, anna)
    location = entra.sign_in(start(client), anna["sub"])
    session = client.session
    session[FLOW_SESSION_KEY] = {**session[FLOW_SESSION_KEY],
                                 "started": time.time() - settings.ENTRA_FLOW_MAX_AGE - 1}
    session.save()

    assert client.get(callback_path(location)).status_code == 400
    assert client.get(callback_path(location)).status_code == 400
    assert "_auth_user_id" not in client.session


def test_it_answers_400_to_an_error_for_another_sign_in(client, entra):
    entra.answer_next_with_error("access_denied", "AADSTS50105: not assigned")
    location = entra.follow(start(client))
    response = client.get(callback_path(location.replace("state=", "state=forged")))
    assert response.status_code == 400
    assert FLOW_SESSION_KEY in client.session


def test_it_answers_400_to_a_callback_without_a_sign_in(client, entra):
    assert client.get("/entra/callback/?code=abc&state=def").status_code == 400


def test_it_says_when_microsoft_cannot_be_reached_at_the_start(client, settings, entra):
    settings.ENTRA_BROKERS["production"] = {
        **settings.ENTRA_BROKERS["production"],
        "OIDC_AUTHORITY": "https://127.0.0.1:9/unreachable/v2.0"}
    response = client.post("/entra/sign-in/", {"broker": "production"})
    assert response.status_code == 503
    assert "Microsoft cannot be reached" in response.content.decode()


def test_it_says_when_microsoft_cannot_be_reached_on_the_way_back(client, cast, entra):
    anna = entra_user(entra, "anna@acme.onmicrosoft.com")
    link_identity(cast.admin, anna)
    location = entra.sign_in(start(client), anna["sub"])
    entra.stop()
    try:
        response = client.get(callback_path(location))
    finally:
        entra.start()
    assert response.status_code == 503
    assert "Microsoft cannot be reached" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_provider_whose_certificate_it_does_not_trust(client, settings, entra):
    settings.ENTRA_BROKERS["production"] = {**settings.ENTRA_BROKERS["production"],
                                            "CA_BUNDLE": ""}
    assert client.post("/entra/sign-in/", {"broker": "production"}).status_code == 503


def test_it_thanks_the_administrator_who_granted_consent(client, entra):
    response = client.get("/entra/callback/?admin_consent=True&tenant=abc")
    assert response.status_code == 200
    assert "Permission granted" in response.content.decode()


# -- the account page ----------------------------------------------------------------


def test_it_unlinks_a_microsoft_account(client, cast, entra):
    identity = link_identity(cast.admin, entra_user(entra, "anna@acme.onmicrosoft.com"))
    client.force_login(cast.admin)

    assert "Unlink Microsoft account" in client.get(
        f"/entra/identities/{identity.pk}/unlink/").content.decode()
    client.post(f"/entra/identities/{identity.pk}/unlink/")

    assert not EntraIdentity.objects.exists()
    assert AuditEvent.objects.filter(action="entra.identity_unlinked").exists()


def test_it_keeps_each_users_identities_to_themselves(client, cast, entra):
    identity = link_identity(cast.admin, entra_user(entra, "anna@acme.onmicrosoft.com"))
    client.force_login(cast.basic)
    assert "anna@acme" not in client.get("/entra/").content.decode()
    assert client.post(f"/entra/identities/{identity.pk}/unlink/").status_code == 404
    assert EntraIdentity.objects.exists()


def test_it_needs_a_portal_account_for_the_entra_pages(client):
    for url in ("/entra/", "/entra/connection/", "/entra/preparation/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            "/accounts/login/")


def test_it_makes_no_user_for_a_new_identity(client, entra):
    stranger = entra_user(entra, "new@elsewhere.onmicrosoft.com")
    make_user("someone@acme.nl")
    before = User.objects.count()
    entra_sign_in(client, entra, stranger)
    assert User.objects.count() == before
    assert not EntraIdentity.objects.exists()
