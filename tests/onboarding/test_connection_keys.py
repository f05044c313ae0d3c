import json
import re

import pytest

from onboarding.models import (
    AuditEvent,
    ConnectionKey,
    Contract,
    Organization,
    OrganizationMember,
    Partnership,
    Subscription,
)
from onboarding.models.connection_keys import secret_digest
from portal.errors import ChangeRefused
from tests.conftest import mails_to, sign_in

pytestmark = pytest.mark.django_db


def active_org(cast, environment=None, name="Acme Trading BV", number="12345678", paid=True):
    environment = environment or cast.company
    if paid and environment.subscription == Subscription.INVOICE_PORTAL:
        # Keys of any software need a plan with API access.
        environment.subscription = Subscription.BASIC
        environment.save(update_fields=["subscription"])
    by = environment.administrators().first()
    org = Organization.create(environment=environment, by=by, name=name,
                              registry_number=number, registry_checked=True)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    org.refresh_from_db()
    return org


def text(response):
    return response.content.decode()


def create(client, org, **data):
    return client.post(f"/organizations/{org.pk}/connection-keys/new/",
                       {"software": "other", "label": "", **data})


def test_it_shows_the_secret_once_and_stores_only_its_hmac(client, cast):
    org = active_org(cast)
    sign_in(client, cast.admin)

    response = create(client, org, label="Main AFAS")
    key = ConnectionKey.objects.get()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]

    page = text(response)
    secret = re.search(r'id="secret" value="([^"]+)"', page).group(1)
    assert secret.startswith("pps_") and len(secret) >= 4 + 43  # 32 random bytes, base64
    assert key.app_key.startswith("ppk_") and key.app_key in page
    assert key.secret_hash == secret_digest(secret) and secret not in key.secret_hash
    assert key.matches(secret) and not key.matches(secret + "x")

    # Quick Connect's own form: the four values the software asks for, in one string.
    quick = re.search(r'id="quick-connect"[^>]*>([^<]+)</textarea>', page).group(1)
    assert quick == (f"APP_KEY:{key.app_key};SECRET_KEY:{secret};EMAIL_ID:{cast.admin.email};"
                     f"COMPANY_ID:{org.company_id};")

    assert f'data-page-url="/connection-keys/{key.pk}/created/"' in page
    again = text(client.get(f"/connection-keys/{key.pk}/created/"))
    assert secret not in again
    assert "already shown and is not kept" in again
    for shown in (page, again):
        assert "over HTTPS, on port 443: that port must be open for outgoing connections" \
            in shown


def test_it_leads_from_new_keys_to_the_guided_setup_of_their_software(client, cast):
    org = active_org(cast)
    sign_in(client, cast.admin)

    afas = text(create(client, org, software="afas"))
    other = text(create(client, org))

    assert "The guided setup for AFAS shows each step in the software" in afas
    assert 'href="/integrations/start/?setup=afas"' in afas
    assert 'id="guided-setup"' not in other
    key = ConnectionKey.objects.get(software="afas")
    assert 'href="/integrations/start/?setup=afas"' in text(
        client.get(f"/connection-keys/{key.pk}/created/"))


def test_it_tells_other_software_where_the_api_is(client, cast):
    org = active_org(cast)
    sign_in(client, cast.admin)

    page = text(create(client, org))
    key = ConnectionKey.objects.get()

    for shown in (page, text(client.get(f"/connection-keys/{key.pk}/"))):
        assert 'id="address-rest" value="http://testserver/api/v1/"' in shown
        assert '<a class="small" href="/api/docs/">Documentation (OpenAPI)</a>' in shown
        assert 'id="address-rest_test" value="http://testserver/api/v1/ping"' in shown
        assert 'id="address-soap" value="http://testserver/api/api31"' in shown
        assert 'href="http://testserver/api/api31?wsdl"' in shown
        assert "HTTP Basic for REST, Login for SOAP" in shown
    # AFAS speaks SOAP v3.1 and knows the address itself: it is there for when it asks.
    afas = text(create(client, org, software="afas"))
    assert "/api/docs/" not in afas and "/api/v1/" not in afas
    assert 'id="address-soap" value="http://testserver/api/api31"' in afas
    assert "AFAS usually knows the address of the online environment itself" in afas


