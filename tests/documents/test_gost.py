"""ГОСТ Р 34.10-2012 signatures, checked against an implementation that is not ours: OpenSSL with
the Debian GOST engine makes the test PKI and verifies what the product signs, and the product
verifies what OpenSSL signs."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms, core, keys, pem
from cryptography import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from desktop.documents import gost, testpki
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
from desktop.documents.testpki import GostIssued
from desktop.documents.verify import verify, verify_detached, verify_pdf
from tests.documents.conftest import P12_PASSWORD, TODAY, Pki

SNILS, INN = "12845673901", "770212345678"


def _engine_available() -> bool:
    if shutil.which("openssl") is None:
        return False
    out = subprocess.run(["openssl", "engine", "gost"], capture_output=True, text=True)
    return out.returncode == 0


@dataclass
class GostPki:
    folder: Path
    root: GostIssued
    inter: GostIssued
    s256: GostIssued
    s512: GostIssued
    other: GostIssued  # another person, same CA: its key does not match s256's certificate
    encipher: GostIssued  # keyEncipherment only: may not sign

    def roots(self) -> list[x509.Certificate]:
        return [x509.load_pem_x509_certificate(self.root.cert_pem)]

    def ca_file(self) -> Path:
        path = self.folder / "ca-bundle.pem"
        path.write_bytes(self.root.cert_pem + self.inter.cert_pem)
        return path


@pytest.fixture(scope="session")
def gpki(tmp_path_factory: pytest.TempPathFactory) -> GostPki:
    if not _engine_available():
        pytest.fail("the OpenSSL GOST engine is missing: scripts/system-deps test installs libengine-gost-openssl")
    folder = tmp_path_factory.mktemp("gost-pki")
    issue = testpki.gost_issue
    root = issue(folder, "root", "/C=RU/O=ФРМР тест/CN=Тестовый головной УЦ ГОСТ", bits=512, ca=True, days=3650)
    inter = issue(folder, "inter", "/C=RU/O=ФРМР тест/CN=Тестовый УЦ ГОСТ", issuer=root, ca=True, days=1800)
    subject = testpki.gost_subject(("Щербакова", "Юлия", "Эдуардовна"), SNILS, INN, "ГКБ № 1")
    return GostPki(
        folder=folder,
        root=root,
        inter=inter,
        s256=issue(folder, "s256", subject, issuer=inter),
        s512=issue(folder, "s512", testpki.gost_subject(("Иванова", "Мария", "Сергеевна"), "11223344595",
                                                          "500100732259"), bits=512, paramset="B", issuer=inter),
        other=issue(folder, "other", "/C=RU/CN=Другой Врач", paramset="XA", issuer=inter),
        encipher=issue(folder, "enc", "/C=RU/CN=Шифрование", issuer=inter, key_usage="critical,keyEncipherment"),
    )


@pytest.fixture(scope="module")
def spravka(snapshot: dict[str, Any]) -> bytes:
    return generate("seniority", snapshot, today=TODAY).pdf


def _signer(issued: GostIssued, gpki: GostPki) -> P12Signer:
    return load_p12(issued.pair_pem, None, gpki.roots())


def _openssl_verify(gpki: GostPki, sig: bytes, content: bytes, tmp: Path) -> subprocess.CompletedProcess[str]:
    (tmp / "c.bin").write_bytes(content)
    (tmp / "c.sig").write_bytes(sig)
    return subprocess.run(
        ["openssl", "cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER", "-in", str(tmp / "c.sig"),
         "-content", str(tmp / "c.bin"), "-CAfile", str(gpki.ca_file()), "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, text=True,
    )


def _pdf_parts(data: bytes, index: int = 0) -> tuple[bytes, bytes]:
    """The CMS and the signed bytes of the ``index``-th signature of a PDF."""
    m = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+) (\d+) (\d+) (\d+)\s*\]", data))[index]
    a, b, c, d = (int(x) for x in m.groups())
    hex_contents = data[a + b + 1 : c - 1]
    der = cms.ContentInfo.load(bytes.fromhex(hex_contents.decode()), strict=False).dump()
    return der, data[a : a + b] + data[c : c + d]


# ---------------------------------------------------------------- the algorithms


@pytest.mark.parametrize("bits", [256, 512])
def test_streebog_matches_gostcrypto_and_openssl(tmp_path: Path, bits: int) -> None:
    rng = random.Random(bits)
    for n in (0, 1, 63, 64, 65, 128, 1000, 4097):
        data = rng.randbytes(n)
        assert gost.streebog(data, bits) == gost.streebog_reference(data, bits)
    data = rng.randbytes(3000)
    (tmp_path / "d").write_bytes(data)
    out = subprocess.run(["openssl", "dgst", "-engine", "gost", f"-md_gost12_{bits}", str(tmp_path / "d")],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith(gost.streebog(data, bits).hex())


# ---------------------------------------------------------------- PAdES


@pytest.mark.parametrize("who", ["s256", "s512"])
@pytest.mark.parametrize("visible", [True, False])
def test_pdf_signed_by_product_verified_by_openssl_and_product(
    tmp_path: Path, gpki: GostPki, spravka: bytes, who: str, visible: bool
) -> None:
    issued: GostIssued = getattr(gpki, who)
    res = sign_pdf(_signer(issued, gpki), spravka, PdfSignOptions(visible=visible))
    der, signed_bytes = _pdf_parts(res.data)
    out = _openssl_verify(gpki, der, signed_bytes, tmp_path)
    assert out.returncode == 0 and "Verification successful" in out.stderr, out.stderr
    report = verify_pdf(res.data, gpki.roots())
    assert report.valid and report.trusted, report.text()
    sig = report.signatures[0]
    assert sig.certificate is not None
    assert sig.certificate.key.startswith(f"ГОСТ Р 34.10-2012 {who[1:]} бит")
    if who == "s256":
        assert sig.certificate.owner == "Щербакова Юлия Эдуардовна"
        assert (sig.certificate.snils, sig.certificate.inn) == (SNILS, INN)
    path = tmp_path / "s.pdf"
    path.write_bytes(res.data)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True).stdout
    text = " ".join(text.split())
    if visible:
        assert "ДОКУМЕНТ ПОДПИСАН" in text and f"Владелец: {res.check.info.owner}" in text
        if who == "s256":
            assert f"СНИЛС {SNILS}, ИНН {INN}" in text
    else:
        assert "ДОКУМЕНТ ПОДПИСАН" not in text


def test_cosigning_gost_and_rsa_keeps_both_valid(tmp_path: Path, gpki: GostPki, pki: Pki, spravka: bytes) -> None:
    rsa = load_p12(pki.rsa.p12(P12_PASSWORD), P12_PASSWORD, [pki.ca.cert])
    first = sign_pdf(_signer(gpki.s256, gpki), spravka).data
    second = sign_pdf(rsa, first).data
    third = sign_pdf(_signer(gpki.s512, gpki), second).data
    assert third.startswith(second) and second.startswith(first)
    report = verify_pdf(third, [*gpki.roots(), pki.ca.cert])
    assert report.valid and report.trusted, report.text()
    assert [s.field_name for s in report.signatures] == ["Signature1", "Signature2", "Signature3"]
    assert "допустимо" in report.signatures[0].changes
    for index in (0, 2):
        der, signed_bytes = _pdf_parts(third, index)
        assert _openssl_verify(gpki, der, signed_bytes, tmp_path).returncode == 0


def test_pdf_changed_after_signing_is_caught(gpki: GostPki, spravka: bytes) -> None:
    signed = sign_pdf(_signer(gpki.s256, gpki), spravka).data
    m = re.search(rb"/ByteRange\s*\[\s*(\d+) (\d+) (\d+) (\d+)\s*\]", signed)
    assert m is not None
    a, b, c, d = (int(x) for x in m.groups())
    positions = [*range(a, a + b), *range(c, c + d)]
    rng = random.Random(19)
    missed = []
    for pos in [0, 5, positions[-1], *rng.sample(positions, 12)]:
        mutant = bytearray(signed)
        mutant[pos] ^= 0x20
        if verify_pdf(bytes(mutant), gpki.roots()).valid:
            missed.append(pos)
    assert not missed
    # An appended update that paints over the text: the signed bytes are intact, the change is not allowed.
    w = IncrementalPdfFileWriter(io.BytesIO(signed))
    w.add_stream_to_page(0, w.add_object(generic.StreamObject(stream_data=b"1 1 1 rg 40 600 500 120 re f")))
    out = io.BytesIO()
    w.write(out)
    report = verify_pdf(out.getvalue(), gpki.roots())
    assert not report.valid and "ИЗМЕНЁН" in report.signatures[0].changes, report.text()
    # A flipped byte of the signature value itself.
    der, _ = _pdf_parts(signed)
    sig_value = cms.ContentInfo.load(der)["content"]["signer_infos"][0]["signature"].native
    at = signed.find(sig_value.hex().upper().encode()) if sig_value.hex().upper().encode() in signed else \
        signed.find(sig_value.hex().encode())
    assert at > 0
    mutant = bytearray(signed)
    mutant[at + 4] = ord("0") if mutant[at + 4] != ord("0") else ord("1")
    assert not verify_pdf(bytes(mutant), gpki.roots()).valid


# ---------------------------------------------------------------- detached CAdES-BES


@pytest.mark.parametrize("who", ["s256", "s512"])
def test_detached_signed_by_product_verified_by_openssl(tmp_path: Path, gpki: GostPki, who: str) -> None:
    scan = b"\x89PNG\r\n\x1a\n" + os.urandom(5000)
    sig, check = sign_detached(_signer(getattr(gpki, who), gpki), scan)
    assert check.trust == "trusted"
    out = _openssl_verify(gpki, sig, scan, tmp_path)
    assert out.returncode == 0, out.stderr
    report = verify(scan, sig, gpki.roots())
    assert report.valid and report.trusted, report.text()
    assert not verify(scan + b"!", sig, gpki.roots()).valid
    assert _openssl_verify(gpki, sig, scan + b"!", tmp_path).returncode != 0


@pytest.mark.parametrize("who", ["s256", "s512"])
def test_product_verifies_signatures_openssl_made(tmp_path: Path, gpki: GostPki, who: str) -> None:
    issued: GostIssued = getattr(gpki, who)
    data = "Справка о стаже, подписанная OpenSSL".encode() * 50
    (tmp_path / "doc.txt").write_bytes(data)
    chain = tmp_path / "chain.pem"
    chain.write_bytes(gpki.inter.cert_pem)
    testpki.openssl_gost(
        gpki.folder, "cms", "-sign", "-binary", "-in", str(tmp_path / "doc.txt"), "-signer", f"{issued.name}.crt",
        "-inkey", f"{issued.name}.key", "-certfile", str(chain), "-outform", "DER",
        "-out", str(tmp_path / "doc.txt.sig"), "-md", f"md_gost12_{who[1:]}",
    )
    sig = (tmp_path / "doc.txt.sig").read_bytes()
    report = verify(data, sig, gpki.roots())
    assert report.valid and report.trusted, report.text()
    assert report.signatures[0].signing_time is not None
    tampered = verify(data.replace("стаже".encode(), "стаже!".encode(), 1), sig, gpki.roots())
    assert not tampered.valid and "ИЗМЕНЁН" in tampered.signatures[0].changes
    mutant = bytearray(sig)
    mutant[-5] ^= 1  # inside the signature value
    assert not verify(data, bytes(mutant), gpki.roots()).valid


def test_streebog_replaced_by_gost94_is_refused(gpki: GostPki) -> None:
    data = b"scan"
    sig, _ = sign_detached(_signer(gpki.s256, gpki), data)
    ci = cms.ContentInfo.load(sig)
    si = ci["content"]["signer_infos"][0]
    si["digest_algorithm"] = {"algorithm": "gostr3411_94"}
    ci["content"]["digest_algorithms"] = [{"algorithm": "gostr3411_94"}]
    report = verify_detached(data, ci.dump(), gpki.roots())
    assert not report.valid
    assert any("34.11-94" in e for e in report.signatures[0].errors), report.text()


# ---------------------------------------------------------------- containers and bad input


def test_p12_from_openssl_aes_and_tk26(gpki: GostPki) -> None:
    signer = load_p12(gpki.s256.p12(P12_PASSWORD), P12_PASSWORD, gpki.roots())
    assert signer.is_gost and signer.check().trust == "trusted"
    with pytest.raises(P12Error, match="Неверный пароль"):
        load_p12(gpki.s256.p12(P12_PASSWORD), "не тот")
    # ТК26 container: PBKDF2-HMAC-Streebog-512 + ГОСТ 28147-89; a 3-certificate chain is longer
    # than 1024 bytes, so the CryptoPro key meshing is exercised too.
    tk26 = gpki.s512.p12(P12_PASSWORD, gost_pbe=True)
    signer = load_p12(tk26, P12_PASSWORD, gpki.roots())
    assert signer.info.key.startswith("ГОСТ Р 34.10-2012 512") and len(signer.chain) == 2
    with pytest.raises(P12Error, match="Неверный пароль"):
        load_p12(tk26, "не тот")


def test_key_and_certificate_that_do_not_match(gpki: GostPki) -> None:
    with pytest.raises(P12Error, match="не соответствует сертификату"):
        load_p12(gpki.other.key_pem + gpki.s256.cert_pem, None)


def _with_paramset(key_pem: bytes, oid: str) -> bytes:
    _, _, der = pem.unarmor(key_pem)
    raw = core.Sequence.load(der)
    info = keys.PrivateKeyInfo.load(der)
    params = gost.GostKeyParams({"public_key_param_set": oid})
    algo = keys.PrivateKeyAlgorithm({"algorithm": info["private_key_algorithm"]["algorithm"].native,
                                     "parameters": params})
    new = core.Sequence(contents=raw[0].dump() + algo.dump() + raw[2].dump())
    return pem.armor("PRIVATE KEY", new.dump())


def test_unknown_parameter_set(gpki: GostPki) -> None:
    with pytest.raises(P12Error, match="Неизвестный набор параметров"):
        load_p12(_with_paramset(gpki.s256.key_pem, "1.2.643.7.1.2.1.1.9") + gpki.s256.cert_pem, None)


def test_refused_certificates(gpki: GostPki, spravka: bytes) -> None:
    signer = _signer(gpki.s256, gpki)
    info = signer.info
    with pytest.raises(CertificateRefused, match="истёк"):
        sign_pdf(signer, spravka, PdfSignOptions(now=info.not_after + dt.timedelta(days=1)))
    with pytest.raises(CertificateRefused, match="ещё не действует"):
        sign_detached(signer, b"x", now=info.not_before - dt.timedelta(days=1))
    with pytest.raises(CertificateRefused, match="Назначение ключа"):
        sign_pdf(_signer(gpki.encipher, gpki), spravka)


def test_timestamp_with_gost_is_a_clear_error(gpki: GostPki, spravka: bytes) -> None:
    with pytest.raises(SignatureError, match="Штамп времени к подписи ГОСТ"):
        sign_pdf(_signer(gpki.s256, gpki), spravka, PdfSignOptions(tsa_url="http://127.0.0.1:9/tsa"))


def test_crypto_provider_containers_named(tmp_path: Path) -> None:
    from desktop.documents.gost_keys import provider_container_message

    folder = tmp_path / "ivanova.000"
    folder.mkdir()
    for name in ("header.key", "primary.key", "masks.key", "name.key"):
        (folder / name).write_bytes(b"\x30\x00")
    msg = provider_container_message(folder / "header.key")
    assert msg is not None and "КриптоПро" in msg and ".pfx" in msg
    assert provider_container_message(folder) == msg


def test_batch_signs_with_gost(gpki: GostPki, spravka: bytes) -> None:
    docs = [("a.pdf", spravka), ("broken.pdf", b"%PDF-1.7 broken"), ("scan.jpg", b"\xff\xd8\xff" + b"1" * 50)]
    seen: list[int] = []
    result = sign_batch(_signer(gpki.s256, gpki), docs, progress=lambda d, t, n: seen.append(d))
    assert seen == [1, 2, 3] and [i.name for i in result.failed] == ["broken.pdf"]
    pdf_item, scan_item = result.items[0], result.items[2]
    assert pdf_item.data is not None and verify_pdf(pdf_item.data, gpki.roots()).valid
    assert scan_item.detached and scan_item.data and verify(docs[2][1], scan_item.data, gpki.roots()).valid


def test_batch_cancelled_after_two_leaves_two_whole_files(gpki: GostPki, spravka: bytes, tmp_path: Path) -> None:
    """Six documents, «Отмена» after the second: two signed files, valid, and nothing else."""
    import threading

    from desktop.documents.batch import sign_files

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    paths = []
    for i in range(6):
        paths.append(src / f"справка-{i}.pdf")
        paths[-1].write_bytes(spravka)
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int, name: str) -> None:
        seen.append(done)
        if done == 2:
            cancel.set()

    result = sign_files(_signer(gpki.s256, gpki), paths, out, progress=progress, cancel=cancel)
    assert result.cancelled and result.total == 6 and seen == [1, 2] and len(result.items) == 2
    written = sorted(out.iterdir())
    assert [p.name for p in written] == ["справка-0.signed.pdf", "справка-1.signed.pdf"] == \
        [p.name for p in result.written]
    for p in written:
        report = verify_pdf(p.read_bytes(), gpki.roots())
        assert report.valid and report.trusted
    assert sorted(src.iterdir()) == sorted(paths)  # the originals are untouched, nothing else appeared


def test_batch_cancelled_before_start_signs_nothing(gpki: GostPki, spravka: bytes, tmp_path: Path) -> None:
    import threading

    from desktop.documents.batch import sign_files

    (tmp_path / "a.pdf").write_bytes(spravka)
    cancel = threading.Event()
    cancel.set()
    out = tmp_path / "out"
    out.mkdir()
    result = sign_files(_signer(gpki.s256, gpki), [tmp_path / "a.pdf"], out, cancel=cancel)
    assert result.cancelled and not result.items and not list(out.iterdir())


def test_sink_gets_each_signed_item_before_the_next(gpki: GostPki, spravka: bytes) -> None:
    order: list[str] = []
    docs = [("a.pdf", spravka), ("bad.pdf", b"%PDF-1.7 broken"), ("scan.jpg", b"\xff\xd8\xff" + b"2" * 20)]
    result = sign_batch(_signer(gpki.s256, gpki), docs, progress=lambda d, t, n: order.append(f"p{d}"),
                        sink=lambda item: order.append(item.name))
    assert order == ["a.pdf", "p1", "p2", "scan.jpg", "p3"] and not result.cancelled


def test_key_sources_that_need_a_crypto_provider(gpki: GostPki, tmp_path: Path) -> None:
    from desktop.documents.gost_keys import (
        CERT_ONLY_MESSAGE,
        CRYPTOPRO_MESSAGE,
        FOLDER_MESSAGE,
        TOKEN_MESSAGE,
        key_source_message,
    )

    folder = tmp_path / "ivanova.000"
    folder.mkdir()
    for name in ("header.key", "primary.key", "masks.key", "masks2.key", "primary2.key", "name.key"):
        (folder / name).write_bytes(b"\x30\x03\x02\x01\x00")
    for name in ("header.key", "name.key", "masks.key", "primary2.key"):
        assert key_source_message(folder / name) == CRYPTOPRO_MESSAGE
    assert key_source_message(folder) == CRYPTOPRO_MESSAGE
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "masks.key").write_bytes(b"\x30\x00")  # one part copied out of its folder
    assert key_source_message(lone / "masks.key") == CRYPTOPRO_MESSAGE
    (lone / "name.key").write_bytes(gpki.s256.key_pem)  # a PEM key that happens to be called name.key
    assert key_source_message(lone / "name.key") is None
    empty = tmp_path / "empty"
    empty.mkdir()
    assert key_source_message(empty) == FOLDER_MESSAGE
    assert key_source_message("pkcs11:token=Rutoken;object=ivanova") == TOKEN_MESSAGE
    (tmp_path / "librtpkcs11ecp.so").write_bytes(b"\x7fELF")
    assert key_source_message(tmp_path / "librtpkcs11ecp.so") == TOKEN_MESSAGE
    # A certificate without its key, PEM and DER (.cer as КриптоПро and the УЦ give it).
    (tmp_path / "ivanova.crt").write_bytes(gpki.s256.cert_pem)
    _, _, der = pem.unarmor(gpki.s256.cert_pem)
    (tmp_path / "ivanova.cer").write_bytes(der)
    assert key_source_message(tmp_path / "ivanova.crt") == CERT_ONLY_MESSAGE
    assert key_source_message(tmp_path / "ivanova.cer") == CERT_ONLY_MESSAGE
    # Real GOST containers pass: PKCS#12 (AES and ТК26 PBE), a PEM pair, a PEM key alone (PEM reading tells).
    for name, data in (("a.p12", gpki.s256.p12(P12_PASSWORD)), ("b.pfx", gpki.s512.p12(P12_PASSWORD, gost_pbe=True)),
                       ("pair.pem", gpki.s256.pair_pem), ("only.key", gpki.s256.key_pem)):
        (tmp_path / name).write_bytes(data)
        assert key_source_message(tmp_path / name) is None, name
    assert key_source_message(tmp_path / "missing.p12") is None  # the caller's read says «не найден»
    for msg in (CRYPTOPRO_MESSAGE, TOKEN_MESSAGE, CERT_ONLY_MESSAGE):
        assert ".pfx" in msg and "PEM" in msg
    assert "ГОСТ" in TOKEN_MESSAGE and "ГОСТ" in CERT_ONLY_MESSAGE
