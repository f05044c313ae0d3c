"""Checking an enveloped XML signature, as an SMP signs its SignedServiceMetadata: the one
reference (URI "") digests the document without its Signature, SignedInfo is signed with RSA
by a certificate in KeyInfo, and that certificate must be issued by (or be) a trusted one.
No Django import here."""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
C14N = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": {"exclusive": False},
    "http://www.w3.org/2001/10/xml-exc-c14n#": {"exclusive": True},
}
DIGESTS = {"http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
           "http://www.w3.org/2000/09/xmldsig#sha1": "sha1"}
SIGNATURES = {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256(),
              "http://www.w3.org/2000/09/xmldsig#rsa-sha1": hashes.SHA1()}  # noqa: S303


class SignatureInvalid(Exception):
    """The signature is missing, does not verify, or is not by a trusted certificate."""


def canonical(element, algorithm: str) -> bytes:
    if algorithm not in C14N:
        raise SignatureInvalid(f"unsupported canonicalization {algorithm}")
    return etree.tostring(element, method="c14n", **C14N[algorithm])


def verify_enveloped(root, trusted: Sequence[x509.Certificate]) -> x509.Certificate:
    """The certificate that signed `root`; raises SignatureInvalid."""
    signature = root.find(f"{{{DS}}}Signature")
    if signature is None:
        raise SignatureInvalid("no Signature")
    info = signature.find(f"{{{DS}}}SignedInfo")
    references = info.findall(f"{{{DS}}}Reference") if info is not None else []
    if len(references) != 1 or references[0].get("URI") != "":
        raise SignatureInvalid("not one reference to the whole document")
    reference = references[0]
    transforms = [t.get("Algorithm") for t in reference.iterfind(f"{{{DS}}}Transforms/"
                                                                  f"{{{DS}}}Transform")]
    if not transforms or transforms[0] != ENVELOPED or len(transforms) > 2:
        raise SignatureInvalid(f"unsupported transforms {transforms}")
    unsigned = copy.deepcopy(root)
    unsigned.remove(unsigned.find(f"{{{DS}}}Signature"))
    digest_name = DIGESTS.get(_algorithm(reference, "DigestMethod"))
    if digest_name is None:
        raise SignatureInvalid("unsupported digest")
    c14n = transforms[1] if len(transforms) == 2 else next(iter(C14N))
    digest = hashlib.new(digest_name, canonical(unsigned, c14n)).digest()
    if base64.b64encode(digest).decode() != _text(reference, "DigestValue"):
        raise SignatureInvalid("the document does not match its digest")
    certificate = _signer(signature, trusted)
    algorithm = SIGNATURES.get(_algorithm(info, "SignatureMethod"))
    if algorithm is None:
        raise SignatureInvalid("unsupported signature method")
    try:
        certificate.public_key().verify(
            base64.b64decode(_text(signature, "SignatureValue")),
            canonical(info, _algorithm(info, "CanonicalizationMethod")),
            padding.PKCS1v15(), algorithm)
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise SignatureInvalid("the signature does not verify") from exc
    return certificate


def _algorithm(parent, name: str) -> str:
    element = parent.find(f"{{{DS}}}{name}")
    return element.get("Algorithm", "") if element is not None else ""


def _text(parent, name: str) -> str:
    return "".join((parent.findtext(f"{{{DS}}}{name}") or "").split())


def _signer(signature, trusted: Sequence[x509.Certificate]) -> x509.Certificate:
    encoded = _text(signature, f"KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(encoded))
    except ValueError as exc:
        raise SignatureInvalid("no readable signing certificate") from exc
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SignatureInvalid("the signing certificate is outside its validity period")
    for anchor in trusted:
        if certificate == anchor:
            return certificate
        try:
            certificate.verify_directly_issued_by(anchor)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return certificate
    raise SignatureInvalid(f"{certificate.subject.rfc4514_string()} is not trusted")
