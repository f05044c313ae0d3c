import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from onboarding.models import (
    AuditEvent,
    AuthorisationRequest,
    ConnectionKey,
    Membership,
    Organization,
    Partnership,
    Role,
    Subscription,
)
from portal.errors import ChangeRefused
from portal.tenancy import SESSION_KEY
from tests.conftest import field_error, make_user, sign_in
from tests.onboarding.test_connection_keys import active_org

pytestmark = pytest.mark.django_db

BAKERY_KVK = "11223344"


def text(response):
    return response.content.decode()


def work_in(client, environment):
    session = client.session
    session[SESSION_KEY] = environment.pk
    session.save()
    return client


def as_accountant(client, cast):
    sign_in(client, cast.accountant)
    return work_in(client, cast.accountancy)


def send(client, **data):
    return client.post("/clients/requests/new/", {
        "client_name": "Bea Baker", "client_email": "owner@bakery.nl",
        "registry_number": BAKERY_KVK, "software": "afas", "message": "", **data})


def emailed_link(message):
    return re.search(r"https?://[^/\s]+(/authorisation/[^/\s]+/)", message.body).group(1)


def test_it_sends_a_request_by_email_and_lists_it_as_pending(client, cast):
    as_accountant(client, cast)

    response = send(client)

    assert response.status_code == 302
    sent = AuthorisationRequest.objects.get()
    assert sent.status == "pending" and sent.requested_by == cast.accountant
    assert mail.outbox[0].to == ["owner@bakery.nl"]
    assert "Numbers Accountants asks for access" in mail.outbox[0].subject
    link = emailed_link(mail.outbox[0])
    key = link.split("/")[2]
    # Only the key's digest is stored; the link holds the key itself.
    assert sent.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in sent.key_hash
    clients = text(client.get("/clients/"))
    assert "Bea Baker" in clients and "Pending" in clients and BAKERY_KVK in clients


def test_it_shows_a_bad_kvk_number_next_to_the_field(client, cast):
    as_accountant(client, cast)

    response = send(client, registry_number="1234")

    assert response.status_code == 400
    assert re.search(r'id="id_registry_number_error"', text(response))
    assert not AuthorisationRequest.objects.exists()


def test_it_needs_an_advanced_user_and_a_paid_subscription(client, cast):
    client.force_login(cast.basic)
    assert send(client).status_code == 403

    client.force_login(cast.admin)  # Acme has the free Invoice Portal subscription
    response = send(client)
    assert "at least a Basic subscription" in text(response)
    assert not AuthorisationRequest.objects.exists()


def test_it_replaces_a_pending_request_when_sent_again(client, cast):
    as_accountant(client, cast)
    send(client)
    first = AuthorisationRequest.objects.get()
    first_link = emailed_link(mail.outbox[0])

    client.post(f"/clients/requests/{first.pk}/resend/")

    first.refresh_from_db()
    assert first.status == "withdrawn"
    second = AuthorisationRequest.objects.get(status="pending")
    assert emailed_link(mail.outbox[1]) != first_link and len(mail.outbox) == 2
    assert second.key_hash != first.key_hash
    old_link = text(client.get(first_link))
    assert "can no longer be answered" in old_link
    # Sent again from the form, it says what it replaced.
    as_accountant(client, cast)
    send(client)
    assert "it replaces the earlier one, whose link no longer works." in \
        text(client.get("/clients/"))


