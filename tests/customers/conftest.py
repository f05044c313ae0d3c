"""An organization of the Acme environment to keep customers in, and the Peppol stand-ins."""


import pytest

from customers.models import CustomerCard, SendingProfile
from onboarding.models import Organization, Subscription
from tests.standins.dns_smp import PeppolNetwork


@pytest.fixture
def org(cast):
    return Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                               registry_number="12345678", registry_checked=True)


@pytest.fixture
def client_org(cast):
    cast.client.subscription = Subscription.BASIC
    cast.client.save()
    return Organization.create(environment=cast.client, by=cast.client_admin,
                               name="Bakery Client BV", registry_number="87654321",
                               registry_checked=True)


@pytest.fixture
def peppol(settings):
    with PeppolNetwork() as network:
        sml = network.sml_settings()
        settings.PEPPOL_SML_ZONE = sml["zone"]
        settings.PEPPOL_DNS_SERVERS = sml["nameservers"]
        settings.PEPPOL_DNS_PORT = sml["port"]
        settings.PEPPOL_LOOKUP_TIMEOUT = 2.0
        yield network


def make_card(org, **fields):
    values = {"name": "Bakker BV", "customer_number": "1001", "endpoint_scheme": "0106",
              "endpoint_value": "12345678", "buyer_reference_source": "your_reference"}
    values.update(fields)
    return CustomerCard.objects.create(organization=org, **values)


def make_profile(org, name="eConnect", **fields):
    return SendingProfile.objects.create(organization=org, name=name, **fields)
