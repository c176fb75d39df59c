"""Import of the staff from a spreadsheet (issue 13): one row = a person and one employment card.

Columns are found by their Russian header names (the template of :func:`desktop.documents.
staff_export.template_xlsx`, and the usual names of 1С:ЗУП exports); ФИО in one cell is split;
dates are дд.мм.гггг text or Excel dates. Each row is checked with the repository's own rules
(``desktop.models.validation``, the workflow rules, the clerk's organizations) and written
through the repository — the person (unless their СНИЛС is already in the vault) and the card,
each with its outbox and journal entries — inside a SAVEPOINT: a row is imported whole or not at
all. Rows are committed in groups of :data:`BATCH_ROWS`, so a SIGKILL loses at most the group in
flight and every row stays whole or absent; a rerun of the same file finds the persons by СНИЛС
and skips the cards already there, so nothing is imported twice.

The GUI runs :func:`run_import` as an op (progress callback, cancel event); ``dry_run`` is the
preview: the same checks in one transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from desktop.documents.staff_sheet import Sheet, SheetRefused, read_sheet
from desktop.i18n import tr
from desktop.models import staff, workflow
from desktop.models.checkdigits import normalize_snils
from desktop.models.repository import RecordRepository, get_role, table
from desktop.models.schema import entity
from desktop.models.validation import ValidationFailed, validate

Progress = Callable[[int, int, str], None]

#: rows committed together; a crash loses at most this many (each whole), a rerun adds them
BATCH_ROWS = 250

#: field -> (the template's header, other names the column goes by in 1С and hand-made lists)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "snils": ("СНИЛС", ("страховой номер", "номер снилс", "снилс сотрудника")),
    "fio": ("ФИО", ("фамилия имя отчество", "сотрудник", "работник", "физическое лицо", "фио сотрудника")),
    "last_name": ("Фамилия", ()),
    "first_name": ("Имя", ()),
    "patronymic": ("Отчество", ()),
    "gender": ("Пол", ()),
    "birth_date": ("Дата рождения", ()),
    "inn": ("ИНН", ("инн сотрудника", "инн физического лица")),
    "phone": ("Телефон", ("мобильный телефон",)),
    "email": ("Электронная почта", ("e-mail", "email", "эл. почта")),
    "org_name": ("Организация", ("наименование организации",)),
    "org_inn": ("ИНН организации", ()),
    "org_ogrn": ("ОГРН организации", ()),
    "org_kpp": ("КПП организации", ()),
    "subdivision": ("Подразделение", ("структурное подразделение", "отдел", "отделение")),
    "position_code": ("Должность", ("наименование должности", "код должности", "должность по штатному расписанию")),
    "position_type": ("Тип занятия должности", ("вид занятости", "тип занятости", "характер работы")),
    "contract_kind": ("Вид договора", ("договор", "тип договора")),
    "rate": ("Ставка", ("количество ставок", "кол-во ставок", "ставки", "доля ставки")),
    "begin_date": ("Дата начала", ("дата приема", "дата начала работы", "принят", "дата поступления")),
    "end_date": ("Дата окончания", ("дата увольнения", "уволен", "дата окончания работы")),
    "end_reason": ("Причина увольнения", ("основание увольнения", "статья увольнения")),
    "contract_number": ("Номер договора", ("номер трудового договора",)),
    "contract_date": ("Дата договора", ("дата трудового договора",)),
    "order_number": ("Номер приказа", ("номер приказа о приеме",)),
    "order_date": ("Дата приказа", ("дата приказа о приеме",)),
    "profile": ("Профиль", ()),
}
#: the template's columns, in order (ФИО split into three: 1С exports have either)
TEMPLATE: tuple[str, ...] = (
    "snils", "last_name", "first_name", "patronymic", "gender", "birth_date", "subdivision", "position_code",
    "position_type", "contract_kind", "rate", "begin_date", "end_date", "end_reason", "contract_number",
    "contract_date", "order_number", "order_date",
)
PERSON_FIELDS = ("snils", "last_name", "first_name", "patronymic", "gender", "birth_date", "inn", "phone", "email")
CARD_FIELDS = tuple(n for n in entity("employment").names if n != "status")
DATE_FIELDS = frozenset(f.name for e in ("person", "employment") for f in entity(e).fields if f.kind == "date")
#: columns without which no row could be imported: the file is refused whole
REQUIRED = ("snils", "position_code", "begin_date")
#: when the column is absent altogether (a 1С list of main jobs has neither)
ABSENT_DEFAULTS = {"position_type": "main", "contract_kind": "labor", "rate": "1"}

_POSITION_TYPE = {"основное место работы": "main", "основная работа": "main", "основное": "main",
                  "основная": "main", "совместительство": "external_part_time",
                  "внешнее совместительство": "external_part_time",
                  "внутреннее совместительство": "internal_part_time", "совмещение": "combined"}
_CONTRACT = {"трудовой": "labor", "трудовой договор": "labor", "тд": "labor", "гпх": "civil",
             "договор гпх": "civil", "гражданско-правовой договор": "civil", "договор гпд": "civil"}
_GENDER = {"м": "male", "муж": "male", "мужской": "male", "мужчина": "male", "ж": "female", "жен": "female",
           "женский": "female", "женщина": "female"}
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_HEADER_SCAN = 20


def _norm(text: Any) -> str:
    s = str(text or "").casefold().replace("ё", "е")
    s = re.sub(r"\(.*?\)", " ", s)
    s = re.sub(r"[*:№\"«»]", " ", s)
    return " ".join(s.split())


_BY_NAME: dict[str, str] = {}
for _key, (_title, _aliases) in COLUMNS.items():
    for _name in (_title, *_aliases):
        _BY_NAME[_norm(_name)] = _key


def header_title(key: str) -> str:
    return COLUMNS[key][0] if key in COLUMNS else key


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    """What happened; ``as_dict`` is the shape of ``frmr staff import --json``."""

    rows: int = 0
    imported: int = 0
    #: rows whose card was already in the vault (a rerun of the same file)
    skipped: int = 0
    persons_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: the file refused whole (nothing imported): why
    refused: str | None = None
    cancelled: bool = False
    dry_run: bool = False
    headers: list[str] = field(default_factory=list)
    #: invalid rows as read, with their spreadsheet row numbers (for the errors workbook)
    bad_rows: list[tuple[int, list[Any]]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "imported": self.imported, "errors": [e.as_dict() for e in self.errors]}

    @property
    def exit_code(self) -> int:
        if self.refused is not None:
            return 2
        return 1 if self.errors else 0

    def messages_by_row(self) -> dict[int, str]:
        out: dict[int, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.row, []).append(e.message)
        return {r: "; ".join(m) for r, m in out.items()}


@dataclass
class Table:
    """The sheet with its header row found and its columns mapped (field -> column index)."""

    sheet: Sheet
    header_index: int
    headers: list[str]
    mapping: dict[str, int]

    @property
    def data(self) -> list[tuple[int, list[Any]]]:
        s = self.sheet
        return list(zip(s.numbers[self.header_index + 1:], s.rows[self.header_index + 1:], strict=True))


def guess_mapping(headers: Sequence[Any]) -> dict[str, int]:
    """field -> column index, by the headers' names (the first column of a name wins)."""
    out: dict[str, int] = {}
    for i, h in enumerate(headers):
        key = _BY_NAME.get(_norm(h))
        if key is not None and key not in out:
            out[key] = i
    return out


