"""Every page that takes an object id answers 404 to a user of another environment."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from customers.models import CustomerCard, ImportJob, PeppolCheckRun, SendingProfile
from onboarding.models import (
    AuthorisationRequest,
    ConnectionKey,
    Contract,
    EntraIdentity,
    Environment,
    Invitation,
    Membership,
    Organization,
    OrganizationIdentifier,
    OrganizationMember,
    Partnership,
    PartyLink,
    PartyLinkRequest,
    Role,
    Subscription,
    UpgradeRequest,
)
from portal.tenancy import SESSION_KEY
from tests.conftest import enable_totp, give_identifier, sign_in

pytestmark = pytest.mark.django_db

OUR_NAMESPACES = {"onboarding", "organizations", "customers", "invoices", "api", "integrations",
                  "webhooks"}


def _organization(cast):
    return Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                               registry_number="12345678", registry_checked=True)


def _identifier(cast):
    return OrganizationIdentifier.add(_organization(cast), cast.admin, "0106", "12345678")


def _organization_member(cast):
    return OrganizationMember.objects.create(organization=_organization(cast), user=cast.basic)


def _active_organization(cast):
    organization = _organization(cast)
    Organization.objects.filter(pk=organization.pk).update(status=Organization.Status.ACTIVE)
    organization.refresh_from_db()
    return organization


def _key(cast, revoked=False):
    # Keys need a plan with API access.
    Environment.objects.filter(pk=cast.company.pk).update(subscription=Subscription.BASIC)
    cast.company.refresh_from_db()
    key = ConnectionKey.issue(organization=_active_organization(cast), software="other",
                              by=cast.admin).key
    return key.revoke(cast.admin) if revoked else key


def _authorisation_request(cast):
    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    return AuthorisationRequest.send(environment=cast.company, by=cast.admin, client_name="Cy",
                                     client_email="cy@client.nl", software="afas",
                                     registry_number="87654321")


def _authorisation_request_to_admin(cast):
    """An accountant's request sent to the administrator: theirs to answer."""
    cast.accountancy.subscription = Subscription.BASIC
    cast.accountancy.save()
    return AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                     client_name="Anna", client_email=cast.admin.email,
                                     software="afas", registry_number="87654321")


def _partnership(cast):
    return Partnership.start(accountant=cast.accountancy, organization=_organization(cast),
                             by=cast.admin)


def _partnership_for_a_client(cast):
    client = Organization.create(environment=cast.client, by=cast.client_admin,
                                 name="Client BV")
    return Partnership.start(accountant=cast.company, organization=client,
                             by=cast.client_admin)


def _entra_identity(cast):
    return EntraIdentity.objects.create(user=cast.admin, tenant_id="tenant-acme",
                                        object_id="object-anna", username="anna@acme.nl")


def _party_link_request(cast):
    return PartyLinkRequest.submit(identity=_entra_identity(cast), by=cast.admin,
                                   environment=cast.company, broker="production",
                                   entra_username="anna@acme.nl",
                                   organizations=[_organization(cast)])


def _party_link(cast):
    return PartyLink.grant(identity=_entra_identity(cast), organization=_organization(cast),
                           broker="production", can_send=True, can_receive=False,
                           by=cast.techsupport)


def _card(cast):
    return CustomerCard.objects.create(organization=_organization(cast), name="Bakker BV",
                                       customer_number="1001")


def _profile(cast):
    return SendingProfile.objects.create(organization=_organization(cast), name="eConnect")


def _import(cast):
    return ImportJob.objects.create(organization=_organization(cast), filename="c.csv",
                                    content=b"customer_number\n1\n", columns=["customer_number"],
                                    mapping={"customer_number": 0}, rows_total=1)


def _check_run(cast):
    return PeppolCheckRun.objects.create(organization=_organization(cast), status="done")


def _document(cast):
    from invoices.models import Channel, Direction, Document, Status
    from tests.invoices.conftest import invoice

    return Document.store(organization=_active_organization(cast), direction=Direction.OUTGOING,
                          status=Status.CREATED, content=invoice(), channel=Channel.TEST)


