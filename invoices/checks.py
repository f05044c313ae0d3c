"""System checks of the invoices app."""

from django.core import checks


@checks.register()
def access_point_readable(app_configs, **kwargs):
    """The access point's key, certificate and trust load, so that neither sending nor the
    AS4 endpoint finds out at the first document."""
    from invoices.transport.base import access_point, smp_trust

    try:
        access_point()
        smp_trust()
    except (OSError, ValueError, TypeError) as error:
        return [checks.Error(
            f"The Peppol access point settings do not load: {error}",
            hint="PEPPOL_AP_KEY_FILE, PEPPOL_AP_CERT_FILE, PEPPOL_AP_TRUST_FILE and "
                 "PEPPOL_SMP_TRUST_FILE name PEM files the portal can read; "
                 "PEPPOL_AP_KEY_PASSWORD opens the key.",
            id="invoices.E001")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def service_metadata_trusted(app_configs, **kwargs):
    """Sending over Peppol believes the SMP's answer about where a receiver's access point is;
    unsigned, that answer is only as safe as the DNS and the network that carried it."""
    from django.conf import settings

    if settings.PEPPOL_AP_PARTY_ID and not settings.PEPPOL_SMP_TRUST_FILE:
        return [checks.Warning(
            "Delivery over Peppol is configured, but the signatures of service metadata are "
            "not checked, so a forged SMP answer could send documents to another access "
            "point.",
            hint="Set PEPPOL_SMP_TRUST_FILE to the Peppol SMP CA certificates (PEM).",
            id="invoices.W001")]
    return []
