"""What both ways of connecting 4PS Business Central share."""

from django.utils.translation import gettext_lazy as _

from onboarding.models import Software

# The Setup fields of every Business Central setup.
BUSINESS_CENTRAL = {
    "software": Software.FOURPS_BUSINESS_CENTRAL,
    "direction": _("Send + Receive"),
    "minimum_subscription": "professional",
    "contract_required": True,
}

BUYER_REFERENCE = _('Fill in "uw referentie" or "extern documentnummer": they become the '
                    "BuyerReference or order number.")