def test_it_keeps_nothing_of_a_new_secret_in_the_session(client, cast):
    org = active_org(cast)
    sign_in(client, cast.admin)

    page = text(create(client, org))

    secret = re.search(r'id="secret" value="([^"]+)"', page).group(1)
    stored = client.session.load()
    assert secret not in json.dumps(stored, default=str)


def test_it_records_who_created_the_key(client, cast):
    org = active_org(cast)
    sign_in(client, cast.admin)
    create(client, org)

    key = ConnectionKey.objects.get()
    assert key.created_by == cast.admin and key.created_by_label == "admin@acme.nl"
    event = AuditEvent.objects.get(action="connection_key.created")
    assert event.environment == cast.company and event.actor == cast.admin
    page = text(client.get(f"/connection-keys/{key.pk}/"))
    assert "admin@acme.nl" in page and "Waiting for a test connection" in page


def test_it_asks_for_the_password_before_creating_keys(client, cast):
    org = active_org(cast)
    client.force_login(cast.admin)

    response = create(client, org)

    assert response.status_code == 302 and "/reauthenticate/" in response["Location"]
    assert not ConnectionKey.objects.exists()
    page = text(client.get(response["Location"]))
    assert "Confirm it is you" in page and "confirm it is you again" in page
    assert "Enter your password" in page and 'name="password"' in page
    # Or by a code sent to the address, in a field named in the portal's words.
    by_code = text(client.get("/accounts/reauthenticate/code/"))
    assert '<label class="form-label" for="id_recipient">Send the code to</label>' in by_code
    assert '<option value="admin@acme.nl">admin@acme.nl</option>' in by_code
    assert "Recipient" not in by_code
    sent = client.post("/accounts/reauthenticate/code/", {"recipient": "admin@acme.nl"})
    assert sent.status_code == 302 and mails_to("admin@acme.nl")


def test_it_lets_only_administrators_create_keys(client, cast):
    org = active_org(cast)
    OrganizationMember.objects.create(organization=org, user=cast.basic)
    sign_in(client, cast.basic)

    assert create(client, org).status_code == 404
    assert "Create connection keys" not in text(client.get("/connection-keys/"))

    OrganizationMember.objects.filter(user=cast.basic).update(role="administrator")
    assert create(client, org).status_code == 200
    assert ConnectionKey.objects.get().created_by == cast.basic


def test_it_names_who_may_configure_an_organization_as_the_scope_does(cast):
    org = active_org(cast)
    Partnership.start(accountant=cast.accountancy, organization=org, by=cast.admin)
    member = OrganizationMember.objects.create(organization=org, user=cast.basic)
    users = [cast.admin, cast.basic, cast.accountant, cast.client_admin, cast.outsider]

    def by_scope():
        return {user for user in users for membership in user.memberships.all()
                if org.configurable_by(user, membership.environment)}

    assert set(org.configurers()) == by_scope() == {cast.admin, cast.accountant}
    member.role = OrganizationMember.OrgRole.ADMINISTRATOR
    member.save()
    Partnership.objects.get().end(cast.admin)
    assert set(org.configurers()) == by_scope() == {cast.admin, cast.basic}
    # Nobody hands work to an account that can no longer sign in.
    cast.basic.is_active = False
    cast.basic.save(update_fields=["is_active"])
    assert set(org.configurers()) == {cast.admin}