def _attachment(cast):
    """(a sent document with a PDF inside, the attachment's number)."""
    from invoices.models import Channel, Direction, Document, Status
    from tests.invoices.conftest import invoice, with_attachment

    document = Document.store(organization=_active_organization(cast),
                              direction=Direction.OUTGOING, status=Status.CREATED,
                              content=with_attachment(invoice()), channel=Channel.TEST)
    return document.pk, 1


def _received(cast, status="received"):
    from invoices.models import Channel, Direction, Document
    from tests.invoices.conftest import invoice

    return Document.store(organization=_active_organization(cast), direction=Direction.INCOMING,
                          status=status, content=invoice(), channel=Channel.PLATFORM)


def _duplicate(cast):
    return _received(cast, status="duplicate")


def _integration_run(cast):
    from onboarding.integrations.registry import get
    from onboarding.integrations.runs import IntegrationRun

    cast.company.subscription = Subscription.BASIC
    cast.company.save()
    return IntegrationRun.start(organization=_active_organization(cast), setup=get("afas"),
                                by=cast.admin, environment=cast.company)[0]


def _webhook(cast):
    from webhooks.models import Topic, Webhook

    return Webhook.create(by=cast.admin, environment=cast.company,
                          organization=_organization(cast), url="https://127.0.0.1/hook",
                          topics=[Topic.INVOICE_SENT])[0]


