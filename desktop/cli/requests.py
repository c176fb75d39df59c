"""``frmr request send PERSON_ID… kind=… text=… [--file FILE]…``: a request from the organization to its workers.

The request is a ``request`` row queued in the outbox (desktop/models/staff_requests.py): it is
sent offline as well and reaches the server exactly once at the next ``frmr sync``. Several
persons get one request each, all queued in one transaction (or none). ``--file`` (up to five
times) attaches a PDF, JPG or PNG of at most 5 MB, recognised by its bytes; the file goes to the
server before the request, and only the addressed worker and the organization may read it.

Exit codes: 0 queued (the ids printed, one per line); 1 a value refused; 2 bad input.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.support import EXIT_OK, CliError, open_vault
from desktop.i18n import tr
from desktop.models.repository import RecordRepository
from desktop.models.staff_request_files import read_files
from desktop.models.staff_requests import send_requests

_FIELDS = ("kind", "text", "org_inn", "org_name")


def cmd_send(args: argparse.Namespace) -> int:
    persons: list[str] = []
    values: dict[str, str] = {}
    for item in args.items:
        if "=" not in item:
            persons.append(item)
            continue
        k, v = item.split("=", 1)
        k = k.strip()
        if k not in _FIELDS:
            raise CliError(tr("Неизвестное поле «{k}» запроса. Поля: {items}").format(k=k, items=', '.join(_FIELDS)))
        values[k] = v
    if not persons:
        raise CliError(tr("Укажите id человека (или нескольких): request send PERSON_ID… kind=… text=…"))
    files = read_files(args.file or [])
    with open_vault(args) as vault:
        ids = send_requests(RecordRepository(vault), persons, values, files)
    for rid in ids:
        print(rid)
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("request", help=tr("запросы работникам"))
    rsub = p.add_subparsers(dest="request_command", required=True, metavar=tr("КОМАНДА"))
    q = rsub.add_parser("send", help=tr("отправить запрос: send PERSON_ID… kind=… text=… [--file FILE]"))
    q.add_argument("items", nargs="+", metavar=tr("PERSON_ID|ПОЛЕ=ЗНАЧЕНИЕ"))
    q.add_argument("--file", action="append", metavar="FILE", help=tr("вложение: PDF, JPG или PNG до 5 МБ"))
    q.set_defaults(func=cmd_send)
    from desktop.cli.request_doctor import register_into  # the doctor's list/ack/comment/reply (issue 14)

    register_into(rsub)
