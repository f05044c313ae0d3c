"""Parse XML that comes from outside (SMP answers, received invoices) without trusting it.

Every byte we parse may be written by someone else, so the parser never expands entities,
never fetches a DTD or anything else over the network, keeps libxml2's default limit on tree
depth, and refuses input above a size limit before it is parsed at all. That size limit, not
libxml2's own cap of ten million characters on one text node, bounds the length of a text: an
invoice within the documents' size limit may embed a PDF whose base64 text is longer than
that, and a SOAP request carries the whole invoice as one text node. Such a document is read
again without libxml2's limits, and its depth checked here instead.
A document that carries a DOCTYPE is refused outright: no Peppol or UBL document needs
one, and it is how entity bombs and external-entity tricks get in.
"""

import re

from lxml import etree

# Big enough for a UBL invoice with a few embedded PDF attachments; callers that expect
# small answers (an SMP service group) pass their own, tighter limit.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class XmlRejected(ValueError):
    """The XML was not parsed. The message is plain English and safe to log."""


class XmlTooLarge(XmlRejected):
    pass


class XmlForbiddenDoctype(XmlRejected):
    pass


class XmlMalformed(XmlRejected):
    pass


# libxml2's default limit on nesting, kept for documents read without its limits.
MAX_DEPTH = 256
# What libxml2 says when a document passes one of the limits XML_PARSE_HUGE lifts: most
# messages name that option, a CDATA section over 10 MB does not.
LIMITS_LIFTED_BY_HUGE = ("XML_PARSE_HUGE", "CData section too big")


def hardened_parser(*, huge: bool = False) -> etree.XMLParser:
    # A new parser per call: lxml parsers keep per-document state and error logs, and
    # sharing one between threads is not safe.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=huge,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=False,
    )


def parse_xml(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Return the root element of ``data``, or raise a subclass of :class:`XmlRejected`."""
    if isinstance(data, str):
        # A str has lost its original encoding, and lxml refuses a str that declares one;
        # insisting on bytes keeps the size limit honest too.
        raise TypeError("parse_xml() takes bytes, not str")
    data = bytes(data)
    if len(data) > max_bytes:
        raise XmlTooLarge(
            f"The XML document is {len(data):,} bytes, more than the limit of {max_bytes:,} bytes."
        )
    if not data.strip():
        raise XmlMalformed("The XML document is empty.")
    if _prolog_has_doctype(data):
        raise XmlForbiddenDoctype(_DOCTYPE_REFUSED)
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        if not any(limit in str(exc) for limit in LIMITS_LIFTED_BY_HUGE):
            raise XmlMalformed(f"The XML document could not be read: {exc}") from exc
        # Over one of libxml2's limits: a long text is fine, deep nesting is not.
        root = _read_without_limits(data, exc)
    if root is None:
        raise XmlMalformed("The XML document has no root element.")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.system_url:
        # Only reached for a DOCTYPE the prolog scan missed (an unusual encoding).
        raise XmlForbiddenDoctype(_DOCTYPE_REFUSED)
    return root


def _read_without_limits(data: bytes, refused: Exception) -> etree._Element:
    try:
        root = etree.fromstring(data, hardened_parser(huge=True))
    except etree.XMLSyntaxError as exc:
        # Too deep even for libxml2 without limits: said as the first parse said it.
        said = refused if "Excessive depth" in str(exc) else exc
        raise XmlMalformed(f"The XML document could not be read: {said}") from said
    stack = [(root, 1)] if root is not None else []
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise XmlMalformed(f"The XML document could not be read: {refused}") from refused
        stack.extend((child, depth + 1) for child in element)
    return root


_DECLARATION = re.compile(r"\A\s*<\?xml\s[^?]*\?>\s*")


def without_declaration(text: str) -> str:
    """XML text without its byte order mark and XML declaration: inside a text field (a
    SOAP payload) the text's encoding is the message's, and a declaration that names
    another one would misstate it."""
    return _DECLARATION.sub("", text.lstrip("\ufeff"), count=1)


def as_text(data: bytes) -> str:
    """Stored XML as text for a text field: decoded by the encoding the document is in,
    without its XML declaration. Raises XmlRejected for what parse_xml refuses."""
    encoding = parse_xml(data).getroottree().docinfo.encoding or "utf-8"
    return without_declaration(bytes(data).decode(encoding))


_DOCTYPE_REFUSED = (
    "The XML document contains a DOCTYPE (a DTD or entity declarations), which is not accepted."
)

# Byte order marks and, without one, how "<?" or "<" starts in each encoding (XML 1.0
# appendix F); anything else is read as an ASCII-compatible encoding.
_ENCODING_SIGNATURES = (
    (b"\x00\x00\xfe\xff", "utf-32-be", 4),
    (b"\xff\xfe\x00\x00", "utf-32-le", 4),
    (b"\xfe\xff", "utf-16-be", 2),
    (b"\xff\xfe", "utf-16-le", 2),
    (b"\xef\xbb\xbf", "latin-1", 3),
    (b"\x00\x00\x00<", "utf-32-be", 0),
    (b"<\x00\x00\x00", "utf-32-le", 0),
    (b"\x00<\x00?", "utf-16-be", 0),
    (b"<\x00?\x00", "utf-16-le", 0),
)


def _prolog_has_doctype(data: bytes) -> bool:
    # Checked before parsing so that an entity bomb is refused for what it is, instead of
    # surfacing as libxml2's "amplification factor exceeded" syntax error. Only the prolog
    # is looked at: "<!DOCTYPE" inside a comment or CDATA section of the body is harmless.
    encoding, skip = "latin-1", 0
    for signature, candidate, length in _ENCODING_SIGNATURES:
        if data.startswith(signature):
            encoding, skip = candidate, length
            break
    text = data[skip:].decode(encoding, errors="replace")
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if text.startswith("<!DOCTYPE", position):
            return True
        for opener, closer in (("<?", "?>"), ("<!--", "-->")):
            if text.startswith(opener, position):
                end = text.find(closer, position + len(opener))
                if end < 0:
                    return False
                position = end + len(closer)
                break
        else:
            return False
