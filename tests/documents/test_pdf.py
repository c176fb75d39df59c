from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desktop.documents import fonts
from desktop.documents.atomic import atomic_write
from desktop.documents.content import check_content, content_sha256
from desktop.documents.nmo import CycleRule, NmoFilter, cycle_totals
from desktop.documents.pdf import DocumentError, generate
from desktop.models.checkdigits import format_snils
from tests.documents.conftest import TODAY, pdftotext

DOC_ID = "0b7c9a0e-1111-4c2d-8e3f-123456789abc"


def _render(tmp_path: Path, kind: str, snapshot: dict[str, Any], **kw: Any) -> tuple[Any, str]:
    doc = generate(kind, snapshot, today=TODAY, doc_id=DOC_ID, **kw)
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(doc.pdf)
    return doc, pdftotext(path)


def _pages(text: str) -> list[str]:
    return text.split("\f")


@pytest.mark.parametrize("kind", ["extract", "seniority", "nmo", "application", "nmo_history"])
def test_every_document_has_cyrillic_text_number_and_page_numbers(
    tmp_path: Path, snapshot: dict[str, Any], kind: str
) -> None:
    doc, text = _render(tmp_path, kind, snapshot)
    snils = format_snils(snapshot["person"][0]["snils"])
    assert "Щербакова Юлия Эдуардовна" in text
    assert snils in text
    assert doc.number in text and doc.number.startswith(
        {"extract": "ВЫП", "seniority": "СТЖ", "nmo": "НМО", "application": "ЗАЯ", "nmo_history": "ИСТ"}[kind]
    )
    assert "21.11.2026" in text
    assert DOC_ID in text and doc.sha256 in text
    pages = [p for p in _pages(text) if p.strip()]
    for i, page in enumerate(pages, 1):
        assert f"Страница {i} из {len(pages)}" in page


def test_font_is_embedded(tmp_path: Path, snapshot: dict[str, Any]) -> None:
    _render(tmp_path, "seniority", snapshot)
    out = subprocess.run(["pdffonts", str(tmp_path / "seniority.pdf")], capture_output=True, text=True).stdout
    assert "FRMRSans" in out or "DejaVu" in out
    for line in out.splitlines()[2:]:
        assert " yes " in line  # embedded


def test_long_table_continues_with_repeated_header(tmp_path: Path, snapshot: dict[str, Any]) -> None:
    _doc, text = _render(tmp_path, "nmo_history", snapshot)
    pages = [p for p in _pages(text) if p.strip()]
    assert len(pages) >= 2
    for page in pages[:2]:
        assert re.search(r"№\s+Дата\s+Тип\s+Наименование", page), page[:400]
    # Every row made it, with the user's markup characters as text, not as tags.
    for i in range(60):
        assert f"НМО-{1000 + i}" in text
    assert "«Кардиология & <терапия>»" in pdftotext(tmp_path / "nmo_history.pdf", flat=True)


def test_seniority_rule_and_totals(tmp_path: Path, snapshot: dict[str, Any]) -> None:
    doc, text = _render(tmp_path, "seniority", snapshot)
    # 2020-01-01..2021-01-31 merged (overlap) = 1 y 1 m; 2022-01-15..2022-02-14 = 1 m; ГПХ not counted.
    assert "01.01.2020" in text and "31.01.2021" in text
    assert "1 л. 1 мес. 0 дн." in text
    assert "0 л. 1 мес. 0 дн." in text
    assert "1 л. 2 мес. 0 дн." in text  # total
    assert "по профилю «терапия»" in text and "по профилю «скорая помощь»" in text
    assert "нет (ГПХ)" in pdftotext(tmp_path / "seniority.pdf", flat=True)
    assert doc.content["data"]["seniority"]["total"] == {"years": 1, "months": 2, "days": 0}


def test_nmo_report_filters_and_cycle(tmp_path: Path, snapshot: dict[str, Any]) -> None:
    flt = NmoFilter(dt.date(2022, 1, 1), dt.date(2022, 12, 31), frozenset({"iom"}), frozenset({"confirmed"}))
    doc, text = _render(tmp_path, "nmo", snapshot, nmo_filter=flt)
    rows = doc.content["data"]["rows"]
    assert rows and all(r["kind"] == "iom" and r["status"] == "confirmed" for r in rows)
    assert all("2022-01-01" <= r["event_date"] <= "2022-12-31" for r in rows)
    for r in rows:
        assert r["document_number"] in text
    assert "Цикл периодической аккредитации" in text
    assert "01.01.2022 – 31.12.2026" in text
    cycle = doc.content["data"]["cycle"]
    assert cycle["rule"]["total_hours"] == "144"
    assert "тип: ИОМ" not in text  # filter text uses the full label
    assert "интерактивный образовательный модуль" in text


