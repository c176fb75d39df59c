"""``frmr sign`` / ``frmr verify`` with ГОСТ containers, as the RSA ones in test_cli.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from tests.documents.conftest import P12_PASSWORD
from tests.documents.test_gost import GostPki, gpki  # noqa: F401 - the session fixture


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def files(tmp_path: Path, gpki: GostPki, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    (tmp_path / "doc.p12").write_bytes(gpki.s256.p12(P12_PASSWORD))
    (tmp_path / "pair.pem").write_bytes(gpki.s512.pair_pem)
    (tmp_path / "mismatch.pem").write_bytes(gpki.other.key_pem + gpki.s256.cert_pem)
    (tmp_path / "root.pem").write_bytes(gpki.root.cert_pem)
    monkeypatch.setenv("FRMR_P12_PASSWORD", P12_PASSWORD)
    return tmp_path


@pytest.mark.parametrize("container", ["doc.p12", "pair.pem"])
def test_sign_verify_pdf(files: Path, capsys: pytest.CaptureFixture[str], container: str) -> None:
    src, signed = files / "s.pdf", files / "s-signed.pdf"
    assert run(capsys, "doc", "generate", "seniority", "--demo", "--out", str(src))[0] == 0
    code, out, err = run(capsys, "sign", str(src), "--p12", str(files / container), "--out", str(signed),
                         "--visible", "--trust-root", str(files / "root.pem"))
    assert code == 0, err
    code, out, _ = run(capsys, "verify", str(signed), "--trust-root", str(files / "root.pem"))
    assert code == 0 and "ДЕЙСТВИТЕЛЬНА" in out and "ГОСТ Р 34.10-2012" in out and "доверенная" in out
    data = bytearray(signed.read_bytes())
    data[len(data) // 3] ^= 1
    (files / "bad.pdf").write_bytes(bytes(data))
    code, out, _ = run(capsys, "verify", str(files / "bad.pdf"), "--json")
    assert code == 1 and json.loads(out)["valid"] is False


def test_detached(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scan = files / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 500)
    assert run(capsys, "sign", "--detached", str(scan), "--p12", str(files / "doc.p12"))[0] == 0
    code, out, _ = run(capsys, "verify", str(scan), "--json", "--trust-root", str(files / "root.pem"))
    assert code == 0 and json.loads(out)["signatures"][0]["certificate"]["snils"]
    scan.write_bytes(scan.read_bytes() + b"!")
    assert run(capsys, "verify", str(scan))[0] == 1


def test_bad_inputs_write_nothing(files: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = files / "x.pdf"
    assert run(capsys, "doc", "generate", "seniority", "--demo", "--out", str(pdf))[0] == 0
    out = files / "o.pdf"
    code, _, err = run(capsys, "sign", str(pdf), "--p12", str(files / "mismatch.pem"), "--out", str(out))
    assert code == 2 and "не соответствует сертификату" in err and not out.exists()
    folder = files / "ivanova.000"
    folder.mkdir()
    for name in ("header.key", "primary.key", "masks.key"):
        (folder / name).write_bytes(b"\x30\x00")
    code, _, err = run(capsys, "sign", str(pdf), "--p12", str(folder / "primary.key"), "--out", str(out))
    assert code == 2 and "КриптоПро" in err and not out.exists()
    code, _, err = run(capsys, "sign", str(pdf), "--p12", str(files / "root.pem"), "--out", str(out))
    assert code == 2 and "только сертификат" in err and ".pfx" in err and not out.exists()
    code, _, err = run(capsys, "sign", str(pdf), "--p12", "pkcs11:token=Rutoken", "--out", str(out))
    assert code == 2 and "токене" in err and not out.exists()
    code, _, err = run(capsys, "sign", str(pdf), "--p12", str(files / "doc.p12"), "--out", str(out),
                       "--tsa", "http://127.0.0.1:9/tsa")
    assert code == 2 and "Штамп времени" in err and not out.exists()
    monkeypatch.setenv("FRMR_P12_PASSWORD", "wrong")
    code, _, err = run(capsys, "sign", str(pdf), "--p12", str(files / "doc.p12"), "--out", str(out))
    assert code == 2 and "Неверный пароль" in err and not out.exists()
