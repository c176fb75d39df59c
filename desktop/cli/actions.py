"""``frmr action NAME ID [ПАРАМЕТР=ЗНАЧЕНИЕ…]`` and ``frmr actions``: workflow actions queued
like edits and sent exactly once by ``frmr sync`` (docs/actions.md).

    frmr action submit_application APP_ID
    frmr action answer_request REQ_ID text="Диплом во вложении" blob_sha256=… status=answered
    frmr action request_confirmation CARD_ID blob_sha256=… doc_kind=contract doc_org_inn=7707083893 \\
         doc_org_name="ГКБ № 1" doc_begin_date=2013-09-01 doc_date=2024-05-10
    frmr action enrol PROGRAMME_ID
    frmr action decide_confirmation CONF_ID decision=confirm          # hr, admin
    frmr action decide_application APP_ID status=approved comment=…   # admin
    frmr action decide_nmo NMO_ID status=confirmed                    # admin
    frmr action close_employment CARD_ID end_date=31.05.2024 end_reason="По собственному желанию"
    frmr actions [--state pending|applied|rejected|discarded] [--json]

Exit codes: 0 queued (or listed); 2 invalid arguments or the local copy says the action cannot
be taken now (the message says why). A refusal by the server shows in ``frmr actions`` and
``frmr rejected``; ``frmr discard ID`` gives it up.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from desktop.cli.support import EXIT_OK, CliError, open_vault
from desktop.i18n import tr
from desktop.models.repository import RecordRepository
from desktop.models.validation import ValidationFailed
from desktop.sync import actions
from desktop.sync.wire import ACTIONS


def _args(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise CliError(tr("Ожидается ПАРАМЕТР=ЗНАЧЕНИЕ, получено «{item}»").format(item=item))
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def cmd_action(args: argparse.Namespace) -> int:
    params = _args(args.values)
    with open_vault(args) as vault:
        try:
            q = actions.queue_action(RecordRepository(vault), args.name, args.id, params, person_id=args.person)
        except ValidationFailed as exc:
            raise CliError("; ".join(exc.errors.values())) from exc
    if args.json:
        print(json.dumps({"id": q.seq, "op_id": q.op_id, "action": q.action, "entity": q.entity,
                          "entity_id": q.entity_id, "preview": q.preview, "state": "pending"}, ensure_ascii=False))
    else:
        print(tr(
            "«{label}»: {WAITING} (отправится при синхронизации)").format(
            label=tr(ACTIONS[q.action].label), WAITING=tr(actions.WAITING)))
    return EXIT_OK


def cmd_actions(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        items: list[dict[str, Any]] = actions.list_actions(RecordRepository(vault), args.state)
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=1, default=str))
        return EXIT_OK
    if not items:
        print(tr("Действий нет"))
    for a in items:
        said = a["message"] or ", ".join(f"{k}: {v}" for k, v in a["result"].items() if not isinstance(v, dict))
        print(f"[{a['id']}] {a['label']} {a['entity_id']}: {a['state_text']}" + (f" — {said}" if said else ""))
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("action", help=tr("действие (подать заявление, ответить на запрос, решение …): "
                                      "action ИМЯ ID [ПАРАМЕТР=ЗНАЧЕНИЕ…]"))
    p.add_argument("name", choices=sorted(ACTIONS), metavar=tr("ИМЯ"), help=", ".join(sorted(ACTIONS)))
    p.add_argument("id", help=tr("id заявления, запроса, карточки, программы или запроса подтверждения"))
    p.add_argument("values", nargs="*", metavar=tr("ПАРАМЕТР=ЗНАЧЕНИЕ"))
    p.add_argument("--person", default=None, help=tr("id человека, если записи нет в хранилище"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_action)
    p = sub.add_parser("actions", help=tr("действия в очереди и ответы сервера"))
    p.add_argument("--state", choices=sorted(actions.STATE_TEXT), default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_actions)
