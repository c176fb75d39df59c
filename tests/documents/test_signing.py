from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, pkcs12
from cryptography.x509.oid import NameOID

from desktop.documents.batch import sign_batch
from desktop.documents.pdf import generate
from desktop.documents.signing import (
    CertificateRefused,
    P12Error,
    P12Signer,
    PdfSignOptions,
    SignatureError,
    load_p12,
    sign_detached,
    sign_pdf,
)
from desktop.documents.testpki import Issued
from desktop.documents.verify import verify, verify_pdf
from tests.documents.conftest import P12_PASSWORD, TODAY, Pki, assert_pdfsig_valid, pdftotext


def _signer(issued: Issued, pki: Pki, roots: bool = True) -> P12Signer:
    return load_p12(issued.p12(P12_PASSWORD), P12_PASSWORD, [pki.ca.cert] if roots else [])


@pytest.fixture(scope="module")
def spravka(snapshot: dict[str, Any]) -> bytes:
    return generate("seniority", snapshot, today=TODAY).pdf


@pytest.mark.parametrize("who", ["rsa", "ec", "self_signed"])
@pytest.mark.parametrize("visible", [True, False])
def test_signed_pdf_valid_for_pyhanko_and_pdfsig(
    tmp_path: Path, pki: Pki, spravka: bytes, who: str, visible: bool
) -> None:
    issued: Issued = getattr(pki, who)
    res = sign_pdf(_signer(issued, pki), spravka, PdfSignOptions(visible=visible))
    path = tmp_path / "signed.pdf"
    path.write_bytes(res.data)
    assert_pdfsig_valid(path, 1)
    report = verify_pdf(res.data, [pki.ca.cert])
    assert report.valid, report.text()
    sig = report.signatures[0]
    assert sig.certificate is not None and sig.certificate.owner == issued.cert.subject.get_attributes_for_oid(
        NameOID.COMMON_NAME
    )[0].value
    assert sig.trust == ("self_signed" if who == "self_signed" else "trusted")
    assert res.check.trust == sig.trust
    text = pdftotext(path, flat=True)
    if visible:
        assert "ДОКУМЕНТ ПОДПИСАН ЭЛЕКТРОННОЙ ПОДПИСЬЮ" in text
        assert f"Сертификат: {res.check.info.serial}" in text
        assert f"Действителен: {res.check.info.validity_text}" in text
    else:
        assert "ДОКУМЕНТ ПОДПИСАН" not in text


def test_stamp_text_is_cyrillic_in_embedded_font(tmp_path: Path, pki: Pki, spravka: bytes) -> None:
    res = sign_pdf(_signer(pki.rsa, pki), spravka)
    path = tmp_path / "s.pdf"
    path.write_bytes(res.data)
    assert "Владелец: Щербакова Юлия Эдуардовна" in pdftotext(path, flat=True)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "Helvetica" not in fonts


def test_cosign_keeps_first_signature_valid(tmp_path: Path, pki: Pki, spravka: bytes) -> None:
    first = sign_pdf(_signer(pki.rsa, pki), spravka).data
    second = sign_pdf(_signer(pki.ec, pki), first).data
    assert second.startswith(first)  # incremental update: the signed bytes are untouched
    path = tmp_path / "cosigned.pdf"
    path.write_bytes(second)
    assert_pdfsig_valid(path, 2)
    report = verify_pdf(second, [pki.ca.cert])
    assert report.valid, report.text()
    assert [s.field_name for s in report.signatures] == ["Signature1", "Signature2"]
    assert "допустимо" in report.signatures[0].changes
    assert report.signatures[1].changes.startswith("нет")


def test_timestamp_from_local_tsa(tmp_path: Path, pki: Pki, spravka: bytes, tsa_url: str) -> None:
    res = sign_pdf(_signer(pki.rsa, pki), spravka, PdfSignOptions(tsa_url=tsa_url))
    path = tmp_path / "ts.pdf"
    path.write_bytes(res.data)
    assert_pdfsig_valid(path, 1)
    report = verify_pdf(res.data, [pki.ca.cert])
    assert report.valid, report.text()
    sig = report.signatures[0]
    assert sig.time_source == "timestamp" and sig.timestamp_ok
    assert sig.signing_time is not None
    assert abs((dt.datetime.now(dt.UTC) - sig.signing_time).total_seconds()) < 120


def test_unreachable_tsa_is_a_clear_error(pki: Pki, spravka: bytes) -> None:
    with pytest.raises(SignatureError, match="штампов времени"):
        sign_pdf(_signer(pki.rsa, pki), spravka, PdfSignOptions(tsa_url="http://127.0.0.1:9/tsa"))


@pytest.mark.parametrize(
    ("who", "pattern"),
    [
        ("expired", r"Срок действия сертификата истёк: он действовал с \d\d\.\d\d\.\d{4} по \d\d\.\d\d\.\d{4}"),
        ("not_yet", r"Сертификат ещё не действует: срок действия с \d\d\.\d\d\.\d{4} по \d\d\.\d\d\.\d{4}"),
        ("no_sign_usage", r"Назначение ключа"),
    ],
)
def test_refused_certificates(pki: Pki, spravka: bytes, who: str, pattern: str) -> None:
    signer = _signer(getattr(pki, who), pki)
    with pytest.raises(CertificateRefused, match=pattern):
        sign_pdf(signer, spravka)
    with pytest.raises(CertificateRefused, match=pattern):
        sign_detached(signer, b"scan")
    with pytest.raises(CertificateRefused, match=pattern):
        sign_batch(signer, [("a.pdf", spravka)])