def test_it_sends_at_most_the_days_limit_of_requests(client, cast, settings):
    settings.AUTHORISATION_REQUESTS_PER_DAY = 2
    as_accountant(client, cast)
    send(client, client_email="a@bakery.nl")
    yesterdays = AuthorisationRequest.objects.get()
    send(client, client_email="b@bakery.nl")

    refused = send(client, client_email="c@bakery.nl")

    assert refused.status_code == 400
    assert ("Your accountancy sent 2 authorisation requests in the last 24 hours, the most a "
            "day allows.") in text(refused)
    assert not AuthorisationRequest.objects.filter(client_email="c@bakery.nl").exists()
    assert [message.to for message in mail.outbox] == [["a@bakery.nl"], ["b@bakery.nl"]]
    # Sending again counts too: it mails the client once more.
    client.post(f"/clients/requests/{yesterdays.pk}/resend/")
    assert len(mail.outbox) == 2 and AuthorisationRequest.objects.count() == 2
    # A day later the first one no longer counts.
    AuthorisationRequest.objects.filter(pk=yesterdays.pk).update(
        created_at=timezone.now() - timedelta(hours=25))
    assert send(client, client_email="c@bakery.nl").status_code == 302
    assert mail.outbox[-1].to == ["c@bakery.nl"]


def test_it_lets_the_client_accept_and_the_accountant_create_keys(client, cast):
    cast.client.subscription = Subscription.BASIC  # AFAS needs it, in the client's environment
    cast.client.save()
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    as_accountant(client, cast)
    send(client)
    link = emailed_link(mail.outbox[0])
    url = f"/organizations/{bakery.pk}/connection-keys/new/"
    assert client.get(url).status_code == 404

    sign_in(client, cast.client_admin)
    page = text(client.get(link))
    assert "Numbers Accountants asks for access" in page and "Bakery BV" in page
    # The client's only organization with that number is chosen already.
    assert re.search(rf'value="{bakery.pk}"[^>]*checked', page)
    response = client.post(link, {"organization": bakery.pk, "accept": ""})
    assert response.status_code == 302
    partnership = Partnership.objects.get()
    assert partnership.accountant == cast.accountancy and partnership.organization == bakery
    assert "accepted" in mail.outbox[-1].subject

    as_accountant(client, cast)
    assert client.post(url, {"software": "afas"}).status_code == 200
    key = ConnectionKey.objects.get()
    assert key.organization == bakery
    event = AuditEvent.objects.get(action="connection_key.created")
    assert event.environment == cast.client
    assert event.actor_label == "accountant@numbers.nl (Numbers Accountants)"
    clients = text(client.get("/clients/"))
    assert "Partnership active" in clients and "Bakery BV" in clients
    partnership.refresh_from_db()
    assert partnership.last_activity_at is not None
    # A client is not asked again while the partnership runs.
    again = send(client)
    assert again.status_code == 400
    assert field_error(again, "registry_number") == "Already your client: Bakery BV."
    assert AuthorisationRequest.objects.count() == 1


def test_it_tells_the_accountant_that_the_clients_subscription_decides_on_keys(client, cast):
    # The accountancy has Professional; the client only Basic, which 4PS does not cover.
    cast.client.subscription = Subscription.BASIC
    cast.client.save()
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                              client_name="Bea", client_email="owner@bakery.nl",
                              software="4ps_construct", registry_number=BAKERY_KVK
                              ).accept(cast.client_admin, bakery)
    as_accountant(client, cast)
    url = f"/organizations/{bakery.pk}/connection-keys/new/"

    page = text(client.get(url))
    refused = client.post(url, {"software": "4ps_construct"})

    notes = page.split('id="subscription-notes"')[1].split("</div>")[0]
    assert "Not every package is covered by the subscription of Bakery" in notes
    assert "Only the client's administrators can ask Sales for an upgrade" in notes
    assert "/subscription/upgrade/" not in notes
    # The package the accountant asked the client about comes first.
    assert '<option value="4ps_construct" selected>' in page
    assert ("The keys use the subscription of Bakery: its administrators ask Sales for the "
            "upgrade.") in field_error(refused, "software")
    assert not ConnectionKey.objects.exists()


def partnered_bakery(cast):
    """The client's bakery in a partnership with the accountancy, and a connection key the
    accountant made for it through the partnership."""
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    partnership = Partnership.start(accountant=cast.accountancy, organization=bakery,
                                    by=cast.client_admin)
    key = ConnectionKey.issue(organization=bakery, software="afas", by=cast.accountant,
                              environment=cast.accountancy).key
    return bakery, partnership, key


