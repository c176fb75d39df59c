"""Field validation: every failure names the field in Russian; nothing is saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from desktop.models.nsi import shipped
from desktop.models.validation import Result, overlap_flags, validate

from .conftest import card_values, person_values

TODAY = dt.date(2026, 11, 21)


def v(entity: str, row: Mapping[str, object], *, siblings: Iterable[Mapping[str, Any]] = (),
      row_id: str | None = None) -> Result:
    return validate(entity, row, nsi=shipped(), today=TODAY, siblings=siblings, row_id=row_id)


def test_valid_person_is_canonicalised() -> None:
    r = v("person", person_values(phone="8 (916) 123-45-67", email="A.B@Example.RU"))
    assert r.ok, r.errors
    assert r.values["snils"] == person_values()["snils"]
    assert r.values["birth_date"] == "1984-03-17"
    assert r.values["phone"] == "+79161234567"


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("snils", "112-233-445 96", "«СНИЛС»: неверное контрольное число"),
        ("snils", "12345", "«СНИЛС»: должен содержать 11 цифр"),
        ("inn", "500100732258", "«ИНН»: неверное контрольное число"),
        ("inn", "7707083893", "«ИНН»: должен содержать 12 цифр"),
        ("birth_date", "31.02.1990", "«Дата рождения»: такой даты не существует"),
        ("birth_date", "1990/01/01", "дд.мм.гггг"),
        ("birth_date", "01.01.2030", "«Дата рождения»: дата не может быть в будущем"),
        ("phone", "12345", "«Телефон»"),
        ("email", "not-an-email", "«Электронная почта»"),
        ("gender", "x", "«Пол»: недопустимое значение"),
        ("citizenship", "999", "«Гражданство»: код «999» не найден в справочнике НСИ"),
        ("last_name", "", "«Фамилия»: обязательное поле"),
        ("last_name", "Я" * 101, "«Фамилия»: не длиннее 100 символов"),
    ],
)
def test_person_field_errors(field: str, value: str, needle: str) -> None:
    r = v("person", person_values(**{field: value}))
    assert field in r.errors
    assert needle in r.errors[field]


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("org_inn", "7707083894", "«ИНН организации»: неверное контрольное число"),
        ("org_ogrn", "1027700132196", "«ОГРН организации»: неверное контрольное число"),
        ("org_ogrn", "123", "ОГРН — 13 цифр"),
        ("org_kpp", "77360100", "«КПП организации»"),
        ("rate", "1.1", "«Ставка»: от 0,25 до 2,0 с шагом 0,25"),
        ("rate", "2.25", "«Ставка»"),
        ("rate", "0", "«Ставка»"),
        ("rate", "abc", "«Ставка»: ожидается число"),
        ("position_code", "99999", "«Должность»: код «99999» не найден"),
        ("position_type", "moonlighting", "«Тип занятия должности»"),
        ("end_date", "01.01.2010", "«Дата окончания»: не может быть раньше поля «Дата начала»"),
        ("begin_date", "01.01.2027", "«Дата начала»: дата не может быть в будущем"),
    ],
)
def test_employment_field_errors(field: str, value: str, needle: str) -> None:
    r = v("employment", card_values(**{field: value}))
    assert needle in r.errors.get(field, ""), r.errors


def test_rate_steps_and_decimal_comma() -> None:
    for ok in ("0.25", "0,5", "0.75", "1", "1.25", "2.0"):
        r = v("employment", card_values(rate=ok))
        assert r.ok, (ok, r.errors)
    assert v("employment", card_values(rate="0,5")).values["rate"] == "0.5"


def test_unknown_field_is_an_error() -> None:
    r = v("employment", {**card_values(), "salary": "100"})
    assert "salary" in r.errors


def test_duplicate_diploma() -> None:
    first = {"id": "a", "kind": "higher", "institution": "МГМУ", "doc_series": "ВСГ", "doc_number": "1234567"}
    r = v("education", {"kind": "higher", "institution": "Другой", "doc_series": "всг", "doc_number": "1234567"},
          siblings=[first])
    assert "уже внесён" in r.errors["doc_number"]
    # editing the same row is not a duplicate of itself
    same = {k: val for k, val in first.items() if k != "id"}
    assert v("education", same, siblings=[first], row_id="a").ok


def test_duplicate_and_overlapping_employment() -> None:
    existing = {"id": "a", **v("employment", card_values()).values}
    dup = v("employment", card_values(), siblings=[existing])
    assert "такая карточка трудоустройства уже есть" in dup.errors["begin_date"]
    part = v("employment", card_values(position_type="external_part_time", begin_date="01.01.2020", rate="0.5"),
             siblings=[existing])
    assert part.ok and part.warnings and "допустимо при совместительстве" in part.warnings[0]
    second_main = v("employment", card_values(org_name="Другая", begin_date="01.01.2020"), siblings=[existing])
    assert second_main.ok and "две основные работы" in second_main.warnings[0]
    flags = overlap_flags([existing, {"id": "b", **second_main.values}])
    assert set(flags) == {"a", "b"}


def test_derived_validity_dates() -> None:
    r = v("certificate", {"specialty_code": "36", "cert_number": "1", "issue_date": "02.12.2019"})
    assert r.values["valid_until"] == "2024-12-02"
    r = v("category", {"level": "first", "specialty_code": "36", "begin_date": "29.02.2024"})
    assert r.values["end_date"] == "2029-02-28"


def test_nmo_credits_are_decimal_strings() -> None:
    r = v("nmo", {"event_date": "01.02.2025", "kind": "iom", "title": "ИОМ", "credits": "1,5"})
    assert r.values["credits"] == "1.5" and r.values["status"] == "pending"
    bad = v("nmo", {"event_date": "01.02.2025", "kind": "iom", "title": "ИОМ", "credits": "0.001"})
    assert "«ЗЕТ»" in bad.errors["credits"]


def test_messages_follow_the_interface_language() -> None:
    """In English mode the desktop shows validation errors in English; the server never switches."""
    from desktop.i18n import set_language

    bad = person_values(snils="112-233-445 96")
    assert v("person", bad).errors["snils"] == "«СНИЛС»: неверное контрольное число"
    set_language("en")
    try:
        res = v("person", bad)
        assert res.errors["snils"] == "“SNILS”: wrong check digits"
        cards = [{**card_values(), "id": "a"}]
        warn = v("employment", {**card_values(), "begin_date": "01.02.2016", "position_type": "main"},
                 siblings=cards).warnings
        assert warn and warn[0].startswith("The period overlaps the card") and "check the dates" in warn[0]
    finally:
        set_language("ru")
    assert v("person", bad).errors["snils"] == "«СНИЛС»: неверное контрольное число"
