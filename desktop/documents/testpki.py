"""A small self-made PKI: a CA and signing certificates in .p12 form.

For the demo profile (so «Подписать электронно» can be tried without a real certificate), the
tests and the benchmarks. Nothing here is trusted by anyone outside the app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, NoEncryption, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass
class Issued:
    key: PrivateKey
    cert: x509.Certificate
    chain: list[x509.Certificate]

    def p12(self, password: str | None, *, with_key: bool = True) -> bytes:
        enc = BestAvailableEncryption(password.encode()) if password else NoEncryption()
        return pkcs12.serialize_key_and_certificates(
            b"frmr", self.key if with_key else None, self.cert, self.chain or None, enc
        )


def new_key(kind: str = "rsa") -> PrivateKey:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(kind)


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "RU"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(1, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def issue(
    cn: str,
    *,
    key_kind: str = "rsa",
    issuer: Issued | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    ca: bool = False,
    key_usage: str = "sign",
    timestamping: bool = False,
) -> Issued:
    """A certificate for ``cn``; self-signed unless ``issuer`` is given.

    ``key_usage``: ``sign`` (digitalSignature + nonRepudiation), ``encipher`` (keyEncipherment
    only — may not sign), ``none`` (no KeyUsage extension at all).
    """
    now = dt.datetime.now(dt.UTC)
    key = new_key(key_kind)
    subject = _name(cn, "ФРМР тест" if ca else None)
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if ca:
        b = b.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    elif key_usage == "sign":
        b = b.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
    elif key_usage == "encipher":
        b = b.add_extension(
            x509.KeyUsage(False, False, True, False, False, False, False, False, False), critical=True
        )
    if timestamping:
        # RFC 3161 § 2.3: a TSA certificate has exactly this critical extended key usage.
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    cert = b.sign(issuer.key if issuer else key, hashes.SHA256())
    chain = [issuer.cert, *issuer.chain] if issuer else []
    return Issued(key, cert, chain)
