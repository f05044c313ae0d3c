"""Dutch reads as one voice: "je" throughout, one word for two-factor authentication, allauth's
pages included, and no term glossed with itself."""

import re
from pathlib import Path

import allauth
import pytest
from django.utils import translation

from onboarding.models import Organization

ROOT = Path(__file__).resolve().parents[2]
OURS = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
ALLAUTHS = Path(allauth.__file__).parent / "locale" / "nl" / "LC_MESSAGES" / "django.po"
FORMAL = re.compile(r"(?<![\w-])(u|uw|alstublieft|a\.u\.b\.)(?![\w-])", re.IGNORECASE)
# The field "Uw referentie" is named as the Dutch bookkeeping software names it.
SOFTWARE_FIELD = re.compile(r"uw referentie", re.IGNORECASE)


def entries(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) of the singular, current entries of a catalogue."""
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        if block.lstrip().startswith("#~") or "msgid_plural" in block or "msgctxt" in block:
            continue
        parts = re.findall(r'^(msgid|msgstr) ((?:".*"\n?)+)', block + "\n", re.M)
        values = {name: "".join(re.findall(r'"(.*)"', text)).encode().decode("unicode_escape")
                  .encode("latin-1").decode("utf-8") for name, text in parts}
        if values.get("msgid"):
            found.append((values["msgid"], values.get("msgstr", "")))
    return found


def dutch(msgid: str) -> str:
    with translation.override("nl"):
        return translation.gettext(msgid)


def test_it_addresses_the_reader_as_je_in_the_portals_own_texts():
    formal = [text for _msgid, text in entries(OURS)
              if FORMAL.search(SOFTWARE_FIELD.sub("", text))]
    assert formal == []


def test_it_addresses_the_reader_as_je_on_allauths_pages_too():
    formal = [msgid for msgid, text in entries(ALLAUTHS)
              if text and FORMAL.search(text) and FORMAL.search(dutch(msgid))]
    assert formal == []


def test_it_says_tweestapsverificatie_for_two_factor_authentication_everywhere():
    texts = entries(OURS) + entries(ALLAUTHS)
    two_factor = sorted({msgid for msgid, _text in texts
                         if re.search(r"two-factor|\bMFA\b", msgid, re.IGNORECASE)})
    assert len(two_factor) > 5
    other_words = {msgid: dutch(msgid) for msgid in two_factor
                   if "tweestapsverificatie" not in dutch(msgid).lower()}
    assert other_words == {}
    assert not [msgid for msgid in two_factor if "factor" in dutch(msgid).lower()]


@pytest.mark.django_db
def test_it_heads_the_dutch_organization_list_with_bedrijfs_id_once(client, cast):
    Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                        registry_number="12345678", registry_checked=True)
    cast.admin.language = "nl"
    cast.admin.save()
    client.force_login(cast.admin)
    page = client.get("/organizations/").content.decode()
    header = re.search(r"<th>Bedrijfs-ID.*?</th>", page, re.S).group(0)
    assert header == "<th>Bedrijfs-ID</th>"
    cast.admin.language = "en"
    cast.admin.save()
    page = client.get("/organizations/").content.decode()
    assert "(company ID)" in page


def test_it_calls_an_accountants_clients_clienten_never_klanten():
    # "Klant" is an organization's own customer (a customer card); an accountant works for
    # "cliënten". The sending software's "client document id" is neither.
    about_clients = {msgid: dutch(msgid) for msgid, _text in entries(OURS)
                     if re.search(r"\bclients?\b", re.sub(r"(?i)client document id", "", msgid),
                                  re.IGNORECASE)}
    assert len(about_clients) > 5
    assert {msgid: text for msgid, text in about_clients.items() if "klant" in text.lower()} == {}


def test_it_translates_the_words_that_only_screen_readers_and_tooltips_say():
    """A label, title, placeholder or alt text written in a template as plain words stays
    English in Dutch: each is a translate tag."""
    plain = re.compile(r'(?:aria-label|title|placeholder|alt)="[^"{]*[A-Za-z][^"]*"')
    found = [f"{path.relative_to(ROOT)}: {match}" for path in (ROOT / "templates").rglob("*.html")
             for match in plain.findall(path.read_text(encoding="utf-8"))]
    assert found == []


def test_it_says_inloggen_for_signing_in_and_registreren_for_signing_up():
    """"Aanmelden" means both in Dutch: signing in is "inloggen" on every page, allauth's
    included, and the password rules say "je" as the rest does."""
    assert [dutch(msgid) for msgid in ("Sign In", "Sign in", "Sign Out", "Sign up")] == [
        "Inloggen", "Inloggen", "Uitloggen", "Registreren"]
    assert "Log dan in" in dutch("Already have an account? Then please %(link)ssign in"
                                 "%(end_link)s.")
    assert dutch("Your password can’t be entirely numeric.").startswith("Je wachtwoord")
    sign_in_words = re.compile(r"\baanmeld(en|code|poging)|\bmeld je (dan )?aan\b", re.I)
    assert [text for _msgid, text in entries(OURS) if sign_in_words.search(text)] == []
