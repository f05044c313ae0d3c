"""The API's JSON parser: DRF's, with the bodies its parser fails on in other ways than a
ValueError also answered as a parse error, in words a developer reads."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply to be read.")) from None
        except ParseError as error:
            # Python's own advice on raising its limit is no help to the sender.
            if "int_max_str_digits" in str(error.detail):
                raise ParseError(_("A number in the JSON has too many digits to be read.")) \
                    from None
            raise
