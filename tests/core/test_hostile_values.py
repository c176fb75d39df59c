"""Values a hostile or unlucky user types: digits of other scripts, control characters and
the lone surrogates Python makes of non-UTF-8 bytes. Each must be refused, not stored or crash."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.models import checkdigits as cd
from desktop.models.nsi import shipped
from desktop.models.repository import RecordRepository
from desktop.models.validation import ValidationFailed, validate

from .conftest import card_values, person_values

TODAY = dt.date(2026, 11, 21)
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (cd.snils_is_valid, "112-233-445 95".translate(FULLWIDTH)),
        (cd.snils_is_valid, "¹12-233-445 95"),  # superscript: isdigit() but int() refuses it
        (cd.inn_is_valid, "7707083893".translate(FULLWIDTH)),
        (cd.inn_is_valid, "٥٠٠١٠٠٧٣٢٢٥٩"),  # Arabic-Indic digits of a valid 12-digit ИНН
        (cd.ogrn_is_valid, "1027700132195".translate(FULLWIDTH)),
        (cd.kpp_is_valid, "773601001".translate(FULLWIDTH)),
    ],
)
def test_check_digits_take_only_ascii_digits(check: object, value: str) -> None:
    assert callable(check)
    assert check(value) is False


@pytest.mark.parametrize(
    ("entity", "field", "value"),
    [
        ("person", "snils", "112-233-445 95".translate(FULLWIDTH)),
        ("person", "inn", "٥٠٠١٠٠٧٣٢٢٥٩"),
        ("person", "phone", "+79161234567".translate(FULLWIDTH)),
        ("employment", "org_inn", "7707083893".translate(FULLWIDTH)),
        ("employment", "org_ogrn", "1027700132195".translate(FULLWIDTH)),
    ],
)
def test_validation_refuses_digits_of_other_scripts(entity: str, field: str, value: str) -> None:
    row = person_values() if entity == "person" else card_values()
    res = validate(entity, {**row, field: value}, nsi=shipped(), today=TODAY)
    assert field in res.errors, res.values[field]


@pytest.mark.parametrize("value", ["Ива\udcffнов", "Ива\x01нов", "Ива\x1bнов"])
def test_surrogates_and_control_characters_are_refused(value: str) -> None:
    res = validate("person", person_values(last_name=value), nsi=shipped(), today=TODAY)
    assert res.errors["last_name"] == "«Фамилия»: недопустимые символы"


def test_text_fields_keep_line_breaks_and_tabs() -> None:
    res = validate("person", person_values(address_actual="г. Москва,\n\tул. Ленина, 1\r\n"),
                   nsi=shipped(), today=TODAY)
    assert res.ok, res.errors


def test_surrogate_value_leaves_the_vault_unchanged(repo: RecordRepository) -> None:
    """It used to get past validation and fail inside the database driver (UnicodeEncodeError)."""
    before = repo.snapshot()
    with pytest.raises(ValidationFailed, match="недопустимые символы"):
        repo.add("nmo", {"event_date": "01.01.2020", "kind": "iom", "title": "\udcff\udcfe", "credits": "1"})
    assert repo.snapshot() == before
    assert repo.verify_journal().ok
