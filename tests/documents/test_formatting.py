"""One formatter for the GUI, the CLI and the PDFs (desktop/models/formatting.py): a code added
by `frmr nsi import` reads as its name in all three, not only in the GUI."""

from __future__ import annotations

import datetime as dt

import pypdfium2

from desktop.demo import demo_record
from desktop.documents.pdf import generate
from desktop.documents.pdf_values import display as pdf_display
from desktop.models.formatting import display, display_field, fmt_date, fmt_decimal
from desktop.models.nsi import NsiRegistry, shipped
from desktop.models.schema import entity

NEW_CODE, NEW_NAME = "990001", "Врач-исследователь тестовый"


def _vault_registry() -> NsiRegistry:  # what RecordRepository.nsi() returns after an import
    return shipped().with_extra([("position", NEW_CODE, NEW_NAME)])


def test_values_look_the_same_everywhere() -> None:
    nsi = shipped()
    assert fmt_date("2020-01-31") == "31.01.2020" and fmt_date("31.01.2020") == "31.01.2020"
    assert fmt_decimal("0.50", "ru") == "0,5" and fmt_decimal("36.00", "ru") == "36"
    assert fmt_decimal("1.25", "en") == "1.25"
    snils = entity("person").field("snils")
    assert display(snils, "11223344595", nsi) == "112-233-445 95"
    assert display_field("employment", "contract_kind", "labor", nsi, lang="ru") == pdf_display(
        "employment", "contract_kind", "labor", nsi)
    assert display_field("employment", "no_such_field", "x", nsi) == "x"


def test_an_imported_code_prints_by_its_name_in_a_pdf() -> None:
    nsi = _vault_registry()
    assert pdf_display("employment", "position_code", NEW_CODE, nsi) == NEW_NAME
    assert pdf_display("employment", "position_code", NEW_CODE, shipped()) != NEW_NAME  # the old bug's cause

    record = demo_record()
    record["employment"] = [{**record["employment"][0], "position_code": NEW_CODE}]
    doc = generate("seniority", record, today=dt.date(2026, 1, 1), nsi=nsi)
    pdf = pypdfium2.PdfDocument(doc.pdf)
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    flat = "".join(text.split())  # table cells wrap the name over lines
    assert "".join(NEW_NAME.split()) in flat and NEW_CODE not in flat
