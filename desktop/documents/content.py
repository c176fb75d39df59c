"""Canonical content of a generated document and the hash the QR code carries.

A PDF cannot contain its own SHA-256, so the hash printed in the QR code is defined over the
document's *canonical content*: a JSON object with the document id, kind, number, date and
every value the document shows (rows in canonical form plus computed totals). Canonical JSON
= UTF-8, keys sorted, no insignificant whitespace, non-ASCII kept as is
(``json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``).

Anyone holding the content JSON (kept in the archive beside the PDF) can recompute the hash
and compare it with the QR code; the PDF bytes themselves are protected by the signature.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

FORMAT = "frmr-document/1"


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def qr_payload(doc_id: str, sha256: str) -> str:
    # ASCII only: QR byte mode has no agreed text encoding and phone readers guess it; the
    # document number (Cyrillic prefix) is printed next to the code instead.
    return f"FRMR-DOC/1\nid={doc_id}\nsha256={sha256}"


def check_content(content_json: bytes, expected_sha256: str) -> bool:
    """True when the stored content JSON still hashes to the value in the QR code."""
    try:
        obj = json.loads(content_json.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return content_sha256(obj) == expected_sha256.lower()
