"""A small self-made PKI: a CA and signing certificates in .p12 form.

For the demo profile (so «Подписать электронно» can be tried without a real certificate), the
tests and the benchmarks. Nothing here is trusted by anyone outside the app. The GOST part is
made by ``openssl`` with the Debian GOST engine (tests and benchmarks only): certificates from
an implementation that is not ours are the point of those tests.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

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


# ---------------------------------------------------------------- ГОСТ, made by OpenSSL


@dataclass
class GostIssued:
    """A GOST certificate and key made by ``openssl`` with the GOST engine, as files."""

    key_pem: bytes
    cert_pem: bytes
    folder: Path
    name: str

    @property
    def pair_pem(self) -> bytes:
        """Key + certificate + the chain in one PEM file, as the product reads it."""
        return self.key_pem + self.cert_pem + b"".join(
            (self.folder / f"{n}.crt").read_bytes() for n in self.chain_names
        )

    chain_names: tuple[str, ...] = ()

    def p12(self, password: str, *, gost_pbe: bool = False) -> bytes:
        """PKCS#12 via ``openssl pkcs12 -export``: AES (OpenSSL's default) or the ТК26 form
        (PBKDF2-HMAC-Streebog-512, ГОСТ 28147-89, Streebog MAC) with ``gost_pbe``."""
        out = self.folder / f"{self.name}{'-gost' if gost_pbe else ''}.p12"
        chain = self.folder / f"{self.name}-chain.pem"
        chain.write_bytes(b"".join((self.folder / f"{n}.crt").read_bytes() for n in self.chain_names))
        args = ["pkcs12", "-export", "-inkey", f"{self.name}.key", "-in", f"{self.name}.crt",
                "-out", out.name, "-passout", f"pass:{password}", "-name", self.name]
        if self.chain_names:
            args += ["-certfile", chain.name]
        if gost_pbe:
            args += ["-keypbe", "gost89", "-certpbe", "gost89", "-macalg", "md_gost12_512"]
        openssl_gost(self.folder, *args)
        return out.read_bytes()


def openssl_gost(folder: Path, *args: str) -> str:
    """Run ``openssl`` with the GOST engine in ``folder``; a clear error if the engine is missing."""
    out = subprocess.run(["openssl", args[0], "-engine", "gost", *args[1:]], cwd=folder,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


_GOST_ALGOS = {256: "gost2012_256", 512: "gost2012_512"}
_GOST_MD = {256: "md_gost12_256", 512: "md_gost12_512"}


def gost_issue(
    folder: Path,
    name: str,
    subject: str,
    *,
    bits: int = 256,
    paramset: str = "A",
    issuer: GostIssued | None = None,
    ca: bool = False,
    key_usage: str = "critical,digitalSignature,nonRepudiation",
    days: int = 365,
) -> GostIssued:
    """One GOST key and certificate (self-signed unless ``issuer``) made by OpenSSL.

    ``subject`` is an OpenSSL DN (``/CN=…/SN=…/GN=…/SNILS=…/INN=…``); ``paramset`` is the
    engine's name for it (256: A, B, C, XA, XB, TCA…; 512: A, B, C)."""
    folder.mkdir(parents=True, exist_ok=True)
    openssl_gost(folder, "genpkey", "-algorithm", _GOST_ALGOS[bits], "-pkeyopt", f"paramset:{paramset}",
                 "-out", f"{name}.key")
    ext = folder / f"{name}.ext"
    lines = ["[v3]", "subjectKeyIdentifier=hash"]
    if issuer:
        lines.append("authorityKeyIdentifier=keyid")
    if ca:
        lines += ["basicConstraints=critical,CA:true", "keyUsage=critical,keyCertSign,cRLSign"]
    else:
        lines += ["basicConstraints=critical,CA:false", f"keyUsage={key_usage}"]
    ext.write_text("\n".join(lines) + "\n")
    md = _GOST_MD[bits if issuer is None else _issuer_bits(issuer)]
    if issuer is None:
        openssl_gost(folder, "req", "-new", "-x509", "-utf8", "-key", f"{name}.key", "-subj", subject,
                     f"-{md}", "-days", str(days), "-out", f"{name}.crt", "-extensions", "v3",
                     "-config", ext.name)
    else:
        openssl_gost(folder, "req", "-new", "-utf8", "-key", f"{name}.key", "-subj", subject, f"-{_GOST_MD[bits]}",
                     "-out", f"{name}.csr", "-config", _req_config(folder))
        openssl_gost(folder, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{issuer.name}.crt",
                     "-CAkey", f"{issuer.name}.key", "-CAcreateserial", f"-{md}", "-days", str(days),
                     "-extfile", ext.name, "-extensions", "v3", "-out", f"{name}.crt")
    chain = (issuer.name, *issuer.chain_names) if issuer else ()
    result = GostIssued((folder / f"{name}.key").read_bytes(), (folder / f"{name}.crt").read_bytes(),
                        folder, name, chain)
    (folder / f"{name}.bits").write_text(str(bits))
    return result


def _issuer_bits(issuer: GostIssued) -> int:
    return int((issuer.folder / f"{issuer.name}.bits").read_text())


def _req_config(folder: Path) -> str:
    cfg = folder / "req.cnf"
    if not cfg.exists():
        # OpenSSL knows СНИЛС/ИНН by these short names; `req` needs a config with a [req] section.
        cfg.write_text("[req]\ndistinguished_name=dn\n[dn]\n")
    return cfg.name


def gost_subject(fio: tuple[str, str, str], snils: str, inn: str, org: str | None = None) -> str:
    last, first, middle = fio
    parts = [f"/C=RU/CN={last} {first} {middle}/SN={last}/GN={first} {middle}/SNILS={snils}/INN={inn}"]
    if org:
        parts.append(f"/O={org}")
    return "".join(parts)