def test_it_stops_access_at_once_when_the_client_ends_the_partnership(client, cast):
    bakery, partnership, key = partnered_bakery(cast)
    as_accountant(client, cast)
    assert client.get(f"/connection-keys/{key.pk}/").status_code == 200

    sign_in(client, cast.client_admin)
    assert "Numbers Accountants" in text(client.get(f"/organizations/{bakery.pk}/"))
    page = text(client.get(f"/partnerships/{partnership.pk}/end/"))
    assert "no longer has access" in page
    assert "The administrators of Numbers Accountants are told by mail." in page
    client.post(f"/partnerships/{partnership.pk}/end/")

    as_accountant(client, cast)
    assert client.get(f"/connection-keys/{key.pk}/").status_code == 404
    assert client.get(f"/organizations/{bakery.pk}/connection-keys/new/").status_code == 404
    assert AuditEvent.objects.filter(environment=cast.client,
                                     action="partnership.ended").exists()
    # The key stays valid: the client did not ask to revoke it.
    key.refresh_from_db()
    assert not key.is_revoked
    told = mail.outbox[-1]
    assert told.to == ["accountant@numbers.nl"]
    assert "Bakery BV ended your access" in told.subject
    assert "Bakery BV (KvK number 11223344) ended the partnership with Numbers " \
           "Accountants." in told.body
    assert "The connection key you made for it still works" in told.body
    # It made no webhooks through the partnership.
    assert "Webhooks" not in told.body
    assert f"{django_settings.PORTAL_URL}/clients/" in told.body


def test_it_finds_clients_by_their_partnership_and_asks_again_after_one_ended(client, cast):
    cast.accountancy.subscription = Subscription.BASIC
    cast.accountancy.save()
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    request = AuthorisationRequest.send(
        environment=cast.accountancy, by=cast.accountant, client_name="Bea",
        client_email="owner@bakery.nl", software="afas", registry_number=BAKERY_KVK)
    partnership = request.accept(cast.client_admin, bakery)
    AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                              client_name="Carl", client_email="carl@cook.nl",
                              software="afas", registry_number="22222220")
    as_accountant(client, cast)

    active = text(client.get("/clients/", {"status": "partnership_active"}))
    assert "Bakery BV" in active and "Carl" not in active
    partnership.end(cast.client_admin)
    ended = text(client.get("/clients/", {"status": "partnership_ended"}))
    assert "Partnership ended" in ended and "Carl" not in ended
    assert f'href="/clients/requests/{request.pk}/resend/">Ask again' in ended
    assert "Bakery BV" not in text(client.get("/clients/", {"status": "partnership_active"}))

    client.post(f"/clients/requests/{request.pk}/resend/")

    assert AuthorisationRequest.objects.filter(status="pending",
                                               registry_number=BAKERY_KVK).count() == 1


def test_it_revokes_the_keys_the_accountant_made_when_the_client_asks_at_the_end(client,
                                                                                  cast):
    bakery, partnership, theirs = partnered_bakery(cast)
    own = ConnectionKey.issue(organization=bakery, software="accept", by=cast.client_admin).key
    sign_in(client, cast.client_admin)
    url = f"/partnerships/{partnership.pk}/end/"

    page = text(client.get(url))
    ended = text(client.post(url, {"revoke_keys": "on"}, follow=True))

    listed = page.split('id="accountant-keys"')[1].split("</ul>")[0]
    assert theirs.app_key in listed and own.app_key not in listed
    assert "Revoke this connection key too" in page
    assert "The connection key they made was revoked." in ended
    theirs.refresh_from_db()
    own.refresh_from_db()
    assert theirs.is_revoked and not own.is_revoked
    assert AuditEvent.objects.get(action="connection_key.revoked").actor == cast.client_admin
    assert not Partnership.objects.get(pk=partnership.pk).is_active
    assert "The connection key you made for it was revoked" in mail.outbox[-1].body


