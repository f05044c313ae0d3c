"""Writing rules that hold whatever the sentence."""

import pytest

from portal.text import one_full_stop


@pytest.mark.parametrize("sentence,written", [
    ("Linked to Acme B.V..", "Linked to Acme B.V."),
    ("Linked to Acme B.V.", "Linked to Acme B.V."),
    ("Linked to Acme BV.", "Linked to Acme BV."),
    ("Waiting...", "Waiting..."),
    ("", ""),
])
def test_it_ends_a_sentence_with_one_full_stop(sentence, written):
    assert one_full_stop(sentence) == written
