"""How strong a new passphrase is (Qt-free): ONE policy for the window (``PassphraseInput``),
``frmr init``, ``frmr passwd`` and ``frmr recover``.

Two rules: at least 12 characters, and zxcvbn (Dropbox's estimator of how many guesses a
cracker needs: dictionaries, keyboard walks, sequences, l33t substitutions, dates) rates it
«хорошая» (3) or better — fed with what a cracker would try first against this person: their
own name and birth date, and the profile's name. Character classes prove nothing: «P@ssw0rd2026»
has all four and falls in thousands of guesses; «корова лампа кирпич» has one and holds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop.i18n import tr, trn

MIN_LENGTH = 12
#: zxcvbn's score at and above which a passphrase is accepted (3: «safely unguessable»,
#: about 10^8 guesses or more — against an offline attack, Argon2id multiplies that)
MIN_SCORE = 3
#: zxcvbn's matching grows with the square of the length; the first characters decide anyway.
_ESTIMATED_CHARS = 64

#: zxcvbn's dictionaries are English: the Russian words and keyboard walks guessed first are
#: added to every estimate (with the words of this app, which a cracker would try too).
_RUSSIAN_COMMON = ("пароль", "gfhjkm", "йцукен", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю", "привет", "любовь",
                   "солнышко", "кошка", "москва", "россия", "наташа", "анастасия", "марина", "ольга",
                   "фрмр", "врач", "доктор", "медицина", "больница", "поликлиника", "регистр", "медик")

_LABELS = ("слабая", "слабая", "средняя", "хорошая", "надёжная")

#: zxcvbn's warnings (English) in Russian; an unknown one gets the general advice.
_WARNINGS = {
    "Straight rows of keys are easy to guess.": "Ряды клавиш подряд легко угадать.",
    "Short keyboard patterns are easy to guess.": "Короткие узоры на клавиатуре легко угадать.",
    'Repeats like "aaa" are easy to guess.': "Повторы вроде «ааа» легко угадать.",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        "Повторы вроде «абвабвабв» угадать лишь немногим труднее, чем «абв».",
    'Sequences like "abc" or "6543" are easy to guess.': "Последовательности вроде «abc» или «6543» легко угадать.",
    "Recent years are easy to guess.": "Недавние годы легко угадать.",
    "Dates are often easy to guess.": "Даты легко угадать.",
    "This is a top-10 common password.": "Это один из самых распространённых паролей.",
    "This is a top-100 common password.": "Это один из самых распространённых паролей.",
    "This is a very common password.": "Это очень распространённый пароль.",
    "This is similar to a commonly used password.": "Это похоже на распространённый пароль.",
    "A word by itself is easy to guess.": "Одно слово легко угадать.",
    "Names and surnames by themselves are easy to guess.": "Имена и фамилии легко угадать.",
    "Common names and surnames are easy to guess.": "Распространённые имена и фамилии легко угадать.",
}
_PERSONAL = "Фраза держится на вашем имени или дате рождения — их подбирают первыми: добавьте другие слова"
_ADVICE = "Добавьте ещё слово-два, лучше необычных; не используйте своё имя, дату рождения, замены вроде @ вместо a"


@dataclass(frozen=True)
class Strength:
    score: int  # 0..4
    label: str
    acceptable: bool
    advice: str


def personal_inputs(person: Mapping[str, Any] | None = None, *extra: str) -> list[str]:
    """What to feed zxcvbn about this person: names, the birth date in the ways people write it
    (17.03.1984, 17031984, 1703, 1984, 840317…), and any ``extra`` text (the profile's name)."""
    out: list[str] = []
    person = person or {}
    for key in ("last_name", "first_name", "middle_name"):
        value = str(person.get(key) or "").strip()
        if value:
            out.append(value)
    born = person.get("birth_date")
    if born:
        try:
            d = dt.date.fromisoformat(str(born))
        except ValueError:
            d = None
        if d is not None:
            out.extend([d.isoformat(), f"{d:%d.%m.%Y}", f"{d:%d%m%Y}", f"{d:%d%m%y}", f"{d:%d%m}", f"{d:%Y}",
                        f"{d:%y%m%d}", f"{d:%Y%m%d}"])
    for text in extra:
        out.extend(w for w in re.split(r"[\s.,«»\"'()-]+", text or "") if len(w) >= 3)
    return out


def strength(p: str, user_inputs: Iterable[str] = ()) -> Strength:
    if not p:
        return Strength(0, "", False, tr("Введите парольную фразу"))
    if len(p) < MIN_LENGTH:
        shortest = trn("Не короче {n} символа", "Не короче {n} символов", "Не короче {n} символов", MIN_LENGTH)
        return Strength(0, tr("слишком короткая"), False, shortest.format(n=MIN_LENGTH))
    # zxcvbn loads its word lists in about 0.2 s: on the first rated phrase, not with the unlock
    # screen (the preloader imports it in the background meanwhile, views/runtime/prewarm.py).
    from zxcvbn import zxcvbn

    inputs = [s.casefold() for s in user_inputs if s]
    result = zxcvbn(p[:_ESTIMATED_CHARS], user_inputs=[*inputs, *_RUSSIAN_COMMON])
    score = int(result["score"])
    if score >= MIN_SCORE and _leans_on(p, inputs):
        return Strength(min(score, MIN_SCORE - 1), tr(_LABELS[min(score, MIN_SCORE - 1)]), False, tr(_PERSONAL))
    label = tr(_LABELS[score])
    if score >= MIN_SCORE:
        return Strength(score, label, True, "")
    warning = _WARNINGS.get(str(result["feedback"].get("warning") or ""), "")
    advice = " ".join(x for x in (tr(warning) if warning else "", tr(_ADVICE)) if x)
    return Strength(score, label, False, advice)


def _leans_on(p: str, inputs: list[str]) -> bool:
    """True when the phrase holds only because of the person's own name or birth date: zxcvbn
    counts a known word as a few guesses but still adds a generous factor for each piece,
    so «Иванова1984-03-17!» scored «хорошая». Without those pieces the rest must hold alone."""
    from zxcvbn import zxcvbn

    rest = p.casefold()
    for word in sorted(inputs, key=len, reverse=True):
        rest = rest.replace(word, " ")
    if rest == p.casefold():
        return False
    return int(zxcvbn(rest[:_ESTIMATED_CHARS], user_inputs=list(_RUSSIAN_COMMON))["score"]) < MIN_SCORE


def refusal(p: str, user_inputs: Iterable[str] = ()) -> str | None:
    """Why ``p`` may not become the passphrase (for the CLI), or None when it may."""
    if len(p) < MIN_LENGTH:
        return trn("Парольная фраза — не короче {n} символа", "Парольная фраза — не короче {n} символов",
                   "Парольная фраза — не короче {n} символов", MIN_LENGTH).format(n=MIN_LENGTH)
    s = strength(p, user_inputs)
    if s.acceptable:
        return None
    return tr("Парольная фраза слишком простая (надёжность: {label}). {advice}").format(
        label=s.label, advice=s.advice)
