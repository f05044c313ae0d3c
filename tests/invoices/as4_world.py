"""The Peppol network around the portal, on 127.0.0.1: test certificates made on the spot
(a CA, the platform's access point, a remote access point, a stranger from another CA, the
SMP's signing certificate), the SML and SMP stand-ins, and a remote AS4 access point; the
portal's access point settings point at them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.standins.as4_access_point import As4AccessPoint
from tests.standins.dns_smp import INVOICE, PeppolNetwork
from tests.standins.pki import Identity, access_point, certificate_authority

PLATFORM_SEAT = "PNL000001"
REMOTE_SEAT = "PNL000002"
REMOTE_KVK = "11112222"


@dataclass
class World:
    ca: Identity
    platform: Identity
    remote: Identity
    stranger: Identity
    smp: Identity
    network: PeppolNetwork
    remote_ap: As4AccessPoint

    def register_remote(self, value: str = REMOTE_KVK, document_types=(INVOICE,),
                        endpoint_types=(INVOICE,)) -> None:
        """A participant of the remote access point, in the SML and its SMP."""
        self.network.register("0106", value, list(document_types))
        for document_type in endpoint_types:
            self.network.smp.add_endpoint("0106", value, document_type, self.remote_ap.url,
                                          self.remote.certificate_der)


@pytest.fixture(scope="session")
def pki():
    ca = certificate_authority()
    stranger_ca = certificate_authority("Stranger CA")
    return (ca, access_point(ca, PLATFORM_SEAT), access_point(ca, REMOTE_SEAT),
            access_point(stranger_ca, REMOTE_SEAT), access_point(ca, "Test SMP"))


@pytest.fixture
def peppol_world(settings, tmp_path, pki):
    ca, platform, remote, stranger, smp = pki
    files = {"key.pem": platform.key_pem, "cert.pem": platform.certificate_pem,
             "trust.pem": ca.certificate_pem}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    settings.PEPPOL_AP_PARTY_ID = PLATFORM_SEAT
    settings.PEPPOL_AP_KEY_FILE = str(tmp_path / "key.pem")
    settings.PEPPOL_AP_CERT_FILE = str(tmp_path / "cert.pem")
    settings.PEPPOL_AP_TRUST_FILE = str(tmp_path / "trust.pem")
    settings.PEPPOL_SMP_TRUST_FILE = str(tmp_path / "trust.pem")
    settings.PEPPOL_AP_TIMEOUT = 5.0
    settings.PEPPOL_AP_RETRY_MINUTES = [1.0, 5.0, 30.0]
    with PeppolNetwork() as network, As4AccessPoint(remote, ca) as remote_ap:
        settings.PEPPOL_SML_ZONE = network.dns.zone
        settings.PEPPOL_DNS_SERVERS = [network.dns.host]
        settings.PEPPOL_DNS_PORT = network.dns.port
        network.smp.signer = (smp.key, smp.certificate_der)
        yield World(ca, platform, remote, stranger, smp, network, remote_ap)