def missing_columns(mapping: Mapping[str, int]) -> list[str]:
    """Russian names of the required columns the mapping lacks."""
    out = [header_title(k) for k in REQUIRED if k not in mapping]
    if "fio" not in mapping and not ("last_name" in mapping and "first_name" in mapping):
        out.insert(1, "ФИО (или «Фамилия» и «Имя»)")
    return out


def read_table(path: Path, progress: Progress | None = None, mapping: Mapping[str, int] | None = None) -> Table:
    """The file's first sheet with its header row (the first of the top rows naming two known
    columns) and the column mapping (``mapping`` overrides the guess: the GUI's mapping step)."""
    sheet = read_sheet(path, progress)
    best = (-1, 0, {})  # type: tuple[int, int, dict[str, int]]
    for i, row in enumerate(sheet.rows[:_HEADER_SCAN]):
        m = guess_mapping(row)
        if len(m) > best[1]:
            best = (i, len(m), m)
    index, found, guessed = best
    if found < 2 and mapping is None:
        first = ", ".join(f"«{v}»" for v in sheet.rows[0][:8] if v is not None)
        raise SheetRefused(tr("Не найдена строка заголовков: ожидаются столбцы «СНИЛС», «ФИО», «Должность», "
                              "«Дата начала»… Первая строка файла: {first}. Если названия выглядят как случайные "
                              "буквы — файл в другой кодировке: сохраните его как CSV UTF-8 или возьмите шаблон "
                              "загрузки").format(first=first or "—"))
    index = max(index, 0)
    headers = [str(v) if v is not None else "" for v in sheet.rows[index]]
    final = dict(mapping) if mapping is not None else guessed
    missing = missing_columns(final)
    if missing:
        raise SheetRefused(tr("Нет обязательных столбцов: {missing}. Найдены: {found}. Названия столбцов — как в "
                              "шаблоне загрузки").format(missing=", ".join(f"«{m}»" for m in missing),
                                                         found=", ".join(f"«{h}»" for h in headers if h)))
    if len(sheet.rows) - index - 1 <= 0:
        raise SheetRefused(tr("В файле только заголовки: нет ни одной строки с сотрудником"))
    return Table(sheet, index, headers, final)


