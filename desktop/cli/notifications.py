"""``frmr notifications [--unread] [--json] [--read-all]``: what sync brought that concerns the
person (issue 14) — new requests, status changes and decisions, refusals, conflicts waiting."""

from __future__ import annotations

import argparse
import json
from typing import Any

from desktop.cli.support import EXIT_OK, open_vault
from desktop.i18n import tr
from desktop.models.repository import RecordRepository
from desktop.models.workflows import notices


def cmd_notifications(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        notices.refresh(repo)
        items: list[dict[str, Any]] = notices.notices(repo, unread_only=args.unread)
        if args.read_all:
            notices.mark_read(repo)
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not items:
        print(tr("Уведомлений нет"))
    for i in items:
        mark = " " if i["read"] else "•"
        print(f"{mark} {i['created_at'][:16].replace('T', ' ')} {i['text']}")
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("notifications", help=tr("уведомления: новые запросы, решения, отказы сервера"))
    p.add_argument("--unread", action="store_true", help=tr("только непрочитанные"))
    p.add_argument("--read-all", action="store_true", help=tr("отметить все прочитанными"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_notifications)
