"""«Проверить подпись»: PDF (PAdES / any embedded CMS) or a file with its detached .sig.

For each signature: signer, certificate, signing time (from an RFC 3161 timestamp when there
is one, else the time the signer claims), whether the document changed after signing, whether
the certificate was valid at that time, and trust. Any failure to parse a signed file counts as
damage and is reported as invalid, never silently skipped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import cms
from asn1crypto import pem as asn1_pem
from cryptography import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel, StandardCMSSignatureStatus
from pyhanko_certvalidator import ValidationContext

from desktop.documents import gost, gost_cms
from desktop.documents.certificates import TRUST_TEXT, CertInfo, Trust, as_asn1, day_text
from desktop.documents.signing import is_pdf
from desktop.i18n import tr

# A signature with either usage is a signature (issue 5); pyHanko's default wants nonRepudiation.
_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)


@dataclass
class SignatureReport:
    field_name: str | None
    certificate: CertInfo | None
    signing_time: dt.datetime | None = None
    #: "timestamp" (RFC 3161 token, trustworthy), "claimed" (signer's own clock) or None
    time_source: str | None = None
    intact: bool = False
    valid: bool = False
    #: the signed bytes still hash to the signed digest and nothing but allowed updates follow
    unchanged: bool = False
    changes: str = ""
    cert_valid_at_signing: bool | None = None
    trust: Trust = "unknown_issuer"
    timestamp_ok: bool | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.intact
            and self.valid
            and self.unchanged
            and self.cert_valid_at_signing is not False
            and self.timestamp_ok is not False
            and not self.errors
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field_name,
            "ok": self.ok,
            "signer": self.certificate.owner if self.certificate else None,
            "certificate": self.certificate.as_dict() if self.certificate else None,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "time_source": self.time_source,
            "intact": self.intact,
            "valid": self.valid,
            "unchanged": self.unchanged,
            "changes": self.changes,
            "cert_valid_at_signing": self.cert_valid_at_signing,
            "trust": self.trust,
            "trust_text": TRUST_TEXT[self.trust],
            "timestamp_ok": self.timestamp_ok,
            "errors": self.errors,
        }

    def lines(self) -> list[str]:
        c = self.certificate
        name = f" «{self.field_name}»" if self.field_name else ""
        out = [f"Подпись{name}: {'ДЕЙСТВИТЕЛЬНА' if self.ok else 'НЕДЕЙСТВИТЕЛЬНА'}"]
        if c:
            out += [
                f"  Подписант: {c.owner}",
                f"  Сертификат: {c.serial}, {c.key}, действителен {c.validity_text}",
                f"  Издатель: {c.issuer}",
            ]
        if self.signing_time:
            src = "штамп времени" if self.time_source == "timestamp" else "по часам подписанта"
            out.append(f"  Время подписания: {self.signing_time:%d.%m.%Y %H:%M:%S} UTC ({src})")
        out.append(f"  Целостность: {'подпись верна' if self.intact and self.valid else 'ПОДПИСЬ НЕ СХОДИТСЯ'}")
        out.append(f"  Изменения после подписания: {self.changes}")
        if self.cert_valid_at_signing is not None:
            out.append(
                "  Сертификат на момент подписания: "
                + ("действовал" if self.cert_valid_at_signing else "НЕ ДЕЙСТВОВАЛ")
            )
        if self.timestamp_ok is not None:
            out.append(f"  Штамп времени: {'верен' if self.timestamp_ok else 'НЕВЕРЕН'}")
        out.append(f"  Доверие: {TRUST_TEXT[self.trust]}")
        out += [f"  Ошибка: {e}" for e in self.errors]
        return out


@dataclass
class VerificationReport:
    kind: str
    signatures: list[SignatureReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return bool(self.signatures) and not self.errors and all(s.ok for s in self.signatures)

    @property
    def trusted(self) -> bool:
        return self.valid and all(s.trust == "trusted" for s in self.signatures)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "valid": self.valid,
            "trusted": self.trusted,
            "signatures": [s.as_dict() for s in self.signatures],
            "errors": self.errors,
        }

    def text(self) -> str:
        head = "Результат проверки: " + ("подписи действительны" if self.valid else "ПОДПИСЬ НЕДЕЙСТВИТЕЛЬНА")
        lines = [head]
        lines += [f"Ошибка: {e}" for e in self.errors]
        for s in self.signatures:
            lines += s.lines()
        return "\n".join(lines)


def _context(trust_roots: Sequence[x509.Certificate]) -> ValidationContext:
    # Explicit roots only (an empty list is "trust nobody", not "use the OS store"), no network.
    # The GOST-aware validator also checks GOST certificates in the chain of an RSA signature.
    return gost_cms.validation_context([as_asn1(c) for c in trust_roots])


def _fill_gost(
    rep: SignatureReport,
    sd: Any,
    si: Any,
    content_digest: Any,
    trust_roots: Sequence[x509.Certificate],
    claimed_time: dt.datetime | None,
) -> None:
    """A GOST signer info: our own CMS check (pyHanko has no Streebog), then the same
    certificate questions as for RSA: valid at signing time, usage, trust."""
    check = gost_cms.check_signer(sd, si, content_digest)
    rep.errors += check.errors
    rep.intact, rep.valid = check.intact, check.valid
    if check.cert is not None:
        try:
            cert = x509.load_der_x509_certificate(check.cert.dump())
            rep.certificate = CertInfo.from_cert(cert)
        except (ValueError, gost.GostError) as exc:
            rep.errors.append(f"сертификат подписанта не читается: {exc}")
    when = check.signing_time or claimed_time
    if when is not None:
        rep.signing_time, rep.time_source = when, "claimed"
    c = rep.certificate
    if c and rep.signing_time:
        t = rep.signing_time if rep.signing_time.tzinfo else rep.signing_time.replace(tzinfo=dt.UTC)
        rep.cert_valid_at_signing = c.not_before <= t <= c.not_after
    if check.cert is not None:
        usage = check.cert.key_usage_value
        if usage is not None and not ({"digital_signature", "non_repudiation"} & set(usage.native)):
            rep.valid = False
            rep.errors.append("назначение ключа сертификата не допускает электронную подпись")
        roots = [as_asn1(r) for r in trust_roots]
        moment = rep.signing_time if rep.cert_valid_at_signing else None
        if gost_cms.path_trusted(check.cert, check.other_certs, roots, moment):
            rep.trust = "trusted"
        elif c and c.self_signed:
            rep.trust = "self_signed"


def _cert_info(status: StandardCMSSignatureStatus) -> CertInfo | None:
    try:
        return CertInfo.from_cert(x509.load_der_x509_certificate(status.signing_cert.dump()))
    except (ValueError, AttributeError):
        return None


def _fill_common(rep: SignatureReport, status: StandardCMSSignatureStatus) -> None:
    rep.certificate = _cert_info(status)
    rep.intact = bool(status.intact)
    rep.valid = bool(status.valid)
    ts = status.timestamp_validity
    if ts is not None:
        rep.signing_time = ts.timestamp
        rep.time_source = "timestamp"
        rep.timestamp_ok = bool(ts.intact and ts.valid)
    elif status.signer_reported_dt is not None:
        rep.signing_time = status.signer_reported_dt
        rep.time_source = "claimed"
    c = rep.certificate
    if c and rep.signing_time:
        t = rep.signing_time if rep.signing_time.tzinfo else rep.signing_time.replace(tzinfo=dt.UTC)
        rep.cert_valid_at_signing = c.not_before <= t <= c.not_after
    if status.trusted:
        rep.trust = "trusted"
    elif c and c.self_signed:
        rep.trust = "self_signed"
    else:
        rep.trust = "unknown_issuer"


def _pdf_changes(rep: SignatureReport, status: Any) -> None:
    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        rep.unchanged, rep.changes = True, "нет (подпись покрывает весь файл)"
        return
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        rep.unchanged, rep.changes = False, "подпись покрывает не весь документ — ДОКУМЕНТ ИЗМЕНЁН"
        return
    level = status.modification_level
    if status.docmdp_ok and level is not None and level <= ModificationLevel.FORM_FILLING:
        rep.unchanged = True
        rep.changes = {
            ModificationLevel.NONE: "нет",
            ModificationLevel.LTA_UPDATES: "добавлены только данные для проверки подписи (допустимо)",
        }.get(level, "добавлены последующие подписи (допустимо)")
    else:
        rep.unchanged = False
        rep.changes = "ДОКУМЕНТ ИЗМЕНЁН после подписания (содержимое или структура)"


def verify_pdf(data: bytes, trust_roots: Sequence[x509.Certificate] = ()) -> VerificationReport:
    report = VerificationReport("pdf")
    if not is_pdf(data):
        report.errors.append("Файл не является PDF-документом или повреждён в начале.")
        return report
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        report.errors.append(f"PDF повреждён, подписи не прочитать: {exc}")
        return report
    if not sigs:
        report.errors.append("В документе нет электронных подписей.")
        return report
    vc = _context(trust_roots)
    for sig in sigs:
        rep = SignatureReport(field_name=sig.field_name, certificate=None)
        if gost_cms.is_gost_signed_data(sig.signed_data):
            _verify_gost_pdf(sig, rep, trust_roots)
            report.signatures.append(rep)
            continue
        try:
            status = validate_pdf_signature(sig, signer_validation_context=vc, key_usage_settings=_USAGE)
            _fill_common(rep, status)
            _pdf_changes(rep, status)
        except Exception as exc:
            rep.errors.append(f"подпись не проверяется, файл повреждён или изменён: {exc}")
            rep.changes = "не удалось установить — файл повреждён"
        report.signatures.append(rep)
    return report


def _verify_gost_pdf(sig: Any, rep: SignatureReport, trust_roots: Sequence[x509.Certificate]) -> None:
    from pyhanko.sign.diff_analysis import SuspiciousModification

    try:
        sis = list(sig.signed_data["signer_infos"])
        if len(sis) != 1:
            raise ValueError(tr("в подписи PDF должен быть ровно один подписант"))
        stream = sig.reader.stream
        a, b, c, d = (int(x) for x in sig.byte_range)

        def digest(bits: int) -> bytes:
            stream.seek(a)
            first = stream.read(b)
            stream.seek(c)
            return gost.streebog(first + stream.read(d), bits)

        claimed = sig.self_reported_timestamp
        _fill_gost(rep, sig.signed_data, sis[0], digest, trust_roots, claimed)
        # Coverage and the diff analysis are pyHanko's; it only needs the digest it cannot make.
        sig.external_digests[sig.external_md_algorithm] = b""
        sig.compute_integrity_info()
        coverage = sig.coverage
        diff = sig.diff_result
        if coverage == SignatureCoverageLevel.ENTIRE_FILE:
            rep.unchanged, rep.changes = True, "нет (подпись покрывает весь файл)"
        elif coverage != SignatureCoverageLevel.ENTIRE_REVISION:
            rep.unchanged, rep.changes = False, "подпись покрывает не весь документ — ДОКУМЕНТ ИЗМЕНЁН"
        elif (
            isinstance(diff, SuspiciousModification)
            or diff is None
            or diff.modification_level > ModificationLevel.FORM_FILLING
        ):
            rep.unchanged, rep.changes = False, "ДОКУМЕНТ ИЗМЕНЁН после подписания (содержимое или структура)"
        else:
            rep.unchanged = True
            rep.changes = {
                ModificationLevel.NONE: "нет",
                ModificationLevel.LTA_UPDATES: "добавлены только данные для проверки подписи (допустимо)",
            }.get(diff.modification_level, "добавлены последующие подписи (допустимо)")
        if not rep.intact:
            rep.unchanged, rep.changes = False, "ДОКУМЕНТ ИЗМЕНЁН: хэш подписанных байтов не совпадает"
    except Exception as exc:
        rep.errors.append(f"подпись не проверяется, файл повреждён или изменён: {exc}")
        rep.changes = "не удалось установить — файл повреждён"


def _load_sig(sig: bytes) -> cms.SignedData:
    if asn1_pem.detect(sig):
        _, _, sig = asn1_pem.unarmor(sig)
    ci = cms.ContentInfo.load(sig, strict=True)
    if ci["content_type"].native != "signed_data":
        raise ValueError("not SignedData")
    sd: cms.SignedData = ci["content"]
    sd["signer_infos"].native  # noqa: B018 - parse now, inside the caller's error handling
    return sd


def verify_detached(
    data: bytes, sig: bytes, trust_roots: Sequence[x509.Certificate] = ()
) -> VerificationReport:
    report = VerificationReport("detached")
    try:
        sd = _load_sig(sig)
    except (ValueError, TypeError, KeyError) as exc:
        report.errors.append(f"Файл подписи повреждён или не является подписью CMS (.sig): {exc}")
        return report
    if gost_cms.is_gost_signed_data(sd):
        for si in sd["signer_infos"]:
            rep = SignatureReport(field_name=None, certificate=None)
            try:
                _fill_gost(rep, sd, si, lambda bits: gost.streebog(data, bits), trust_roots, None)
            except Exception as exc:
                rep.errors.append(f"подпись не проверяется: {exc}")
            rep.unchanged = rep.intact
            rep.changes = "нет" if rep.intact else "ФАЙЛ ИЗМЕНЁН после подписания или подпись от другого файла"
            report.signatures.append(rep)
        return report
    rep = SignatureReport(field_name=None, certificate=None)
    try:
        status = asyncio.run(
            async_validate_detached_cms(
                data, sd, signer_validation_context=_context(trust_roots), key_usage_settings=_USAGE
            )
        )
        _fill_common(rep, status)
        rep.unchanged = rep.intact
        rep.changes = "нет" if rep.intact else "ФАЙЛ ИЗМЕНЁН после подписания или подпись от другого файла"
    except Exception as exc:
        rep.errors.append(f"подпись не проверяется: {exc}")
        rep.changes = "не удалось установить"
    report.signatures.append(rep)
    return report


def verify(
    data: bytes, sig: bytes | None = None, trust_roots: Sequence[x509.Certificate] = ()
) -> VerificationReport:
    """A PDF with embedded signatures, or any file with its detached signature."""
    if sig is not None:
        return verify_detached(data, sig, trust_roots)
    return verify_pdf(data, trust_roots)


def signing_summary(report: VerificationReport) -> str:
    """One line for the archive's ``signature_info`` column."""
    parts = []
    for s in report.signatures:
        c = s.certificate
        who = c.owner if c else "?"
        when = f" {day_text(s.signing_time)}" if s.signing_time else ""
        parts.append(f"{who}{when}{'' if s.ok else ' (недействительна)'}")
    return "; ".join(parts)
