"""Certificates for «Подписать электронно»: who a certificate names, what its key is, whether
a chain vouches for it, and whether it may sign now (dates, key usage) — the check every
``Signer`` runs before it signs (``desktop.documents.signing``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from desktop.documents import gost, gost_cms
from desktop.i18n import tr

Trust = Literal["trusted", "self_signed", "unknown_issuer"]

#: Warn this many days before the certificate expires (issue 5: 30 days).
EXPIRY_WARNING_DAYS = 30
EC_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
MIN_RSA_BITS = 2048


class SignatureError(Exception):
    """Anything that stops signing or verification; ``str()`` is a message for the user."""


class P12Error(SignatureError):
    """The .p12/.pfx cannot be used: wrong password, damaged, no key, unsupported key."""


class CertificateRefused(SignatureError):
    """The certificate may not sign now (dates, key usage)."""


def day_text(d: dt.datetime) -> str:
    return d.strftime("%d.%m.%Y")


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    vals = name.get_attributes_for_oid(oid)
    return str(vals[0].value) if vals else ""


def owner_name(name: x509.Name) -> str:
    """The person a certificate names. Russian qualified certificates of an employee put the
    organisation in CN and the person in SN + G (G = имя и отчество), so SN + G come first;
    else CN, else the whole DN."""
    sn, given = _name_attr(name, NameOID.SURNAME), _name_attr(name, NameOID.GIVEN_NAME)
    if sn and given:
        return f"{sn} {given}"
    return _name_attr(name, NameOID.COMMON_NAME) or sn or name.rfc4514_string()


# The Russian qualified certificate profile (приказ ФСБ № 795): СНИЛС, ИНН of a person,
# ИНН of an organisation, ОГРН — as subject attributes.
OID_SNILS = x509.ObjectIdentifier("1.2.643.100.3")
OID_INN = x509.ObjectIdentifier("1.2.643.3.131.1.1")
OID_INN_LE = x509.ObjectIdentifier("1.2.643.100.4")
OID_OGRN = x509.ObjectIdentifier("1.2.643.100.1")


def key_description(public_key: object) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"ECDSA {EC_CURVES.get(public_key.curve.name, public_key.curve.name)}"
    if isinstance(public_key, gost.GostPublicKey):
        return public_key.description
    return type(public_key).__name__


def _gost_key(cert: x509.Certificate) -> gost.GostPublicKey | None:
    """The certificate's GOST key; None for RSA/ECDSA. A damaged or unknown GOST key raises
    gost.GostError (a message for the user)."""
    return gost.cert_public_key(as_asn1(cert))


def cert_key(cert: x509.Certificate) -> object:
    """The certificate's public key as pyca/cryptography or ``gost`` has it."""
    gkey = _gost_key(cert)
    if gkey is not None:
        return gkey
    try:
        return cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return None


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Does ``issuer``'s key verify ``cert``'s signature (RSA PKCS#1 v1.5, ECDSA or GOST)?"""
    try:
        gkey = _gost_key(issuer)
    except gost.GostError:
        return False
    if gkey is not None:
        return gost.cert_signature_ok(as_asn1(cert), gkey)
    try:
        key = issuer.public_key()
        algo = cert.signature_hash_algorithm
    except (UnsupportedAlgorithm, ValueError):
        return False
    if algo is None:
        return False
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), algo)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algo))
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class CertInfo:
    owner: str
    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    key: str
    sha256: str
    self_signed: bool
    snils: str = ""
    inn: str = ""
    organization: str = ""

    @classmethod
    def from_cert(cls, cert: x509.Certificate) -> CertInfo:
        self_signed = cert.issuer == cert.subject and _signed_by(cert, cert)
        subj = cert.subject
        org = _name_attr(subj, NameOID.ORGANIZATION_NAME)
        return cls(
            owner=owner_name(subj),
            subject=subj.rfc4514_string(_OID_NAMES),
            issuer=cert.issuer.rfc4514_string(_OID_NAMES),
            serial=format(cert.serial_number, "X"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            key=key_description(cert_key(cert)),
            sha256=cert.fingerprint(hashes.SHA256()).hex(),
            self_signed=self_signed,
            snils=_name_attr(subj, OID_SNILS),
            inn=_name_attr(subj, OID_INN) or _name_attr(subj, OID_INN_LE),
            organization=org,
        )

    @property
    def validity_text(self) -> str:
        return f"с {day_text(self.not_before)} по {day_text(self.not_after)}"

    @property
    def ids_text(self) -> str:
        """«СНИЛС …, ИНН …» of a Russian qualified certificate; empty for others."""
        parts = [f"СНИЛС {self.snils}" if self.snils else "", f"ИНН {self.inn}" if self.inn else ""]
        return ", ".join(p for p in parts if p)

    def as_dict(self) -> dict[str, object]:
        return {
            "owner": self.owner,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key": self.key,
            "sha256": self.sha256,
            "self_signed": self.self_signed,
            "snils": self.snils,
            "inn": self.inn,
            "organization": self.organization,
        }


_OID_NAMES = {OID_SNILS: "SNILS", OID_INN: "INN", OID_INN_LE: "INNLE", OID_OGRN: "OGRN"}


TRUST_TEXT: dict[str, str] = {
    "trusted": "цепочка сертификатов доверенная",
    "self_signed": "самоподписанный сертификат: издатель не проверен",
    "unknown_issuer": "издатель неизвестен: цепочка не доходит до доверенного корневого сертификата",
}


@dataclass(frozen=True)
class CertCheck:
    """Outcome of the pre-signing check of a certificate that *may* sign."""

    info: CertInfo
    trust: Trust
    days_left: int
    warnings: tuple[str, ...] = ()

    @property
    def trust_text(self) -> str:
        return TRUST_TEXT[self.trust]

    @property
    def expiring_soon(self) -> bool:
        return self.days_left <= EXPIRY_WARNING_DAYS


def as_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def chain_trust(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    trust_roots: Sequence[x509.Certificate] = (),
    moment: dt.datetime | None = None,
) -> Trust:
    """Path validation to the configured roots only (no network, no OS store: the app decides
    whom it trusts). Revocation is not checked offline ("soft-fail")."""
    if trust_roots and gost_cms.path_trusted(
        as_asn1(cert), [as_asn1(c) for c in chain], [as_asn1(c) for c in trust_roots], moment
    ):
        return "trusted"
    if cert.issuer == cert.subject and _signed_by(cert, cert):
        return "self_signed"
    return "unknown_issuer"


def check_certificate(
    cert: x509.Certificate,
    *,
    chain: Sequence[x509.Certificate] = (),
    trust_roots: Sequence[x509.Certificate] = (),
    now: dt.datetime | None = None,
) -> CertCheck:
    """Refuse (raise :class:`CertificateRefused`) when the certificate may not sign at ``now``;
    otherwise report trust and warnings (expiry within 30 days, unknown issuer)."""
    now = now or dt.datetime.now(dt.UTC)
    info = CertInfo.from_cert(cert)
    if now < info.not_before:
        raise CertificateRefused(
            tr(
                "Сертификат ещё не действует: срок действия {validity_text}. Подписание невозможно.").format(
                validity_text=info.validity_text)
        )
    if now > info.not_after:
        raise CertificateRefused(
            tr(
                "Срок действия сертификата истёк: он действовал {validity_text}. Подписание невозможно.").format(
                validity_text=info.validity_text)
        )
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        ku = None  # RFC 5280: no KeyUsage extension = no restriction.
    if ku is not None and not (ku.digital_signature or ku.content_commitment):
        raise CertificateRefused(
            tr("Назначение ключа в сертификате не допускает электронную подпись "
            "(нет «digitalSignature» / «nonRepudiation»). Подписание невозможно.")
        )
    trust = chain_trust(cert, chain, trust_roots, now)
    days_left = (info.not_after - now).days
    warnings = []
    if days_left <= EXPIRY_WARNING_DAYS:
        warnings.append(f"Сертификат истекает через {days_left} дн. ({day_text(info.not_after)}): закажите новый.")
    if trust != "trusted":
        warnings.append(TRUST_TEXT[trust].capitalize() + ".")
    return CertCheck(info, trust, days_left, tuple(warnings))

