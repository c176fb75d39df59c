"""``frmr staff …``: the HR clerk's staff from a terminal — the same core as the «Сотрудники»
workspace (desktop/models/staff.py, desktop/documents/staff_import.py, staff_export.py).

    frmr staff list [--org INN] [--q TEXT] [--active|--dismissed] [--json]
    frmr staff add-person snils=… last_name=… first_name=… gender=female birth_date=17.03.1984
    frmr staff add-card PERSON_ID position_code=4 position_type=main contract_kind=labor rate=1 begin_date=…
    frmr staff close-card CARD_ID end_date=31.05.2024 end_reason="По собственному желанию"
    frmr staff transfer CARD_ID end_date=31.05.2024 position_code=3 …
    frmr staff import FILE [--dry-run] [--json] [--errors-out ERRORS.xlsx]
    frmr staff import --template FILE
    frmr staff export --format xlsx|csv --out FILE [--org INN] [--cards]

Exit codes: 0 done; 1 refused by a check (invalid value, a СНИЛС already in the vault — the
message names the person —, some import rows refused: the valid ones are imported); 2 bad input
(usage, unknown field, a file the import refuses whole: nothing imported).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

from desktop.cli.support import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, CliError, open_vault
from desktop.i18n import tr
from desktop.models import staff
from desktop.models.checkdigits import format_snils
from desktop.models.formatting import fmt_date, fmt_decimal
from desktop.models.repository import RecordRepository
from desktop.models.schema import POSITION_TYPE, entity


def _pairs(items: list[str], allowed: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise CliError(tr("Ожидается ПОЛЕ=ЗНАЧЕНИЕ, получено «{item}»").format(item=item))
        k, v = item.split("=", 1)
        k = k.strip()
        if k not in allowed:
            raise CliError(tr(
                "Неизвестное поле «{k}» для «{what}». Поля: {items}").format(
                k=k, what=what, items=', '.join(allowed)))
        if k in out:
            raise CliError(tr("Поле «{k}» указано дважды: «{value}» и «{v}»").format(k=k, value=out[k], v=v))
        out[k] = v
    return out


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1, default=str))


def cmd_list(args: argparse.Namespace) -> int:
    active = True if args.active else False if args.dismissed else None
    with open_vault(args) as vault:
        rows = staff.staff_rows(RecordRepository(vault), org_inn=args.org, q=args.q or "", active=active)
    if args.json:
        _print_json(rows)
        return EXIT_OK
    print(tr("== Сотрудники ({n})").format(n=len(rows)))
    for r in rows:
        print(tr(
            "  [{id}] {full_name}, СНИЛС {format_snils}").format(
            id=r['id'], full_name=staff.full_name(r), format_snils=format_snils(str(r['snils'] or ''))))
        for c in r["cards"]:
            until = tr(" по {end_date}").format(end_date=fmt_date(c['end_date'])) if c["end_date"] else ""
            print(tr(
                "      [{id}] {position_name} ({get}), ставка {fmt_decimal}, с {begin_date}{until}").format(
                id=c['id'],
                position_name=c['position_name'],
                get=POSITION_TYPE.get(c['position_type'] or '', ''),
                fmt_decimal=fmt_decimal(c['rate'], lang='ru'),
                begin_date=fmt_date(c['begin_date']),
                until=until))
    return EXIT_OK


def cmd_add_person(args: argparse.Namespace) -> int:
    """A СНИЛС in the vault: exit 1, nothing changed. Else, with a login, the registry is asked
    (``GET /persons``): a person it knows is linked under the registry's id — never created a
    second time — and that id printed; unknown, or the server unreachable: created here, queued."""
    from desktop.models.staff_link import link_person
    from desktop.models.validation import ValidationFailed, validate
    from desktop.sync.api import LoginNeeded, SyncError

    values = _pairs(args.values, entity("person").names, tr("человек"))
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        with vault.read() as conn:
            existing = staff.find_by_snils(conn, values.get("snils", ""))
        if existing is not None:
            raise staff.DuplicatePerson(existing["id"], staff.full_name(existing), existing["snils"])
        res = validate("person", values, nsi=repo.nsi())
        if res.errors:
            raise ValidationFailed(res.errors)
        known = None
        if not args.offline:
            from desktop.sync.person_lookup import registry_person

            try:
                known = registry_person(vault, str(res.values["snils"]))
            except LoginNeeded:
                pass  # a vault that never logged in keeps its staff on its own
            except SyncError as exc:
                print(f"Регистр недоступен ({exc}): человек создан в хранилище и будет отправлен при "
                      "синхронизации", file=sys.stderr)
        if known is None:
            pid = staff.add_person(repo, values)
        elif known.get("in_my_organizations"):
            pid = link_person(repo, str(known["person_id"]), dict(known.get("fields") or {}),
                              version=int(known.get("version") or 0))
            print(tr("Человек есть в регистре среди сотрудников вашей организации: взят из регистра"), file=sys.stderr)
        else:
            pid = link_person(repo, str(known["person_id"]), values)
            print(tr(
                "Человек с этим СНИЛС уже есть в регистре: он не создан второй раз, а будет связан с вашей "
                "организацией карточкой трудоустройства (frmr staff add-card {person_id} …)").format(
                person_id=known['person_id']),
                  file=sys.stderr)
    print(pid)
    return EXIT_OK


def cmd_add_card(args: argparse.Namespace) -> int:
    values = _pairs(args.values, entity("employment").names, tr("карточка трудоустройства"))
    with open_vault(args) as vault:
        cid = staff.add_card(RecordRepository(vault), args.person_id, values)
    print(cid)
    return EXIT_OK


def cmd_close_card(args: argparse.Namespace) -> int:
    values = _pairs(args.values, ("end_date", "end_reason"), tr("увольнение"))
    with open_vault(args) as vault:
        staff.close_card(RecordRepository(vault), args.card_id, values.get("end_date"), values.get("end_reason", ""))
    print(tr("Карточка закрыта"))
    return EXIT_OK


def cmd_transfer(args: argparse.Namespace) -> int:
    values = _pairs(args.values, entity("employment").names, tr("перевод"))
    end_date = values.pop("end_date", None)
    reason = values.pop("end_reason", None) or staff.TRANSFER_REASON
    if not end_date:
        raise CliError(tr("Укажите end_date=дд.мм.гггг — последний день на прежней должности"))
    with open_vault(args) as vault:
        cid = staff.transfer(RecordRepository(vault), args.card_id, end_date, values, end_reason=reason)
    print(cid)
    return EXIT_OK


def _import_text(res: Any) -> None:
    from desktop.documents.staff_import import header_title

    head = tr("Проверка (ничего не записано)") if res.dry_run else tr("Загрузка")
    print(tr(
        "{head}: строк {rows}, {value} {imported}, уже были в хранилище {skipped}, с ошибками {n}").format(
        head=head,
        rows=res.rows,
        value=tr("можно загрузить") if res.dry_run else tr("загружено"),
        imported=res.imported,
        skipped=res.skipped,
        n=len({e.row for e in res.errors})))
    for e in res.errors:
        print(tr(
            "  строка {row}, «{header_title}»: {message}").format(
            row=e.row, header_title=header_title(e.field), message=e.message), file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    from desktop.documents.atomic import atomic_write
    from desktop.documents.staff_export import errors_xlsx, template_xlsx
    from desktop.documents.staff_import import run_import

    out_path = Path(args.file)
    if args.template:
        atomic_write(out_path, template_xlsx())
        print(tr("Шаблон сохранён: {out_path}").format(out_path=out_path))
        return EXIT_OK
    cancel = threading.Event()
    with open_vault(args) as vault:
        try:
            res = run_import(RecordRepository(vault), out_path, dry_run=args.dry_run, cancel=cancel)
        except KeyboardInterrupt:
            # the group of rows in flight is rolled back whole; the rows committed before stay
            raise CliError(tr("Загрузка прервана: загруженные строки сохранены целиком, повторный запуск "
                           "того же файла добавит остальные")) from None
    if res.refused is not None:
        if args.json:
            _print_json({"rows": res.rows, "imported": 0,
                         "errors": [{"row": 0, "field": "file", "message": res.refused}]})
        print(tr("Ошибка: {refused}. Ничего не загружено.").format(refused=res.refused), file=sys.stderr)
        if "шаблон" in res.refused or tr("шаблон") in res.refused:  # the message names the template
            print(tr("Шаблон загрузки: frmr staff import --template ФАЙЛ.xlsx"), file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.errors_out and res.bad_rows:
        atomic_write(Path(args.errors_out), errors_xlsx(res.headers, res.bad_rows, res.messages_by_row()))
        print(tr(
            "Строки с ошибками сохранены в {errors_out}: исправьте их и загрузите этот файл").format(
            errors_out=args.errors_out),
              file=sys.stderr)
    if args.json:
        _print_json(res.as_dict())
        for e in res.errors:
            print(tr("строка {row}: {message}").format(row=e.row, message=e.message), file=sys.stderr)
    else:
        _import_text(res)
    return res.exit_code


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.documents.staff_export import export_file

    out = Path(args.out)
    if out.is_dir():
        raise CliError(tr("{out} — это папка: укажите имя файла в --out").format(out=out))
    with open_vault(args) as vault:
        try:
            size = export_file(RecordRepository(vault), args.format, out, org_inn=args.org, by_card=args.cards)
        except OSError as exc:
            raise CliError(tr(
                "Не удалось сохранить {out}: {value}").format(
                out=out, value=exc.strerror or exc)) from exc
        from desktop.models.journal import record_export

        record_export(RecordRepository(vault), "staff", args.format)
    print(tr("Сохранено: {out} ({size} байт)").format(out=out, size=size))
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("staff", help=tr("сотрудники организации (кадровая служба)"))
    ssub = p.add_subparsers(dest="staff_command", required=True, metavar=tr("КОМАНДА"))

    q = ssub.add_parser("list", help=tr("список сотрудников"))
    q.add_argument("--org", metavar=tr("ИНН"), help=tr("только эта организация"))
    q.add_argument("--q", metavar=tr("ТЕКСТ"), help=tr("часть ФИО, начало СНИЛС или часть должности"))
    g = q.add_mutually_exclusive_group()
    g.add_argument("--active", action="store_true", help=tr("работающие (есть действующая карточка)"))
    g.add_argument("--dismissed", action="store_true", help=tr("уволенные (все карточки закрыты)"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)

    q = ssub.add_parser("add-person", help=tr("добавить человека: add-person ПОЛЕ=ЗНАЧЕНИЕ…"))
    q.add_argument("values", nargs="*", metavar=tr("ПОЛЕ=ЗНАЧЕНИЕ"))
    q.add_argument("--offline", action="store_true", help=tr("не спрашивать регистр: создать в хранилище"))
    q.set_defaults(func=cmd_add_person)

    q = ssub.add_parser("add-card", help=tr("добавить карточку: add-card PERSON_ID ПОЛЕ=ЗНАЧЕНИЕ…"))
    q.add_argument("person_id")
    q.add_argument("values", nargs="*", metavar=tr("ПОЛЕ=ЗНАЧЕНИЕ"))
    q.set_defaults(func=cmd_add_card)

    q = ssub.add_parser("close-card", help=tr("увольнение: close-card CARD_ID end_date=… end_reason=…"))
    q.add_argument("card_id")
    q.add_argument("values", nargs="*", metavar=tr("ПОЛЕ=ЗНАЧЕНИЕ"))
    q.set_defaults(func=cmd_close_card)

    q = ssub.add_parser("transfer", help=tr("перевод: transfer CARD_ID end_date=… [ПОЛЕ=ЗНАЧЕНИЕ новой карточки…]"))
    q.add_argument("card_id")
    q.add_argument("values", nargs="*", metavar=tr("ПОЛЕ=ЗНАЧЕНИЕ"))
    q.set_defaults(func=cmd_transfer)

    q = ssub.add_parser("import", help=tr("загрузить сотрудников из .xlsx, .xls или .csv"))
    q.add_argument("file", metavar="FILE")
    q.add_argument("--dry-run", action="store_true", help=tr("только проверить, ничего не записывать"))
    q.add_argument("--json", action="store_true")
    q.add_argument("--errors-out", metavar="FILE.xlsx", help=tr("сохранить строки с ошибками (столбец «Ошибка»)"))
    q.add_argument("--template", action="store_true", help=tr("сохранить в FILE шаблон для заполнения"))
    q.set_defaults(func=cmd_import)

    q = ssub.add_parser("export", help=tr("выгрузить сотрудников в .xlsx или .csv"))
    q.add_argument("--format", choices=["xlsx", "csv"], required=True)
    q.add_argument("--out", required=True, metavar="FILE")
    q.add_argument("--org", metavar=tr("ИНН"), help=tr("только эта организация"))
    q.add_argument("--cards", action="store_true",
                   help=tr("строка на каждую карточку (столбцы шаблона загрузки: исправленный файл "
                           "загружается обратно)"))
    q.set_defaults(func=cmd_export)


__all__ = ["EXIT_CHECK_FAILED", "register"]
