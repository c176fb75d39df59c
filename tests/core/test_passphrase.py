"""The one passphrase policy (issue 16 item 8): zxcvbn over a 12-character floor, fed with the
person's own name and birth date; the window and ``frmr`` ask the same function."""

from __future__ import annotations

import pytest

from desktop.i18n import translations
from desktop.vault import passphrase
from desktop.vault.passphrase import MIN_LENGTH, personal_inputs, refusal, strength

IVANOVA = {"last_name": "Иванова", "first_name": "Мария", "middle_name": "Сергеевна", "birth_date": "1984-03-17"}


@pytest.mark.parametrize("weak", ["P@ssw0rd2026", "abcdefghijkl", "qwertyuiop12", "123456789012", "Пароль123456"])
def test_common_shapes_are_weak_whatever_their_classes(weak: str) -> None:
    s = strength(weak)
    assert not s.acceptable and s.score <= 2 and s.label in ("слабая", "средняя")
    assert s.advice and refusal(weak) is not None


def test_p_at_ssw0rd_is_rated_weak_not_good() -> None:
    assert strength("P@ssw0rd2026").label == "слабая"


def test_twelve_character_floor_comes_first() -> None:
    s = strength("Ж" * 3 + "kq9!Zt")
    assert (s.score, s.label, s.acceptable) == (0, "слишком короткая", False)
    assert str(MIN_LENGTH) in s.advice
    assert refusal("короткая1") == "Парольная фраза — не короче 12 символов"


@pytest.mark.parametrize("good", ["корова лампа кирпич", "Тр0ст-И-Зонт-Весна", "кирпич зонт весна 42"])
def test_long_phrases_of_unrelated_words_are_accepted(good: str) -> None:
    s = strength(good, personal_inputs(IVANOVA))
    assert s.acceptable and s.score >= 3 and refusal(good, personal_inputs(IVANOVA)) is None


@pytest.mark.parametrize("own", ["Иванова1984-03-17!", "Мария17031984!", "иванова-мария-1984", "Сергеевна170384"])
def test_the_persons_own_name_and_birth_date_count_for_little(own: str) -> None:
    inputs = personal_inputs(IVANOVA, "Мой профиль")
    assert not strength(own, inputs).acceptable
    why = refusal(own, inputs)
    assert why is not None and "слишком простая" in why


def test_a_name_inside_a_strong_phrase_is_fine() -> None:
    assert strength("корова Иванова лампа 7", personal_inputs(IVANOVA)).acceptable


def test_personal_inputs_spell_the_birth_date_as_people_do() -> None:
    got = personal_inputs(IVANOVA, "Рабочий профиль")
    for form in ("17.03.1984", "17031984", "1984", "170384", "Иванова", "Рабочий"):
        assert form in got
    assert personal_inputs({"birth_date": "не дата"}) == []  # nothing to add, no error


def test_a_very_long_phrase_is_rated_quickly() -> None:
    import time

    t0 = time.perf_counter()
    assert strength("слово " * 2000).score >= 0
    assert time.perf_counter() - t0 < 1.0


def test_every_advice_has_an_english_text() -> None:
    en = translations("en")
    texts = [*passphrase._WARNINGS.values(), passphrase._ADVICE, passphrase._PERSONAL, *passphrase._LABELS]
    assert [t for t in texts if t not in en] == []


def test_the_word_lists_load_on_the_first_rating_not_at_import() -> None:
    """zxcvbn costs about 0.2 s to import: the unlock screen imports this module, so it must not."""
    import subprocess
    import sys

    code = ("import sys; import desktop.vault.passphrase as p; assert 'zxcvbn' not in sys.modules; "
            "p.strength('короткая'); assert 'zxcvbn' not in sys.modules; "
            "p.strength('кирпич зонт весна 42'); assert 'zxcvbn' in sys.modules")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
