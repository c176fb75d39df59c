"""Parsing and validation of record fields — one implementation for desktop and server.

Every failure is a message that names the field; callers save nothing when ``errors`` is
non-empty. ``warnings`` (overlapping employment) are shown but allowed. Messages go through
``desktop.i18n.tr``: Russian unless the desktop switched its language (the server never does,
so its answers stay Russian).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email

from desktop.i18n import tr, trn
from desktop.models import checkdigits as cd
from desktop.models import textrules

# fmt_date lives in the one formatter; re-exported because server/api imports it from here.
from desktop.models.formatting import fmt_date as fmt_date
from desktop.models.nsi import NsiRegistry
from desktop.models.schema import EntitySpec, FieldSpec, entity

Value = str | int | None

_DATE_RU = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MIN_DATE = dt.date(1900, 1, 1)
#: Longest field name quoted back in an «unknown field» message: the name comes from whoever
#: sent the row (a push from any client), and an answer or a stored result must stay bounded.
_NAME_SHOWN = 64


class FieldError(ValueError):
    pass


class ValidationFailed(ValueError):
    """Raised by repositories: nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors.values()))


@dataclass
class Result:
    values: dict[str, Value] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_date(raw: str) -> dt.date:
    s = raw.strip()
    m = _DATE_RU.match(s)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _DATE_ISO.match(s)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise FieldError(tr("такой даты не существует")) from exc
    raise FieldError(tr("дата должна быть в формате дд.мм.гггг"))


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _parse_decimal(raw: str) -> Decimal:
    try:
        v = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise FieldError(tr("ожидается число")) from exc
    if not v.is_finite():
        raise FieldError(tr("ожидается число"))
    return v


