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
