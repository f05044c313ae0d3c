"""What an accountancy, its client and TechSupport meet on a walk through the portal: the
answer to an authorisation request, a partnership that ended, activation and identifiers
through a partnership, and the words of the lists, mails and activity log they read."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override, trans_real

from onboarding.models import (
    AuthorisationRequest,
    Membership,
    Organization,
    OrganizationIdentifier,
    Partnership,
    Role,
    Subscription,
)
from tests.conftest import mails_to, make_user, sign_in, text
from tests.invoices.conftest import sender  # noqa: F401 - fixture
from tests.onboarding.conftest import activated
from tests.onboarding.test_activity_sentences import page_text
from tests.onboarding.test_authorisation_requests import (
    BAKERY_KVK,
    as_accountant,
    emailed_link,
    partnered_bakery,
    send,
    work_in,
)
from tests.onboarding.test_connection_keys import active_org
from tests.webhooks.conftest import endpoint  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

ADD_BAKERY = {"country": "NL", "action": "save", "name": "Bakery BV",
              "registry_number": BAKERY_KVK, "street": "Kerkstraat 2",
              "postal_code": "3701 AB", "city": "Zeist"}


def asked_client(client, cast):
    """The accountant asked the client, who opened the emailed link without having the
    organization yet; the link, with the client signed in."""
    as_accountant(client, cast)
    send(client)
    link = emailed_link(mail.outbox[0])
    sign_in(client, cast.client_admin)
    assert "you come back here once it is added" in text(client.get(link))
    return link


# -- 1. adding the organization after the request was answered ------------------------


def test_it_opens_the_new_organization_when_the_request_it_waited_for_was_declined(
        client, cast):
    link = asked_client(client, cast)
    client.post(link, {"decline": "confirmed"})
    assert AuthorisationRequest.objects.get().status == "declined"

    added = client.post("/organizations/add/", ADD_BAKERY, follow=True)

    organization = Organization.objects.get(name="Bakery BV")
    assert added.redirect_chain[-1][0] == f"/organizations/{organization.pk}/"
    page = text(added)
    assert "Now answer the authorisation request" not in page
    assert "can no longer be answered" not in page


def test_it_opens_the_new_organization_when_the_request_was_withdrawn_meanwhile(
        client, cast):
    link = asked_client(client, cast)
    AuthorisationRequest.objects.get().withdraw(cast.accountant)

    added = client.post("/organizations/add/", ADD_BAKERY, follow=True)

    organization = Organization.objects.get(name="Bakery BV")
    assert added.redirect_chain[-1][0] == f"/organizations/{organization.pk}/"
    assert "Now answer the authorisation request" not in text(added)
    assert link not in [url for url, _status in added.redirect_chain]


def test_it_still_brings_the_client_back_to_a_request_that_is_open(client, cast):
    link = asked_client(client, cast)

    added = client.post("/organizations/add/", ADD_BAKERY, follow=True)

    assert added.redirect_chain[-1][0] == link
    assert "Now answer the authorisation request for it." in text(added)


# -- 2. declining asks first ------------------------------------------------------------


def test_it_asks_before_the_client_declines(client, cast):
    active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    as_accountant(client, cast)
    send(client)
    link = emailed_link(mail.outbox[0])
    sign_in(client, cast.client_admin)

    answer = text(client.get(link))
    # A link to the question, not a button that declines at once.
    assert re.search(r'<a [^>]*href="\?decline"[^>]*id="decline-request"', answer)
    assert 'name="decline"' not in answer

    asked = client.get(link + "?decline")
    page = text(asked)
    assert asked.status_code == 200
    assert "Decline the authorisation request" in page
    assert "Numbers Accountants then gets no access to the organization with KvK number " \
        "11223344, and is told by mail that you declined." in page
    form = page.split('id="main"')[1].split("<form")[1].split("</form>")[0]
    assert f'action="{link}"' in form and 'name="decline"' in form
    assert 'type="submit">Decline</button>' in form
    assert f'href="{link}">Cancel</a>' in form
    # Only asked: nothing is answered, nobody is told.
    assert AuthorisationRequest.objects.get().status == "pending"
    assert len(mail.outbox) == 1

    client.post(link, {"decline": "confirmed"})

    assert AuthorisationRequest.objects.get().status == "declined"
    assert "declined" in mail.outbox[-1].subject
    # Asking again once it is answered shows the answer, not the question.
    assert "Decline the authorisation request" not in text(client.get(link + "?decline"))


def test_it_asks_nobody_but_whom_the_request_was_sent_to(client, cast):
    as_accountant(client, cast)
    send(client)
    link = emailed_link(mail.outbox[0])
    sign_in(client, cast.outsider)

    asked = client.get(link + "?decline")

    assert asked.status_code == 403
    assert "Decline the authorisation request" not in text(asked)


# -- 3. a partnership that ended ----------------------------------------------------------


def ended_by_client(client, cast):
    bakery, partnership, _key = partnered_bakery(cast)
    partnership.end(cast.client_admin)
    partnership.refresh_from_db()
    return bakery, partnership


@pytest.mark.parametrize("path", ["/organizations/{pk}/", "/organizations/{pk}/activate/",
                                  "/organizations/{pk}/connection-keys/new/",
                                  "/organizations/{pk}/identifiers/add/"])
def test_it_tells_the_accountant_that_the_partnership_ended(client, cast, path):
    bakery, partnership = ended_by_client(client, cast)
    as_accountant(client, cast)

    response = client.get(path.format(pk=bakery.pk))

    assert response.status_code == 404
    page = " ".join(text(response).split())
    ended_on = date_format(timezone.localtime(partnership.ended_at), "DATE_FORMAT")
    assert f"The partnership of Numbers Accountants with Bakery BV ended on {ended_on}, so " \
        "you no longer have access to it. Bakery BV ended it." in page
    assert 'href="/clients/" id="to-clients"' in page
    assert "Page not found" not in page


def test_it_tells_it_on_the_pages_of_what_belonged_to_the_organization(client, cast):
    bakery, partnership, key = partnered_bakery(cast)
    partnership.end(cast.client_admin)
    as_accountant(client, cast)

    for path in (f"/connection-keys/{key.pk}/", f"/organizations/{bakery.pk}/customers/",
                 f"/organizations/{bakery.pk}/inbox/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Bakery BV ended it." in text(response), path
    # Something that never belonged to an organization the accountancy worked for says
    # nothing.
    assert "Partnership ended" not in text(client.get("/connection-keys/999999/"))


def test_it_tells_it_with_debug_on_too(client, cast, settings):
    # As under `make run`, where Django answers a 404 with its own page, not the handler's.
    settings.DEBUG = True
    bakery, _partnership = ended_by_client(client, cast)
    as_accountant(client, cast)

    response = client.get(f"/organizations/{bakery.pk}/")

    assert response.status_code == 404
    assert "Bakery BV ended it." in text(response)


def test_it_says_when_the_accountancy_ended_it_itself(client, cast):
    bakery, partnership, _key = partnered_bakery(cast)
    as_accountant(client, cast)
    client.post(f"/clients/partnerships/{partnership.pk}/stop/")
    assert not Partnership.objects.get(pk=partnership.pk).is_active

    page = text(client.get(f"/organizations/{bakery.pk}/"))

    assert "Numbers Accountants ended it." in page and "Bakery BV ended it." not in page


def test_it_tells_nothing_of_an_organization_the_environment_never_worked_for(client, cast):
    ended_by_client(client, cast)
    stranger = active_org(cast, environment=cast.other, name="Stranger BV", number="87654321")
    as_accountant(client, cast)

    response = client.get(f"/organizations/{stranger.pk}/")

    assert response.status_code == 404
    assert "Page not found" in text(response) and "Stranger BV" not in text(response)
    assert "Partnership ended" not in text(response)


def test_it_tells_nothing_to_a_basic_user_of_the_accountancy(client, cast):
    bakery, _partnership = ended_by_client(client, cast)
    clerk = make_user("clerk@numbers.nl")
    Membership.objects.create(environment=cast.accountancy, user=clerk, role=Role.BASIC)
    sign_in(client, clerk)
    work_in(client, cast.accountancy)

    response = client.get(f"/organizations/{bakery.pk}/")

    assert response.status_code == 404
    assert "Page not found" in text(response) and "Bakery BV" not in text(response)


def test_it_opens_the_organization_again_under_a_new_partnership(client, cast):
    bakery, _partnership = ended_by_client(client, cast)
    Partnership.start(accountant=cast.accountancy, organization=bakery, by=cast.client_admin)
    as_accountant(client, cast)

    response = client.get(f"/organizations/{bakery.pk}/")

    assert response.status_code == 200 and "Partnership ended" not in text(response)


# -- 4. the activation form of an accountant ---------------------------------------------


def draft_client_organization(cast):
    bakery = Organization.create(environment=cast.client, by=cast.client_admin,
                                 name="Bakery BV", registry_number=BAKERY_KVK,
                                 registry_checked=True)
    OrganizationIdentifier.add(bakery, cast.client_admin, "0106", BAKERY_KVK)
    Partnership.start(accountant=cast.accountancy, organization=bakery, by=cast.client_admin)
    return bakery


def test_it_asks_an_accountant_for_their_role_at_the_accountancy(client, cast):
    bakery = draft_client_organization(cast)
    as_accountant(client, cast)

    page = " ".join(text(client.get(f"/organizations/{bakery.pk}/activate/")).split())

    assert "Your role at Numbers Accountants" in page
    assert "For example accountant or adviser." in page
    assert "I confirm that I act on behalf of Bakery BV under the authorisation it gave " \
        "Numbers Accountants, and may ask for its activation." in page
    assert "director, owner or financial manager" not in page
    assert "I confirm that I may act for this company" not in page


def test_it_asks_the_companys_own_administrator_as_before(client, cast):
    bakery = draft_client_organization(cast)
    sign_in(client, cast.client_admin)

    page = " ".join(text(client.get(f"/organizations/{bakery.pk}/activate/")).split())

    assert "For example director, owner or financial manager." in page
    assert "I confirm that I may act for this company and ask for its activation." in page


# -- 5. the key list of an organization waiting for activation -----------------------------


def test_it_says_techsupport_reviews_an_organization_waiting_for_activation(client, cast):
    organization = Organization.create(environment=cast.company, by=cast.admin,
                                       name="Waiting BV", registry_number="12345678",
                                       registry_checked=True)
    OrganizationIdentifier.add(organization, cast.admin, "0106", "12345678")
    organization.request_activation(cast.admin, requester_name="Anna", requester_role="CFO",
                                    registry_number="12345678")
    sign_in(client, cast.admin)

    listed = text(client.get("/connection-keys/", {"organization": organization.pk}))

    said = listed.split('id="keys-need-activation">')[1].split("</div>")[0]
    assert "Waiting BV is not active yet: TechSupport is reviewing its activation request" \
        in said
    assert "Open the organization to activate it" not in said
    assert f'href="/organizations/{organization.pk}/"' in said


# -- 6. TechSupport's mail of an identifier to verify --------------------------------------


def test_it_tells_techsupport_who_added_the_identifier_and_through_which_accountancy(
        client, cast):
    bakery, _partnership, _key = partnered_bakery(cast)
    as_accountant(client, cast)
    mail.outbox.clear()

    client.post(f"/organizations/{bakery.pk}/identifiers/add/",
                {"scheme": "0088", "value": "1234567890128"})

    [message] = mails_to(cast.techsupport.email)
    body = " ".join(message.body.split())
    assert "accountant@numbers.nl of Numbers Accountants, as accountant through the " \
        "partnership with Bakery BV (Bakery), added the Peppol identifier 0088:1234567890128 " \
        "to Bakery BV." in body


def test_it_tells_techsupport_who_of_the_company_added_the_identifier(cast):
    organization = activated(cast)
    mail.outbox.clear()

    OrganizationIdentifier.add(organization, cast.admin, "0088", "4006381333931",
                               environment=cast.company)

    [message] = mails_to(cast.techsupport.email)
    body = " ".join(message.body.split())
    assert "Anna Admin of Acme added the Peppol identifier 0088:4006381333931 to Trading BV." \
        in body
    assert "partnership" not in body


# -- 7. the checked list's summary ----------------------------------------------------------


@pytest.mark.parametrize("rows, summary", [
    (["Bea Baker\tbea@bakery.nl\t87654321\tAFAS"], "1 of 4 clients is ready."),
    (["Bea Baker\tbea@bakery.nl\t87654321\tAFAS", "Eva Ent\teva@ent.nl\t11223344\tAFAS"],
     "2 of 4 clients are ready."),
])
def test_it_counts_the_ready_clients_as_the_subject(client, cast, rows, summary):
    cast.accountancy.subscription = Subscription.BASIC
    cast.accountancy.save(update_fields=["subscription"])
    as_accountant(client, cast)
    bad = [f"Carl Cook {n}\tcarl{n}@cook.nl\t1234\tAFAS" for n in range(4 - len(rows))]
    pasted = "Naam\tE-mailadres\tKvK-nummer\tPakket\n" + "\n".join(rows + bad) + "\n"

    response = client.post("/clients/requests/list/", {"rows": pasted, "action": "check"})

    assert summary in " ".join(text(response).split())


# -- 8. the identifier switch in the activity log --------------------------------------------


def test_it_says_which_switch_went_which_way(client, cast):
    organization = activated(cast)
    gln = organization.identifiers.get(scheme="0088")
    gln.switch(cast.admin, "send", False, environment=cast.company)
    gln.switch(cast.admin, "receive", True, environment=cast.company)
    client.force_login(cast.admin)

    page = " ".join(page_text(client.get("/activity/")).split())

    assert "Switched sending off for 0088:1234567890128." in page
    assert "Switched receiving on for 0088:1234567890128." in page
    assert "Switched sending or receiving" not in page

    cast.admin.language = "nl"
    cast.admin.save(update_fields=["language"])
    dutch = " ".join(page_text(client.get("/activity/")).split())
    assert "Verzenden uitgezet voor 0088:1234567890128." in dutch
    assert "Ontvangen aangezet voor 0088:1234567890128." in dutch


# -- 9. the label of a webhook's secret ------------------------------------------------------


def test_it_translates_the_label_of_the_webhook_secret_on_its_own(
        client, cast, sender, endpoint, monkeypatch):  # noqa: F811 - fixtures
    # The Dutch for it is written later; a catalogue entry of its own shows on the page,
    # while the connection key's "Secret", the platform's name for it, stays as it is.
    with override("nl"):
        catalog = trans_real.translation("nl")._catalog._catalogs[0]
    monkeypatch.setitem(catalog, "webhook signing secret\x04Secret", "Geheim")
    cast.admin.language = "nl"
    cast.admin.save(update_fields=["language"])
    sign_in(client, cast.admin)

    response = client.post(reverse("webhooks:add", args=[sender.pk]), {
        "url": endpoint.url, "description": "ERP", "topics": ["InvoiceReceived"]})

    page = text(response)
    assert response.status_code == 200
    assert re.search(r'<label [^>]*for="secret">Geheim</label>', page)