# One way to make an object of the Acme environment for each URL that takes an id.
OBJECT_FACTORIES = {
    "onboarding:member_role": lambda cast: Membership.objects.get(user=cast.basic).pk,
    "onboarding:member_remove": lambda cast: Membership.objects.get(user=cast.basic).pk,
    "onboarding:invitation_revoke": lambda cast: Invitation.send(
        environment=cast.company, email="new@acme.nl", role=Role.BASIC, by=cast.admin).pk,
    "onboarding:invitation_resend": lambda cast: Invitation.send(
        environment=cast.company, email="again@acme.nl", role=Role.BASIC, by=cast.admin).pk,
    "onboarding:organization_detail": lambda cast: _organization(cast).pk,
    "onboarding:organization_activate": lambda cast: _organization(cast).pk,
    "onboarding:organization_deactivate": lambda cast: _organization(cast).pk,
    "onboarding:organization_receiving": lambda cast: _organization(cast).pk,
    "onboarding:organization_delete": lambda cast: _organization(cast).pk,
    "onboarding:organization_identifier_add": lambda cast: _organization(cast).pk,
    "onboarding:organization_identifier_switch": lambda cast: _identifier(cast).pk,
    "onboarding:organization_identifier_remove": lambda cast: _identifier(cast).pk,
    "onboarding:organization_member_add": lambda cast: _organization(cast).pk,
    "onboarding:organization_member_role": lambda cast: _organization_member(cast).pk,
    "onboarding:organization_member_remove": lambda cast: _organization_member(cast).pk,
    "onboarding:connection_key_add": lambda cast: _active_organization(cast).pk,
    "onboarding:connection_key_detail": lambda cast: _key(cast).pk,
    "onboarding:connection_key_created": lambda cast: _key(cast).pk,
    "onboarding:connection_key_status": lambda cast: _key(cast).pk,
    "onboarding:connection_key_rename": lambda cast: _key(cast).pk,
    "onboarding:connection_key_revoke": lambda cast: _key(cast).pk,
    "onboarding:connection_key_delete": lambda cast: _key(cast, revoked=True).pk,
    "onboarding:authorisation_request_resend": lambda cast: _authorisation_request(cast).pk,
    "onboarding:authorisation_request_withdraw": lambda cast: _authorisation_request(cast).pk,
    "onboarding:authorisation_answer_open":
        lambda cast: _authorisation_request_to_admin(cast).pk,
    "onboarding:partnership_end": lambda cast: _partnership(cast).pk,
    # The accountant's side: the administrator's environment works for another's client.
    "onboarding:partnership_stop": lambda cast: _partnership_for_a_client(cast).pk,
    # Entra ID: an identity and its requests and links belong to their portal user.
    "onboarding:entra_unlink": lambda cast: _entra_identity(cast).pk,
    "onboarding:party_link_request": lambda cast: _party_link_request(cast).pk,
    "onboarding:party_link_request_withdraw": lambda cast: _party_link_request(cast).pk,
    "onboarding:party_link_connection": lambda cast: _party_link(cast).pk,
    "onboarding:party_link_revoke": lambda cast: _party_link(cast).pk,
    "customers:cards": lambda cast: _organization(cast).pk,
    "customers:card_add": lambda cast: _organization(cast).pk,
    "customers:export": lambda cast: _organization(cast).pk,
    "customers:check_all": lambda cast: _organization(cast).pk,
    "customers:import_start": lambda cast: _organization(cast).pk,
    "customers:profiles": lambda cast: _organization(cast).pk,
    "customers:profile_add": lambda cast: _organization(cast).pk,
    "customers:card_detail": lambda cast: _card(cast).pk,
    "customers:card_edit": lambda cast: _card(cast).pk,
    "customers:card_delete": lambda cast: _card(cast).pk,
    "customers:card_check": lambda cast: _card(cast).pk,
    "customers:check_run": lambda cast: _check_run(cast).pk,
    "customers:check_run_status": lambda cast: _check_run(cast).pk,
    "customers:check_run_retry": lambda cast: _check_run(cast).pk,
    "customers:import_detail": lambda cast: _import(cast).pk,
    "customers:import_status": lambda cast: _import(cast).pk,
    "customers:import_valid_rows": lambda cast: _import(cast).pk,
    "customers:import_report": lambda cast: _import(cast).pk,
    "customers:import_delete": lambda cast: _import(cast).pk,
    "customers:profile_edit": lambda cast: _profile(cast).pk,
    "customers:profile_default": lambda cast: _profile(cast).pk,
    "customers:profile_undefault": lambda cast: _profile(cast).pk,
    "customers:profile_delete": lambda cast: _profile(cast).pk,
    "invoices:outbox": lambda cast: _organization(cast).pk,
    "invoices:inbox": lambda cast: _organization(cast).pk,
    "invoices:upload": lambda cast: _active_organization(cast).pk,
    "invoices:test_invoice": lambda cast: _active_organization(cast).pk,
    "invoices:document": lambda cast: _document(cast).pk,
    "invoices:download": lambda cast: _document(cast).pk,
    "invoices:attachment": _attachment,
    "invoices:mark_original": lambda cast: _duplicate(cast).pk,
    "invoices:mark_downloaded": lambda cast: _received(cast).pk,
    "invoices:reject": lambda cast: _received(cast).pk,
    "invoices:set_status": lambda cast: _received(cast).pk,
    "invoices:retry_delivery": lambda cast: _document(cast).pk,
    "integrations:run": lambda cast: _integration_run(cast).pk,
    "integrations:run_status": lambda cast: _integration_run(cast).pk,
    "integrations:readiness": lambda cast: _organization(cast).pk,
    "webhooks:add": lambda cast: _organization(cast).pk,
    "webhooks:detail": lambda cast: _webhook(cast).pk,
    "webhooks:edit": lambda cast: _webhook(cast).pk,
    "webhooks:delete": lambda cast: _webhook(cast).pk,
    "webhooks:pause": lambda cast: _webhook(cast).pk,
    "webhooks:resume": lambda cast: _webhook(cast).pk,
    "webhooks:test": lambda cast: _webhook(cast).pk,
    "webhooks:rotate": lambda cast: _webhook(cast).pk,
}
# Reached by a secret in the URL rather than by tenancy, on purpose.
CAPABILITY_URLS = {"onboarding:invitation_accept", "onboarding:authorisation_answer"}


def _pending_organization(cast):
    organization = _organization(cast)
    give_identifier(organization, cast.admin)
    organization.request_activation(cast.admin, requester_name="Anna", requester_role="Director",
                                    registry_number="12345678")
    return organization


def _upgrade_request(cast):
    return UpgradeRequest.submit(environment=cast.company, by=cast.admin,
                                 subscription=Subscription.BASIC)