# -- one row ---------------------------------------------------------------------------------------

def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    s = str(v).strip()
    return s or None


def _date(v: Any) -> str | None:
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, int | float) and not isinstance(v, bool) and 1 <= v < 2_958_466:
        # an Excel serial date in a CSV saved from a sheet whose cell had no date format
        return (_EXCEL_EPOCH + dt.timedelta(days=int(v))).isoformat()
    s = _text(v)
    if s and re.fullmatch(r"\d{5}", s):
        return (_EXCEL_EPOCH + dt.timedelta(days=int(s))).isoformat()
    if s and re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}\s+\d{1,2}:\d{2}(:\d{2})?", s):
        return s.split()[0]  # «01.09.2013 0:00:00», as 1С writes a date into text
    return s


def _snils(v: Any) -> str | None:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return f"{int(v):011d}"  # a СНИЛС typed into a number cell lost its leading zeros
    s = _text(v)
    if s and re.fullmatch(r"\d{9,10}", s):
        return s.zfill(11)  # the same, saved to CSV from such a cell
    return s


def _rate(v: Any) -> str | None:
    if isinstance(v, float):
        return format(Decimal(repr(v)).normalize(), "f")
    return _text(v)


def _gender_from_patronymic(p: str | None) -> str | None:
    s = (p or "").casefold()
    if s.endswith(("вич", "ьич", "оглы", "улы")):
        return "male"
    if s.endswith(("вна", "чна", "шна", "кызы", "гызы")):
        return "female"
    return None


@dataclass
class RowValues:
    person: dict[str, Any]
    card: dict[str, Any]
    errors: dict[str, str]


def row_values(cells: Sequence[Any], mapping: Mapping[str, int], positions: Mapping[str, str],
               codes: frozenset[str]) -> RowValues:
    """The person's and the card's values from one row's cells (raw text, as a person would
    type it: validation makes them canonical), with the errors found before validation."""
    def cell(key: str) -> Any:
        i = mapping.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    raw: dict[str, Any] = {}
    for key in COLUMNS:
        if key == "fio":
            continue
        v = cell(key)
        if key in DATE_FIELDS:
            raw[key] = _date(v)
        elif key == "snils":
            raw[key] = _snils(v)
        elif key == "rate":
            raw[key] = _rate(v)
        else:
            raw[key] = _text(v)
    errors: dict[str, str] = {}
    fio = _text(cell("fio"))
    if fio and not (raw.get("last_name") or raw.get("first_name")):
        parts = fio.split()
        if len(parts) < 2:
            errors["last_name"] = tr("«ФИО»: «{fio}» — нужны хотя бы фамилия и имя").format(fio=fio)
        else:
            raw["last_name"], raw["first_name"] = parts[0], parts[1]
            raw["patronymic"] = " ".join(parts[2:]) or None
    g = raw.get("gender")
    if g:
        raw["gender"] = _GENDER.get(_norm(g), g)
    else:
        raw["gender"] = _gender_from_patronymic(raw.get("patronymic"))
    for key, aliases in (("position_type", _POSITION_TYPE), ("contract_kind", _CONTRACT)):
        v = raw.get(key)
        if v:
            raw[key] = aliases.get(_norm(v), v)
        elif key not in mapping:
            raw[key] = ABSENT_DEFAULTS[key]
    if raw.get("rate") is None and "rate" not in mapping:
        raw["rate"] = ABSENT_DEFAULTS["rate"]
    pos = raw.get("position_code")
    if pos and pos not in codes:
        code = positions.get(_norm(pos))
        if code is None:
            errors["position_code"] = tr("«Должность»: «{pos}» нет в справочнике должностей НСИ").format(pos=pos)
        else:
            raw["position_code"] = code
    person = {k: raw.get(k) for k in PERSON_FIELDS}
    card = {k: raw.get(k) for k in CARD_FIELDS if raw.get(k) is not None}
    return RowValues(person, card, errors)


