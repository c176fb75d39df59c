"""«Подписать электронно»: certificate checks, PAdES for PDFs, detached CAdES-BES for other files.

Everything signs through one interface, :class:`Signer`: a certificate, its pre-signing check
and a pyHanko CMS signer. Today the only implementation is :class:`P12Signer` (RSA or ECDSA
key in a .p12/.pfx); a GOST provider (КриптоПро, a token) implements the same protocol with a
pyHanko ``Signer`` subclass of its own and the PDF/CMS code here stays as it is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import content as pdf_content
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as HankoSigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.stamp.static import StaticStampStyle
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from desktop.documents import fonts

Trust = Literal["trusted", "self_signed", "unknown_issuer"]

#: Warn this many days before the certificate expires (issue 5: 30 days).
EXPIRY_WARNING_DAYS = 30
_EC_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
MIN_RSA_BITS = 2048


class SignatureError(Exception):
    """Anything that stops signing or verification; ``str()`` is a message for the user."""


class P12Error(SignatureError):
    """The .p12/.pfx cannot be used: wrong password, damaged, no key, unsupported key."""


class CertificateRefused(SignatureError):
    """The certificate may not sign now (dates, key usage)."""


def _fmt(d: dt.datetime) -> str:
    return d.strftime("%d.%m.%Y")


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    vals = name.get_attributes_for_oid(oid)
    return str(vals[0].value) if vals else ""


def owner_name(name: x509.Name) -> str:
    """The person a certificate names: CN, else surname + given name (Russian qualified
    certificates carry SN/G besides CN), else the whole DN."""
    cn = _name_attr(name, NameOID.COMMON_NAME)
    if cn:
        return cn
    parts = [_name_attr(name, NameOID.SURNAME), _name_attr(name, NameOID.GIVEN_NAME)]
    return " ".join(p for p in parts if p) or name.rfc4514_string()


def key_description(public_key: object) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"ECDSA {_EC_CURVES.get(public_key.curve.name, public_key.curve.name)}"
    return type(public_key).__name__


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Does ``issuer``'s key verify ``cert``'s signature (RSA PKCS#1 v1.5 or ECDSA)?"""
    key = issuer.public_key()
    algo = cert.signature_hash_algorithm
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

    @classmethod
    def from_cert(cls, cert: x509.Certificate) -> CertInfo:
        self_signed = cert.issuer == cert.subject and _signed_by(cert, cert)
        return cls(
            owner=owner_name(cert.subject),
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            serial=format(cert.serial_number, "X"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            key=key_description(cert.public_key()),
            sha256=cert.fingerprint(hashes.SHA256()).hex(),
            self_signed=self_signed,
        )

    @property
    def validity_text(self) -> str:
        return f"с {_fmt(self.not_before)} по {_fmt(self.not_after)}"

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
        }


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


def _as_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def chain_trust(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    trust_roots: Sequence[x509.Certificate] = (),
    moment: dt.datetime | None = None,
) -> Trust:
    """Path validation to the configured roots only (no network, no OS store: the app decides
    whom it trusts). Revocation is not checked offline ("soft-fail")."""
    if trust_roots:
        vc = ValidationContext(
            trust_roots=[_as_asn1(c) for c in trust_roots],
            other_certs=[_as_asn1(c) for c in chain],
            allow_fetching=False,
            revocation_mode="soft-fail",
            moment=moment,
        )
        validator = CertificateValidator(_as_asn1(cert), validation_context=vc)
        try:
            asyncio.run(validator.async_validate_path())
            return "trusted"
        except (PathError, ValidationError):
            pass
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
            f"Сертификат ещё не действует: срок действия {info.validity_text}. Подписание невозможно."
        )
    if now > info.not_after:
        raise CertificateRefused(
            f"Срок действия сертификата истёк: он действовал {info.validity_text}. Подписание невозможно."
        )
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        ku = None  # RFC 5280: no KeyUsage extension = no restriction.
    if ku is not None and not (ku.digital_signature or ku.content_commitment):
        raise CertificateRefused(
            "Назначение ключа в сертификате не допускает электронную подпись "
            "(нет «digitalSignature» / «nonRepudiation»). Подписание невозможно."
        )
    trust = chain_trust(cert, chain, trust_roots, now)
    days_left = (info.not_after - now).days
    warnings = []
    if days_left <= EXPIRY_WARNING_DAYS:
        warnings.append(f"Сертификат истекает через {days_left} дн. ({_fmt(info.not_after)}): закажите новый.")
    if trust != "trusted":
        warnings.append(TRUST_TEXT[trust].capitalize() + ".")
    return CertCheck(info, trust, days_left, tuple(warnings))