def test_it_refuses_keys_for_an_organization_that_is_not_active(client, cast):
    org = Organization.create(environment=cast.company, by=cast.admin, name="Draft BV",
                              registry_number="12345678", registry_checked=True)
    # Said at once, before the password is asked again for a key that cannot be made.
    client.force_login(cast.admin)

    response = create(client, org)

    assert response.status_code == 302 and "/reauthenticate/" not in response["Location"]
    assert "Activate the organization first" in text(client.get(response["Location"]))
    assert not ConnectionKey.objects.exists()
    # The key list, filtered by it, says why it has none.
    listed = text(client.get("/connection-keys/", {"organization": org.pk}))
    assert "Draft BV is not active yet: connection keys are made once it is." in listed
    assert f'href="/organizations/{org.pk}/"' in listed.split('id="keys-need-activation"')[1]


def test_it_says_an_active_organization_has_no_keys_yet(client, cast):
    org = active_org(cast)
    sign_in(client, cast.admin)

    listed = text(client.get("/connection-keys/", {"organization": org.pk}))
    searched = text(client.get("/connection-keys/", {"organization": org.pk, "q": "x"}))

    assert "Acme Trading BV has no connection keys yet." in listed
    assert "No keys match this search." not in listed
    assert "No keys match this search." in searched


def test_it_keeps_the_key_list_short_for_an_environment_with_many_organizations(
        client, cast, monkeypatch):
    from onboarding import filters
    from portal import pagination

    monkeypatch.setattr(filters, "ORGANIZATIONS_LISTED", 2)
    monkeypatch.setattr(pagination, "MENU_SIZE", 2)
    first = active_org(cast, name="Org A", number="10000001")
    for name, number in (("Org B", "10000002"), ("Org C", "10000003")):
        active_org(cast, name=name, number=number)
    sign_in(client, cast.admin)

    page = text(client.get("/connection-keys/"))
    filtered = text(client.get("/connection-keys/", {"organization": first.pk}))

    menu = page.split('aria-labelledby="create-keys"')[1].split("</ul>")[0]
    assert re.findall(r">(Org \w)", menu) == ["Org A", "Org B"]
    assert 'href="/organizations/" id="more-organizations"' in menu
    # The filter lists no organizations; a link still filters by one.
    assert '<select name="organization"' not in page
    assert f'<input type="hidden" name="organization" value="{first.pk}"' in filtered
    assert "Org A has no connection keys yet." in filtered
    assert 'Organization: <strong>Org A</strong> · <a href="?">Show all</a>' in filtered
    # An organization the user may not see is said to be no choice, not silently dropped.
    other = active_org(cast, cast.other, name="Not yours", number="10000004")
    refused = text(client.get("/connection-keys/", {"organization": other.pk}))
    assert "Organization: Select a valid choice." in refused and "Not yours" not in refused


BASIC_ASKED = "?subscription=basic"
CONTRACT_ASKED = "?subscription=professional&amp;api_contract=1"


@pytest.mark.parametrize("software, subscription, contract, refused, asked", [
    ("afas", Subscription.INVOICE_PORTAL, False, "AFAS needs at least a Basic subscription",
     BASIC_ASKED),
    ("accept", Subscription.INVOICE_PORTAL, False, "Accept needs at least a Basic subscription",
     BASIC_ASKED),
    ("afas", Subscription.BASIC, False, None, None),
    ("4ps_construct", Subscription.BASIC, False, "4PS Construct needs a Professional",
     CONTRACT_ASKED),
    ("4ps_business_central", Subscription.PROFESSIONAL, False, "4PS Business Central needs a",
     CONTRACT_ASKED),
    ("4ps_business_central", Subscription.PROFESSIONAL, True, None, None),
    ("other", Subscription.INVOICE_PORTAL, False, "Other software needs at least a Basic",
     BASIC_ASKED),
    ("other", Subscription.BASIC, False, None, None),
])
def test_it_follows_the_subscription_each_package_needs(client, cast, software, subscription,
                                                        contract, refused, asked):
    cast.company.subscription = subscription
    cast.company.save()
    if contract:
        Contract.add(environment=cast.company, by=cast.sales, reference="API-1")
    org = active_org(cast, paid=False)
    sign_in(client, cast.admin)

    response = create(client, org, software=software)

    if refused:
        assert response.status_code == 400
        error = re.search(r'id="id_software_error"[^>]*>(.*?)</div>', text(response), re.S)
        assert refused in error.group(1)
        # The link asks for the plan the package needs.
        assert f'href="/subscription/upgrade/{asked}"' in error.group(1)
        assert not ConnectionKey.objects.exists()
    else:
        assert response.status_code == 200
        assert ConnectionKey.objects.get().software == software