def _same_person(existing: Mapping[str, Any], person: Mapping[str, Any]) -> bool:
    def n(v: Any) -> str:
        return _norm(v).replace(" ", "")

    return all(n(existing.get(k)) == n(person.get(k)) for k in ("last_name", "first_name") if person.get(k))


def _same_card(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(str(a.get(k) or "") == str(b.get(k) or "")
               for k in ("org_inn", "position_code", "position_type", "begin_date"))


class _Importer:
    """Checks rows in memory with the repository's rules and writes each group of valid rows with
    ``RecordRepository.insert_checked`` (a few bulk statements: a row-by-row ``add`` spent 25 ms
    a row on statement overhead). A group commits whole, so each row is whole or absent."""

    def __init__(self, repo: RecordRepository, table_: Table, result: ImportResult) -> None:
        self.repo = repo
        self.table = table_
        self.result = result
        self.nsi = repo.nsi()
        entries = self.nsi.get("position").entries
        self.codes = frozenset(entries)
        self.positions = {_norm(name): code for code, name in entries.items()}
        #: СНИЛС -> (person id, the row that made it, their values) for persons this file made
        self.made: dict[str, tuple[str, int, dict[str, Any]]] = {}
        #: СНИЛС -> the person row of the vault, for the group being checked
        self.known: dict[str, dict[str, Any]] = {}
        #: person id -> their cards (canonical), the vault's and this file's
        self.cards_of: dict[str, list[dict[str, Any]]] = {}
        self.org_cache: dict[str, dict[str, Any]] = {}
        self.pending: list[tuple[str, str, str, dict[str, Any]]] = []
        self.role = "doctor"
        self.inns: list[str] = []

    def prepare(self, conn: Connection, group: Sequence[tuple[int, list[Any]]]) -> None:
        """Load what the group's rows are checked against: their persons by СНИЛС and those persons' cards."""
        self.role = get_role(conn)
        self.inns = staff.clerk_inns(conn)
        wanted = set()
        for _, cells in group:
            i = self.table.mapping.get("snils")
            raw = _snils(cells[i]) if i is not None and i < len(cells) else None
            if raw:
                wanted.add(normalize_snils(raw))
        wanted -= set(self.made) | set(self.known)
        found = staff.persons_by_snils(conn, wanted)
        self.known.update(found)
        pids = [str(p["id"]) for p in found.values() if str(p["id"]) not in self.cards_of]
        cards = table("employment")
        for i in range(0, len(pids), 500):
            for r in conn.execute(select(cards).where(cards.c.person_id.in_(pids[i:i + 500]))).mappings():
                self.cards_of.setdefault(str(r["person_id"]), []).append(dict(r))
        for pid in pids:
            self.cards_of.setdefault(pid, [])

    def _org(self, conn: Connection, inn: str | None) -> dict[str, Any]:
        key = inn or ""
        if key not in self.org_cache:
            self.org_cache[key] = staff.org_defaults(conn, inn)
        return self.org_cache[key]

    def _fail(self, number: int, cells: list[Any], errors: Mapping[str, str]) -> None:
        for f, msg in errors.items():
            self.result.errors.append(RowError(number, f, msg))
        self.result.bad_rows.append((number, cells))

    def row(self, conn: Connection, number: int, cells: list[Any]) -> None:
        v = row_values(cells, self.table.mapping, self.positions, self.codes)
        if v.errors:
            self._fail(number, cells, v.errors)
            return
        snils = normalize_snils(str(v.person.get("snils") or ""))
        try:
            pid, new_person = self._person(number, snils, v.person)
            card = self._card(conn, pid, v.card)
        except ValidationFailed as exc:
            self._fail(number, cells, exc.errors)
            return
        if card is None:
            self.result.skipped += 1
            return
        if new_person is not None:
            self.made[snils] = (pid, number, new_person)
            self.cards_of[pid] = []
            self.pending.append(("person", pid, pid, new_person))
            self.result.persons_created += 1
        cid = str(uuid.uuid4())
        self.cards_of[pid].append({"id": cid, **card})
        self.pending.append(("employment", cid, pid, card))
        self.result.imported += 1

    def _person(self, number: int, snils: str, person: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        """(person id, the new person's canonical values or None when they exist)."""
        made = self.made.get(snils)
        if made is not None:
            if not _same_person(made[2], person):
                raise ValidationFailed({"snils": tr("«СНИЛС» {snils} уже в строке {row} с другим ФИО ({name})").format(
                    snils=snils, row=made[1], name=staff.full_name(made[2]))})
            return made[0], None
        existing = self.known.get(snils)
        if existing is not None:
            if not _same_person(existing, person):
                raise ValidationFailed({"snils": tr("«СНИЛС» {snils} в хранилище принадлежит другому человеку: {name}")
                                        .format(snils=snils, name=staff.full_name(existing))})
            return str(existing["id"]), None
        res = validate("person", person, nsi=self.nsi)
        if res.errors:
            raise ValidationFailed(res.errors)
        errors = workflow.change_errors("person", self.role, "create", None, res.values)
        if errors:
            raise ValidationFailed(errors)
        return str(uuid.uuid4()), res.values

    def _card(self, conn: Connection, pid: str, values: dict[str, Any]) -> dict[str, Any] | None:
        """The card's canonical values; None when the person already has this very card."""
        out = dict(values)
        defaults = self._org(conn, str(out.get("org_inn") or "") or None)
        if not out.get("org_inn") or out.get("org_inn") == defaults.get("org_inn"):
            for k in ("org_name", "org_inn", "org_ogrn", "org_kpp"):
                if k in defaults and not out.get(k):
                    out[k] = defaults[k]
        res = validate("employment", out, nsi=self.nsi)
        if res.errors:
            raise ValidationFailed(res.errors)
        if self.role == "hr" and self.inns and str(res.values.get("org_inn")) not in self.inns:
            raise ValidationFailed({"org_inn": tr(staff.OTHER_ORG)})
        if any(_same_card(c, res.values) for c in self.cards_of.get(pid, [])):
            return None
        errors = workflow.change_errors("employment", self.role, "create", None, res.values)
        if errors:
            raise ValidationFailed(errors)
        return res.values

    def flush(self, conn: Connection) -> None:
        if self.pending:
            self.repo.insert_checked(conn, self.pending)
        self.pending = []


def run_import(repo: RecordRepository, path: Path, *, dry_run: bool = False, mapping: Mapping[str, int] | None = None,
               progress: Progress | None = None, cancel: threading.Event | None = None) -> ImportResult:
    """Import the file (or, ``dry_run``, check it and write nothing). Never raises for bad input:
    a file refused whole comes back with ``refused`` set, bad rows in ``errors``."""
    report = progress or (lambda _d, _t, _s: None)
    result = ImportResult(dry_run=dry_run)
    try:
        tbl = read_table(path, report, mapping)
    except SheetRefused as exc:
        result.refused = str(exc)
        return result
    result.headers = tbl.headers
    data = tbl.data
    result.rows = total = len(data)
    imp = _Importer(repo, tbl, result)
    report(0, total, "Проверка и запись строк")
    done = 0
    for start in range(0, total, BATCH_ROWS):
        group = data[start:start + BATCH_ROWS]
        with repo.vault.begin() as conn:
            imp.prepare(conn, group)
            for number, cells in group:
                if cancel is not None and cancel.is_set():
                    # the rows done so far are whole and stay; a rerun adds the rest
                    result.cancelled = True
                    break
                imp.row(conn, number, cells)
                done += 1
            if dry_run:
                imp.pending = []  # checked, not written: the preview
            else:
                imp.flush(conn)
        report(done, total, "Проверка строк" if dry_run else "Запись строк")
        if result.cancelled:
            break
    return result