def test_it_tells_no_accountant_who_switched_the_mail_off(client, cast):
    bakery, partnership, _key = partnered_bakery(cast)
    cast.accountant.muted_mail = ["partnership_ended"]
    cast.accountant.save(update_fields=["muted_mail"])
    sign_in(client, cast.client_admin)

    client.post(f"/partnerships/{partnership.pk}/end/")

    assert not Partnership.objects.get(pk=partnership.pk).is_active
    assert not any("ended your access" in message.subject for message in mail.outbox)


def test_it_lets_the_client_decline_and_tells_the_accountant(client, cast):
    active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    as_accountant(client, cast)
    send(client)
    link = emailed_link(mail.outbox[0])

    sign_in(client, cast.client_admin)
    client.post(link, {"decline": ""})

    assert AuthorisationRequest.objects.get().status == "declined"
    assert "declined" in mail.outbox[-1].subject and mail.outbox[-1].to == [
        "accountant@numbers.nl"]
    assert not Partnership.objects.exists()
    # The accountant's list says when.
    from django.utils import timezone
    from django.utils.formats import date_format

    as_accountant(client, cast)
    row = text(client.get("/clients/")).split("Bea Baker")[1].split("</tr>")[0]
    assert "Declined" in row
    assert date_format(timezone.localdate(), "SHORT_DATE_FORMAT") in row


def test_it_shows_the_client_the_open_request_on_the_dashboard_to_answer(client, cast):
    active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    as_accountant(client, cast)
    send(client)
    request = AuthorisationRequest.objects.get()
    # However the client's verified address is written.
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.filter(email="owner@bakery.nl").update(
        email="Owner@Bakery.nl") == 1

    sign_in(client, cast.client_admin)
    dashboard = text(client.get("/"))

    card = dashboard.split('id="authorisation-requests"')[1].split("</ul>")[0]
    assert "Numbers Accountants asks for access to the organization with KvK number " \
        "11223344." in card
    answer = f"/authorisation/requests/{request.pk}/"
    assert f'href="{answer}"' in card
    assert "Numbers Accountants asks for access" in text(client.get(answer))
    client.post(answer, {"decline": ""})
    assert AuthorisationRequest.objects.get().status == "declined"
    assert 'id="authorisation-requests"' not in text(client.get("/"))
    # Nobody else opens it by its number.
    sign_in(client, cast.admin)
    assert client.get(answer).status_code == 404


def test_it_tells_a_client_without_the_organization_to_add_it_first(client, cast):
    as_accountant(client, cast)
    send(client)
    sign_in(client, cast.client_admin)

    page = text(client.get(emailed_link(mail.outbox[0])))

    assert "You do not administer an organization with KvK number 11223344 yet" in page


def test_it_brings_a_client_back_to_the_request_once_the_organization_is_added(client, cast):
    as_accountant(client, cast)
    send(client)
    link = emailed_link(mail.outbox[0])
    sign_in(client, cast.client_admin)
    answer = text(client.get(link))
    assert "you come back here once it is added" in answer
    add_link = re.search(r'href="([^"]+)" id="add-asked-organization"', answer)[1]
    # The form to add it has the requested KvK number filled in already.
    form = text(client.get(add_link.replace("&amp;", "&")))
    assert re.search(rf'name="registry_number" value="{BAKERY_KVK}"', form)

    added = client.post("/organizations/add/", {
        "country": "NL", "action": "save", "name": "Bakery BV", "registry_number": BAKERY_KVK,
        "street": "Kerkstraat 2", "postal_code": "3701 AB", "city": "Zeist"}, follow=True)

    assert added.redirect_chain[-1][0] == link
    page = text(added)
    assert "Now answer the authorisation request for it." in page
    assert 'name="accept"' in page


