"""How each identifier scheme's numbers are written and checked, as data."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

from stdnum import ean, iban, lei, vatin
from stdnum.au import abn
from stdnum.be import vat as be_vat
from stdnum.ch import uid as ch_uid
from stdnum.de import leitweg
from stdnum.ee import registrikood
from stdnum.fi import alv as fi_alv
from stdnum.fi import ytunnus
from stdnum.fr import siren, siret
from stdnum.is_ import kennitala
from stdnum.it import codicefiscale, iva
from stdnum.no import mva as no_mva
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr
from stdnum.sg import uen
from stdnum.us import ein
from stdnum.util import get_cc_module

from invoices.peppol import schemes
from invoices.peppol.text import gettext_noop as _


@dataclass(frozen=True)
class Rule:
    """How one scheme's numbers are written and checked."""

    label: str
    a_label: str
    digits: tuple[int, ...] = ()  # allowed lengths of a value of digits (after any prefix)
    pattern: str = ""  # the whole canonical value must match
    # A stdnum validate(), which raises when the value is wrong: `check` where the checksum
    # is the last digit alone, `check_all` where it is more (this decides the wording).
    check: Callable[[str], object] | None = None
    check_all: Callable[[str], object] | None = None
    keep: str = ""  # separators that belong to the value and are not cleaned away
    upper: bool = True
    prefix: str = ""  # letters the value starts with; added when the user leaves them out
    optional_prefix: str = ""  # letters the official rules allow in front; dropped
    loose_prefix: str = ""  # letters people paste in front by habit; dropped when cleaning
    example: str = ""
    title: str = ""  # name in listings, when the label is not enough


def _siren_or_siret(value: str) -> str:
    return siren.validate(value) if len(value) == 9 else siret.validate(value)


def _ovt_business_id(value: str) -> str:
    # An OVT code is 0037, the 8-digit Finnish business ID, and an optional suffix.
    return ytunnus.validate(value[4:12])


_GLN = Rule(_("GLN"), _("a GLN"), digits=(13,), check=ean.validate, title=_("GS1 GLN"))
# The code list says 17 digits for 0106; KvK numbers have had 8 since 2009.
_KVK = Rule(_("KvK number"), _("a KvK number"), digits=(8,))
_OIN = Rule(_("OIN"), _("an OIN"), digits=(20,))
_NO_ORGNR = Rule(
    _("Norwegian organisation number"),
    _("a Norwegian organisation number"),
    digits=(9,),
    check=no_orgnr.validate,
)
# Rule PEPPOL-COMMON-R042 accepts a DK prefix and checks no check digit: the official
# tests accept 12345678, which fails the old modulus-11 test that stdnum's dk.cvr applies.
_CVR = Rule(
    _("CVR number"), _("a CVR number"), digits=(8,), pattern=r"[1-9]\d{7}", optional_prefix="DK"
)
_DK_SE = Rule(_("Danish SE number"), _("a Danish SE number"), prefix="DK", digits=(8,))
_BE_ENTERPRISE = Rule(
    _("Belgian enterprise number"),
    _("a Belgian enterprise number"),
    digits=(10,),
    pattern=r"[01]\d{9}",
    check_all=be_vat.validate,
    loose_prefix="BE",
    example="0123456749",
)
_IT_CODICE_FISCALE = Rule(
    _("Italian tax code"),
    _("an Italian tax code"),
    pattern=r"\d{11}|[0-9A-Z]{16}",
    check_all=codicefiscale.validate,
)
_IT_VAT = Rule(
    _("Italian VAT number"),
    _("an Italian VAT number"),
    prefix="IT",
    digits=(11,),
    check=iva.validate,
)
_IS_KENNITALA = Rule(
    _("Icelandic kennitala"),
    _("an Icelandic kennitala"),
    digits=(10,),
    check_all=kennitala.validate,
)
_LEITWEG = Rule(
    _("Leitweg-ID"),
    _("a Leitweg-ID"),
    pattern=r"\d{2,12}(-[0-9A-Z]{1,30})?-\d{2}",
    check_all=leitweg.validate,
    keep="-",
    example="991-03730-19",
)
_VAT = (_("VAT number"), _("a VAT number"))
_ANY = Rule(_("identifier"), _("an identifier"), keep=".-", upper=False)

