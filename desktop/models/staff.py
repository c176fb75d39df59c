"""The HR clerk's staff (issue 13): the organization's persons and their cards, Qt-free.

The same functions serve the «Сотрудники» workspace (``desktop/views/hr``), ``frmr staff`` and
the import from Excel. Every write goes through the repository (``add_in``/``edit_in``): the
same validation, workflow rules, outbox entry and journal entry as any edit, and a step of
several rows (a person with their first card, a transfer) is ONE vault transaction.

A clerk works only with its organizations' cards (docs/security.md): offline a card of another
organization is refused here with the server's words, before anything is queued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, select

from desktop.i18n import tr
from desktop.models import repository
from desktop.models.checkdigits import format_snils, normalize_snils
from desktop.models.formatting import fmt_date
from desktop.models.repository import RecordRepository, get_organizations, get_role, table
from desktop.models.schema import entity
from desktop.models.validation import ValidationFailed

#: what the server answers to a clerk's card of another organization (server/policy.py)
OTHER_ORG = repository.OTHER_ORG

#: «Увольнение»: the usual reasons, offered as a list (any other text is accepted too)
END_REASONS: tuple[str, ...] = (
    "По собственному желанию",
    "По соглашению сторон",
    "Истечение срока трудового договора",
    "Перевод к другому работодателю",
    "Перевод на другую должность",
    "Выход на пенсию",
    "По инициативе работодателя",
    "Смерть работника",
)
TRANSFER_REASON = "Перевод на другую должность"

#: card fields «Скопировать из предыдущей карточки» takes over (never dates, numbers or status)
COPIED_FIELDS: tuple[str, ...] = ("org_name", "org_inn", "org_ogrn", "org_kpp", "subdivision", "position_code",
                                  "position_type", "contract_kind", "rate", "profile")
_ORG_FIELDS = ("org_name", "org_inn", "org_ogrn", "org_kpp")
_CARD_OUT = ("position_code", "position_type", "rate", "begin_date", "end_date", "status")
_PERSON = table("person")
_CARD = table("employment")


class DuplicatePerson(ValidationFailed):
    """A СНИЛС already in the vault: the person to open instead (``person_id``), named in the message."""

    def __init__(self, person_id: str, name: str, snils: str) -> None:
        self.person_id = person_id
        self.name = name
        super().__init__({"snils": tr("Человек с СНИЛС {snils} уже есть в хранилище: {name}").format(
            snils=format_snils(snils), name=name)})


def full_name(row: Mapping[str, Any]) -> str:
    return " ".join(str(row.get(k)) for k in ("last_name", "first_name", "patronymic") if row.get(k))


def sort_key(row: Mapping[str, Any]) -> str:
    """ФИО as a Russian list sorts it: case-blind, «ё» with «е» (Ёлкина before Иванова)."""
    return full_name(row).casefold().replace("ё", "е")


# -- organizations -------------------------------------------------------------------------------

def clerk_inns(conn: Connection) -> list[str]:
    """The clerk's organizations' ИНН as the server said at login ([] for a vault that never logged in)."""
    return [o["inn"] for o in get_organizations(conn) if o["inn"]]


def org_error(conn: Connection, org_inn: Any) -> str | None:
    """Why this clerk may not keep a card of ``org_inn`` (None: it may, or the vault is not a clerk's)."""
    if get_role(conn) != "hr":
        return None
    inns = clerk_inns(conn)
    if inns and str(org_inn or "").strip() not in inns:
        return tr(OTHER_ORG)
    return None


def org_defaults(conn: Connection, org_inn: str | None = None) -> dict[str, Any]:
    """Organization fields for a new card: the clerk's organization (the one given, or the only
    one), with ОГРН and КПП as its latest card in the vault has them. {} when it is ambiguous."""
    orgs = get_organizations(conn)
    if org_inn:
        org = next((o for o in orgs if o["inn"] == org_inn), {"inn": org_inn, "name": ""})
    elif len(orgs) == 1:
        org = orgs[0]
    else:
        return {}
    out: dict[str, Any] = {"org_inn": org["inn"]}
    if org["name"]:
        out["org_name"] = org["name"]
    last = conn.execute(
        select(_CARD.c.org_name, _CARD.c.org_ogrn, _CARD.c.org_kpp).where(_CARD.c.org_inn == org["inn"])
        .order_by(_CARD.c.begin_date.desc()).limit(1)).first()
    if last is not None:
        out.setdefault("org_name", last.org_name)
        if last.org_ogrn:
            out["org_ogrn"] = last.org_ogrn
        if last.org_kpp:
            out["org_kpp"] = last.org_kpp
    return out


# -- reading ---------------------------------------------------------------------------------------

def _card_out(c: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": c["id"]}
    for k in _CARD_OUT:
        out[k] = c[k]
        if k == "position_code":
            out["position_name"] = names.get(str(c[k]), str(c[k] or ""))
    return out


def _is_open(card: Mapping[str, Any], today: str) -> bool:
    end = card.get("end_date")
    return not end or str(end) >= today


def staff_rows(repo: RecordRepository, *, org_inn: str | None = None, q: str = "",
               active: bool | None = None) -> list[dict[str, Any]]:
    """The staff, one item per person, sorted by ФИО — the shape of ``frmr staff list --json``:
    ``{"id", "snils", "last_name", "first_name", "patronymic", "cards": [{"id", "position_code",
    "position_name", "position_type", "rate", "begin_date", "end_date", "status"}]}``.

    ``org_inn``: only persons with a card in that organization, and only those cards; without it
    every person of the vault with their cards in the clerk's organizations (all cards in a vault
    that never logged in). ``q``: part of the ФИО, the start of the СНИЛС, or part of a position
    name. ``active``: True — has a card open today; False — has cards, none open (dismissed).
    """
    today = dt.date.today().isoformat()
    names = repo.nsi().get("position").entries
    with repo.vault.read() as conn:
        inns = [org_inn] if org_inn else clerk_inns(conn)
        cq = select(_CARD.c.id, _CARD.c.person_id, *(_CARD.c[k] for k in _CARD_OUT))
        if inns:
            cq = cq.where(_CARD.c.org_inn.in_(inns))
        cards: dict[str, list[dict[str, Any]]] = {}
        for r in conn.execute(cq.order_by(_CARD.c.begin_date, _CARD.c.id)).mappings():
            cards.setdefault(r["person_id"], []).append(dict(r))
        pq = select(_PERSON.c.id, _PERSON.c.snils, _PERSON.c.last_name, _PERSON.c.first_name, _PERSON.c.patronymic)
        persons = [dict(r) for r in conn.execute(pq).mappings()]
    needle = q.strip().casefold().replace("ё", "е")
    digits = normalize_snils(needle)
    by_snils = bool(needle) and digits.isdigit()
    out = []
    for p in persons:
        own = cards.get(p["id"], [])
        if org_inn and not own:
            continue
        if active is True and not any(_is_open(c, today) for c in own):
            continue
        if active is False and (not own or any(_is_open(c, today) for c in own)):
            continue
        if needle:
            if by_snils:
                if not str(p["snils"] or "").startswith(digits):
                    continue
            else:
                hay = full_name(p).casefold().replace("ё", "е")
                if needle not in hay and not any(needle in names.get(str(c["position_code"]), "").casefold()
                                                 for c in own):
                    continue
        out.append({"id": p["id"], "snils": p["snils"], "last_name": p["last_name"], "first_name": p["first_name"],
                    "patronymic": p["patronymic"], "cards": [_card_out(c, names) for c in own]})
    out.sort(key=lambda r: (sort_key(r), r["snils"] or "", r["id"]))
    return out


def find_by_snils(conn: Connection, snils: str) -> dict[str, Any] | None:
    digits = normalize_snils(str(snils or ""))
    if not digits:
        return None
    r = conn.execute(select(_PERSON).where(_PERSON.c.snils == digits)).mappings().first()
    return dict(r) if r is not None else None


def person_cards(repo: RecordRepository, person_id: str, *, own_only: bool = True) -> list[dict[str, Any]]:
    """The person's cards, oldest first; ``own_only``: only those in the clerk's organizations."""
    with repo.vault.read() as conn:
        q = select(_CARD).where(_CARD.c.person_id == person_id)
        inns = clerk_inns(conn) if own_only else []
        if inns:
            q = q.where(_CARD.c.org_inn.in_(inns))
        return [dict(r) for r in conn.execute(q.order_by(_CARD.c.begin_date, _CARD.c.id)).mappings()]


# -- writing ---------------------------------------------------------------------------------------

def _person_or_fail(conn: Connection, person_id: str) -> dict[str, Any]:
    r = conn.execute(select(_PERSON).where(_PERSON.c.id == person_id)).mappings().first()
    if r is None:
        raise ValidationFailed({"person_id": tr("Человек {id} не найден в хранилище").format(id=person_id)})
    return dict(r)


def _card_or_fail(conn: Connection, card_id: str) -> dict[str, Any]:
    r = conn.execute(select(_CARD).where(_CARD.c.id == card_id)).mappings().first()
    if r is None:
        raise ValidationFailed({"id": tr("Карточка {id} не найдена в хранилище").format(id=card_id)})
    bad = org_error(conn, r["org_inn"])
    if bad:
        raise ValidationFailed({"org_inn": bad})
    return dict(r)


def add_person_in(repo: RecordRepository, conn: Connection, values: Mapping[str, Any]) -> str:
    """``add_person`` in the caller's transaction."""
    existing = find_by_snils(conn, str(values.get("snils") or ""))
    if existing is not None:
        raise DuplicatePerson(existing["id"], full_name(existing), existing["snils"])
    return repo.add_in(conn, "person", values).id


def add_person(repo: RecordRepository, values: Mapping[str, Any]) -> str:
    """A new person of the staff; returns their id. A СНИЛС already in the vault is refused with
    :class:`DuplicatePerson` (its ``person_id`` is the person to open), nothing changed."""
    with repo.vault.begin() as conn:
        return add_person_in(repo, conn, values)


def card_values(conn: Connection, values: Mapping[str, Any]) -> dict[str, Any]:
    """The card as it will be saved: organization fields default to the clerk's organization."""
    out = {k: v for k, v in values.items() if v not in (None, "")}
    defaults = org_defaults(conn, str(out.get("org_inn") or "") or None)
    if not out.get("org_inn") or out.get("org_inn") == defaults.get("org_inn"):
        for k in _ORG_FIELDS:
            if k in defaults and not out.get(k):
                out[k] = defaults[k]
    return out


def add_card_in(repo: RecordRepository, conn: Connection, person_id: str, values: Mapping[str, Any]) -> str:
    """``add_card`` in the caller's transaction."""
    _person_or_fail(conn, person_id)
    full = card_values(conn, values)
    if not full.get("org_inn") and get_role(conn) == "hr" and len(clerk_inns(conn)) > 1:
        raise ValidationFailed({"org_inn": tr("Укажите организацию (org_inn): у вас их несколько — {inns}").format(
            inns=", ".join(clerk_inns(conn)))})
    bad = org_error(conn, full.get("org_inn"))
    if bad:
        raise ValidationFailed({"org_inn": bad})
    return repo.add_in(conn, "employment", full, person_id=person_id).id


def add_card(repo: RecordRepository, person_id: str, values: Mapping[str, Any]) -> str:
    """A new employment card of ``person_id``; returns its id. Organization fields left empty are
    the clerk's organization; a card of another organization is refused (``ValidationFailed``)."""
    with repo.vault.begin() as conn:
        return add_card_in(repo, conn, person_id, values)


def edit_card(repo: RecordRepository, card_id: str, values: Mapping[str, Any]) -> list[str]:
    """Change a card of the clerk's organization; returns the fields changed."""
    with repo.vault.begin() as conn:
        _card_or_fail(conn, card_id)
        if "org_inn" in values:
            bad = org_error(conn, values["org_inn"])
            if bad:
                raise ValidationFailed({"org_inn": bad})
        return repo.edit_in(conn, "employment", card_id, values).changed


def _close_in(repo: RecordRepository, conn: Connection, card_id: str, end_date: Any, end_reason: str) -> dict[str, Any]:
    card = _card_or_fail(conn, card_id)
    if card.get("end_date"):
        raise ValidationFailed({"end_date": tr("Карточка уже закрыта (дата окончания {date})").format(
            date=fmt_date(card["end_date"]))})
    if not str(end_reason or "").strip():
        raise ValidationFailed({"end_reason": tr("«Причина увольнения»: обязательное поле")})
    if end_date in (None, ""):
        raise ValidationFailed({"end_date": tr("«Дата окончания»: обязательное поле")})
    repo.edit_in(conn, "employment", card_id, {"end_date": end_date, "end_reason": str(end_reason).strip()})
    return card


def close_card(repo: RecordRepository, card_id: str, end_date: Any, end_reason: str) -> None:
    """«Увольнение»: the card's end date (дд.мм.гггг or ISO) and reason; an edit like any other,
    refused if the card is already closed or is another organization's."""
    with repo.vault.begin() as conn:
        _close_in(repo, conn, card_id, end_date, end_reason)


def _next_day(end_date: Any) -> str | None:
    from desktop.models.validation import parse_date

    try:
        return (parse_date(str(end_date).strip()) + dt.timedelta(days=1)).isoformat()
    except ValueError:
        return None


def transfer(repo: RecordRepository, card_id: str, end_date: Any, new_values: Mapping[str, Any], *,
             end_reason: str = TRANSFER_REASON) -> str:
    """«Перевод»: close the card on ``end_date`` and open the next one (the old card's
    organization, subdivision, position and terms unless ``new_values`` say otherwise, starting
    the next day) in ONE transaction; returns the new card's id. Either both are saved or neither."""
    with repo.vault.begin() as conn:
        old = _close_in(repo, conn, card_id, end_date, end_reason)
        values = {k: old[k] for k in COPIED_FIELDS if old.get(k) not in (None, "")}
        begin = _next_day(end_date)
        if begin:
            values["begin_date"] = begin
        values.update({k: v for k, v in new_values.items() if v not in (None, "")})
        return add_card_in(repo, conn, str(old["person_id"]), values)


def copy_from_previous(repo: RecordRepository, person_id: str) -> dict[str, Any]:
    """«Скопировать из предыдущей карточки»: the organization, subdivision, position and terms of
    the person's latest card in the clerk's organizations (never its dates, numbers or status);
    the clerk's organization alone when there is no such card."""
    cards = person_cards(repo, person_id)
    with repo.vault.read() as conn:
        defaults = org_defaults(conn)
    if not cards:
        return defaults
    last = max(cards, key=lambda c: (str(c.get("begin_date") or ""), str(c["id"])))
    return {k: last[k] for k in COPIED_FIELDS if last.get(k) not in (None, "")}


def card_fields() -> tuple[str, ...]:
    return entity("employment").names


def person_fields() -> tuple[str, ...]:
    return entity("person").names


def persons_by_snils(conn: Connection, snils: Iterable[str]) -> dict[str, dict[str, Any]]:
    """СНИЛС -> the person row, for the given ones (the import's «already in the vault»)."""
    wanted = sorted({normalize_snils(s) for s in snils if s})
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(wanted), 500):
        for r in conn.execute(select(_PERSON).where(_PERSON.c.snils.in_(wanted[i:i + 500]))).mappings():
            out[str(r["snils"])] = dict(r)
    return out