def test_expiring_soon_and_unknown_issuer_warn(pki: Pki) -> None:
    check = _signer(pki.expiring, pki).check()
    assert check.expiring_soon and check.days_left <= 12
    assert any("истекает через" in w for w in check.warnings)
    unknown = _signer(pki.rsa, pki, roots=False).check()
    assert unknown.trust == "unknown_issuer" and any("Издатель неизвестен" in w for w in unknown.warnings)
    assert _signer(pki.rsa, pki).check().warnings == ()


def test_p12_errors_are_clear(pki: Pki) -> None:
    good = pki.rsa.p12(P12_PASSWORD)
    with pytest.raises(P12Error, match="Неверный пароль"):
        load_p12(good, "не тот пароль")
    with pytest.raises(P12Error, match="Неверный пароль"):
        load_p12(good, None)
    with pytest.raises(P12Error, match="повреждён"):
        load_p12(good[: len(good) // 2], P12_PASSWORD)
    with pytest.raises(P12Error, match="повреждён"):
        load_p12(b"%PDF-1.7 not a container", P12_PASSWORD)
    with pytest.raises(P12Error, match="пуст"):
        load_p12(b"", P12_PASSWORD)
    with pytest.raises(P12Error, match="нет закрытого ключа"):
        load_p12(pki.rsa.p12(P12_PASSWORD, with_key=False), P12_PASSWORD)


def test_unsupported_key_type(pki: Pki) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ed25519")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
        .sign(key, None)
    )
    data = pkcs12.serialize_key_and_certificates(b"x", key, cert, None, BestAvailableEncryption(b"pw"))
    with pytest.raises(P12Error, match="не поддерживается: поддерживаются RSA и ECDSA"):
        load_p12(data, "pw")


def test_bad_pdf_inputs(pki: Pki, spravka: bytes) -> None:
    signer = _signer(pki.rsa, pki)
    with pytest.raises(SignatureError, match="не является PDF"):
        sign_pdf(signer, b"hello")
    with pytest.raises(SignatureError, match="повреждён"):
        sign_pdf(signer, b"%PDF-1.7\n" + b"\x00" * 100)
    with pytest.raises(SignatureError):
        sign_pdf(signer, spravka[: len(spravka) // 3])


def test_detached_cades_verifies_and_detects_change(tmp_path: Path, pki: Pki) -> None:
    scan = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    sig, check = sign_detached(_signer(pki.ec, pki), scan)
    assert check.trust == "trusted"
    report = verify(scan, sig, [pki.ca.cert])
    assert report.valid and report.trusted, report.text()
    assert not verify(scan + b"x", sig, [pki.ca.cert]).valid
    assert not verify(scan, sig[:-10], [pki.ca.cert]).valid
    assert not verify(scan, b"garbage", [pki.ca.cert]).valid
    openssl = shutil.which("openssl")
    if openssl:  # a second, independent CMS implementation
        (tmp_path / "scan.png").write_bytes(scan)
        (tmp_path / "scan.png.sig").write_bytes(sig)
        (tmp_path / "ca.pem").write_bytes(pki.ca.cert.public_bytes(Encoding.PEM))
        out = subprocess.run(
            [openssl, "cms", "-verify", "-inform", "DER", "-binary", "-in", str(tmp_path / "scan.png.sig"),
             "-content", str(tmp_path / "scan.png"), "-CAfile", str(tmp_path / "ca.pem"), "-purpose", "any",
             "-out", "/dev/null"],
            capture_output=True, text=True,
        )
        assert out.returncode == 0, out.stderr


def test_detached_with_timestamp(pki: Pki, tsa_url: str) -> None:
    sig, _ = sign_detached(_signer(pki.rsa, pki), b"data", tsa_url=tsa_url)
    rep = verify(b"data", sig, [pki.ca.cert])
    assert rep.valid and rep.signatures[0].time_source == "timestamp"


def test_batch_one_password_progress_and_isolated_failures(tmp_path: Path, pki: Pki, spravka: bytes) -> None:
    docs = [(f"doc{i}.pdf", spravka) for i in range(5)] + [("scan.jpg", b"\xff\xd8\xff" + b"1" * 100)]
    docs.insert(2, ("broken.pdf", b"%PDF-1.7 broken"))
    seen: list[tuple[int, int, str]] = []
    result = sign_batch(_signer(pki.rsa, pki), docs, progress=lambda d, t, n: seen.append((d, t, n)))
    assert [s[0] for s in seen] == list(range(1, 8)) and all(s[1] == 7 for s in seen)
    assert [i.name for i in result.failed] == ["broken.pdf"]
    assert result.failed[0].error and "повреждён" in result.failed[0].error
    for item in result.items:
        if item.ok and not item.detached:
            assert item.data is not None and verify_pdf(item.data, [pki.ca.cert]).valid
    scan = next(i for i in result.items if i.name == "scan.jpg")
    assert scan.detached and scan.data and verify(docs[-1][1], scan.data, [pki.ca.cert]).valid
    path = tmp_path / "b.pdf"
    first = next(i for i in result.items if i.ok and not i.detached)
    assert first.data is not None
    path.write_bytes(first.data)
    assert_pdfsig_valid(path, 1)