def test_it_tells_a_stranger_who_asks_before_signing_in(client, cast):
    as_accountant(client, cast)
    send(client)
    client.logout()
    link = emailed_link(mail.outbox[0])

    page = text(client.get(link))

    assert "Numbers Accountants asks for access" in page and "11223344" in page
    assert f'href="/accounts/signup/?next={link}"' in page
    assert f'href="/accounts/login/?next={link}"' in page
    answer = client.post(link, {"decline": ""})
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    assert AuthorisationRequest.objects.get().status == "pending"

    AuthorisationRequest.objects.get().withdraw(cast.accountant)
    page = text(client.get(link))
    # Found out before making an account for it.
    assert "This request can no longer be answered" in page and "/accounts/signup/" not in \
        page.split('id="main"')[1]


def test_it_lets_only_whoever_the_request_was_sent_to_answer_it(client, cast):
    as_accountant(client, cast)
    send(client)
    link = emailed_link(mail.outbox[0])
    # The link reached someone else, who has an organization with that KvK number.
    active_org(cast, environment=cast.other, name="Impostor BV", number=BAKERY_KVK)
    sign_in(client, cast.outsider)

    page = client.get(link)
    declined = client.post(link, {"decline": ""})

    assert page.status_code == 403
    assert "This request was sent to owner@bakery.nl. Sign in with that address" in text(page)
    assert 'name="accept"' not in text(page)
    assert declined.status_code == 403
    assert AuthorisationRequest.objects.get().status == "pending"
    with pytest.raises(ChangeRefused, match="sent to owner@bakery.nl"):
        AuthorisationRequest.objects.get().accept(
            cast.outsider, Organization.objects.get(name="Impostor BV"))
    assert not Partnership.objects.exists()


def test_it_refuses_a_request_to_an_address_on_the_accountancys_own_domain(client, cast):
    as_accountant(client, cast)

    refused = send(client, client_email="colleague@numbers.nl")

    assert refused.status_code == 400
    assert "whoever signs up with it joins your environment" in field_error(refused,
                                                                            "client_email")
    assert not AuthorisationRequest.objects.exists() and mail.outbox == []


def test_it_refuses_answers_to_an_expired_or_withdrawn_request(client, cast):
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    sent = AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                     client_name="Bea", client_email="owner@bakery.nl",
                                     software="afas", registry_number=BAKERY_KVK)
    AuthorisationRequest.objects.filter(pk=sent.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))
    sent.refresh_from_db()
    assert sent.current_status == "expired"
    with pytest.raises(ChangeRefused):
        sent.accept(cast.client_admin, bakery)

    fresh = AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                      client_name="Bea", client_email="owner@bakery.nl",
                                      software="afas", registry_number=BAKERY_KVK)
    fresh.withdraw(cast.accountant)
    with pytest.raises(ChangeRefused):
        fresh.accept(cast.client_admin, bakery)
    assert not Partnership.objects.exists()


def test_it_accepts_only_the_organization_with_the_requested_number(cast):
    other = active_org(cast, environment=cast.client, name="Other BV", number="87654321")
    sent = AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                     client_name="Bea", client_email="owner@bakery.nl",
                                     software="afas", registry_number=BAKERY_KVK)
    with pytest.raises(ChangeRefused, match="KvK number 11223344"):
        sent.accept(cast.client_admin, other)


def test_it_accepts_only_from_an_administrator_of_the_organization(cast):
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    sent = AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                     client_name="Bea", client_email="owner@bakery.nl",
                                     software="afas", registry_number=BAKERY_KVK)
    # The accountant is an Advanced member of the client's environment, not an administrator.
    assert cast.client.membership_for(cast.accountant).role == Role.ADVANCED
    with pytest.raises(ChangeRefused):
        sent.accept(cast.accountant, bakery)


def test_it_accepts_twice_into_one_partnership(cast):
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    sent = AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                     client_name="Bea", client_email="owner@bakery.nl",
                                     software="afas", registry_number=BAKERY_KVK)
    first = sent.accept(cast.client_admin, bakery)
    second = sent.accept(cast.client_admin, bakery)
    assert first.pk == second.pk and Partnership.objects.count() == 1