RULES: dict[str, Rule] = {
    "0002": Rule(
        _("SIREN or SIRET number"),
        _("a SIREN or SIRET number"),
        digits=(9, 14),
        check=_siren_or_siret,
    ),
    "0007": Rule(
        _("Swedish organisation number"),
        _("a Swedish organisation number"),
        digits=(10,),
        check=se_orgnr.validate,
    ),
    "0009": Rule(_("SIRET number"), _("a SIRET number"), digits=(14,), check=siret.validate),
    "0037": Rule(
        _("OVT code"), _("an OVT code"), pattern=r"(0037)?\d{7}-?\d[0-9A-Z]{0,5}", keep="-"
    ),
    "0060": Rule(_("D-U-N-S number"), _("a D-U-N-S number"), digits=(9,)),
    "0088": _GLN,
    "0096": Rule(_("Danish P-number"), _("a Danish P-number"), digits=(10,)),
    "0097": Rule(_("FTI code"), _("an FTI code"), pattern=r"\d{11,16}"),
    "0106": _KVK,
    "0151": Rule(
        _("Australian Business Number"),
        _("an Australian Business Number"),
        digits=(11,),
        check_all=abn.validate,
    ),
    "0158": Rule(_("Slovak IČO"), _("a Slovak IČO"), digits=(8,)),
    "0183": Rule(
        _("Swiss UID number"),
        _("a Swiss UID number"),
        prefix="CHE",
        digits=(9,),
        check=ch_uid.validate,
    ),
    "0184": _CVR,
    "0190": _OIN,
    "0191": Rule(
        _("Estonian registry code"),
        _("an Estonian registry code"),
        digits=(8,),
        pattern=r"[1789]\d{7}",
        check=registrikood.validate,
    ),
    "0192": _NO_ORGNR,
    "0193": Rule(
        _("UBL.BE party identifier"), _("a UBL.BE party identifier"), pattern=r"[!-~]{4,50}"
    ),
    "0195": Rule(_("UEN"), _("a UEN"), pattern=r"[0-9A-Z]{9,10}", check_all=uen.validate),
    "0196": _IS_KENNITALA,
    "0198": _DK_SE,
    "0199": Rule(_("LEI"), _("an LEI"), pattern=r"[0-9A-Z]{18}\d{2}", check_all=lei.validate),
    "0200": Rule(_("Lithuanian company code"), _("a Lithuanian company code"), digits=(9,)),
    "0201": Rule(_("IPA code"), _("an IPA code"), pattern=r"[0-9A-Z]{6}", example="UFY9MH"),
    "0204": _LEITWEG,
    "0208": _BE_ENTERPRISE,
    "0210": _IT_CODICE_FISCALE,
    "0211": _IT_VAT,
    "0212": Rule(
        _("Finnish business ID"),
        _("a Finnish business ID"),
        pattern=r"\d{7}-\d",
        check=ytunnus.validate,
        keep="-",
        example="2077474-0",
    ),
    "0213": Rule(*_VAT, prefix="FI", digits=(8,), check=fi_alv.validate),
    "0215": Rule(_("Net Service ID"), _("a Net Service ID"), pattern=r"[0-9A-Z]{1,35}"),
    "0216": Rule(
        _("OVT code"),
        _("an OVT code"),
        pattern=r"0037\d{8}[0-9A-Z]{0,5}",
        check=_ovt_business_id,
        example="003704944842TST01",
    ),
    "0218": Rule(
        _("Latvian registration number"), _("a Latvian registration number"), digits=(9, 11)
    ),
    "0225": Rule(
        _("French CTC address"),
        _("a French CTC address"),
        pattern=r"[A-Za-z0-9_-]{1,130}",
        keep="-",
        upper=False,
    ),
    "0235": Rule(_("UAE TIN"), _("a UAE TIN"), digits=(10,), pattern=r"1\d{9}"),
    "0240": Rule(
        _("Luxembourg national identifier"), _("a Luxembourg national identifier"), digits=(11,)
    ),
    "0242": Rule(
        _("SPIS identifier"),
        _("a SPIS identifier"),
        pattern=r"\d{6}(-[0-9A-Z_]{3,12}(\.[0-9A-Z._~-]{3,24})?)?",
        keep=".-",
    ),
    "0244": Rule(_("Nigerian TIN"), _("a Nigerian TIN"), digits=(13,)),
    "0245": Rule(_("Slovak DIČ"), _("a Slovak DIČ"), digits=(10,)),
    "0246": Rule(
        _("German business identification number"),
        _("a German business identification number"),
        prefix="DE",
        pattern=r"DE\d{9}(-\d{5})?(\.[0-9A-Z]{1,8})?",
        keep=".-",
    ),
    "0248": Rule(*_VAT, prefix="OM", digits=(10,)),
    "9902": _CVR,
    "9904": _DK_SE,
    "9906": _IT_VAT,
    "9907": _IT_CODICE_FISCALE,
    "9908": _NO_ORGNR,
    "9909": Rule(*_VAT, prefix="NO", pattern=r"NO\d{9}MVA", check_all=no_mva.validate),
    "9912": Rule(*_VAT, pattern=r"[A-Z]{2}[0-9A-Z]{2,16}", check_all=vatin.validate),
    "9917": _IS_KENNITALA,
    "9918": Rule(
        _("IBAN"),
        _("an IBAN"),
        pattern=r"[A-Z]{2}\d{2}[0-9A-Z]{11,30}",
        check_all=iban.validate,
    ),
    "9954": _OIN,
    "9956": _BE_ENTERPRISE,
    "9958": _LEITWEG,
    "9959": Rule(_("EIN"), _("an EIN"), digits=(9,), check=ein.validate),
}


@cache
def rule_for(code: str) -> Rule:
    scheme = schemes.get_scheme(code)
    if code in RULES:
        return RULES[code]
    if scheme and scheme.scheme_id.endswith(":VAT"):
        # Greece writes EL in front of its VAT numbers, not GR.
        prefix = "EL" if scheme.country == "GR" else scheme.country
        known = get_cc_module(scheme.country.lower(), "vat") is not None
        return Rule(
            *_VAT,
            prefix=prefix,
            pattern=rf"{prefix}[0-9A-Z]{{2,16}}",
            check_all=vatin.validate if known else None,
            title=scheme.name,
        )
    return replace(_ANY, title=scheme.name if scheme else "")
