"""How the portal writes: one date format per language, one full stop after an
abbreviation, plural forms."""

import datetime as dt

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from django.utils.safestring import SafeData, mark_safe

from onboarding.api.throttling import RateLimited
from portal.messages import SentenceStorage

WHEN = dt.datetime(2026, 12, 2, 13, 37, tzinfo=dt.UTC)


def render_dates(language):
    template = Template(
        '{{ when|date:"DATE_FORMAT" }}|{{ when|date:"SHORT_DATE_FORMAT" }}|{{ when|date }}|'
        '{{ when|date:"DATETIME_FORMAT" }}|{{ when|date:"SHORT_DATETIME_FORMAT" }}|{{ when }}')
    with translation.override(language):
        return template.render(Context({"when": WHEN})).split("|")


@pytest.mark.parametrize(("language", "date", "datetime"), [
    ("en", "2 Dec 2026", "2 Dec 2026, 14:37"),
    ("nl", "2 dec 2026", "2 dec 2026 14:37"),
])
def test_it_writes_every_date_of_a_language_the_same_way(language, date, datetime):
    assert render_dates(language) == [date, date, date, datetime, datetime, datetime]


def test_it_leaves_no_abbreviation_dot_for_a_sentence_to_double():
    for language in ("en", "nl"):
        assert "." not in "".join(render_dates(language))


def flashed(*texts):
    request = RequestFactory().get("/")
    SessionMiddleware(lambda request: None).process_request(request)
    request._messages = SentenceStorage(request)
    for text in texts:
        messages.success(request, text)
    return list(get_messages(request))


def test_it_ends_a_message_on_a_company_name_with_one_full_stop():
    shown = flashed("Receiving is on for Bakkerij B.V..", "Saving…", "Wait...",
                    mark_safe("<strong>Acme Ltd.</strong>."))
    assert [m.message for m in shown] == [
        "Receiving is on for Bakkerij B.V.", "Saving…", "Wait...",
        "<strong>Acme Ltd.</strong>."]
    assert isinstance(shown[3].message, SafeData)


def test_it_counts_in_the_plural_only_when_there_are_several():
    assert "in 1 second." in str(RateLimited(1).detail)
    assert "in 5 seconds." in str(RateLimited(5).detail)
    with translation.override("nl"):
        assert "1 seconde" in str(RateLimited(1).detail)
        assert "5 seconden" in str(RateLimited(5).detail)
