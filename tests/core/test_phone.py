"""Phone numbers checked and shown with libphonenumber (issue 16 item 8): «+1234567» was
accepted and synced; now a number must exist in its country's numbering plan."""

from __future__ import annotations

import pytest

from desktop.i18n import translations
from desktop.models.formatting import display_field
from desktop.models.nsi import shipped
from desktop.models.phones import canonical_phone, display_phone
from desktop.models.repository import RecordRepository
from desktop.models.validation import ValidationFailed
from tests.core.conftest import person_values


@pytest.mark.parametrize("raw, stored", [
    ("+79161234567", "+79161234567"),
    ("8 (916) 123-45-67", "+79161234567"),        # the Russian trunk prefix
    ("(916) 123-45-67", "+79161234567"),          # no country code: a Russian number
    ("+7 495 123-45-67", "+74951234567"),         # Moscow landline
    ("+44 20 7946 0958", "+442079460958"),        # London
    ("  +7(916)123-45-67  ", "+79161234567"),
])
def test_real_numbers_are_stored_in_e164(raw: str, stored: str) -> None:
    assert canonical_phone(raw) == stored


@pytest.mark.parametrize("raw, needle", [
    ("+1234567", "плане нумерации"),              # the example: a shape, no one's number
    ("+7916123456", "плане нумерации"),           # a digit short
    ("+70000000000", "плане нумерации"),
    ("+999 123 456 789", "нет страны"),
    ("+8061234567", "нет страны"),
    ("12", "плане нумерации"),
    ("позвоните мне", "не похоже"),
    ("+7" + "9" * 60, "слишком длинный"),
])
def test_numbers_no_one_has_are_refused(raw: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        canonical_phone(raw)


def test_the_repository_refuses_plus_1234567_and_saves_nothing(repo: RecordRepository) -> None:
    pid = repo.list("person")[0]["id"]
    with pytest.raises(ValidationFailed) as exc:
        repo.edit("person", pid, {"phone": "+1234567"})
    assert "Телефон" in next(iter(exc.value.errors.values()))
    assert (repo.get("person", pid) or {}).get("phone") in (None, "")
    assert repo.pending_count() == 1  # only the person's creation waits to be sent


def test_saved_number_is_canonical(repo: RecordRepository) -> None:
    pid = repo.list("person")[0]["id"]
    repo.edit("person", pid, person_values(phone="8 916 123 45 67"))
    assert (repo.get("person", pid) or {}).get("phone") == "+79161234567"


def test_numbers_are_shown_as_people_write_them() -> None:
    assert display_phone("+79161234567") == "+7 916 123-45-67"
    assert display_field("person", "phone", "+442079460958", shipped()) == "+44 20 7946 0958"
    # a value stored before this check (or by an old server) still shows, as it is
    assert display_phone("+1234567") == "+1234567"
    assert display_phone("не номер") == "не номер"


def test_messages_have_english_texts() -> None:
    en = translations("en")
    for raw in ("+1234567", "+999 123 456 789", "позвоните мне", "+7" + "9" * 60):
        with pytest.raises(ValueError) as exc:
            canonical_phone(raw)
        assert str(exc.value) in en
