"""``frmr admin``: the registry operator's console (role ``admin``, issue 15, docs/reports.md).

    frmr admin applications list [--status S] [--json]
    frmr admin applications decide ID approve|reject|review [--comment TEXT]
    frmr admin nmo list [--status S] [--json]
    frmr admin nmo decide ID… confirm|reject
    frmr admin accounts list [--role R] [--json]
    frmr admin accounts create LOGIN --role R [--person ID] [--org INN…] [--name TEXT] [--json]
    frmr admin accounts lock|unlock|reset-2fa LOGIN|ID
    frmr admin accounts reset-password LOGIN|ID          (the new password: FRMR_ADMIN_NEW_PASSWORD
                                                          or typed without echo)
    frmr admin audit [--action A] [--user U] [--since DATE] [--until DATE] [--limit N] [--json]

Everything happens on the server at once (nothing is queued). Exit codes: 0 done; 2 refused or
bad input; 3 some of several decisions refused (the others are done); 4 no connection; 5 login.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from desktop.cli.account import _secret, _server_call
from desktop.cli.support import EXIT_OK, CliError, open_vault
from desktop.i18n import N_, tr
from desktop.models.passwords import describe, policy_errors
from desktop.models.validation import FieldError, parse_date
from desktop.sync.admin import APPLICATION_STATUSES, NMO_STATUSES, ROLES, AdminClient

EXIT_PARTLY = 3
NEW_PASSWORD_ENV = "FRMR_ADMIN_NEW_PASSWORD"
T = TypeVar("T")


def _client(args: argparse.Namespace, fn: Callable[[AdminClient], T]) -> T:
    with open_vault(args) as vault:
        def run() -> T:
            with AdminClient(vault) as client:
                return fn(client)
        return _server_call(run)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1))


def _name(f: dict[str, Any]) -> str:
    return " ".join(str(f.get(k) or "") for k in ("last_name", "first_name", "patronymic")).strip()


def cmd_applications_list(args: argparse.Namespace) -> int:
    items = _client(args, lambda c: c.applications(args.status))
    if args.json:
        _print_json(items)
        return EXIT_OK
    if not items:
        print(tr("Заявлений нет"))
    for it in items:
        f = it.get("fields") or {}
        print(f"{it['id']}  {f.get('confirmation_number') or '—':<16} {f.get('submitted_at') or '—':<10}  "
              f"{APPLICATION_STATUSES.get(str(f.get('status')), f.get('status'))}  {f.get('specialty_code') or ''}  "
              f"{(it.get('person') or {}).get('name') or ''}")
    return EXIT_OK


def cmd_applications_decide(args: argparse.Namespace) -> int:
    out = _client(args, lambda c: c.decide_application(args.id, args.decision, args.comment or ""))
    status = str((out.get("fields") or {}).get("status") or "")
    print(tr("Решение принято: {get}").format(get=APPLICATION_STATUSES.get(status, status)))
    return EXIT_OK


def cmd_nmo_list(args: argparse.Namespace) -> int:
    items = _client(args, lambda c: c.nmo(args.status))
    if args.json:
        _print_json(items)
        return EXIT_OK
    if not items:
        print(tr("Баллов на подтверждение нет"))
    for it in items:
        f = it.get("fields") or {}
        print(tr(
            "{id}  {value:<10} {value2:>5} ЗЕТ  {get}  {value3}").format(
            id=it['id'],
            value=f.get('event_date') or '—',
            value2=f.get('credits') or '',
            get=NMO_STATUSES.get(str(f.get('status')), f.get('status')),
            value3=f.get('title') or '') + f"  {(it.get('person') or {}).get('name') or ''}")
    return EXIT_OK


def cmd_nmo_decide(args: argparse.Namespace) -> int:
    *ids, decision = args.items
    if decision not in ("confirm", "reject") or not ids:
        raise CliError(tr("Формат: frmr admin nmo decide ID… confirm|reject"))
    outcomes = _client(args, lambda c: c.decide_nmo(ids, decision))
    for o in outcomes:
        print(f"{o.row_id}: {o.message}" if o.ok else tr(
            "{row_id}: не принято — {message}").format(
            row_id=o.row_id, message=o.message),
              file=sys.stdout if o.ok else sys.stderr)
    done = sum(o.ok for o in outcomes)
    print(tr("Принято решений: {done} из {n}").format(done=done, n=len(outcomes)))
    return EXIT_OK if done == len(outcomes) else EXIT_PARTLY


def cmd_accounts_list(args: argparse.Namespace) -> int:
    items = _client(args, lambda c: c.accounts(args.role or ""))
    if args.json:
        _print_json(items)
        return EXIT_OK
    for a in items:
        state = tr("заблокирована") if a.get("disabled") else tr("активна")
        print(f"{a['id']:>5}  {a['login']:<24} {ROLES.get(a['role'], a['role']):<22} {state}"
              f"{'' if a.get('totp_enrolled') else ', без второго фактора'}  {', '.join(a.get('organizations') or [])}")
    return EXIT_OK


def _new_password() -> str:
    pw = os.environ.get(NEW_PASSWORD_ENV) or _secret(tr("Пароль учётной записи: "), NEW_PASSWORD_ENV, confirm=True)
    bad = policy_errors(pw)
    if bad:
        raise CliError(tr("Пароль не соответствует требованиям — не хватает: ") + ", ".join(bad) + f". {describe()}")
    return pw


def cmd_accounts_create(args: argparse.Namespace) -> int:
    pw = _new_password()
    made = _client(args, lambda c: c.create_account(args.login, pw, args.role, person_id=args.person,
                                                    org_inns=args.org or [], display_name=args.name or ""))
    if args.json:
        _print_json(made)
        return EXIT_OK
    print(tr("Учётная запись {login} создана (id {id}).").format(login=made['login'], id=made['id']))
    if made.get("totp_secret"):
        print(tr("Секрет для приложения-аутентификатора: {totp_secret}").format(totp_secret=made['totp_secret']))
    if made.get("recovery_codes"):
        print(tr("Коды восстановления (передайте владельцу; показаны один раз): ") + " ".join(made["recovery_codes"]))
    return EXIT_OK


_CHANGES: dict[str, tuple[dict[str, Any], str]] = {
    "lock": ({"disabled": True}, N_("заблокирована, её сеансы завершены")),
    "unlock": ({"disabled": False, "unlock": True}, N_("разблокирована")),
    "reset-2fa": ({"reset_totp": True}, N_("второй фактор сброшен: при следующем входе владелец подключит его заново; "
                                           "сеансы завершены")),
}


def cmd_accounts_change(args: argparse.Namespace) -> int:
    if args.accounts_command == "reset-password":
        change: dict[str, Any] = {"password": _new_password()}
        said = tr("пароль заменён, сеансы завершены")
    else:
        change, said = _CHANGES[args.accounts_command]
        said = tr(said)
    out = _client(args, lambda c: c.change_account(c.account_id(args.who), **change))
    print(tr("Учётная запись {get}: {said}").format(get=out.get('login'), said=said))
    return EXIT_OK


def _day(text: str | None, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        d = parse_date(text)
    except FieldError as exc:
        raise CliError(f"{what}: «{text}» — {exc}") from exc
    if not 2000 <= d.year <= 2100:
        raise CliError(tr("{what}: {d:%d.%m.%Y} — вне допустимого диапазона (2000–2100)").format(what=what, d=d))
    return d


def cmd_audit(args: argparse.Namespace) -> int:
    since, until = _day(args.since, "--since"), _day(args.until, "--until")
    if since and until and since > until:
        raise CliError(tr("--until раньше --since"))
    if not 1 <= args.limit <= 100_000:
        raise CliError(tr("--limit: от 1 до 100000"))
    items = _client(args, lambda c: c.audit(action=args.action or "", login=args.user or "", since=since,
                                            until=until, limit=args.limit))
    if args.json:
        _print_json(items)
        return EXIT_OK
    for e in items:
        when = dt.datetime.fromtimestamp(float(e.get("at") or 0)).strftime("%d.%m.%Y %H:%M:%S")
        print(f"{when}  {e.get('login') or '—':<16} {e.get('action'):<20} {e.get('entity') or ''} "
              f"{e.get('entity_id') or ''}  {e.get('ip') or ''}  {e.get('detail') or ''}")
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("admin", help=tr("консоль оператора регистра"))
    asub = p.add_subparsers(dest="admin_command", required=True, metavar=tr("РАЗДЕЛ"))

    ap = asub.add_parser("applications", help=tr("заявления на аккредитацию"))
    apsub = ap.add_subparsers(dest="applications_command", required=True, metavar=tr("КОМАНДА"))
    q = apsub.add_parser("list", help=tr("очередь заявлений"))
    q.add_argument("--status", default="submitted", choices=[*APPLICATION_STATUSES, ""])
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_applications_list)
    q = apsub.add_parser("decide", help=tr("решение: ID approve|reject|review [--comment ТЕКСТ]"))
    q.add_argument("id")
    q.add_argument("decision", choices=("approve", "reject", "review"))
    q.add_argument("--comment", metavar=tr("ТЕКСТ"), help=tr("причина (обязательна при отказе)"))
    q.set_defaults(func=cmd_applications_decide)

    np_ = asub.add_parser("nmo", help=tr("баллы НМО на подтверждение"))
    nsub = np_.add_subparsers(dest="nmo_command", required=True, metavar=tr("КОМАНДА"))
    q = nsub.add_parser("list", help=tr("баллы на подтверждение"))
    q.add_argument("--status", default="pending", choices=[*NMO_STATUSES, ""])
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_nmo_list)
    q = nsub.add_parser("decide", help=tr("решение по нескольким: ID… confirm|reject"))
    q.add_argument("items", nargs="+", metavar=tr("ID… РЕШЕНИЕ"))
    q.set_defaults(func=cmd_nmo_decide)

    ac = asub.add_parser("accounts", help=tr("учётные записи"))
    acsub = ac.add_subparsers(dest="accounts_command", required=True, metavar=tr("КОМАНДА"))
    q = acsub.add_parser("list", help=tr("список учётных записей"))
    q.add_argument("--role", choices=list(ROLES))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_accounts_list)
    q = acsub.add_parser("create", help=tr("создать (с секретом TOTP и кодами восстановления)"))
    q.add_argument("login")
    q.add_argument("--role", required=True, choices=list(ROLES))
    q.add_argument("--person", metavar="PERSON_ID")
    q.add_argument("--org", action="append", metavar=tr("ИНН"))
    q.add_argument("--name", metavar=tr("ТЕКСТ"), help=tr("отображаемое имя"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_accounts_create)
    for name, text in (("lock", N_("заблокировать")), ("unlock", N_("разблокировать")),
                       ("reset-password", N_("задать новый пароль")), ("reset-2fa", N_("сбросить второй фактор"))):
        q = acsub.add_parser(name, help=tr(text))
        q.add_argument("who", metavar=tr("ЛОГИН|ID"))
        q.set_defaults(func=cmd_accounts_change)

    q = asub.add_parser("audit", help=tr("журнал аудита"))
    q.add_argument("--action", metavar=tr("ДЕЙСТВИЕ"))
    q.add_argument("--user", metavar=tr("ЛОГИН"))
    q.add_argument("--since", metavar=tr("ДАТА"))
    q.add_argument("--until", metavar=tr("ДАТА"))
    q.add_argument("--limit", type=int, default=1000)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_audit)
