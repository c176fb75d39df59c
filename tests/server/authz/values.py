"""Values of the matrix's rows and ops: every fixture row carries marker values nobody else has, so
a leak is a marker found in an answer to a caller who may not read its row."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import time
import uuid
from typing import Any

from desktop.models.checkdigits import make_snils
from tests.server.authz.table import ORG0, ORG_NAME, ORGS, ROLE

RND = random.Random()
SEQ = itertools.count(1)
_USED_SNILS: set[str] = set()
MARKER_RE = re.compile(r"Zq[0-9a-f]{12}|(?<!\d)79\d{9}(?!\d)")
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-f]{64}|"
                   r"(?<!\d)\d{10,12}(?!\d)")


def tok() -> str:
    return "Zq" + uuid.uuid4().hex[:12]


def phone() -> str:
    return "+7916" + f"{RND.randrange(10**7):07d}"  # 916: a mobile range libphonenumber knows whole


def new_snils() -> str:
    while True:
        s = make_snils(f"{RND.randrange(100_000_000, 199_999_999):09d}")
        if s not in _USED_SNILS:
            _USED_SNILS.add(s)
            return s


def day() -> str:
    """A fresh begin date per card (no two test cards are duplicates)."""
    n = next(SEQ)
    return f"{1990 + n // 300:04d}-{1 + n // 25 % 12:02d}-{1 + n % 25:02d}"


def person_fields() -> tuple[dict[str, Any], list[str]]:
    ph, doc, addr = phone(), tok(), tok()
    return ({"snils": new_snils(), "last_name": "Проверкина", "first_name": "Ольга", "patronymic": "Тестовна",
             "gender": "female", "birth_date": "1981-02-03", "phone": ph, "id_doc_type": "21",
             "id_doc_series": "4501", "id_doc_number": doc, "address_registration": f"г. Москва, {addr}"},
            [ph[1:], doc, addr])


def row_fields(entity: str, org: str, status: str | None = None,
               operator: bool = True) -> tuple[dict[str, Any], list[str]]:
    """Valid fields of a new row; ``operator``: may carry the operator's fields (fixture rows)."""
    m = tok()
    if entity == "person":
        return person_fields()
    f: dict[str, Any]
    if entity == "education":
        f = {"kind": "advanced_training", "institution": "РМАНПО", "doc_number": m, "hours": 36}
    elif entity == "certificate":
        f = {"specialty_code": "36", "cert_number": m, "issue_date": "2020-01-10"}
    elif entity == "accreditation":
        f = {"kind": "periodic", "specialty_code": "36", "protocol_number": m, "protocol_date": "2024-01-10"}
    elif entity == "category":
        f = {"level": "first", "specialty_code": "36", "begin_date": "2022-01-10", "order_number": m}
    elif entity == "employment":
        f = {"org_name": ORG_NAME.get(org, "ООО «Другая»"), "org_inn": org, "position_code": "4",
             "position_type": "internal_part_time", "contract_kind": "labor", "rate": "0.25", "begin_date": day(),
             "contract_number": m, "status": status or "draft"}
    elif entity == "nmo":
        f = {"event_date": "2025-01-10", "kind": "iom", "title": "Модуль", "credits": "1",
             "status": status or "pending", "document_number": m}
    elif entity == "application":
        f = {"kind": "periodic", "specialty_code": "36", "status": status or "draft"}
        if operator:
            f["decision_comment"] = m
        if status == "submitted":
            f["submitted_at"] = "2025-01-10"
    elif entity == "request":
        f = {"org_name": ORG_NAME.get(org, "ООО «Другая»"), "org_inn": org, "kind": "Запрос",
             "received_at": "2025-01-10", "status": status or "new", "text": m}
    elif entity == "document":
        f = {"kind": "scan", "title": m, "created_at": "2025-01-10"}
    else:
        raise AssertionError(entity)
    return f, ([m] if m in json.dumps(f, ensure_ascii=False) else [])


def update_fields(entity: str, login: str) -> dict[str, Any]:
    """A harmless change a caller allowed to change the row may make."""
    t = tok()
    return {
        "person": {"phone": phone()}, "education": {"qualification": t}, "certificate": {"issuer": t},
        "accreditation": {"issuer": t}, "category": {"order_number": t}, "employment": {"subdivision": t},
        "nmo": {"provider": t}, "application": {"kind": "primary"},
        "request": {"status": "acknowledged"} if ROLE[login] == "doctor" else {"text": t},
        "document": {"title": t},
    }[entity]


def create_org(login: str) -> str:
    """The organization a caller's new employment/request rows name."""
    return sorted(ORGS[login])[0] if login in ORGS else ORG0


def op(entity: str, eid: str, pid: str, kind: str, fields: dict[str, Any] | None = None,
       base_version: int = 0, blobs: list[str] | None = None) -> dict[str, Any]:
    o: dict[str, Any] = {"op_id": str(uuid.uuid4()), "counter": next(SEQ), "entity": entity, "entity_id": eid,
                         "person_id": pid, "op": kind, "fields": fields, "base_version": base_version}
    if blobs is not None:
        o["blobs"] = blobs
    return o


def pdf() -> tuple[bytes, str]:
    data = b"%PDF-1.4\n% authz matrix\n" + uuid.uuid4().bytes
    return data, hashlib.sha256(data).hexdigest()


def norm(text: str) -> str:
    """An answer with the ids (UUIDs, hashes, ИНН/СНИЛС-like numbers) taken out."""
    return ID_RE.sub("<id>", text)


def without_op_id(result: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in result.items() if k != "op_id"}, ensure_ascii=False, sort_keys=True)


def today() -> str:
    return time.strftime("%Y-%m-%d")
