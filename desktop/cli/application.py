"""``frmr application new | check | submit | withdraw``: the accreditation application (issue 14).

    frmr application new kind=periodic specialty_code=…      → the new application's id
    frmr application check ID [--json]                        → {"ok": bool, "shortfalls": [..]}
    frmr application submit ID                                → queued; the number comes with the sync
    frmr application withdraw ID                              → back to a draft while undecided

After ``frmr sync``, ``frmr show application --json`` carries ``confirmation_number`` and
``submitted_at``. Exit codes: 0 done (check: no shortfalls); 1 refused or shortfalls; 2 bad input.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from desktop.cli.support import EXIT_CHECK_FAILED, EXIT_OK, CliError, open_vault, profile_dir
from desktop.documents.nmo import rule_from_settings
from desktop.documents.portfolio import shortfalls
from desktop.i18n import N_, tr
from desktop.models.repository import RecordRepository
from desktop.models.schema import entity
from desktop.models.settings import load_settings
from desktop.sync import actions, doctor


def _pairs(items: list[str]) -> dict[str, str]:
    names = entity("application").names
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise CliError(tr("Ожидается ПОЛЕ=ЗНАЧЕНИЕ, получено «{item}»").format(item=item))
        k, v = item.split("=", 1)
        if k.strip() not in names:
            raise CliError(tr("Неизвестное поле «{k}» заявления. Поля: kind, specialty_code").format(k=k))
        out[k.strip()] = v
    return out


def cmd_new(args: argparse.Namespace) -> int:
    values = _pairs(args.values)
    with open_vault(args) as vault:
        print(doctor.new_application(RecordRepository(vault), values))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    rule = rule_from_settings(load_settings(profile_dir(args)))
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        app = repo.get("application", args.id)
        if app is None:
            raise CliError(tr("Заявление не найдено в хранилище"))
        record = repo.snapshot(app.get("person_id"))
        found = shortfalls(app, record, repo.nsi(), rule)
    if args.json:
        print(json.dumps({"ok": not found, "shortfalls": found}, ensure_ascii=False))
    elif not found:
        print(tr("Портфолио соответствует требованиям — заявление можно отправлять"))
    else:
        print(tr("Не хватает:"))
        for s in found:
            print(f"  — {s}")
    return EXIT_OK if not found else EXIT_CHECK_FAILED


def _done(out: doctor.Outcome, said: str) -> int:
    if out.ok:
        print(said)
        return EXIT_OK
    for e in out.errors:
        print(e)
    return EXIT_CHECK_FAILED


def cmd_submit(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        return _done(doctor.submit_application(RecordRepository(vault), args.id),
                     tr(
                         "Заявление подано: {WAITING}; номер и дата подтверждения придут при синхронизации").format(
                         WAITING=tr(actions.WAITING)))


def cmd_withdraw(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        return _done(doctor.withdraw_application(RecordRepository(vault), args.id),
                     tr("Заявление отозвано (снова черновик); изменение отправится при синхронизации"))


def register(sub: Any) -> None:
    p = sub.add_parser("application", help=tr("заявление на аккредитацию"))
    asub = p.add_subparsers(dest="application_command", required=True, metavar=tr("КОМАНДА"))
    q = asub.add_parser("new", help=tr("new ПОЛЕ=ЗНАЧЕНИЕ… (kind, specialty_code)"))
    q.add_argument("values", nargs="+", metavar=tr("ПОЛЕ=ЗНАЧЕНИЕ"))
    q.set_defaults(func=cmd_new)
    for name, func, text in (("check", cmd_check, N_("проверить портфолио")), ("submit", cmd_submit, N_("отправить")),
                             ("withdraw", cmd_withdraw, N_("отозвать"))):
        q = asub.add_parser(name, help=tr(text))
        q.add_argument("id", metavar="ID")
        if name == "check":
            q.add_argument("--json", action="store_true")
        q.set_defaults(func=func)
