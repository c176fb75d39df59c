"""«Подписать электронно»: keys from containers, PAdES for PDFs, detached CAdES-BES for other files
(the certificate checks every signer runs first are ``desktop.documents.certificates``).

Everything signs through one interface, :class:`Signer`: a certificate, its pre-signing check
and a pyHanko CMS signer. :class:`P12Signer` holds a key from a container: RSA or ECDSA, or a
ГОСТ Р 34.10-2012 key (module ``gost``) whose CMS signer is a ``gost_cms.GostCmsSigner``.
pyHanko cannot hash with Streebog, so for that signer the PDF and CMS functions here take the
GOST path (``_sign_pdf_gost``): pyHanko still writes the PDF, the CMS is built by ``gost_cms``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import content as pdf_content
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as HankoSigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.stamp.static import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from desktop.documents import fonts, gost
from desktop.documents.certificates import (
    EC_CURVES,
    MIN_RSA_BITS,
    CertCheck,
    CertificateRefused,
    CertInfo,
    P12Error,
    SignatureError,
    as_asn1,
    check_certificate,
)
from desktop.documents.gost_cms import GostCmsSigner
from desktop.i18n import tr


class Signer(Protocol):
    """The one signing interface. A GOST provider adds a class with these three members."""

    @property
    def info(self) -> CertInfo: ...

    def check(self, now: dt.datetime | None = None) -> CertCheck: ...

    def cms_signer(self) -> signers.Signer: ...


SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | gost.GostPrivateKey


class P12Signer:
    """A key and its certificate from a container (.p12/.pfx, or PEM key + certificate), held
    in memory only: RSA, ECDSA or ГОСТ Р 34.10-2012."""

    def __init__(
        self,
        key: SigningKey,
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

    @property
    def is_gost(self) -> bool:
        return isinstance(self._key, gost.GostPrivateKey)

    @functools.cache  # noqa: B019 - one pyHanko signer per loaded key, lives as long as it
    def cms_signer(self) -> signers.Signer:
        registry = SimpleCertificateStore.from_certs([as_asn1(c) for c in self.chain])
        if isinstance(self._key, gost.GostPrivateKey):
            return GostCmsSigner(self._key, as_asn1(self.cert), registry)
        der = self._key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return _LoadedKeySigner(
            self._key,
            signing_cert=as_asn1(self.cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=registry,
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
        raise P12Error(tr("Файл сертификата пуст."))
    if b"-----BEGIN" in data[:4096]:
        return _load_pem_pair(data, password, trust_roots)
    try:
        # Structure first: a container that does not even parse is damaged, whatever the password.
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        pfx["auth_safe"]["content_type"].native  # noqa: B018 - forces parsing
    except (ValueError, TypeError, KeyError) as exc:
        raise P12Error(tr("Файл повреждён или не является контейнером PKCS#12 (.p12/.pfx).")) from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _password_bytes(password))
    except (UnsupportedAlgorithm, ValueError, TypeError):
        # pyca/cryptography says "invalid password" for a GOST key too; our own reader tells a
        # wrong password (MAC, padding, garbage after decryption) from a container it can use.
        return _load_gost_p12(data, password, trust_roots)
    # Without a key, cryptography files the certificate under "additional": check the key first.
    if key is None:
        raise P12Error(
            tr("В файле нет закрытого ключа: это только сертификат. Для подписи нужен .p12/.pfx с закрытым ключом.")
        )
    if cert is None:
        raise P12Error(tr("В файле нет сертификата, соответствующего ключу."))
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise P12Error(tr(
                "Ключ RSA {key_size} бит слишком короткий: нужно не меньше {MIN_RSA_BITS}.").format(
                key_size=key.key_size, MIN_RSA_BITS=MIN_RSA_BITS))
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in EC_CURVES:
            raise P12Error(tr(
                "Кривая ECDSA {name} не поддерживается: возможны P-256, P-384, P-521.").format(
                name=key.curve.name))
    else:
        raise P12Error(
            tr(
                "Тип ключа {removeprefix} не поддерживается: поддерживаются RSA и ECDSA.").format(
                removeprefix=type(key).__name__.removeprefix('_'))
        )
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
        raise P12Error(tr("Закрытый ключ в файле не соответствует сертификату."))
    return P12Signer(key, cert, list(extra or []), trust_roots)


def _gost_signer(loaded: Any, trust_roots: Sequence[x509.Certificate]) -> P12Signer:
    cert = x509.load_der_x509_certificate(loaded.cert.dump())
    chain = [x509.load_der_x509_certificate(c.dump()) for c in loaded.chain]
    return P12Signer(loaded.key, cert, chain, trust_roots)


def _load_gost_p12(data: bytes, password: str | bytes | None, trust_roots: Sequence[x509.Certificate]) -> P12Signer:
    from desktop.documents import gost_keys

    try:
        loaded = gost_keys.load_pkcs12(data, _password_bytes(password) or b"")
    except gost.GostError as exc:
        raise P12Error(str(exc)) from exc
    return _gost_signer(loaded, trust_roots)


_PEM_KEY_TYPES = "Тип ключа в файле PEM не поддерживается: поддерживаются ГОСТ Р 34.10-2012, RSA и ECDSA."


def _load_pem_pair(data: bytes, password: str | bytes | None, trust_roots: Sequence[x509.Certificate]) -> P12Signer:
    """A PEM file with a private key and its certificate (``cat key.pem cert.pem``): a GOST key
    through ``gost_keys``, RSA/ECDSA through pyca/cryptography."""
    from desktop.documents import gost_keys

    pw = _password_bytes(password) or b""
    try:
        blocks = gost_keys.pem_blocks(data)
        key_blocks = [(n, d) for n, d in blocks if n in ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY")]
        if key_blocks:
            info = gost_keys.private_key_info(*key_blocks[0], pw)
            if gost_keys.is_gost_key_info(info):
                return _gost_signer(gost_keys.load_pem_pair(data, pw), trust_roots)
    except gost.GostError as exc:
        raise P12Error(str(exc)) from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise P12Error(tr("Ключ или сертификат в файле PEM повреждён.")) from exc
    certs = [x509.load_der_x509_certificate(d) for n, d in blocks if n == "CERTIFICATE"]
    if not key_blocks:
        raise P12Error(tr(
            "В файле нет закрытого ключа: это только сертификат. Для подписи нужен файл с закрытым ключом."))
    try:
        key = serialization.load_der_private_key(info.dump(), None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise P12Error(_PEM_KEY_TYPES) from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise P12Error(_PEM_KEY_TYPES)
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    mine = [c for c in certs if c.public_key().public_bytes(*spki) == key.public_key().public_bytes(*spki)]
    if not mine:
        raise P12Error("Закрытый ключ в файле не соответствует сертификату." if certs else
                       "В файле нет сертификата: добавьте сертификат к ключу в тот же файл PEM.")
    return P12Signer(key, mine[0], [c for c in certs if c is not mine[0]], trust_roots)


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
    if info.ids_text:  # a qualified certificate: СНИЛС / ИНН make the owner unambiguous
        rows = [f"Сертификат: {info.serial}", f"Владелец: {info.owner}", info.ids_text,
                f"Действителен: {info.validity_text}"]
        for i, text in enumerate(rows):
            line(text, height - 40 - 9.5 * i, fonts.REGULAR, 6.6)
    else:
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
        raise SignatureError(tr("Файл не является PDF-документом."))
    try:
        w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise SignatureError(tr("PDF повреждён и не может быть подписан: {exc}").format(exc=exc)) from exc
    if w.prev.encrypted:
        raise SignatureError(tr("PDF защищён паролем (зашифрован): снимите защиту перед подписанием."))
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
    if signer.cms_signer().__class__ is GostCmsSigner:
        _no_gost_timestamp(options.tsa_url, options.timestamper)  # before any work on the PDF
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
    cms_signer = signer.cms_signer()
    if isinstance(cms_signer, GostCmsSigner):
        return _sign_pdf_gost(cms_signer, signer.info, w, field_name, stamp_style, options, check)
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
        raise SignatureError(tr("Не удалось подписать PDF: {exc}").format(exc=exc)) from exc
    except OSError as exc:  # the TSA is unreachable
        raise SignatureError(tr(
            "Служба штампов времени недоступна ({tsa_url}): {exc}").format(
            tsa_url=options.tsa_url, exc=exc)) from exc
    return SignResult(out.getvalue(), check, field_name)


def _no_gost_timestamp(tsa_url: str | None, timestamper: TimeStamper | None) -> None:
    if tsa_url or timestamper:
        raise SignatureError(
            tr("Штамп времени к подписи ГОСТ пока не добавляется: подпишите без службы штампов времени "
            "(уберите адрес TSA в «Настройках» или параметр --tsa).")
        )


def _sign_pdf_gost(
    cms_signer: GostCmsSigner,
    info: CertInfo,
    w: IncrementalPdfFileWriter,
    field_name: str,
    stamp_style: StaticStampStyle | None,
    options: PdfSignOptions,
    check: CertCheck,
) -> SignResult:
    """PAdES-B-B with a GOST key: pyHanko's embedder writes the field, the stamp and the
    placeholder; the Streebog digest of the byte ranges and the CMS are ours."""
    from pyhanko.sign.signers.cms_embedder import PdfCMSEmbedder, SigAppearanceSetup, SigIOSetup, SigObjSetup
    from pyhanko.sign.signers.pdf_byterange import SignatureObject

    _no_gost_timestamp(options.tsa_url, options.timestamper)
    now = dt.datetime.now(dt.UTC)
    bits = cms_signer.digest_bits
    reserved = _RESERVED + 2048 * sum(1 for _ in cms_signer.cert_registry)
    try:
        embed = PdfCMSEmbedder(fields.SigFieldSpec(sig_field_name=field_name)).write_cms(field_name, w)
        next(embed)
        sig_obj = SignatureObject(
            timestamp=now,
            subfilter=fields.SigSeedSubFilter.PADES,
            name=info.owner,
            reason=options.reason,
            location=options.location,
            bytes_reserved=reserved,
        )
        appearance = SigAppearanceSetup(stamp_style, now, info.owner) if stamp_style is not None else None
        embed.send(SigObjSetup(sig_placeholder=sig_obj, appearance_setup=appearance))
        # pyHanko insists on hashing the byte ranges itself; SHA-256 costs ~1 ms and is not used.
        prepared, output = embed.send(SigIOSetup(md_algorithm="sha256", in_place=False))
        buf = output.getbuffer()
        try:
            signed_bytes = bytes(buf[: prepared.reserved_region_start]) + bytes(buf[prepared.reserved_region_end :])
        finally:
            buf.release()
        ci = cms_signer.signed_data(gost.streebog(signed_bytes, bits), signing_time=None)
        der = ci.dump()
        if 2 * len(der) > reserved:
            raise SignatureError(tr(
                "Подпись не помещается в отведённое место PDF: слишком длинная цепочка сертификатов."))
        embed.send(der)
    except (HankoSigningError, PdfError, gost.GostError) as exc:
        raise SignatureError(tr("Не удалось подписать PDF: {exc}").format(exc=exc)) from exc
    return SignResult(output.getvalue(), check, field_name)


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
    cms_signer = signer.cms_signer()
    if isinstance(cms_signer, GostCmsSigner):
        _no_gost_timestamp(tsa_url, timestamper)
        digest = gost.streebog(data, cms_signer.digest_bits)
        return cms_signer.signed_data(digest, signing_time=dt.datetime.now(dt.UTC)).dump(), check
    coro = signer.cms_signer().async_sign_general_data(
        data, "sha256", detached=True, use_cades=True, timestamper=_timestamper(tsa_url, timestamper)
    )
    try:
        ci = asyncio.run(coro)
    except HankoSigningError as exc:
        raise SignatureError(tr("Не удалось подписать файл: {exc}").format(exc=exc)) from exc
    except OSError as exc:
        raise SignatureError(tr(
            "Служба штампов времени недоступна ({tsa_url}): {exc}").format(
            tsa_url=tsa_url, exc=exc)) from exc
    return ci.dump(), check


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5].startswith(b"%PDF-")


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Trust roots from PEM (one or many) or a single DER certificate."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise SignatureError(tr("Файл корневых сертификатов не читается (ожидается PEM или DER).")) from exc


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
    "sign_detached",
    "sign_pdf",
]

# pyHanko logs every failed path build / diff with a traceback; our reports already say it in
# Russian. A NullHandler keeps Python's last-resort stderr printer quiet while an app-level
# handler (if any is configured) still receives the records.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
