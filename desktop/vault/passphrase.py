"""How strong a new passphrase is (Qt-free). The rule the product promises: at least 12
characters mixing cases, digits and symbols; a long phrase of several words is accepted too."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.i18n import tr

MIN_LENGTH = 12
_COMMON = ("password", "пароль", "qwerty", "йцукен", "123456", "111111", "admin")


@dataclass(frozen=True)
class Strength:
    score: int  # 0..4
    label: str
    acceptable: bool
    advice: str


def strength(p: str) -> Strength:
    classes = sum((any(c.islower() for c in p), any(c.isupper() for c in p),
                   any(c.isdigit() for c in p), any(not c.isalnum() for c in p)))
    words = len([w for w in p.replace("-", " ").split() if len(w) >= 3])
    if not p:
        return Strength(0, "", False, tr("Введите парольную фразу"))
    if len(p) < MIN_LENGTH:
        return Strength(0, tr("слишком короткая"), False,
                        tr("Не короче {n} символов").format(n=MIN_LENGTH))
    if any(c in p.casefold() for c in _COMMON) or len(set(p)) < 5:
        return Strength(1, tr("слабая"), False, tr("Слишком простая: избегайте распространённых слов и повторов"))
    if classes >= 3 or (len(p) >= 20 and words >= 3):
        score = 4 if len(p) >= 16 and classes >= 3 else 3
        return Strength(score, tr("надёжная") if score == 4 else tr("хорошая"), True, "")
    return Strength(2, tr("средняя"), False,
                    tr("Добавьте заглавные буквы, цифры или символы — или сделайте фразу из 3+ слов длиной от 20"))
