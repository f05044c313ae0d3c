"""Who may see and change which webhooks, what a change records, and how the secret is kept."""

import pytest

from onboarding import encryption
from onboarding.models import AuditEvent, Organization, Partnership
from portal.errors import ChangeRefused
from tests.invoices.conftest import activate
from tests.webhooks.conftest import subscribe
from webhooks.models import Topic, Webhook

pytestmark = pytest.mark.django_db


def test_it_keeps_the_secret_encrypted_and_can_still_sign_with_it(cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    stored = Webhook.objects.values_list("secret_encrypted", flat=True).get(pk=hook.pk)
    assert endpoint.secret.startswith("whsec_") and endpoint.secret not in stored
    assert encryption.is_encrypted(stored)
    assert hook.secret == endpoint.secret


def test_it_shows_organization_hooks_to_who_manages_the_organization(cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    assert list(Webhook.objects.visible_to(cast.admin, cast.company)) == [hook]
    assert list(Webhook.objects.manageable_by(cast.admin, cast.company)) == [hook]
    # A basic user without organization rights, and another environment, see nothing.
    assert not Webhook.objects.visible_to(cast.basic, cast.company).exists()
    assert not Webhook.objects.visible_to(cast.outsider, cast.other).exists()


def test_it_lets_an_accountant_manage_a_clients_hooks_during_the_partnership(
        cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    assert not Webhook.objects.manageable_by(cast.accountant, cast.accountancy).exists()
    partnership = Partnership.start(accountant=cast.accountancy, organization=sender,
                                    by=cast.admin)
    assert list(Webhook.objects.manageable_by(cast.accountant, cast.accountancy)) == [hook]
    partnership.end(cast.admin)
    assert not Webhook.objects.manageable_by(cast.accountant, cast.accountancy).exists()


def test_it_pauses_the_hooks_the_accountant_made_when_the_partnership_ends(
        client, cast, sender, endpoint):
    partnership = Partnership.start(accountant=cast.accountancy, organization=sender,
                                    by=cast.admin)
    accountants, _secret = Webhook.create(by=cast.accountant, environment=cast.accountancy,
                                          organization=sender, url=endpoint.url,
                                          topics=[Topic.INVOICE_RECEIVED])
    own = subscribe(endpoint, sender, cast.admin)

    partnership.end(cast.admin)

    accountants.refresh_from_db()
    assert not accountants.is_active
    assert {hook.pk: hook.is_active
            for hook in Webhook.objects.hearing_of(sender.pk, sender.environment_id)} == {
        own.pk: True, accountants.pk: False}
    assert AuditEvent.objects.filter(action="webhook.paused", environment=cast.company,
                                     actor=cast.admin).count() == 1
    client.force_login(cast.admin)
    page = client.get(f"/webhooks/{accountants.pk}/").content.decode()
    assert "Paused when the partnership with Numbers Accountants ended" in page


def test_it_covers_the_environments_own_and_partner_organizations_with_an_environment_hook(
        cast, sender, receiver, endpoint):
    hook, _secret = Webhook.create(by=cast.accountant, environment=cast.accountancy,
                                   url=endpoint.url, topics=[Topic.INVOICE_RECEIVED])
    own = activate(Organization.create(environment=cast.accountancy, by=cast.accountant,
                                       name="Numbers BV"))
    assert list(Webhook.objects.hearing_of(own.pk, own.environment_id)) == [hook]
    assert not Webhook.objects.hearing_of(receiver.pk, receiver.environment_id).exists()
    Partnership.start(accountant=cast.accountancy, organization=receiver, by=cast.client_admin)
    assert list(Webhook.objects.hearing_of(receiver.pk, receiver.environment_id)) == [hook]
    assert not Webhook.objects.hearing_of(sender.pk, sender.environment_id).exists()


def test_it_refuses_environment_hooks_to_all_but_the_environments_administrators(cast):
    with pytest.raises(ChangeRefused):
        Webhook.create(by=cast.basic, environment=cast.company, url="https://example.com/",
                       topics=[Topic.INVOICE_SENT])
    assert not Webhook.objects.exists()


def test_it_refuses_hooks_to_a_member_without_organization_rights(cast, sender):
    with pytest.raises(ChangeRefused):
        Webhook.create(by=cast.basic, environment=cast.company, organization=sender,
                       url="https://example.com/", topics=[Topic.INVOICE_SENT])


def test_it_records_every_change_in_the_activity_log(cast, sender, endpoint):
    hook = subscribe(endpoint, sender, cast.admin)
    assert hook.pause(cast.admin, cast.company) is True
    assert hook.pause(cast.admin, cast.company) is False
    assert hook.resume(cast.admin, cast.company) is True
    old = hook.secret
    new = hook.rotate_secret(cast.admin, cast.company)
    assert new != old and Webhook.objects.get(pk=hook.pk).secret == new
    assert hook.change(cast.admin, cast.company, url=hook.url, topics=[Topic.INVOICE_SENT],
                       description="ERP") is True
    hook.delete_by(cast.admin, cast.company)
    assert not Webhook.objects.exists()
    actions = list(AuditEvent.objects.filter(action__startswith="webhook.")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["webhook.created", "webhook.paused", "webhook.resumed",
                       "webhook.secret_rotated", "webhook.changed", "webhook.deleted"]


def test_it_pauses_a_hook_the_accountants_software_made_with_their_key(cast, sender, endpoint):
    from onboarding.models import ConnectionKey, Software, Subscription

    sender.environment.subscription = Subscription.BASIC
    sender.environment.save(update_fields=["subscription"])
    partnership = Partnership.start(accountant=cast.accountancy, organization=sender,
                                    by=cast.admin)
    issued = ConnectionKey.issue(organization=sender, software=Software.AFAS,
                                 by=cast.accountant, environment=cast.accountancy)
    # Made through the API: the key, not a user, makes it.
    hook, _secret = Webhook.create(by=None, environment=None, key=issued.key,
                                   url=endpoint.url, topics=[Topic.INVOICE_RECEIVED])
    assert hook.partnership == partnership

    partnership.end(cast.admin)

    hook.refresh_from_db()
    assert not hook.is_active and "partnership with Numbers Accountants" in hook.paused_reason