def parse_field(spec: FieldSpec, raw: Any, nsi: NsiRegistry, today: dt.date) -> Value:
    """One raw value (typed in, from the CLI or the wire) -> its canonical form, or FieldError."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if spec.required:
            raise FieldError(tr("обязательное поле"))
        return None
    if spec.kind == "int":
        if isinstance(raw, bool):
            raise FieldError(tr("ожидается целое число"))
        if isinstance(raw, int):
            value = raw
        else:
            s = str(raw).strip()
            if not re.fullmatch(r"-?\d{1,9}", s):
                raise FieldError(tr("ожидается целое число"))
            value = int(s)
        if value < 0:
            raise FieldError(tr("не может быть отрицательным"))
        return value
    if isinstance(raw, dt.date):
        raw = raw.isoformat()
    if isinstance(raw, Decimal | float | int) and spec.kind == "decimal":
        raw = str(raw)
    if not isinstance(raw, str):
        raise FieldError(tr("неверный тип значения"))
    s = raw.strip()
    if len(s) > spec.max_len and spec.kind != "text":
        raise FieldError(trn("не длиннее {n} символа", "не длиннее {n} символов", "не длиннее {n} символов",
                             spec.max_len).format(n=spec.max_len))
    if spec.kind == "text" and len(s) > 5000:
        raise FieldError(tr("не длиннее 5000 символов"))
    # Control characters (tabs and line breaks aside) and lone surrogates — the latter are how
    # Python carries bytes of a non-UTF-8 argument, and no database driver can encode them.
    # The rule is textrules', the one the server's request boundary applies too.
    if textrules.text_problem(s) is not None:
        raise FieldError(tr("недопустимые символы"))
    if spec.name in textrules.NAME_KEYS:
        # A name shown in staff lists, CSV and PDFs: no invisible or direction-changing
        # character, no line break, no exotic space — each lets one name pass for another.
        ch = textrules.bad_name_char(s) or next((c for c in s if c in "\t\n\r"), None)
        if ch is not None:
            raise FieldError(tr("недопустимый символ {code}: в именах нельзя использовать невидимые символы, "
                                "символы направления текста, особые пробелы и переводы строки").format(
                code=textrules.code_point(ch)))
    elif spec.kind != "text":
        # Any other one-line value (a document number, an issuer): an invisible character would
        # make two equal numbers differ (the duplicate-diploma check) and mislead whoever reads it.
        ch = textrules.first_invisible(s)
        if ch is not None:
            raise FieldError(tr("недопустимый невидимый символ {code}").format(code=textrules.code_point(ch)))
    if spec.kind == "date":
        d = parse_date(s)
        if d < MIN_DATE:
            raise FieldError(tr("дата не может быть раньше 01.01.1900"))
        if spec.past and d > today:
            raise FieldError(tr("дата не может быть в будущем"))
        if d.year > today.year + 50:
            raise FieldError(tr("дата слишком далеко в будущем"))
        return d.isoformat()
    if spec.kind == "decimal":
        return _canon_decimal(_parse_decimal(s))
    if spec.kind == "enum":
        if s in spec.choices:
            return s
        for key, label in spec.choices.items():
            if label.casefold() == s.casefold():
                return key
        raise FieldError(tr("недопустимое значение; допустимы: {choices}").format(
            choices=", ".join(tr(c) for c in spec.choices.values())))
    if spec.kind == "nsi":
        assert spec.nsi
        if not nsi.has(spec.nsi, s):
            dictionary = nsi.get(spec.nsi)
            raise FieldError(tr("код «{code}» не найден в справочнике НСИ «{name}»").format(
                code=s, name=dictionary.name))
        return s
    return _check_identifier(spec, s)


def _canon_decimal(v: Decimal) -> str:
    return format(v.normalize(), "f")


def _check_identifier(spec: FieldSpec, s: str) -> str:
    c = spec.check
    if c is None:
        return s
    if c == "snils":
        d = cd.normalize_snils(s)
        if not (len(d) == 11 and cd.is_ascii_digits(d)):
            raise FieldError(tr("должен содержать 11 цифр (формат XXX-XXX-XXX YY)"))
        if not cd.snils_is_valid(d):
            raise FieldError(tr("неверное контрольное число"))
        return d
    if c in ("inn10", "inn12"):
        n = 10 if c == "inn10" else 12
        if not (cd.is_ascii_digits(s) and len(s) == n):
            raise FieldError(trn("должен содержать {n} цифру", "должен содержать {n} цифры",
                                 "должен содержать {n} цифр", n).format(n=n))
        if not cd.inn_is_valid(s):
            raise FieldError(tr("неверное контрольное число"))
        return s
    if c == "ogrn":
        if not (cd.is_ascii_digits(s) and len(s) in (13, 15)):
            raise FieldError(tr("ОГРН — 13 цифр, ОГРНИП — 15 цифр"))
        if not cd.ogrn_is_valid(s):
            raise FieldError(tr("неверное контрольное число"))
        return s
    if c == "kpp":
        s = s.upper()
        if not cd.kpp_is_valid(s):
            raise FieldError(tr("9 знаков: 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры"))
        return s
    if c == "phone":
        from desktop.models.phones import PhoneError, canonical_phone  # libphonenumber: loaded on first use

        try:
            return canonical_phone(s)
        except PhoneError as exc:
            raise FieldError(tr(str(exc))) from exc
    if c == "email":
        try:
            return validate_email(s, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise FieldError(tr("неверный адрес электронной почты")) from exc
    raise AssertionError(c)


def check_identifier(kind: str, value: str) -> str:
    """``frmr validate``: the check an edit of such a field gets, so that both agree (a lower-case
    КПП, a СНИЛС with spaces). Returns the canonical value or raises FieldError with the reason."""
    s = value.strip()
    if kind == "inn":
        if len(s) not in (10, 12):
            raise FieldError(tr("ИНН — 10 цифр (организация) или 12 цифр (физическое лицо)"))
        kind = "inn10" if len(s) == 10 else "inn12"
    return _check_identifier(FieldSpec(name=kind, label=kind, check=kind), s)


def message(spec: FieldSpec, text: str) -> str:
    return tr("«{label}»: {text}").format(label=tr(spec.label), text=text)


_DATE_ORDER = (
    ("begin_date", "end_date"),
    ("issue_date", "valid_until"),
    ("exam_date", "issue_date"),
    ("protocol_date", "valid_until"),
    ("birth_date", "id_doc_issued"),
    ("contract_date", "end_date"),
)

#: fields computed from another when left empty: target -> (source, years)
_DERIVED = {
    "certificate": {"valid_until": ("issue_date", 5)},
    "accreditation": {"valid_until": ("protocol_date", 5)},
    "category": {"end_date": ("begin_date", 5)},
}

_DEFAULTS: dict[str, dict[str, str]] = {
    "employment": {"status": "draft"},
    "nmo": {"status": "pending"},
    "application": {"status": "draft"},
    "request": {"status": "new"},
}


def validate(
    entity_name: str,
    row: Mapping[str, Any],
    *,
    nsi: NsiRegistry,
    today: dt.date | None = None,
    siblings: Iterable[Mapping[str, Any]] = (),
    row_id: str | None = None,
) -> Result:
    """Parse and check a whole row (all canonical fields of one entity).

    ``siblings`` are the other rows of the same entity for the same person; they feed the
    duplicate and overlap checks. Unknown field names are errors.
    """
    today = today or dt.date.today()
    spec = entity(entity_name)
    res = Result()
    for name in row:
        if name not in spec.names:
            shown = textrules.shown(str(name), _NAME_SHOWN)
            res.errors[shown] = tr("Неизвестное поле «{name}» для раздела «{section}»").format(
                name=shown, section=tr(spec.label))
    for f in spec.fields:
        raw = row.get(f.name)
        if (raw is None or raw == "") and f.name in _DEFAULTS.get(entity_name, {}):
            raw = _DEFAULTS[entity_name][f.name]
        try:
            res.values[f.name] = parse_field(f, raw, nsi, today)
        except FieldError as exc:
            res.errors[f.name] = message(f, str(exc))
            res.values[f.name] = None
    for target, (source, years) in _DERIVED.get(entity_name, {}).items():
        src = res.values.get(source)
        if res.values.get(target) is None and isinstance(src, str):
            res.values[target] = add_years(dt.date.fromisoformat(src), years).isoformat()
    _check_cross(spec, res)
    others = [s for s in siblings if s.get("id") != row_id]
    if entity_name == "education":
        _check_duplicate_diploma(res, others)
    if entity_name == "employment":
        _check_employment(res, others)
    return res


def _check_cross(spec: EntitySpec, res: Result) -> None:
    v = res.values
    for a, b in _DATE_ORDER:
        if a in spec.names and b in spec.names and isinstance(v.get(a), str) and isinstance(v.get(b), str):
            if str(v[b]) < str(v[a]) and b not in res.errors:
                res.errors[b] = message(
                    spec.field(b), tr("не может быть раньше поля «{field}» ({date})").format(
                        field=tr(spec.field(a).label), date=fmt_date(str(v[a]))))
    if spec.name == "employment" and isinstance(v.get("rate"), str) and "rate" not in res.errors:
        r = Decimal(str(v["rate"]))
        if r < Decimal("0.25") or r > Decimal("2.0") or (r / Decimal("0.25")) % 1 != 0:
            res.errors["rate"] = message(spec.field("rate"), tr("от 0,25 до 2,0 с шагом 0,25"))
    if spec.name == "nmo" and isinstance(v.get("credits"), str) and "credits" not in res.errors:
        c = Decimal(str(v["credits"]))
        if c <= 0 or c > 1000 or c.as_tuple().exponent < -2:  # type: ignore[operator]
            res.errors["credits"] = message(
                spec.field("credits"), tr("положительное число, не более 2 знаков после запятой"))
    if spec.name == "education" and v.get("hours") is not None and "hours" not in res.errors:
        if not 1 <= int(v["hours"] or 0) <= 10000:
            res.errors["hours"] = message(spec.field("hours"), tr("от 1 до 10000"))
    if spec.name == "employment" and v.get("end_date") is None and v.get("end_reason"):
        res.errors["end_date"] = message(spec.field("end_date"), tr("укажите дату окончания, если указана причина"))


def _norm_doc(s: Any) -> str:
    return re.sub(r"[\s\-№]", "", str(s or "")).upper()


def _check_duplicate_diploma(res: Result, others: list[Mapping[str, Any]]) -> None:
    key = (_norm_doc(res.values.get("doc_series")), _norm_doc(res.values.get("doc_number")))
    if not key[1]:
        return
    for o in others:
        if (_norm_doc(o.get("doc_series")), _norm_doc(o.get("doc_number"))) == key:
            res.errors["doc_number"] = message(
                entity("education").field("doc_number"),
                tr("документ об образовании {doc} уже внесён").format(doc=f"{key[0]} {key[1]}".strip()))
            return


def _period(row: Mapping[str, Any]) -> tuple[str, str]:
    return str(row.get("begin_date") or ""), str(row.get("end_date") or "9999-12-31")


def _check_employment(res: Result, others: list[Mapping[str, Any]]) -> None:
    v = res.values
    if not v.get("begin_date"):
        return
    for o in others:
        same = all(
            str(o.get(k) or "") == str(v.get(k) or "")
            for k in ("org_inn", "position_code", "position_type", "begin_date")
        )
        if same:
            res.errors["begin_date"] = message(
                entity("employment").field("begin_date"),
                tr("такая карточка трудоустройства уже есть ({org}, с {date})").format(
                    org=o.get("org_name"), date=fmt_date(str(o.get("begin_date")))))
            return
    b, e = _period(v)
    for o in others:
        ob, oe = _period(o)
        if ob and b <= oe and ob <= e:
            both_main = v.get("position_type") == "main" and o.get("position_type") == "main"
            end = fmt_date(str(o.get("end_date"))) if o.get("end_date") else tr("по н.в.")
            why = (
                tr("две основные работы в одно время — проверьте даты")
                if both_main
                else tr("допустимо при совместительстве или совмещении")
            )
            res.warnings.append(tr("Период пересекается с карточкой «{org}» ({begin} – {end}): {why}").format(
                org=o.get("org_name"), begin=fmt_date(str(o.get("begin_date"))), end=end, why=why))


def overlap_flags(rows: list[Mapping[str, Any]]) -> dict[str, str]:
    """id -> why the card overlaps another one (for the «Трудовая деятельность» table)."""
    out: dict[str, str] = {}
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            ab, ae = _period(a)
            bb, be = _period(b)
            if ab and bb and ab <= be and bb <= ae:
                main = a.get("position_type") == "main" and b.get("position_type") == "main"
                text = tr("пересечение двух основных работ") if main else tr("пересечение (совместительство)")
                out.setdefault(str(a["id"]), text)
                out.setdefault(str(b["id"]), text)
    return out
