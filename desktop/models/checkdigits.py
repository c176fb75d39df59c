"""Check-digit rules for Russian identifiers, exactly as docs/domain.md states them.

Written out rather than delegated to python-stdnum: stdnum has no СНИЛС module, and a
library is trusted only once checked against these rules; the property tests compare our
ИНН rule with ``stdnum.ru.inn`` so a divergence is caught.
"""

from __future__ import annotations

import re


def is_ascii_digits(value: str) -> bool:
    """Only 0-9: ``str.isdigit`` also takes '１', '٥' and '¹', which ``int`` either reads as
    another number's digits or refuses with a ValueError, and which no register issues."""
    return value.isascii() and value.isdigit()

INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)

#: СНИЛС numbers up to and including this one were issued without a meaningful check.
SNILS_UNCHECKED_MAX = 1001998


def normalize_snils(value: str) -> str:
    """Strip the usual separators: '112-233-445 95' -> '11223344595'."""
    return re.sub(r"[\s\-]", "", value)


def snils_checksum(first9: str) -> int:
    s = sum(int(d) * (9 - i) for i, d in enumerate(first9))
    if s < 100:
        return s
    if s in (100, 101):
        return 0
    s %= 101
    return 0 if s == 100 else s


def snils_is_valid(value: str) -> bool:
    digits = normalize_snils(value)
    if len(digits) != 11 or not is_ascii_digits(digits):
        return False
    if int(digits[:9]) <= SNILS_UNCHECKED_MAX:
        return True
    return snils_checksum(digits[:9]) == int(digits[9:])


def format_snils(value: str) -> str:
    d = normalize_snils(value)
    if len(d) != 11:
        return value
    return f"{d[0:3]}-{d[3:6]}-{d[6:9]} {d[9:11]}"


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(value: str) -> bool:
    if not is_ascii_digits(value):
        return False
    if len(value) == 10:
        return _weighted(value, INN10_WEIGHTS) == int(value[9])
    if len(value) == 12:
        return _weighted(value, INN12_WEIGHTS_11) == int(value[10]) and _weighted(
            value, INN12_WEIGHTS_12
        ) == int(value[11])
    return False


def ogrn_is_valid(value: str) -> bool:
    """ОГРН (13 digits) or ОГРНИП (15 digits)."""
    if not is_ascii_digits(value):
        return False
    if len(value) == 13:
        return int(value[:12]) % 11 % 10 == int(value[12])
    if len(value) == 15:
        return int(value[:14]) % 13 % 10 == int(value[14])
    return False


_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")


def kpp_is_valid(value: str) -> bool:
    return bool(_KPP.fullmatch(value))


def make_snils(first9: str) -> str:
    """Complete nine digits into a valid СНИЛС (used by demo data and tests)."""
    return f"{first9}{snils_checksum(first9):02d}"


def make_inn10(first9: str) -> str:
    return first9 + str(_weighted(first9, INN10_WEIGHTS))


def make_inn12(first10: str) -> str:
    d11 = first10 + str(_weighted(first10, INN12_WEIGHTS_11))
    return d11 + str(_weighted(d11, INN12_WEIGHTS_12))


def make_ogrn(first12: str) -> str:
    return first12 + str(int(first12) % 11 % 10)