def test_it_filters_and_searches_the_clients_list(client, cast):
    cast.accountancy.subscription = Subscription.BASIC
    cast.accountancy.save()
    for number, name in (("11111110", "Alpha"), ("22222220", "Beta")):
        AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                  client_name=name, client_email=f"{name}@x.nl",
                                  software="afas", registry_number=number)
    AuthorisationRequest.objects.get(client_name="Beta").withdraw(cast.accountant)
    as_accountant(client, cast)

    default = text(client.get("/clients/"))
    assert "Alpha" in default and "Beta" not in default
    withdrawn = text(client.get("/clients/", {"status": "withdrawn"}))
    assert "Beta" in withdrawn and "Alpha" not in withdrawn
    searched = text(client.get("/clients/", {"q": "1111"}))
    assert "Alpha" in searched
    # A pending request past its date is expired, not pending, as its badge says.
    AuthorisationRequest.objects.filter(client_name="Alpha").update(
        expires_at=timezone.now() - timedelta(days=1))
    assert "Alpha" not in text(client.get("/clients/", {"status": "pending"}))
    assert "Alpha" in text(client.get("/clients/", {"status": "expired"}))


def test_it_keeps_the_clients_list_from_basic_users(client, cast):
    client.force_login(cast.basic)
    assert client.get("/clients/").status_code == 403
    assert "/clients/" not in text(client.get("/"))


def test_an_accountancy_without_organizations_of_its_own_is_pointed_to_its_clients(
        client, cast):
    as_accountant(client, cast)
    assert 'id="clients-elsewhere"' not in text(client.get("/organizations/"))

    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    Partnership.start(accountant=cast.accountancy, organization=bakery, by=cast.client_admin)
    page = text(client.get("/organizations/"))
    assert 'id="clients-elsewhere"' in page and 'href="/clients/">Your clients</a>' in page


def test_it_leads_the_accountant_from_the_clients_list_to_each_clients_pages(client, cast):
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    as_accountant(client, cast)
    send(client)
    sign_in(client, cast.client_admin)
    client.post(emailed_link(mail.outbox[0]), {"organization": bakery.pk, "accept": ""})
    as_accountant(client, cast)

    page = client.get("/clients/").content.decode()
    links = re.search(r'<div class="small client-links">(.*?)</div>', page, re.S).group(1)
    hrefs = re.findall(r'href="([^"]+)"', links)

    assert hrefs == [f"/connection-keys/?organization={bakery.pk}",
                     f"/integrations/organizations/{bakery.pk}/",
                     f"/organizations/{bakery.pk}/customers/",
                     f"/organizations/{bakery.pk}/outbox/", f"/organizations/{bakery.pk}/inbox/"]
    assert all(client.get(href).status_code == 200 for href in hrefs)
    outbox = text(client.get(f"/organizations/{bakery.pk}/outbox/"))
    assert "Upload a UBL file" in outbox and "Send a test invoice" in outbox


def test_it_tells_a_user_who_may_not_add_the_organization_who_answers_instead(client, cast):
    cast.client.subscription = Subscription.BASIC
    cast.client.save()
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    clerk = make_user("clerk@bakery.nl")
    Membership.objects.create(environment=cast.client, user=clerk, role=Role.BASIC)
    as_accountant(client, cast)
    send(client, client_email="clerk@bakery.nl")
    link = emailed_link(mail.outbox[0])

    sign_in(client, clerk)
    page = text(client.get(link))

    assert "Bakery BV has KvK number 11223344, and its administrators answer this request: " \
        f"{cast.client_admin.email}." in page
    assert 'id="add-asked-organization"' not in page and bakery.name in page


