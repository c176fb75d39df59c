"""``frmr confirmations list | decide | file``: the documents doctors sent to confirm their cards.

    frmr confirmations list [--all] [--json]     # from the server; offline: the last list fetched
    frmr confirmations decide ID confirm|reject [--reason TEXT]
    frmr confirmations file ID --out FILE         # the document itself (PDF, JPG, PNG)

A decision is a queued ``decide_confirmation`` action (docs/actions.md): it is taken offline as
well and reaches the server exactly once at the next ``frmr sync``; the server checks it again
(the clerk's organization, the request still waiting, the document's checks).

Exit codes: 0 done; 2 bad input or the decision cannot be taken (the message says why);
4 the server is unreachable and no list was fetched before; 5 login needed.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from desktop.cli.support import EXIT_OK, CliError, open_vault
from desktop.i18n import N_, tr
from desktop.models.checkdigits import format_snils
from desktop.models.formatting import fmt_date
from desktop.models.repository import RecordRepository
from desktop.models.staff_requests import (
    cached_confirmations,
    reject_needs_reason,
    remember_confirmations,
    with_local_decisions,
)
from desktop.models.validation import ValidationFailed
from desktop.sync import actions
from desktop.sync.api import BadAnswer, LoginNeeded, ServerProblem, SyncError, Transient
from desktop.sync.auth import SERVER_KEY, authorized_api
from desktop.sync.engine import EXIT_LOGIN, EXIT_UNREACHABLE
from desktop.vault.store import Vault

_STATUS = {"pending": N_("ждёт решения"), "confirmed": N_("подтверждено"), "rejected": N_("отклонено")}
_DECISION = {"confirm": N_("подтвердить"), "reject": N_("отклонить")}


def _server(vault: Vault) -> str:
    with vault.read() as conn:
        from desktop.models.repository import get_meta

        return (get_meta(conn, SERVER_KEY) or "").rstrip("/")




def fetch_confirmations(vault: Vault, status: str = "pending") -> list[dict[str, Any]]:
    """``GET /confirmations`` with the vault's login (SyncError subclasses when it fails)."""
    with authorized_api(vault) as api:
        data = api.request("GET", "/confirmations", params={"status": status, "limit": 500}).json()
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise BadAnswer(tr("Ответ сервера о запросах подтверждения неполон"))
    return [dict(i) for i in items if isinstance(i, dict)]


def _who(item: dict[str, Any]) -> str:
    p = item.get("person") or {}
    name = " ".join(str(p.get(k)) for k in ("last_name", "first_name", "patronymic") if p.get(k))
    return tr(
        "{value}, СНИЛС {format_snils}").format(
        value=name or tr("человек не виден"), format_snils=format_snils(str(p.get('snils') or '')))


def cmd_list(args: argparse.Namespace) -> int:
    note = ""
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        try:
            items = fetch_confirmations(vault, "" if args.all else "pending")
            remember_confirmations(repo, items)
        except LoginNeeded as exc:
            raise CliError(tr("Нужен вход на сервер: {exc}").format(exc=exc), EXIT_LOGIN) from exc
        except (Transient, ServerProblem, SyncError) as exc:
            items, when = cached_confirmations(repo)
            if when is None:
                raise CliError(tr(
                    "Список не получен: {exc}. Решения можно принимать и без связи (frmr confirmations decide), "
                    "они отправятся при синхронизации").format(
                    exc=exc),
                               EXIT_UNREACHABLE) from exc
            note = tr(
                "Нет связи с сервером ({exc}): показан список от {value} {value2}").format(
                exc=exc, value=fmt_date(when[:10]), value2=when[11:16])
        items = with_local_decisions(repo, items)
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=1, default=str))
        return EXIT_OK
    if note:
        print(note)
    if not items:
        print(tr("Запросов подтверждения нет"))
    for i in items:
        card = i.get("card") or {}
        mine = i.get("local_decision")
        line = (tr(
            "[{get}] {who}: {get2}, с {get3}; документ от {get4} — {get5}").format(
            get=i.get('id'),
            who=_who(i),
            get2=card.get('org_name', ''),
            get3=fmt_date(card.get('begin_date')),
            get4=fmt_date(i.get('doc_date')),
            get5=tr(str(_STATUS.get(str(i.get('status')), i.get('status'))))))
        if mine:
            line += tr(
                "; ваше решение «{get}» {get2}").format(
                get=tr(str(_DECISION.get(str(mine['decision']), mine['decision']))),
                get2=actions.STATE_TEXT.get(mine['state'], mine['state']))
        print(line)
        for e in i.get("errors") or []:
            print(tr("      проверка: {e}").format(e=e))
    return EXIT_OK


def cmd_decide(args: argparse.Namespace) -> int:
    reason = (args.reason or "").strip()
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        items, _ = cached_confirmations(repo)
        item = next((i for i in items if str(i.get("id")) == args.id), None)
        if args.decision == "reject" and not reason and reject_needs_reason(item):
            raise CliError(tr("Укажите причину отклонения: --reason ТЕКСТ"))
        pid = str((item or {}).get("person_id") or "") or None
        try:
            actions.queue_action(repo, "decide_confirmation", args.id, {"decision": args.decision, "comment": reason},
                                 person_id=pid)
        except ValidationFailed as exc:
            raise CliError("; ".join(exc.errors.values())) from exc
    print(tr(
        "Решение «{value}»: {WAITING} (отправится при синхронизации)").format(
        value=tr(_DECISION[args.decision]), WAITING=tr(actions.WAITING)))
    return EXIT_OK


def cmd_file(args: argparse.Namespace) -> int:
    from desktop.sync.engine import SyncEngine

    with open_vault(args) as vault:
        items, _ = cached_confirmations(RecordRepository(vault))
        item = next((i for i in items if str(i.get("id")) == args.id), None)
        if item is None or not item.get("blob_sha256"):
            raise CliError(tr("Запрос подтверждения не найден в последнем списке: выполните frmr confirmations list"))
        try:
            data = SyncEngine(vault).fetch_blob(str(item["blob_sha256"]))
        except LoginNeeded as exc:
            raise CliError(tr("Нужен вход на сервер: {exc}").format(exc=exc), EXIT_LOGIN) from exc
        except (Transient, ServerProblem) as exc:
            raise CliError(tr("Файл не получен: {exc}").format(exc=exc), EXIT_UNREACHABLE) from exc
    with open(args.out, "wb") as fh:
        fh.write(data)
    print(tr("Сохранено: {out} ({n} байт)").format(out=args.out, n=len(data)))
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("confirmations", help=tr("подтверждение трудоустройства по документам работников"))
    csub = p.add_subparsers(dest="conf_command", required=True, metavar=tr("КОМАНДА"))
    q = csub.add_parser("list", help=tr("запросы подтверждения"))
    q.add_argument("--all", action="store_true", help=tr("и решённые"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)
    q = csub.add_parser("decide", help=tr("решение: decide ID confirm|reject [--reason ТЕКСТ]"))
    q.add_argument("id")
    q.add_argument("decision", choices=["confirm", "reject"])
    q.add_argument("--reason", default="", help=tr("причина отклонения (или комментарий)"))
    q.set_defaults(func=cmd_decide)
    q = csub.add_parser("file", help=tr("документ работника: file ID --out ФАЙЛ"))
    q.add_argument("id")
    q.add_argument("--out", required=True)
    q.set_defaults(func=cmd_file)
