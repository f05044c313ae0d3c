"""Identifiers pasted whole into a number field, as the guides write them: "0106:12345678".

Forms ask for the scheme and the number apart; people copy the whole identifier from a guide,
an invoice or an SMP listing. A number field that holds one is split before checking, and the
scheme written in it wins over the one chosen, because it is the one the source names.
"""

import re

_WHOLE = re.compile(r"^\s*(?:iso6523-actorid-upis::)?(\d{4})\s*:\s*(\S(?:.*\S)?)\s*$",
                    re.IGNORECASE)


def split_pasted(scheme: str, value: str) -> tuple[str, str]:
    match = _WHOLE.match(value or "")
    if match is None:
        return scheme, value
    return match.group(1), match.group(2)


def split_pasted_data(data, scheme_field: str, value_field: str):
    """Bound form data (a QueryDict or a dict) with a whole identifier in `value_field`
    split over both fields; the data itself when there is nothing to split."""
    if data is None or value_field not in data:
        return data
    scheme, value = split_pasted(data.get(scheme_field, ""), data.get(value_field, ""))
    if value == data.get(value_field):
        return data
    data = data.copy()
    data[scheme_field], data[value_field] = scheme, value
    return data
