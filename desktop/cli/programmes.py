"""``frmr programmes list | enrol | cancel``: education programmes (issue 14).

    frmr programmes list [--specialty CODE] [--format F] [--free] [--mine] [--json]
    frmr programmes enrol ID
    frmr programmes cancel ID

The catalogue is fetched when online and kept in the vault for offline browsing. An enrolment
is a queued ``enrol`` action (a full programme, or a second enrolment, is refused; the server
never gives a seat too many). Exit codes: 0 done; 1 refused; 2 bad input; 4 never fetched offline.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from desktop.cli.support import EXIT_CHECK_FAILED, EXIT_OK, CliError, open_vault
from desktop.i18n import N_, tr
from desktop.models.formatting import fmt_date
from desktop.models.repository import RecordRepository
from desktop.models.workflows.catalogue import FORMATS, ProgrammeFilter, seats_text, select_programmes
from desktop.sync import actions, doctor
from desktop.sync.api import SyncError

EXIT_UNREACHABLE = 4


def cmd_list(args: argparse.Namespace) -> int:
    note = ""
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        try:
            doctor.fetch_catalogue(repo)
        except SyncError as exc:
            note = tr("Нет связи с сервером ({exc}): показан каталог, полученный ранее").format(exc=exc)
        items, at = doctor.programmes(repo)
    if at is None:
        raise CliError(tr(
            "{value}. Каталога в хранилище ещё нет").format(
            value=note or tr("Каталог не получен")), EXIT_UNREACHABLE)
    f = ProgrammeFilter(specialty=args.specialty, format=args.format, free_only=args.free, mine_only=args.mine)
    rows = select_programmes(items, f)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return EXIT_OK
    if note:
        print(note)
    if not rows:
        print(tr("Программ не найдено"))
    for p in rows:
        mine = tr(" [вы записаны]") if p.get("enrolled") else ""
        print(tr(
            "[{id}] {get} ({get2}, {get3} ч, {get4}–{get5}); места: {seats_text}{mine}").format(
            id=p['id'],
            get=p.get('title'),
            get2=FORMATS.get(str(p.get('format')), p.get('format')),
            get3=p.get('hours'),
            get4=fmt_date(p.get('begin_date')),
            get5=fmt_date(p.get('end_date')),
            seats_text=seats_text(p),
            mine=mine) + (f" — {p['local']}" if p.get("local") else ""))
    return EXIT_OK


def _done(out: doctor.Outcome, said: str) -> int:
    if out.ok:
        print(said)
        return EXIT_OK
    for e in out.errors:
        print(e)
    return EXIT_CHECK_FAILED


def cmd_enrol(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        return _done(doctor.enrol(RecordRepository(vault), args.id),
                     tr(
                         "Запись на программу: {WAITING} (отправится при синхронизации)").format(
                         WAITING=tr(actions.WAITING)))


def cmd_cancel(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        return _done(doctor.cancel_enrolment(RecordRepository(vault), args.id), tr("Запись на программу отменена"))


def register(sub: Any) -> None:
    p = sub.add_parser("programmes", help=tr("образовательные программы"))
    psub = p.add_subparsers(dest="programmes_command", required=True, metavar=tr("КОМАНДА"))
    q = psub.add_parser("list", help=tr("каталог программ"))
    q.add_argument("--specialty", default=None, metavar="CODE")
    q.add_argument("--format", choices=sorted(FORMATS), default=None)
    q.add_argument("--free", action="store_true", help=tr("только со свободными местами"))
    q.add_argument("--mine", action="store_true", help=tr("только мои записи"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)
    for name, func, text in (("enrol", cmd_enrol, N_("записаться")), ("cancel", cmd_cancel, N_("отменить запись"))):
        q = psub.add_parser(name, help=tr(text))
        q.add_argument("id", metavar="ID")
        q.set_defaults(func=func)