def test_the_accountant_stops_working_for_a_client_and_the_client_is_told(client, cast):
    cast.client.subscription = Subscription.BASIC
    cast.client.save()
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    as_accountant(client, cast)
    send(client)
    request = AuthorisationRequest.objects.get()
    request.accept(cast.client_admin, bakery)
    partnership = Partnership.objects.get()
    key = ConnectionKey.issue(organization=bakery, software="afas", by=cast.accountant,
                              environment=cast.accountancy).key
    url = f"/clients/partnerships/{partnership.pk}/stop/"
    assert f'href="{url}"' in text(client.get("/clients/"))
    assert "keeps working" in text(client.get(url))
    mail.outbox.clear()

    response = client.post(url)

    assert response.status_code == 302 and response.url == "/clients/"
    partnership.refresh_from_db()
    assert partnership.ended_at is not None and partnership.ended_by == cast.accountant
    assert "You no longer work for Bakery BV" in text(client.get("/clients/"))
    assert client.get(f"/organizations/{bakery.pk}/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
    [told] = mail.outbox
    assert told.to == [cast.client_admin.email]
    assert "Numbers Accountants no longer works for you" in told.subject
    assert "still works" in told.body
    # Stopping again, from a page left open: said, and nobody is mailed again.
    again = client.post(url, follow=True)
    assert "had already ended; nothing was changed" in text(again)
    assert len(mail.outbox) == 1


def ended_meanwhile_by(monkeypatch, user):
    """The other side ends the partnership after the page found it, before it is locked."""
    from onboarding.views import partnerships as views

    found = views.get_object_or_404

    def found_then_ended(*args, **kwargs):
        partnership = found(*args, **kwargs)
        Partnership.objects.get(pk=partnership.pk).end(user)
        return partnership

    monkeypatch.setattr(views, "get_object_or_404", found_then_ended)


@pytest.mark.parametrize("side", ["client", "accountancy"])
def test_the_second_of_two_who_end_a_partnership_at_once_changes_nothing_and_mails_nobody(
        client, cast, monkeypatch, side):
    bakery, partnership, key = partnered_bakery(cast)
    if side == "client":
        sign_in(client, cast.client_admin)
        url, first = f"/partnerships/{partnership.pk}/end/", cast.accountant
    else:
        as_accountant(client, cast)
        url, first = f"/clients/partnerships/{partnership.pk}/stop/", cast.client_admin
    ended_meanwhile_by(monkeypatch, first)
    mail.outbox.clear()

    page = text(client.post(url, {"revoke_keys": "on"}, follow=True))

    assert "The partnership of Numbers Accountants and Bakery BV had already ended; nothing " \
           "was changed." in page
    assert mail.outbox == []
    partnership.refresh_from_db()
    assert partnership.ended_by == first
    assert AuditEvent.objects.filter(action="partnership.ended").count() == 2  # both sides'
    key.refresh_from_db()
    assert not key.is_revoked


@pytest.mark.parametrize("side", ["client", "accountancy"])
def test_a_page_left_open_while_the_other_side_ended_the_partnership_says_so(client, cast,
                                                                             side):
    bakery, partnership, _key = partnered_bakery(cast)
    if side == "client":
        sign_in(client, cast.client_admin)
        url, first = f"/partnerships/{partnership.pk}/end/", cast.accountant
    else:
        as_accountant(client, cast)
        url, first = f"/clients/partnerships/{partnership.pk}/stop/", cast.client_admin
    partnership.end(first)
    mail.outbox.clear()

    response = client.post(url, follow=True)

    assert response.status_code == 200
    assert "The partnership of Numbers Accountants and Bakery BV had already ended; nothing " \
           "was changed." in text(response)
    assert mail.outbox == []


def test_only_the_accountancys_administrators_stop_working_for_a_client(client, cast):
    bakery = active_org(cast, environment=cast.client, name="Bakery BV", number=BAKERY_KVK)
    partnership = Partnership.start(accountant=cast.accountancy, organization=bakery,
                                    by=cast.client_admin)
    junior = make_user("junior@numbers.nl")
    Membership.objects.create(environment=cast.accountancy, user=junior, role=Role.ADVANCED)
    sign_in(client, junior)
    work_in(client, cast.accountancy)
    url = f"/clients/partnerships/{partnership.pk}/stop/"
    assert client.post(url).status_code == 403
    # Nor does the client's side reach it there: it ends partnerships on its own page.
    sign_in(client, cast.client_admin)
    assert client.post(url).status_code in (403, 404)
    partnership.refresh_from_db()
    assert partnership.ended_at is None
