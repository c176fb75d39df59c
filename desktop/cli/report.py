"""``frmr report org``: an organization's figures as a statistical report (issue 15, docs/reports.md).

    frmr report org [--org INN] --format pdf|xlsx|json --out FILE
                    [--subdivision S] [--position CODE] [--from DATE] [--to DATE] [--offline]

The figures come from the server; with no connection (or ``--offline``) the last ones kept in
the vault are used and the command says how old they are. Exit codes: 0 written; 2 bad input or
refused; 4 no connection and nothing kept; 5 a login is needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from desktop.cli.support import EXIT_BAD_INPUT, EXIT_OK, CliError, open_vault
from desktop.documents.atomic import atomic_write
from desktop.i18n import tr
from desktop.models.validation import FieldError, parse_date
from desktop.sync import reports
from desktop.sync.account import AccountError
from desktop.sync.api import LoginNeeded, SyncError, Transient

EXIT_UNREACHABLE = 4
EXIT_LOGIN = 5


def contract(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON of `--format json`: the promised keys first, the details after them."""
    out = {k: data.get(k) for k in reports.CONTRACT_KEYS}
    out.update({k: v for k, v in data.items() if k not in out})
    return out


def _date(text: str | None, what: str) -> str:
    if not text:
        return ""
    try:
        d = parse_date(text)
    except FieldError as exc:
        raise CliError(f"{what}: «{text}» — {exc}") from exc
    if not 1900 <= d.year <= 2100:
        raise CliError(tr("{what}: {d:%d.%m.%Y} — вне допустимого диапазона (1900–2100)").format(what=what, d=d))
    return d.isoformat()


def _figures(args: argparse.Namespace) -> reports.Figures:
    flt = {"subdivision": args.subdivision or "", "position": args.position or "",
           "date_from": _date(args.date_from, "--from"), "date_to": _date(args.date_to, "--to")}
    with open_vault(args) as vault:
        if not args.offline:
            try:
                return reports.fetch(vault, args.org, **flt)
            except LoginNeeded as exc:
                if not _kept_ok(args, flt):
                    raise CliError(tr(
                        "Требуется вход на сервер: {exc} (frmr login)").format(
                        exc=exc), EXIT_LOGIN) from exc
                print(tr(
                    "Сервер недоступен без входа ({exc}); используются сохранённые данные.").format(
                    exc=exc), file=sys.stderr)
            except Transient as exc:
                if not _kept_ok(args, flt):
                    raise CliError(tr("{exc}. Сохранённых показателей нет.").format(exc=exc), EXIT_UNREACHABLE) from exc
                print(tr("Нет связи с сервером; используются сохранённые данные."), file=sys.stderr)
            except (AccountError, SyncError) as exc:
                raise CliError(str(exc), EXIT_BAD_INPUT) from exc
        elif any(flt.values()):
            raise CliError(tr("Отбор (--subdivision, --position, --from, --to) требует сервера: сохраняются только "
                           "показатели по всей организации"))
        inns = [args.org] if args.org else reports.kept_orgs(vault)
        if len(inns) > 1:
            raise CliError(tr("Укажите организацию (--org ИНН): сохранены показатели ") + ", ".join(inns))
        got = reports.kept(vault, inns[0]) if inns else None
    if got is None:
        raise CliError(tr("Сохранённых показателей нет: получите их с сервера (без --offline)"), EXIT_UNREACHABLE)
    print(tr("Показатели из хранилища, {age_text}.").format(age_text=got.age_text()), file=sys.stderr)
    return got


def _kept_ok(args: argparse.Namespace, flt: dict[str, str]) -> bool:
    if any(flt.values()):
        return False
    args.offline = True
    return True


def cmd_org(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.is_dir():
        raise CliError(tr("{out} — папка; укажите имя файла").format(out=out))
    if not out.parent.is_dir():
        raise CliError(tr("Папка {parent} не существует").format(parent=out.parent))
    figures = _figures(args)
    data = figures.data
    if args.format == "json":
        payload = json.dumps(contract(data), ensure_ascii=False, indent=1).encode("utf-8")
    elif args.format == "pdf":
        from desktop.documents.org_report import report_pdf

        payload = report_pdf(data)
    else:
        from desktop.documents.org_report import report_xlsx

        payload = report_xlsx(data)
    try:
        atomic_write(out, payload)
    except OSError as exc:
        raise CliError(tr("Файл {out} не записан: {value}").format(out=out, value=exc.strerror or exc)) from exc
    empty = tr(" (в организации нет работающих сотрудников)") if figures.empty else ""
    print(tr("Отчёт записан: {out}{empty}").format(out=out, empty=empty))
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("report", help=tr("статистические отчёты (руководитель, кадровая служба, оператор)"))
    rsub = p.add_subparsers(dest="report_command", required=True, metavar=tr("КОМАНДА"))
    q = rsub.add_parser("org", help=tr("показатели организации: PDF, Excel или JSON"))
    q.add_argument("--org", metavar=tr("ИНН"), help=tr("организация (если их несколько)"))
    q.add_argument("--format", required=True, choices=("pdf", "xlsx", "json"))
    q.add_argument("--out", required=True, metavar="FILE")
    q.add_argument("--subdivision", metavar=tr("ПОДРАЗДЕЛЕНИЕ"))
    q.add_argument("--position", metavar=tr("КОД"))
    q.add_argument("--from", dest="date_from", metavar=tr("ДАТА"), help=tr("начало периода (запросы, подтверждения)"))
    q.add_argument("--to", dest="date_to", metavar=tr("ДАТА"), help=tr("конец периода"))
    q.add_argument("--offline", action="store_true", help=tr(
        "не обращаться к серверу: последние сохранённые показатели"))
    q.set_defaults(func=cmd_org)
