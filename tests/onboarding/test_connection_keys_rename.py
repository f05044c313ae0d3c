"""Renaming a connection key (its description) on the key's page."""

import re

import pytest

from onboarding.models import AuditEvent, ConnectionKey, OrganizationMember, Partnership
from portal.errors import ChangeRefused
from tests.conftest import field_error, sign_in, text, tied_error
from tests.onboarding.test_authorisation_requests import as_accountant
from tests.onboarding.test_connection_keys import active_org

pytestmark = pytest.mark.django_db


def issue(org, by, label="", **kwargs):
    return ConnectionKey.issue(organization=org, software="afas", by=by, label=label,
                               **kwargs).key


def rename(client, key, label):
    return client.post(f"/connection-keys/{key.pk}/rename/", {"label": label}, follow=True)


def label_form(page):
    return re.search(r'<form method="post" action="/connection-keys/\d+/rename/" id="label"'
                     r'.*?</form>', page, re.S)


def test_it_renames_a_key_on_its_page_and_records_who_did(client, cast):
    org = active_org(cast)
    key = issue(org, cast.admin, label="AFAS test")
    sign_in(client, cast.admin)

    page = text(client.get(f"/connection-keys/{key.pk}/"))
    form = label_form(page).group(0)
    assert '<label for="id_label">Description</label>' in page
    assert 'value="AFAS test"' in form and 'type="submit">Save</button>' in form

    response = rename(client, key, "  AFAS production  ")

    assert response.redirect_chain[-1][0] == f"/connection-keys/{key.pk}/"
    assert f"The description of {key.app_key} was saved." in text(response)
    assert 'value="AFAS production"' in text(response)
    assert "AFAS production" in text(client.get("/connection-keys/"))
    key.refresh_from_db()
    assert key.label == "AFAS production"
    event = AuditEvent.objects.get(action="connection_key.changed")
    assert (event.actor, event.before, event.after) == (
        cast.admin, {"label": "AFAS test"}, {"label": "AFAS production"})
    assert "Changed the connection key" in text(client.get("/activity/"))

    # Saving what is there already records nothing.
    rename(client, key, "AFAS production")
    assert AuditEvent.objects.filter(action="connection_key.changed").count() == 1

    # An empty description takes it away.
    rename(client, key, "")
    key.refresh_from_db()
    assert key.label == ""
    assert AuditEvent.objects.filter(action="connection_key.changed").count() == 2


def test_it_shows_a_too_long_description_beside_the_field(client, cast):
    key = issue(active_org(cast), cast.admin, label="Warehouse")
    sign_in(client, cast.admin)

    response = client.post(f"/connection-keys/{key.pk}/rename/", {"label": "x" * 101})

    assert response.status_code == 400
    assert "at most 100 characters (it has 101)" in field_error(response, "label")
    assert "at most 100 characters" in tied_error(response, "id_label")
    assert 'autofocus' in label_form(text(response)).group(0)
    key.refresh_from_db()
    assert key.label == "Warehouse"
    assert not AuditEvent.objects.filter(action="connection_key.changed").exists()


def test_it_lets_only_who_may_change_the_key_rename_it(client, cast):
    org = active_org(cast)
    key = issue(org, cast.admin, label="Warehouse")
    OrganizationMember.objects.create(organization=org, user=cast.basic)
    sign_in(client, cast.basic)

    page = text(client.get(f"/connection-keys/{key.pk}/"))
    assert label_form(page) is None and "Warehouse" in page

    refused = rename(client, key, "Mine now")

    assert "Only administrators of the organization rename keys." in text(refused)
    key.refresh_from_db()
    assert key.label == "Warehouse"
    assert not AuditEvent.objects.filter(action="connection_key.changed").exists()
    # Someone else's key is not found at all.
    sign_in(client, cast.outsider)
    assert client.post(f"/connection-keys/{key.pk}/rename/", {"label": "x"}).status_code == 404


def test_it_renames_a_revoked_key_too(client, cast):
    key = issue(active_org(cast), cast.admin, label="Old AFAS")
    key.revoke(cast.admin)
    sign_in(client, cast.admin)

    assert label_form(text(client.get(f"/connection-keys/{key.pk}/")))
    rename(client, key, "Old AFAS (leaked, replaced)")

    key.refresh_from_db()
    assert key.label == "Old AFAS (leaked, replaced)" and key.is_revoked


def test_it_lets_an_accountant_rename_a_clients_key_under_the_firms_name(client, cast):
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number="11223344")
    Partnership.start(accountant=cast.accountancy, organization=bakery, by=cast.client_admin)
    key = issue(bakery, cast.accountant, environment=cast.accountancy)
    as_accountant(client, cast)

    rename(client, key, "Bakery AFAS")

    key.refresh_from_db()
    assert key.label == "Bakery AFAS"
    event = AuditEvent.objects.get(action="connection_key.changed")
    assert event.environment == cast.client
    assert event.actor_label == "accountant@numbers.nl (Numbers Accountants)"


def test_it_refuses_renaming_in_the_model_too(cast):
    org = active_org(cast)
    key = issue(org, cast.admin)
    with pytest.raises(ChangeRefused):
        key.rename(cast.basic, "Mine")
    with pytest.raises(ChangeRefused) as too_long:
        key.rename(cast.admin, "x" * 101)
    assert too_long.value.field == "label"
    assert key.rename(cast.admin, "Main") is True
    assert key.rename(cast.admin, "Main") is False
    assert ConnectionKey.objects.get().label == "Main"


def test_it_opens_the_key_page_at_its_description_on_the_rename_address(client, cast):
    key = issue(active_org(cast), cast.admin, label="Warehouse")
    sign_in(client, cast.admin)

    response = client.get(f"/connection-keys/{key.pk}/rename/")
    plain = text(client.get(f"/connection-keys/{key.pk}/"))

    assert response.status_code == 200
    form = label_form(text(response)).group(0)
    assert 'value="Warehouse"' in form and "autofocus" in form
    assert "autofocus" not in label_form(plain).group(0)