class Signer(Protocol):
    """The one signing interface. A GOST provider adds a class with these three members."""

    @property
    def info(self) -> CertInfo: ...

    def check(self, now: dt.datetime | None = None) -> CertCheck: ...

    def cms_signer(self) -> signers.Signer: ...


class P12Signer:
    """RSA or ECDSA key and certificate from a PKCS#12 container, held in memory only."""

    def __init__(
        self,
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        cert: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
        trust_roots: Sequence[x509.Certificate] = (),
    ) -> None:
        self._key = key
        self.cert = cert
        self.chain = list(chain)
        self.trust_roots = list(trust_roots)
        self._info = CertInfo.from_cert(cert)

    @property
    def info(self) -> CertInfo:
        return self._info

    def check(self, now: dt.datetime | None = None) -> CertCheck:
        return check_certificate(self.cert, chain=self.chain, trust_roots=self.trust_roots, now=now)

    @functools.cache  # noqa: B019 - one pyHanko signer per loaded key, lives as long as it
    def cms_signer(self) -> signers.Signer:
        der = self._key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return _LoadedKeySigner(
            self._key,
            signing_cert=_as_asn1(self.cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=SimpleCertificateStore.from_certs([_as_asn1(c) for c in self.chain]),
        )


class _LoadedKeySigner(signers.SimpleSigner):
    """SimpleSigner re-parses the DER private key on every signature (~30 ms for RSA with its
    consistency checks, twice per PDF); this one signs with the key object already loaded."""

    def __init__(self, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pyca_key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._pyca_key, rsa.RSAPrivateKey):
            # prefer_pss is off, so the mechanism pyHanko announces is RSASSA-PKCS1-v1_5.
            return self._pyca_key.sign(data, padding.PKCS1v15(), algo)
        return self._pyca_key.sign(data, ec.ECDSA(algo))

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        return self.sign_raw(data, digest_algorithm)


def _password_bytes(password: str | bytes | None) -> bytes | None:
    if password is None or isinstance(password, bytes):
        return password
    return password.encode("utf-8")


def load_p12(
    data: bytes, password: str | bytes | None, trust_roots: Sequence[x509.Certificate] = ()
) -> P12Signer:
    """Open a .p12/.pfx. Every failure is a :class:`P12Error` with a message for the user."""
    if not data:
        raise P12Error("Файл сертификата пуст.")
    try:
        # Structure first: a container that does not even parse is damaged, whatever the password.
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        pfx["auth_safe"]["content_type"].native  # noqa: B018 - forces parsing
    except (ValueError, TypeError, KeyError) as exc:
        raise P12Error("Файл повреждён или не является контейнером PKCS#12 (.p12/.pfx).") from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _password_bytes(password))
    except UnsupportedAlgorithm as exc:
        raise P12Error(
            "Алгоритм ключа или шифрования контейнера не поддерживается (например, ГОСТ Р 34.10/34.11). "
            "Поддерживаются ключи RSA и ECDSA."
        ) from exc
    except (ValueError, TypeError) as exc:
        # The MAC check fails alike for a wrong password and for damaged encrypted content;
        # the structure parsed above, so a wrong password is by far the likelier cause.
        raise P12Error("Неверный пароль к файлу сертификата.") from exc
    # Without a key, cryptography files the certificate under "additional": check the key first.
    if key is None:
        raise P12Error(
            "В файле нет закрытого ключа: это только сертификат. Для подписи нужен .p12/.pfx с закрытым ключом."
        )
    if cert is None:
        raise P12Error("В файле нет сертификата, соответствующего ключу.")
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise P12Error(f"Ключ RSA {key.key_size} бит слишком короткий: нужно не меньше {MIN_RSA_BITS}.")
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in _EC_CURVES:
            raise P12Error(f"Кривая ECDSA {key.curve.name} не поддерживается: возможны P-256, P-384, P-521.")
    else:
        raise P12Error(
            f"Тип ключа {type(key).__name__.removeprefix('_')} не поддерживается: поддерживаются RSA и ECDSA."
        )
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
        raise P12Error("Закрытый ключ в файле не соответствует сертификату.")
    return P12Signer(key, cert, list(extra or []), trust_roots)


