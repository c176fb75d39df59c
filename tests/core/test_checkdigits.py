"""Check-digit validators: docs/domain.md examples and properties (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from stdnum.ru import inn as stdnum_inn

from desktop.models import checkdigits as cd


def nine() -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=9, max_size=9)


def test_known_values() -> None:
    assert cd.snils_is_valid("112-233-445 95")
    assert not cd.snils_is_valid("112-233-445 96")
    assert cd.snils_is_valid("001-001-998 00")  # numbers up to 001-001-998 carry no check
    assert cd.inn_is_valid("7707083893")  # ПАО Сбербанк
    assert not cd.inn_is_valid("7707083894")
    assert cd.ogrn_is_valid("1027700132195")
    assert not cd.ogrn_is_valid("1027700132196")
    assert cd.ogrn_is_valid("304500116000157")  # ОГРНИП
    assert cd.kpp_is_valid("773601001") and cd.kpp_is_valid("7736AB001")
    assert not cd.kpp_is_valid("7736ab001") and not cd.kpp_is_valid("77360100")


def _snils_rule(first9: str) -> int:
    s = sum(int(d) * (9 - i) for i, d in enumerate(first9))
    if s < 100:
        return s
    if s in (100, 101):
        return 0
    r = s % 101
    return 0 if r == 100 else r


@given(nine())
def test_snils_completion_is_valid_and_matches_rule(first9: str) -> None:
    full = cd.make_snils(first9)
    assert cd.snils_is_valid(full)
    if int(first9) > cd.SNILS_UNCHECKED_MAX:
        assert int(full[9:]) == _snils_rule(first9)
        wrong = f"{(int(full[9:]) + 1) % 100:02d}"
        assert not cd.snils_is_valid(first9 + wrong)


@given(nine())
def test_inn10_agrees_with_stdnum(first9: str) -> None:
    full = cd.make_inn10(first9)
    assert cd.inn_is_valid(full)
    assert stdnum_inn.is_valid(full)
    bad = full[:9] + str((int(full[9]) + 1) % 10)
    assert not cd.inn_is_valid(bad)
    assert cd.inn_is_valid(bad) == stdnum_inn.is_valid(bad)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_inn12_agrees_with_stdnum(first10: str) -> None:
    full = cd.make_inn12(first10)
    assert cd.inn_is_valid(full) and stdnum_inn.is_valid(full)
    for pos in (10, 11):
        bad = full[:pos] + str((int(full[pos]) + 3) % 10) + full[pos + 1 :]
        assert not cd.inn_is_valid(bad)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_ogrn_rule(first12: str) -> None:
    full = cd.make_ogrn(first12)
    assert cd.ogrn_is_valid(full)
    assert int(first12) % 11 % 10 == int(full[-1])
    assert not cd.ogrn_is_valid(full[:-1] + str((int(full[-1]) + 1) % 10))


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_ogrnip_rule(first14: str) -> None:
    full = first14 + str(int(first14) % 13 % 10)
    assert cd.ogrn_is_valid(full)
    assert not cd.ogrn_is_valid(full[:-1] + str((int(full[-1]) + 1) % 10))


@given(st.text(max_size=20))
def test_validators_never_crash_on_garbage(s: str) -> None:
    for f in (cd.snils_is_valid, cd.inn_is_valid, cd.ogrn_is_valid, cd.kpp_is_valid):
        assert f(s) in (True, False)