def test_cycle_rule_thresholds_are_parameters() -> None:
    rows = [
        {"event_date": "2025-01-01", "kind": "program", "credits": "74", "status": "confirmed"},
        {"event_date": "2025-02-01", "kind": "iom", "credits": "35.5", "status": "confirmed"},
        {"event_date": "2025-03-01", "kind": "event", "credits": "34.5", "status": "confirmed"},
        {"event_date": "2025-04-01", "kind": "event", "credits": "10", "status": "pending"},
        {"event_date": "2025-05-01", "kind": "event", "credits": "10", "status": "rejected"},
        {"event_date": "2019-05-01", "kind": "program", "credits": "100", "status": "confirmed"},
    ]
    acc = [{"protocol_date": "2024-06-01"}]
    ct = cycle_totals(rows, acc, CycleRule(), TODAY)
    assert (ct.program, ct.iom_event, ct.total, ct.pending) == (74, 70, 144, 10)
    assert ct.met
    strict = cycle_totals(rows, acc, CycleRule(total_hours=Decimal(150), program_hours=Decimal(80)), TODAY)
    assert not strict.met and strict.missing_program == 6 and strict.missing_total == 6


def test_application_document(tmp_path: Path, snapshot: dict[str, Any]) -> None:
    _doc, text = _render(tmp_path, "application", snapshot)
    assert "А-2026-778812" in text
    assert "На рассмотрении" in text
    assert "Терапия" in text  # НСИ name of specialty 36


def test_missing_person_or_application_is_a_clear_error(snapshot: dict[str, Any]) -> None:
    with pytest.raises(DocumentError, match="Персональные данные"):
        generate("extract", {"person": []})
    with pytest.raises(DocumentError, match="нет заявления"):
        generate("application", {**snapshot, "application": []})
    with pytest.raises(DocumentError, match="Неизвестный вид"):
        generate("passport", snapshot)


def test_content_hash_is_over_canonical_json(snapshot: dict[str, Any]) -> None:
    doc = generate("seniority", snapshot, today=TODAY, doc_id=DOC_ID)
    assert content_sha256(json.loads(doc.content_json)) == doc.sha256
    assert check_content(doc.content_json, doc.sha256)
    tampered = doc.content_json.replace(b"\xd1\x82\xd0\xb5\xd1\x80", b"XXX", 1)  # "тер"
    assert not check_content(tampered, doc.sha256)
    # Same input, same id -> same hash (PDF bytes differ by timestamps; the content does not).
    again = generate("seniority", snapshot, today=TODAY, doc_id=DOC_ID)
    assert again.sha256 == doc.sha256


def test_hash_and_id_in_pdf_metadata(tmp_path: Path, snapshot: dict[str, Any]) -> None:
    doc, _ = _render(tmp_path, "extract", snapshot)
    info = subprocess.run(["pdfinfo", str(tmp_path / "extract.pdf")], capture_output=True, text=True).stdout
    assert f"content-sha256={doc.sha256}" in info and f"frmr-doc-id={DOC_ID}" in info


def test_missing_font_gives_russian_error(
    tmp_path: Path, snapshot: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRMR_FONTS_DIR", str(tmp_path / "nofonts"))
    monkeypatch.setattr(fonts.pdfmetrics, "getRegisteredFontNames", lambda: [])
    with pytest.raises(fonts.FontMissingError, match=r"Не найден шрифт для кириллицы.*fetch-fonts"):
        generate("seniority", snapshot)


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")
    atomic_write(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]  # no temp file left behind
    with pytest.raises(OSError):
        atomic_write(tmp_path / "no-such-dir" / "x.pdf", b"x")


def test_public_names_stay_importable_from_pdf_after_the_split() -> None:
    """pdf.py was split by idea (values, layout, kinds); callers keep importing from it."""
    from desktop.documents import pdf, pdf_kinds, pdf_layout, pdf_values

    assert pdf.DocumentError is pdf_values.DocumentError and pdf.display is pdf_values.display
    assert (pdf.MARGIN_X, pdf.MARGIN_BOTTOM, pdf.STAMP_RESERVE) == (
        pdf_layout.MARGIN_X, pdf_layout.MARGIN_BOTTOM, pdf_layout.STAMP_RESERVE)
    assert pdf.pick_application is pdf_kinds.pick_application
    assert set(pdf_kinds.BUILDERS) == set(pdf.TITLES) == set(pdf.SHORT_TITLES)
    for name in pdf.__all__:
        assert hasattr(pdf, name), name
