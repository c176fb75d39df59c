"""``frmr journal [--since DATE] [--until DATE] [--kind K] [--json] [--local]``: «Мой журнал».

This computer's journal (unlocks, failed unlocks, edits, exports, signatures) and, when the
vault is signed in and the server answers, the server's (logins with their address, account
changes, changes others made to my record). Offline, the local part is shown and a note on
stderr says the server's part is missing. ``--json`` is the export (one list, newest first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from desktop.cli.support import EXIT_OK, CliError, open_vault
from desktop.i18n import tr
from desktop.models.journal import action_text, local_entries
from desktop.models.repository import RecordRepository
from desktop.sync.account import JOURNAL_KINDS, AccountClient, is_day, parse_day, signed_in
from desktop.sync.api import SyncError

#: other words people and scripts use for the kinds: word -> (kind, only these actions or None)
ALIASES: dict[str, tuple[str, frozenset[str] | None]] = {
    "unlock": ("login", frozenset({"unlock", "unlock_failed"})),
    "unlocks": ("login", frozenset({"unlock", "unlock_failed"})),
    "logins": ("login", None),
    "sign": ("signature", None),
    "signatures": ("signature", None),
    "exports": ("export", None),
    "changes": ("record", None),
    "edit": ("record", None),
}


def _day(text: str | None, end: bool = False) -> float:
    if not text:
        return 0.0
    try:
        start = parse_day(text)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    return start + 86400 - 0.001 if end and is_day(text) else start


def collect(repo: RecordRepository, since: float, until: float, kind: str,
            local_only: bool) -> tuple[list[dict[str, Any]], str]:
    """The merged journal and a note ("" when the server's part is there)."""
    items = local_entries(repo, since=since, until=until, kind=kind)
    note = ""
    if local_only:
        return items, note
    if not signed_in(repo.vault):
        note = tr("Вход на сервер не выполнен: показан только журнал этого компьютера")
    elif kind != "signature":
        try:
            with AccountClient(repo.vault) as client:
                server_kind = "" if kind in ("", "signature") else kind
                for i in client.journal(since=since, until=until, kind=server_kind):
                    items.append({**i, "source": "server"})
        except SyncError as exc:
            note = tr("Журнал сервера недоступен ({exc}): показан только журнал этого компьютера").format(exc=exc)
    items.sort(key=lambda i: float(i.get("at") or 0), reverse=True)
    return items, note


def cmd_journal(args: argparse.Namespace) -> int:
    kind, only = (args.kind or "").strip().lower(), None
    if kind in ALIASES:
        kind, only = ALIASES[kind]
    if kind and kind not in JOURNAL_KINDS:
        raise CliError(tr(
            "Неизвестный вид записей «{kind}». Виды: {items}").format(
            kind=args.kind, items=', '.join(JOURNAL_KINDS)))
    since, until = _day(args.since), _day(args.until, end=True)
    if since and until and since > until:
        raise CliError(tr("Начало периода (--since) позже его конца (--until)"))
    with open_vault(args) as vault:
        items, note = collect(RecordRepository(vault), since, until, kind, args.local)
    if only is not None:
        items = [i for i in items if i.get("action") in only]
    if note:
        print(note, file=sys.stderr)
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not items:
        print(tr("Записей нет"))
    for i in items:
        when = dt.datetime.fromtimestamp(float(i.get("at") or 0)).strftime("%d.%m.%Y %H:%M:%S")
        where = tr("сервер") if i.get("source") == "server" else tr("этот компьютер")
        parts = [when, action_text(str(i.get("action"))), tr("кто: {value}").format(value=i.get('who') or '—')]
        if i.get("ip"):
            parts.append(tr("адрес: {ip}").format(ip=i['ip']))
        if i.get("entity") and i.get("entity") not in ("account", "vault"):
            parts.append(f"{i['entity']} {i.get('entity_id') or ''}".strip())
        if i.get("fields"):
            parts.append(tr("поля: ") + ", ".join(i["fields"]))
        if i.get("detail"):
            parts.append(str(i["detail"]))
        print(f"{' · '.join(parts)} [{where}]")
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("journal", help=tr("мой журнал: входы, изменения, выгрузки и подписи"))
    p.add_argument("--since", metavar="DATE", help=tr("с даты (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)"))
    p.add_argument("--until", metavar="DATE", help=tr("по дату включительно"))
    p.add_argument("--kind", metavar="K", help=tr("вид: {kinds}").format(
        kinds=", ".join(f"{k} ({tr(v)})" for k, v in JOURNAL_KINDS.items())))
    p.add_argument("--json", action="store_true", help=tr("вывести (выгрузить) в JSON"))
    p.add_argument("--local", action="store_true", help=tr("только журнал этого компьютера, без сервера"))
    p.set_defaults(func=cmd_journal)
