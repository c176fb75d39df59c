"""Fixtures of the documents tests: a record snapshot, a test PKI made here, a local TSA, and the
independent validator (poppler's pdfsig / pdftotext)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from desktop.documents import testpki
from desktop.documents.testpki import Issued
from desktop.models.checkdigits import make_inn10, make_snils

TODAY = dt.date(2026, 11, 21)
P12_PASSWORD = "Пароль-к-ключу 1"


def _nmo(i: int) -> dict[str, Any]:
    kinds = ("iom", "event", "program")
    return {
        "id": f"nmo-{i}",
        "event_date": (dt.date(2022, 1, 10) + dt.timedelta(days=23 * i)).isoformat(),
        "kind": kinds[i % 3],
        "title": f"Модуль № {i} «Кардиология & <терапия>»",
        "provider": "Портал НМО",
        "credits": "1.5" if i % 2 else "36",
        "status": ("confirmed", "pending", "rejected")[i % 5 % 3],
        "document_number": f"НМО-{1000 + i}",
    }


@pytest.fixture(scope="session")
def snapshot() -> dict[str, list[dict[str, Any]]]:
    """A record with enough НМО rows for tables to run over several pages."""
    org = {"org_name": "ГБУЗ «Городская клиническая больница № 1»", "org_inn": make_inn10("770212345")}
    return {
        "person": [
            {
                "id": "p1", "snils": make_snils("128456739"), "last_name": "Щербакова", "first_name": "Юлия",
                "patronymic": "Эдуардовна", "gender": "female", "birth_date": "1984-03-17",
                "phone": "+79161234567", "address_registration": "г. Москва, ул. Льва Толстого, д. 5",
            }
        ],
        "education": [
            {"kind": "higher", "institution": "Первый МГМУ им. И.М. Сеченова", "specialty_code": "47",
             "end_date": "2007-06-30", "doc_series": "ВСГ", "doc_number": "1234567"},
        ],
        "certificate": [
            {"specialty_code": "36", "cert_number": "180012345", "issue_date": "2019-12-02",
             "valid_until": "2024-12-02"},
        ],
        "accreditation": [
            {"kind": "periodic", "specialty_code": "36", "protocol_date": "2022-01-01",
             "registry_number": "7724 031234567", "valid_until": "2027-01-01"},
        ],
        "category": [],
        "employment": [
            {**org, "position_code": "4", "position_type": "main", "contract_kind": "labor", "rate": "1",
             "begin_date": "2020-01-01", "end_date": "2020-12-31", "profile": "терапия"},
            {**org, "position_code": "4", "position_type": "internal_part_time", "contract_kind": "labor",
             "rate": "0.5", "begin_date": "2020-06-01", "end_date": "2021-01-31", "profile": "терапия"},
            {**org, "position_code": "13", "position_type": "main", "contract_kind": "labor", "rate": "1",
             "begin_date": "2022-01-15", "end_date": "2022-02-14", "profile": "скорая помощь"},
            {**org, "position_code": "4", "position_type": "external_part_time", "contract_kind": "civil",
             "rate": "0.25", "begin_date": "2023-01-01", "end_date": "2023-12-31", "profile": "терапия"},
        ],
        "nmo": [_nmo(i) for i in range(60)],
        "application": [
            {"id": "a1", "kind": "periodic", "specialty_code": "36", "submitted_at": "2026-10-01",
             "confirmation_number": "А-2026-778812", "status": "in_review"},
        ],
        "request": [],
        "document": [],
    }


@dataclass
class Pki:
    ca: Issued
    rsa: Issued  # issued by the CA
    ec: Issued  # issued by the CA, ECDSA P-256
    self_signed: Issued
    expired: Issued
    not_yet: Issued
    no_sign_usage: Issued
    expiring: Issued
    tsa: Issued


@pytest.fixture(scope="session")
def pki() -> Pki:
    now = dt.datetime.now(dt.UTC)
    ca = testpki.issue("Тестовый удостоверяющий центр", ca=True)
    return Pki(
        ca=ca,
        rsa=testpki.issue("Щербакова Юлия Эдуардовна", issuer=ca),
        ec=testpki.issue("Кадровик Отдела Кадров", key_kind="ec", issuer=ca),
        self_signed=testpki.issue("Самоподписанный Врач"),
        expired=testpki.issue(
            "Просроченный", issuer=ca, not_before=now - dt.timedelta(days=800), not_after=now - dt.timedelta(days=3)
        ),
        not_yet=testpki.issue(
            "Будущий", issuer=ca, not_before=now + dt.timedelta(days=5), not_after=now + dt.timedelta(days=400)
        ),
        no_sign_usage=testpki.issue("Без подписи", issuer=ca, key_usage="encipher"),
        expiring=testpki.issue("Скоро истекает", issuer=ca, not_after=now + dt.timedelta(days=12)),
        tsa=testpki.issue("Тестовая служба штампов времени", issuer=ca, key_usage="none", timestamping=True),
    )


class _TsaHandler(BaseHTTPRequestHandler):
    stamper: DummyTimeStamper

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        resp = self.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(resp)))
        self.end_headers()
        self.wfile.write(resp)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def tsa_url(pki: Pki) -> Iterator[str]:
    """A real RFC 3161 endpoint over HTTP on localhost, answering with pyHanko's test TSA."""
    key_der = pki.tsa.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(pki.tsa.cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
    )
    handler = type("H", (_TsaHandler,), {"stamper": stamper})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: install poppler-utils (Debian) — .ci/run does")
    return path


def pdftotext(path: Path, *, flat: bool = False) -> str:
    """Page layout text; ``flat``: content-stream order with whitespace collapsed, so a value
    wrapped inside a narrow table cell reads as one string again."""
    mode = "-raw" if flat else "-layout"
    out = subprocess.run([_need("pdftotext"), mode, str(path), "-"], capture_output=True, check=True)
    text = out.stdout.decode("utf-8")
    return " ".join(text.split()) if flat else text


def pdfsig_results(path: Path) -> list[str]:
    """The «Signature Validation» line of every signature, as poppler reports it."""
    out = subprocess.run([_need("pdfsig"), str(path)], capture_output=True, text=True)
    return re.findall(r"Signature Validation: (.+)", out.stdout)


def assert_pdfsig_valid(path: Path, count: int) -> None:
    results = pdfsig_results(path)
    assert results == ["Signature is Valid."] * count, results