# ---------------------------------------------------------------- the visible stamp

STAMP_W = 252.0
STAMP_H = 78.0
_STAMP_GAP = 6.0
_STAMP_BLUE = colors.Color(0.09, 0.24, 0.55)


@functools.lru_cache(maxsize=16)  # a batch stamps the same certificate on every document
def stamp_pdf(info: CertInfo, width: float = STAMP_W, height: float = STAMP_H) -> bytes:
    """A one-page PDF with the stamp in the manner of ГОСТ Р 7.0.97-2016, п. 5.23."""
    fonts.register()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(width, height), initialFontName=fonts.REGULAR)
    c.setStrokeColor(_STAMP_BLUE)
    c.setFillColor(_STAMP_BLUE)
    c.setLineWidth(1.3)
    c.roundRect(1.5, 1.5, width - 3, height - 3, 6)

    def line(text: str, y: float, font: str, size: float, center: bool = False) -> None:
        # Long owners / serials shrink to the box instead of running over its border.
        while size > 4.5 and c.stringWidth(text, font, size) > width - 14:
            size -= 0.25
        c.setFont(font, size)
        if center:
            c.drawCentredString(width / 2, y, text)
        else:
            c.drawString(7, y, text)

    line("ДОКУМЕНТ ПОДПИСАН", height - 16, fonts.BOLD, 8.5, center=True)
    line("ЭЛЕКТРОННОЙ ПОДПИСЬЮ", height - 26.5, fonts.BOLD, 8.5, center=True)
    c.setLineWidth(0.6)
    c.line(7, height - 31, width - 7, height - 31)
    line(f"Сертификат: {info.serial}", height - 42, fonts.REGULAR, 7)
    line(f"Владелец: {info.owner}", height - 53, fonts.REGULAR, 7)
    line(f"Действителен: {info.validity_text}", height - 64, fonts.REGULAR, 7)
    c.showPage()
    c.save()
    return buf.getvalue()