def _waiting_identifier(cast):
    return OrganizationIdentifier.add(_active_organization(cast), cast.admin, "0088",
                                      "1234567890128")


# Platform staff pages reach across environments: by staff flag, a 404 to everyone else.
STAFF_OBJECT_URLS = {
    "onboarding:staff_activation": ("is_techsupport", lambda cast: _pending_organization(cast).pk),
    "onboarding:staff_activation_approve": ("is_techsupport",
                                            lambda cast: _pending_organization(cast).pk),
    "onboarding:staff_activation_reject": ("is_techsupport",
                                           lambda cast: _pending_organization(cast).pk),
    "onboarding:staff_registry_checked": ("is_techsupport",
                                          lambda cast: _pending_organization(cast).pk),
    "onboarding:staff_party_link": ("is_techsupport", lambda cast: _party_link_request(cast).pk),
    "onboarding:staff_party_link_approve": ("is_techsupport",
                                            lambda cast: _party_link_request(cast).pk),
    "onboarding:staff_party_link_reject": ("is_techsupport",
                                           lambda cast: _party_link_request(cast).pk),
    "onboarding:staff_party_link_revoke": ("is_techsupport", lambda cast: _party_link(cast).pk),
    "invoices:staff_mark_original": ("is_techsupport", lambda cast: _duplicate(cast).pk),
    "invoices:staff_document": ("is_techsupport", lambda cast: _document(cast).pk),
    "integrations:staff_run": ("is_techsupport", lambda cast: _integration_run(cast).pk),
    "invoices:staff_organization_documents": ("is_techsupport",
                                              lambda cast: _document(cast).organization_id),
    "onboarding:staff_organization": ("is_platform_staff",
                                      lambda cast: _active_organization(cast).pk),
    "onboarding:staff_environment": ("is_platform_staff", lambda cast: cast.company.pk),
    "onboarding:staff_subscription": ("is_sales", lambda cast: cast.company.pk),
    "onboarding:staff_contract_add": ("is_sales", lambda cast: cast.company.pk),
    "onboarding:staff_contract_end": ("is_sales", lambda cast: Contract.add(
        environment=cast.company, by=cast.sales, reference="C-1").pk),
    "onboarding:staff_contract_renew_key": ("is_sales", lambda cast: Contract.add(
        environment=cast.company, by=cast.sales, reference="C-2").pk),
    "onboarding:staff_upgrade": ("is_sales", lambda cast: _upgrade_request(cast).pk),
    "onboarding:staff_upgrade_approve": ("is_sales", lambda cast: _upgrade_request(cast).pk),
    "onboarding:staff_upgrade_decline": ("is_sales", lambda cast: _upgrade_request(cast).pk),
    "onboarding:staff_identifier_verify": ("is_techsupport",
                                           lambda cast: _waiting_identifier(cast).pk),
    "onboarding:staff_identifier_reject": ("is_techsupport",
                                           lambda cast: _waiting_identifier(cast).pk),
}

# Every URL that takes an id, for a walk over all of them.
ALL_OBJECT_URLS = sorted({*OBJECT_FACTORIES, *STAFF_OBJECT_URLS})


def url_of(name, made) -> str:
    """The URL named `name` for what a factory made: an id, or a tuple of ids."""
    return reverse(name, args=made if isinstance(made, tuple) else (made,))


def object_page(cast, name):
    """(the URL of a new object for the URL name `name`, the user who may open it: the
    administrator, or staff with the flag the page asks for)."""
    if name in STAFF_OBJECT_URLS:
        flag, factory = STAFF_OBJECT_URLS[name]
        enable_totp(cast.sales)
        user = cast.techsupport if flag == "is_techsupport" else cast.sales
    else:
        factory, user = OBJECT_FACTORIES[name], cast.admin
    return url_of(name, factory(cast)), user


def _walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, entry.namespace or namespace)
        elif (isinstance(entry, URLPattern) and namespace in OUR_NAMESPACES and entry.name
              and entry.pattern.converters):
            yield f"{namespace}:{entry.name}"


def object_urls():
    return sorted(set(_walk(get_resolver().url_patterns)))


