"""``frmr confirm upload | history``: confirm an employment card by a document (issue 14).

    frmr confirm upload CARD_ID FILE [doc_kind=contract|order|ndfl] [doc_org_inn=…] [doc_org_name=…]
                        [doc_date=…] [doc_begin_date=…] [--json]
    frmr confirm history CARD_ID [--json]

The details are pre-filled from the card; the checks (the server's own rules: ИНН and name
match, the begin date, the document ≤ 90 days old, PDF/JPG/PNG by its bytes, ≤ 5 MB) run at
once, offline. ``--json`` prints ``{"ok": bool, "errors": [..]}``.

Exit codes: 0 queued (sent at the next ``frmr sync``); 1 checks failed, nothing queued; 2 bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from desktop.cli.support import EXIT_CHECK_FAILED, EXIT_OK, CliError, open_vault
from desktop.i18n import N_, tr
from desktop.models.formatting import fmt_date
from desktop.models.repository import RecordRepository
from desktop.sync import doctor
from desktop.sync.api import SyncError

_STATUS = {"pending": N_("ждёт решения"), "confirmed": N_("подтверждено"), "rejected": N_("отклонено")}


def _details(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise CliError(tr("Ожидается ПОЛЕ=ЗНАЧЕНИЕ, получено «{item}»").format(item=item))
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def _read(path: str) -> bytes:
    p = Path(path)
    try:
        if p.stat().st_size > 64 * 1024 * 1024:
            return p.open("rb").read(6 * 1024 * 1024)  # enough to say it is over 5 MB
        return p.read_bytes()
    except FileNotFoundError:
        raise CliError(tr("Файл не найден: {path}").format(path=path)) from None
    except IsADirectoryError:
        raise CliError(tr("Это папка, а не файл: {path}").format(path=path)) from None
    except OSError as exc:
        raise CliError(tr("Файл не прочитан: {path} ({strerror})").format(path=path, strerror=exc.strerror)) from None


def cmd_upload(args: argparse.Namespace) -> int:
    details = _details(args.values)
    data = _read(args.file)
    with open_vault(args) as vault:
        out = doctor.upload_confirmation(RecordRepository(vault), args.card_id, Path(args.file).name, data, details)
    if args.json:
        print(json.dumps(out.as_dict(), ensure_ascii=False))
    elif out.ok:
        print(tr("Проверки пройдены. Документ отправится в отдел кадров при синхронизации (frmr sync)"))
    else:
        print(tr("Документ не отправлен:"))
        for e in out.errors:
            print(f"  — {e}")
    return EXIT_OK if out.ok else EXIT_CHECK_FAILED


def cmd_history(args: argparse.Namespace) -> int:
    note = ""
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        if repo.get("employment", args.card_id) is None:
            raise CliError(tr("Карточка трудоустройства не найдена в хранилище"))
        try:
            doctor.fetch_confirmation_history(repo, args.card_id)
        except SyncError as exc:
            note = tr("Нет связи с сервером ({exc}): показана история, полученная ранее").format(exc=exc)
        items: list[dict[str, Any]] = doctor.confirmation_history(repo, args.card_id)
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=1, default=str))
        return EXIT_OK
    if note:
        print(note)
    if not items:
        print(tr("Подтверждений по карточке не было"))
    for i in items:
        state = i.get("state_text") or tr(_STATUS.get(str(i.get("status")), str(i.get("status"))))
        line = tr(
            "документ от {get} ({get2}): {state}").format(
            get=fmt_date(i.get('doc_date')), get2=i.get('doc_org_name'), state=state)
        said = i.get("comment") or i.get("message")
        print(line + (f" — {said}" if said else ""))
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("confirm", help=tr("подтверждение карточки трудоустройства документом"))
    csub = p.add_subparsers(dest="confirm_command", required=True, metavar=tr("КОМАНДА"))
    q = csub.add_parser("upload", help="upload CARD_ID FILE [doc_org_inn=… doc_org_name=… doc_date=… "
                                       "doc_begin_date=… doc_kind=…]")
    q.add_argument("card_id", metavar="CARD_ID")
    q.add_argument("file", metavar="FILE")
    q.add_argument("values", nargs="*", metavar=tr("ПОЛЕ=ЗНАЧЕНИЕ"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_upload)
    q = csub.add_parser("history", help=tr("история подтверждений карточки"))
    q.add_argument("card_id", metavar="CARD_ID")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_history)