def test_it_revokes_at_once_and_deletes_only_revoked_keys(client, cast):
    org = active_org(cast)
    issued = ConnectionKey.issue(organization=org, software="other", by=cast.admin)
    key = issued.key
    sign_in(client, cast.admin)

    refused = client.post(f"/connection-keys/{key.pk}/delete/", follow=True)
    assert "Revoke the key before deleting it." in text(refused)
    assert ConnectionKey.objects.filter(pk=key.pk).exists()

    confirm = text(client.get(f"/connection-keys/{key.pk}/revoke/"))
    assert "This cannot be undone" in confirm
    client.post(f"/connection-keys/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.is_revoked and key.revoked_by == cast.admin
    assert AuditEvent.objects.filter(action="connection_key.revoked").count() == 1

    client.post(f"/connection-keys/{key.pk}/delete/")
    assert not ConnectionKey.objects.filter(pk=key.pk).exists()
    assert AuditEvent.objects.get(action="connection_key.deleted").before["app_key"] == \
        key.app_key


def test_it_refuses_deleting_an_active_key_in_the_model_too(cast):
    key = ConnectionKey.issue(organization=active_org(cast), software="other", by=cast.admin).key
    with pytest.raises(ChangeRefused):
        key.delete_by(cast.admin)


def test_it_reports_the_last_test_on_the_status_the_page_polls(client, cast):
    key = ConnectionKey.issue(organization=active_org(cast), software="other", by=cast.admin).key
    client.force_login(cast.admin)
    assert client.get(f"/connection-keys/{key.pk}/status/").json()["last_tested"] is None

    key.note_use(tested=True)

    status = client.get(f"/connection-keys/{key.pk}/status/").json()
    assert status["last_tested"] and status["last_used"]


def test_it_lists_searches_and_filters_keys(client, cast):
    org = active_org(cast)
    second = active_org(cast, name="Acme Two BV", number="87654321")
    first = ConnectionKey.issue(organization=org, software="other", by=cast.admin,
                                label="warehouse").key
    other = ConnectionKey.issue(organization=second, software="other", by=cast.admin).key
    other.revoke(cast.admin)
    client.force_login(cast.admin)

    everything = text(client.get("/connection-keys/"))
    assert first.app_key in everything and other.app_key in everything
    searched = text(client.get("/connection-keys/", {"q": "warehouse"}))
    assert first.app_key in searched and other.app_key not in searched
    revoked = text(client.get("/connection-keys/", {"status": "revoked"}))
    assert other.app_key in revoked and first.app_key not in revoked
    by_org = text(client.get("/connection-keys/", {"organization": second.pk}))
    assert other.app_key in by_org and first.app_key not in by_org


def test_it_explains_an_empty_list(client, cast):
    client.force_login(cast.admin)
    page = text(client.get("/connection-keys/"))
    assert "No connection keys yet" in page
    assert "Activate an organization first" in page


def test_it_offers_no_revoking_of_a_revoked_key(client, cast):
    issued = ConnectionKey.issue(organization=active_org(cast), software="other", by=cast.admin)
    issued.key.revoke(cast.admin)
    sign_in(client, cast.admin)

    detail = text(client.get(f"/connection-keys/{issued.key.pk}/"))
    revoke_page = client.get(f"/connection-keys/{issued.key.pk}/revoke/", follow=True)

    assert "Revoke key" not in detail and "revoke this key" not in detail
    assert "This key is revoked" in detail and "Delete key" in detail
    assert revoke_page.redirect_chain[-1][0] == f"/connection-keys/{issued.key.pk}/"
    assert "is revoked already" in text(revoke_page)
    assert 'type="submit">Revoke key' not in text(revoke_page)