class _PdfBytesPage(pdf_content.PdfContent):
    """pyHanko imports external pages from a file name only; this one takes bytes."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        super().__init__()

    def render(self) -> bytes:
        from pyhanko.pdf_utils.layout import BoxConstraints

        w = self._ensure_writer
        xobj = w.import_page_as_xobject(PdfFileReader(io.BytesIO(self._data)), page_ix=0)
        name = "/FrmrStamp"
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def stamp_box(page_box: tuple[float, float, float, float], index: int) -> tuple[int, int, int, int]:
    """Where the ``index``-th signature's stamp goes on the last page.

    Two stamps side by side above the footer (author + co-signer), further ones in rows above.
    Generated documents leave this band free (pdf.STAMP_RESERVE).
    """
    from desktop.documents.pdf import MARGIN_BOTTOM, MARGIN_X

    x0, y0, x1, _y1 = page_box
    col, row = index % 2, index // 2
    left = x0 + min(MARGIN_X, max(0.0, (x1 - x0 - 2 * STAMP_W - _STAMP_GAP) / 2)) + col * (STAMP_W + _STAMP_GAP)
    bottom = y0 + MARGIN_BOTTOM + 4 + row * (STAMP_H + _STAMP_GAP)
    return (round(left), round(bottom), round(left + STAMP_W), round(bottom + STAMP_H))


# ---------------------------------------------------------------- PAdES


@dataclass(frozen=True)
class PdfSignOptions:
    visible: bool = True
    reason: str = "Документ подписан электронной подписью"
    location: str | None = None
    #: RFC 3161 TSA; when set the signature carries a timestamp (PAdES-B-T).
    tsa_url: str | None = None
    #: A ready timestamper instead of ``tsa_url`` (tests, a TSA needing authentication).
    timestamper: TimeStamper | None = None
    #: The moment the certificate is checked at (default: now).
    now: dt.datetime | None = None


@dataclass(frozen=True)
class SignResult:
    data: bytes
    check: CertCheck
    field_name: str | None = None


def _timestamper(url: str | None, ts: TimeStamper | None) -> TimeStamper | None:
    if ts is not None:
        return ts
    return HTTPTimeStamper(url, timeout=15) if url else None


def _open_pdf(pdf: bytes) -> IncrementalPdfFileWriter:
    if not pdf.lstrip()[:5].startswith(b"%PDF-"):
        raise SignatureError("Файл не является PDF-документом.")
    try:
        w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise SignatureError(f"PDF повреждён и не может быть подписан: {exc}") from exc
    if w.prev.encrypted:
        raise SignatureError("PDF защищён паролем (зашифрован): снимите защиту перед подписанием.")
    return w


def _existing_signatures(w: IncrementalPdfFileWriter) -> int:
    return sum(1 for _ in fields.enumerate_sig_fields(w.prev, filled_status=None))


_RESERVED = 16 * 1024
_RESERVED_TS = 32 * 1024


def sign_pdf(signer: Signer, pdf: bytes, options: PdfSignOptions | None = None) -> SignResult:
    """PAdES-B-B (or B-T with a TSA) signature as an incremental update.

    Earlier signatures stay valid: pyHanko appends a new revision and never rewrites signed
    bytes, so co-signing (e.g. by the HR clerk) is just another call on the signed output.
    """
    options = options or PdfSignOptions()
    check = signer.check(options.now)
    w = _open_pdf(pdf)
    index = _existing_signatures(w)
    field_name = f"Signature{index + 1}"  # ASCII: some viewers mangle non-ASCII field names
    stamp_style = None
    if options.visible:
        pages = w.root["/Pages"]
        count = int(pages["/Count"])
        page = w.find_page_for_modification(count - 1)[0].get_object()
        # MediaBox may be inherited from the page tree; A4 is what we generate anyway.
        box = [float(v) for v in page.get("/MediaBox", (0, 0, 595.28, 841.89))]
        fields.append_signature_field(
            w,
            fields.SigFieldSpec(
                sig_field_name=field_name,
                on_page=count - 1,
                box=stamp_box((box[0], box[1], box[2], box[3]), index),
            ),
        )
        stamp_style = StaticStampStyle(
            background=_PdfBytesPage(stamp_pdf(signer.info)), border_width=0, background_opacity=1.0
        )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=options.reason,
        location=options.location,
        name=signer.info.owner,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer.cms_signer(),
        stamp_style=stamp_style,
        timestamper=_timestamper(options.tsa_url, options.timestamper),
    )
    out = io.BytesIO()
    try:
        # A fixed reservation spares pyHanko a dry-run signature just to measure the CMS size:
        # certificates + RSA-4096 signature fit in 16 KiB; a timestamp token adds a few KiB.
        reserved = _RESERVED_TS if (options.tsa_url or options.timestamper) else _RESERVED
        extra = 2048 * sum(1 for _ in signer.cms_signer().cert_registry)  # each embedded chain cert
        pdf_signer.sign_pdf(w, output=out, bytes_reserved=reserved + extra)
    except (HankoSigningError, PdfError) as exc:
        raise SignatureError(f"Не удалось подписать PDF: {exc}") from exc
    except OSError as exc:  # the TSA is unreachable
        raise SignatureError(f"Служба штампов времени недоступна ({options.tsa_url}): {exc}") from exc
    return SignResult(out.getvalue(), check, field_name)


# ---------------------------------------------------------------- detached CMS


def sign_detached(
    signer: Signer,
    data: bytes,
    *,
    tsa_url: str | None = None,
    timestamper: TimeStamper | None = None,
    now: dt.datetime | None = None,
) -> tuple[bytes, CertCheck]:
    """Detached CAdES-BES (CMS SignedData without the content, DER) — the .sig of a scan."""
    check = signer.check(now)
    coro = signer.cms_signer().async_sign_general_data(
        data, "sha256", detached=True, use_cades=True, timestamper=_timestamper(tsa_url, timestamper)
    )
    try:
        ci = asyncio.run(coro)
    except HankoSigningError as exc:
        raise SignatureError(f"Не удалось подписать файл: {exc}") from exc
    except OSError as exc:
        raise SignatureError(f"Служба штампов времени недоступна ({tsa_url}): {exc}") from exc
    return ci.dump(), check


# ---------------------------------------------------------------- batch


@dataclass
class BatchItem:
    name: str
    ok: bool
    data: bytes | None = None
    detached: bool = False
    error: str | None = None


@dataclass
class BatchResult:
    items: list[BatchItem] = field(default_factory=list)
    check: CertCheck | None = None

    @property
    def failed(self) -> list[BatchItem]:
        return [i for i in self.items if not i.ok]


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5].startswith(b"%PDF-")


def sign_batch(
    signer: Signer,
    documents: Iterable[tuple[str, bytes]],
    options: PdfSignOptions | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BatchResult:
    """Sign many documents with one unlocked key (one password entry).

    The certificate is checked once: a refusal (expired…) stops the whole batch before any
    file is touched. A damaged file fails alone and the batch goes on. PDFs get PAdES, other
    files a detached .sig. ``progress(done, total, name)`` runs after each document; the GUI
    runs this in a worker thread and marshals the callback to its own.
    """
    options = options or PdfSignOptions()
    docs = list(documents)
    check = signer.check(options.now)
    result = BatchResult(check=check)
    for i, (name, data) in enumerate(docs, 1):
        try:
            if is_pdf(data):
                signed = sign_pdf(signer, data, options).data
                result.items.append(BatchItem(name, True, signed))
            else:
                sig, _ = sign_detached(
                    signer, data, tsa_url=options.tsa_url, timestamper=options.timestamper, now=options.now
                )
                result.items.append(BatchItem(name, True, sig, detached=True))
        except SignatureError as exc:
            result.items.append(BatchItem(name, False, error=str(exc)))
        if progress:
            progress(i, len(docs), name)
    return result


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Trust roots from PEM (one or many) or a single DER certificate."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise SignatureError("Файл корневых сертификатов не читается (ожидается PEM или DER).") from exc


__all__ = [
    "CertCheck",
    "CertInfo",
    "CertificateRefused",
    "P12Error",
    "P12Signer",
    "PdfSignOptions",
    "SignatureError",
    "Signer",
    "load_p12",
    "sign_batch",
    "sign_detached",
    "sign_pdf",
]

# pyHanko logs every failed path build / diff with a traceback; our reports already say it in
# Russian. A NullHandler keeps Python's last-resort stderr printer quiet while an app-level
# handler (if any is configured) still receives the records.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
