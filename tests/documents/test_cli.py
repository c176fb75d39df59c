from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from desktop.cli import main
from tests.documents.conftest import P12_PASSWORD, Pki, assert_pdfsig_valid, pdftotext


@pytest.fixture
def files(tmp_path: Path, pki: Pki, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "doc.p12").write_bytes(pki.rsa.p12(P12_PASSWORD))
    (tmp_path / "expired.p12").write_bytes(pki.expired.p12(P12_PASSWORD))
    (tmp_path / "ca.pem").write_bytes(pki.ca.cert.public_bytes(Encoding.PEM))
    monkeypatch.setenv("FRMR_P12_PASSWORD", P12_PASSWORD)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize("kind", ["extract", "seniority", "nmo", "application"])
def test_generate(files: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    out = files / f"{kind}.pdf"
    code, text, _ = run(capsys, "doc", "generate", kind, "--demo", "--out", str(out))
    assert code == 0 and out.read_bytes().startswith(b"%PDF-")
    assert "Иванова Мария Сергеевна" in pdftotext(out, flat=True)
    assert "SHA-256" in text


def test_sign_verify_roundtrip(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, signed = files / "s.pdf", files / "s-signed.pdf"
    assert run(capsys, "doc", "generate", "seniority", "--demo", "--out", str(src))[0] == 0
    code, out, _ = run(capsys, "sign", str(src), "--p12", str(files / "doc.p12"), "--out", str(signed),
                       "--visible", "--trust-root", str(files / "ca.pem"))
    assert code == 0, out
    assert_pdfsig_valid(signed, 1)
    code, out, _ = run(capsys, "verify", str(signed), "--trust-root", str(files / "ca.pem"))
    assert code == 0 and "ДЕЙСТВИТЕЛЬНА" in out and "доверенная" in out
    code, out, _ = run(capsys, "verify", str(signed), "--json")
    assert code == 0 and json.loads(out)["signatures"][0]["trust"] == "unknown_issuer"
    data = bytearray(signed.read_bytes())
    data[len(data) // 3] ^= 1
    bad = files / "bad.pdf"
    bad.write_bytes(bytes(data))
    code, out, _ = run(capsys, "verify", str(bad), "--json")
    assert code == 1 and json.loads(out)["valid"] is False


def test_detached(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scan = files / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 500)
    assert run(capsys, "sign", "--detached", str(scan), "--p12", str(files / "doc.p12"))[0] == 0
    assert (files / "scan.png.sig").is_file()
    assert run(capsys, "verify", str(scan))[0] == 0  # finds scan.png.sig by itself
    scan.write_bytes(scan.read_bytes() + b"!")
    assert run(capsys, "verify", str(scan), "--sig", str(files / "scan.png.sig"))[0] == 1


def test_export(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("xlsx", "pdf"):
        out = files / f"nmo.{fmt}"
        code, _, _ = run(capsys, "export", "nmo", "--format", fmt, "--out", str(out), "--demo",
                         "--from", "01.01.2021", "--type", "iom", "--status", "confirmed")
        assert code == 0 and out.stat().st_size > 0


def test_bad_inputs_exit_2_with_russian_message(
    files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = files / "x.pdf"
    assert run(capsys, "doc", "generate", "seniority", "--demo", "--out", str(pdf))[0] == 0
    p12 = str(files / "doc.p12")
    cases = [
        ("sign", str(files / "missing.pdf"), "--p12", p12, "--out", str(files / "o.pdf")),
        ("sign", str(pdf), "--p12", str(pdf), "--out", str(files / "o.pdf")),
        ("sign", str(files / "ca.pem"), "--p12", p12, "--out", str(files / "o.pdf")),
        ("sign", str(pdf), "--p12", p12),
        ("verify", str(files / "missing.pdf")),
        ("verify", str(pdf), "--sig", str(files / "missing.sig")),
        ("verify", str(pdf), "--trust-root", str(pdf)),
        ("export", "nmo", "--format", "pdf", "--out", str(files / "n.pdf"), "--demo", "--from", "31.02.2024"),
        ("export", "nmo", "--format", "pdf", "--out", str(files / "n.pdf"), "--demo",
         "--from", "2025-01-01", "--to", "2024-01-01"),
        ("doc", "generate", "extract", "--demo", "--out", str(files / "no-dir" / "x.pdf")),
    ]
    for argv in cases:
        code, _, err = run(capsys, *argv)
        assert code == 2, (argv, err)
        assert err.startswith("Ошибка: "), (argv, err)
    monkeypatch.setenv("FRMR_P12_PASSWORD", "wrong")
    code, _, err = run(capsys, "sign", str(pdf), "--p12", p12, "--out", str(files / "o.pdf"))
    assert code == 2 and "Неверный пароль" in err
    assert not (files / "o.pdf").exists()


def test_expired_certificate_refused_exit_1(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = files / "x.pdf"
    run(capsys, "doc", "generate", "seniority", "--demo", "--out", str(pdf))
    code, _, err = run(capsys, "sign", str(pdf), "--p12", str(files / "expired.p12"), "--out", str(files / "o.pdf"))
    assert code == 1 and "истёк" in err and not (files / "o.pdf").exists()


def test_unsigned_pdf_verify_exit_1(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = files / "x.pdf"
    run(capsys, "doc", "generate", "seniority", "--demo", "--out", str(pdf))
    code, out, _ = run(capsys, "verify", str(pdf))
    assert code == 1 and "нет электронных подписей" in out


def test_nmo_report_follows_the_rule_set_in_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.vault.profiles import load_settings, save_settings

    monkeypatch.setenv("FRMR_PASSPHRASE", "правило-НМО-2026")
    monkeypatch.setenv("FRMR_FAST_KDF", "1")
    profile = tmp_path / "p"
    assert run(capsys, "--profile", str(profile), "init", "--consent")[0] == 0
    assert run(capsys, "--profile", str(profile), "add", "person", "snils=112-233-445 95", "last_name=Иванова",
               "first_name=Мария", "gender=female", "birth_date=17.03.1984")[0] == 0
    # Credits are confirmed by the registry (a doctor may not set «подтверждено»): as a sync brings them.
    from desktop.models.repository import RecordRepository
    from desktop.vault.store import Vault

    with Vault.open(profile, "правило-НМО-2026") as vault:
        repo = RecordRepository(vault)
        repo.load_synced({"nmo": [{"id": "nmo-1", "person_id": repo.person_id(), "event_date": "2025-03-01",
                                   "kind": "program", "title": "Терапия", "credits": "36", "status": "confirmed"}]})
    save_settings(profile, {**load_settings(profile), "nmo_cycle_total": 500, "nmo_cycle_program": 300,
                            "nmo_cycle_other": 200})
    out = tmp_path / "nmo.pdf"
    assert run(capsys, "--profile", str(profile), "doc", "generate", "nmo", "--out", str(out))[0] == 0
    text = pdftotext(out, flat=True)
    # «Показатель — Требуется — Подтверждено — Не хватает», as «НМО» in the app shows it
    assert "Всего ЗЕТ 500 36 464" in text and "Программы повышения квалификации 300 36 264" in text
