"""The doctor's ``frmr request`` subcommands (issue 14), hooked into helper A's ``request`` group.

    frmr request list [--status new|acknowledged|answered|closed] [--json]
    frmr request ack ID
    frmr request comment ID TEXT
    frmr request reply ID --text TEXT [--file FILE]
    frmr request sender ID [--json]      (the organization and the clerk who sent it)

Each answer is a queued ``answer_request`` action: taken offline as well, sent once at the next
``frmr sync``. Exit codes: 0 done; 1 refused (the message says why); 2 bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from desktop.cli.support import EXIT_CHECK_FAILED, EXIT_OK, open_vault
from desktop.i18n import tr
from desktop.models.formatting import fmt_date
from desktop.models.repository import RecordRepository
from desktop.models.schema import REQUEST_STATUS
from desktop.sync import actions, doctor


def _done(out: doctor.Outcome, said: str) -> int:
    if out.ok:
        print(tr("{said}: {WAITING} (отправится при синхронизации)").format(said=said, WAITING=tr(actions.WAITING)))
        return EXIT_OK
    for e in out.errors:
        print(e)
    return EXIT_CHECK_FAILED


def cmd_list(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        rows = [r for r in repo.list("request") if not args.status or r.get("status") == args.status]
        rows.sort(key=lambda r: str(r.get("received_at") or ""), reverse=True)
        items: list[dict[str, Any]] = [{**r, "waiting": actions.waiting_label(repo, str(r["id"]))} for r in rows]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=1, default=str))
        return EXIT_OK
    if not items:
        print(tr("Запросов нет"))
    for r in items:
        status = REQUEST_STATUS.get(str(r.get("status")), str(r.get("status") or ""))
        line = f"[{r['id']}] {fmt_date(r.get('received_at'))} {r.get('org_name')}: {r.get('kind') or ''} — {status}"
        print(line + (f" ({r['waiting']})" if r["waiting"] else ""))
    return EXIT_OK


def cmd_ack(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        return _done(doctor.acknowledge(RecordRepository(vault), args.id), tr("Получение подтверждено"))


def cmd_comment(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        return _done(doctor.comment(RecordRepository(vault), args.id, args.text), tr("Комментарий"))


def cmd_reply(args: argparse.Namespace) -> int:
    from desktop.cli.confirm import _read

    name = data = None
    if args.file:
        name, data = Path(args.file).name, _read(args.file)
    with open_vault(args) as vault:
        return _done(doctor.reply(RecordRepository(vault), args.id, args.text, name, data), tr("Ответ"))


def cmd_sender(args: argparse.Namespace) -> int:
    """Asked of the server when it answers, otherwise the copy kept by the last time it did."""
    from desktop.sync.api import SyncError

    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        if repo.get("request", args.id) is None:
            print(tr("Запрос не найден в хранилище"))
            return EXIT_CHECK_FAILED
        note = ""
        try:
            got: dict[str, Any] | None = doctor.fetch_sender(repo, args.id)
        except SyncError as exc:
            got = doctor.sender(repo, args.id)
            note = tr("Сервер не ответил ({why}).").format(why=exc)
    if got is None:
        print(note + " " + tr("Отправитель ещё не получен: повторите при подключении."))
        return EXIT_CHECK_FAILED
    if args.json:
        print(json.dumps(got, ensure_ascii=False, indent=1))
        return EXIT_OK
    org = got.get("organization") or {}
    ids = ", ".join(f"{label} {org[key]}" for key, label in (("inn", tr(
        "ИНН")), ("ogrn", tr("ОГРН")), ("kpp", tr("КПП")))
                    if org.get(key))
    print(f"{tr('Организация')}: {org.get('name') or ''}" + (f" ({ids})" if ids else ""))
    clerk = got.get("sender") or {}
    if clerk.get("name"):
        print(f"{tr('Отправил')}: {clerk['name']}")
    if note:
        print(note + " " + tr("Показаны сведения, полученные ранее."))
    return EXIT_OK


def register_into(rsub: Any) -> None:
    """Add the doctor's subcommands to the ``request`` group's subparsers."""
    q = rsub.add_parser("list", help=tr("запросы организаций: list [--status S] [--json]"))
    q.add_argument("--status", choices=sorted(REQUEST_STATUS), default=None)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)
    q = rsub.add_parser("ack", help=tr("подтвердить получение запроса"))
    q.add_argument("id", metavar="ID")
    q.set_defaults(func=cmd_ack)
    q = rsub.add_parser("comment", help=tr("комментарий к запросу: comment ID TEXT"))
    q.add_argument("id", metavar="ID")
    q.add_argument("text", metavar="TEXT")
    q.set_defaults(func=cmd_comment)
    q = rsub.add_parser("reply", help=tr("ответ на запрос: reply ID --text TEXT [--file FILE]"))
    q.add_argument("id", metavar="ID")
    q.add_argument("--text", default="", metavar="TEXT")
    q.add_argument("--file", default=None, metavar="FILE")
    q.set_defaults(func=cmd_reply)
    q = rsub.add_parser("sender", help=tr("отправитель запроса: sender ID [--json]"))
    q.add_argument("id", metavar="ID")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_sender)