def test_it_knows_how_to_make_an_object_for_every_url_with_an_id():
    missing = (set(object_urls()) - set(OBJECT_FACTORIES) - CAPABILITY_URLS
               - set(STAFF_OBJECT_URLS))
    assert not missing, f"add these to OBJECT_FACTORIES: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(OBJECT_FACTORIES))
def test_it_answers_404_to_another_environment(client, cast, name):
    url = url_of(name, OBJECT_FACTORIES[name](cast))
    sign_in(client, cast.outsider)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("name", sorted(OBJECT_FACTORIES))
def test_it_still_opens_for_the_owning_administrator(client, cast, name):
    url = url_of(name, OBJECT_FACTORIES[name](cast))
    sign_in(client, cast.admin)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", sorted(n for n in OBJECT_FACTORIES
                                     if n.startswith(("customers:", "invoices:", "webhooks:"))))
def test_it_opens_customer_pages_to_a_partner_accountant_until_the_partnership_ends(
        client, cast, name):
    url = url_of(name, OBJECT_FACTORIES[name](cast))
    partnership = Partnership.start(accountant=cast.accountancy,
                                    organization=Organization.objects.get(), by=cast.admin)
    sign_in(client, cast.accountant)
    session = client.session
    session[SESSION_KEY] = cast.accountancy.pk
    session.save()
    assert client.get(url).status_code == 200
    partnership.end(cast.admin)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("name", sorted(STAFF_OBJECT_URLS))
def test_it_hides_staff_pages_from_customers_and_names_the_role_to_other_staff(client, cast,
                                                                               name):
    flag, factory = STAFF_OBJECT_URLS[name]
    url = url_of(name, factory(cast))
    enable_totp(cast.sales)
    for user in (cast.admin, cast.outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    for user in other_staff(cast, flag):
        client.force_login(user)
        refused = client.post(url)
        assert refused.status_code == 403
        assert f"This page is for {ROLES[flag]}." in refused.content.decode()


ROLES = {"is_techsupport": "TechSupport", "is_sales": "Sales"}


@pytest.mark.parametrize("name", sorted(STAFF_OBJECT_URLS))
def test_it_opens_staff_pages_to_staff_with_the_flag(client, cast, name):
    flag, factory = STAFF_OBJECT_URLS[name]
    url = url_of(name, factory(cast))
    enable_totp(cast.sales)
    for user in staff_with(cast, flag):
        client.force_login(user)
        # Pages answer 200; actions answer GET with 405 (POST only).
        assert client.get(url).status_code in (200, 405)


def staff_with(cast, flag) -> list:
    return [user for user in (cast.techsupport, cast.sales) if getattr(user, flag)]


def other_staff(cast, flag) -> list:
    return [user for user in (cast.techsupport, cast.sales) if not getattr(user, flag)]


# Staff pages without an id: a 404 to everyone without the flag, like those with one.
STAFF_LIST_URLS = {
    "onboarding:staff_upgrades": "is_sales",
    "onboarding:staff_identifiers": "is_techsupport",
    "onboarding:staff_organizations": "is_platform_staff",
}


@pytest.mark.parametrize("name", sorted(STAFF_LIST_URLS))
def test_it_hides_staff_queues_from_customers_and_names_the_role_to_other_staff(client, cast,
                                                                                name):
    enable_totp(cast.sales)
    flag = STAFF_LIST_URLS[name]
    for user in (cast.admin, cast.outsider):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 404
    for user in other_staff(cast, flag):
        client.force_login(user)
        refused = client.get(reverse(name))
        assert refused.status_code == 403
        assert f"This page is for {ROLES[flag]}." in refused.content.decode()
    for user in staff_with(cast, flag):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 200


def test_it_shows_upgrade_requests_only_in_their_own_environment(client, cast):
    _upgrade_request(cast)
    sign_in(client, cast.outsider)
    page = client.get(reverse("onboarding:upgrade_request")).content.decode()
    assert "upgrade-history" not in page and "upgrade-waiting" not in page
    sign_in(client, cast.admin)
    assert "upgrade-waiting" in client.get(reverse("onboarding:upgrade_request")).content.decode()
