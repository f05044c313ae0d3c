"""Marking texts for translation in modules that stay free of Django."""


def gettext_noop(message: str) -> str:
    """Mark a text for translation; the Django layer translates it when it is shown.

    The name is Django's, so that makemessages extracts the marked texts into the catalogue.
    """
    return message
