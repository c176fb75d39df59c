"""Every way of changing a signed PDF that we know of is reported as invalid."""

from __future__ import annotations

import io
import random
import re
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from desktop.documents.pdf import generate
from desktop.documents.signing import load_p12, sign_pdf
from desktop.documents.verify import verify_pdf
from tests.documents.conftest import P12_PASSWORD, TODAY, Pki


@pytest.fixture(scope="module")
def signed(snapshot: dict[str, Any], pki: Pki) -> bytes:
    pdf = generate("seniority", snapshot, today=TODAY).pdf
    first = sign_pdf(load_p12(pki.rsa.p12(P12_PASSWORD), P12_PASSWORD, [pki.ca.cert]), pdf).data
    return sign_pdf(load_p12(pki.ec.p12(P12_PASSWORD), P12_PASSWORD, [pki.ca.cert]), first).data


def _signed_positions(data: bytes) -> list[int]:
    """Offsets covered by the *first* signature's /ByteRange (the two ranges around /Contents)."""
    m = re.search(rb"/ByteRange\s*\[\s*(\d+) (\d+) (\d+) (\d+)\s*\]", data)
    assert m is not None
    a, b, c, d = (int(x) for x in m.groups())
    return [*range(a, a + b), *range(c, c + d)]


def test_untouched_is_valid(signed: bytes, pki: Pki) -> None:
    assert verify_pdf(signed, [pki.ca.cert]).valid


def test_byte_flips_inside_signed_ranges(signed: bytes, pki: Pki) -> None:
    positions = _signed_positions(signed)
    rng = random.Random(20261121)
    # The header, the signed text, the xref/trailer of revision 1, and random spots.
    picks = [0, 5, positions[len(positions) // 2], positions[-1], positions[-20]]
    picks += rng.sample(positions, 30)
    missed = []
    for pos in picks:
        mutant = bytearray(signed)
        mutant[pos] ^= 0x20
        report = verify_pdf(bytes(mutant), [pki.ca.cert])
        if report.valid:
            missed.append(pos)
    assert not missed, f"flips not detected at {missed}"


def test_appended_update_changing_content(signed: bytes, pki: Pki) -> None:
    w = IncrementalPdfFileWriter(io.BytesIO(signed))
    stream = generic.StreamObject(stream_data=b"1 1 1 rg 40 600 500 120 re f")  # white-out a block
    w.add_stream_to_page(0, w.add_object(stream))
    out = io.BytesIO()
    w.write(out)
    report = verify_pdf(out.getvalue(), [pki.ca.cert])
    assert not report.valid
    assert all("ИЗМЕНЁН" in s.changes for s in report.signatures), report.text()
    # The signed bytes themselves still verify: it is the change detection that catches it.
    assert all(s.intact for s in report.signatures)


def test_appended_update_replacing_page_contents(signed: bytes, pki: Pki) -> None:
    w = IncrementalPdfFileWriter(io.BytesIO(signed))
    page_ref, _ = w.find_page_for_modification(0)
    page = page_ref.get_object()
    page["/Contents"] = w.add_object(generic.StreamObject(stream_data=b"BT ET"))
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    assert not verify_pdf(out.getvalue(), [pki.ca.cert]).valid


def test_truncated_and_garbage(signed: bytes, pki: Pki) -> None:
    for mutant in (signed[: len(signed) - 500], signed[:1000], b"%PDF-1.7\n%%EOF", b"", b"not a pdf"):
        report = verify_pdf(mutant, [pki.ca.cert])
        assert not report.valid
        assert report.errors or any(not s.ok for s in report.signatures)


def test_unsigned_pdf_is_not_valid(snapshot: dict[str, Any]) -> None:
    report = verify_pdf(generate("extract", snapshot).pdf)
    assert not report.valid and "нет электронных подписей" in report.errors[0]
