"""``frmr login | logout | sync | status | conflicts | resolve | rejected | discard | resubmit``.

Exit codes of ``sync``: 0 converged; 3 conflicts or rejected edits wait for a person; 4 server
unreachable (everything stays queued); 5 login needed; 6 the app is too old for the server;
1 the replica still differs from the server after a targeted re-pull.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from desktop.cli.support import EXIT_BAD_INPUT, EXIT_OK, CliError, open_vault
from desktop.i18n import tr
from desktop.models.formatting import fmt_timestamp
from desktop.models.repository import RecordRepository
from desktop.models.workflows import notices
from desktop.sync import decisions
from desktop.sync.api import Api, LoginNeeded, ServerProblem, SyncError, Transient
from desktop.sync.auth import login_browser, login_scripted, logout, remember_login
from desktop.sync.engine import EXIT_LOGIN, EXIT_UNREACHABLE, OUTCOME_TEXT, SyncEngine, sync_status


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1, default=str))


def cmd_login(args: argparse.Namespace) -> int:
    server = args.server.rstrip("/")
    try:
        if args.browser:
            answer = login_browser(server)
        else:
            password = args.password or os.environ.get("FRMR_SERVER_PASSWORD") or ""
            if not password and sys.stdin.isatty():
                password = getpass.getpass(tr("Пароль на сервере: "))
            if not args.username or not password:
                raise CliError(tr("Укажите --username и --password (или FRMR_SERVER_PASSWORD), либо --browser"))
            answer = login_scripted(server, args.username, password, args.otp or "")
    except LoginNeeded as exc:
        raise CliError(tr("Вход не выполнен: {exc}").format(exc=exc), EXIT_LOGIN) from exc
    except Transient as exc:
        raise CliError(tr("Сервер недоступен: {exc}").format(exc=exc), EXIT_UNREACHABLE) from exc
    except SyncError as exc:
        raise CliError(tr("Вход не выполнен: {exc}").format(exc=exc), EXIT_LOGIN) from exc
    with open_vault(args) as vault:
        t = remember_login(vault, server, answer)
    print(tr(
        "Вход выполнен: {get} ({role}) на {server}").format(
        get=t.user.get('login', ''), role=t.role, server=server))
    return EXIT_OK


def cmd_logout(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        logout(vault)
    print(tr("Выход выполнен; несинхронизированные изменения остаются в очереди"))
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        eng = SyncEngine(vault, timeout=args.timeout, max_attempts=args.attempts, base_delay=args.base_delay)
        rep = eng.sync()
        notices.refresh(RecordRepository(vault))  # what this sync brought, as notifications (issue 14)
    if args.json:
        _print_json(rep.as_dict())
    else:
        head = tr(OUTCOME_TEXT.get(rep.outcome, rep.outcome))
        print(head if rep.message in ("", head) else f"{head}: {rep.message}")
        print(tr(
            "Отправлено: {pushed} (применено {applied}, конфликтов {conflicts_new}, отклонено {rejected_new}); "
            "получено изменений: {pulled}; в очереди: {pending}; конфликтов ждут решения: {conflicts}; отклонено: "
            "{rejected}").format(
            pushed=rep.pushed,
            applied=rep.applied,
            conflicts_new=rep.conflicts_new,
            rejected_new=rep.rejected_new,
            pulled=rep.pulled,
            pending=rep.pending,
            conflicts=rep.conflicts,
            rejected=rep.rejected))
        if rep.repulled:
            print(tr("Повторно загружены разделы: ") + ", ".join(rep.repulled))
    return rep.exit_code


def cmd_status(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        st = sync_status(vault)
    online: bool | None = None
    if st["server"] and not args.offline:
        with Api(st["server"], timeout=2.0) as api:
            online = api.health()
    st["online"] = online
    if args.json:
        _print_json(st)
        return EXIT_OK
    link = {True: tr("в сети"), False: tr("нет связи"), None: tr("не проверялся")}[online]
    print(tr("Сервер: {value} — {link}").format(value=st['server'] or tr("не задан"), link=link))
    print(tr("Ожидают отправки: {pending}").format(pending=st['pending']))
    print(tr("Конфликтов: {conflicts}").format(conflicts=st['conflicts']))
    print(tr("Отклонено сервером: {rejected}").format(rejected=st['rejected']))
    # local дд.мм.гггг ЧЧ:ММ, like the window's status bar (the vault keeps UTC ISO 8601)
    print(tr("Последняя успешная синхронизация: {value}").format(value=fmt_timestamp(st['last_sync']) or tr("не было")))
    if st["state"] not in ("ok", "never") and st["detail"]:
        print(tr("Состояние: {detail}").format(detail=st['detail']))
    return EXIT_OK


def cmd_conflicts(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        items = decisions.list_conflicts(RecordRepository(vault), include_resolved=args.all)
    if args.json:
        _print_json(items)
        return EXIT_OK
    if not items:
        print(tr("Конфликтов нет"))
    for c in items:
        print(f"[{c['id']}] {c['entity']} {c['entity_id']} ({c['state']})")
        for name, f in c["fields"].items():
            mark = f" → {f['choice']}" if f["choice"] else ""
            print(tr(
                "    {name}: было «{base}», моё «{mine}», на сервере «{theirs}»{mark}").format(
                name=name, base=f['base'], mine=f['mine'], theirs=f['theirs'], mark=mark))
    return EXIT_OK


def cmd_resolve(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        try:
            msg = decisions.resolve(RecordRepository(vault), args.id, args.field, args.choice)
        except decisions.DecisionError as exc:
            raise CliError(str(exc)) from exc
    print(msg + tr(". Решение будет отправлено при следующей синхронизации."))
    return EXIT_OK


def cmd_rejected(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        items = decisions.list_rejected(RecordRepository(vault))
    if args.json:
        _print_json(items)
        return EXIT_OK
    if not items:
        print(tr("Отклонённых сервером записей нет"))
    for r in items:
        print(f"[{r['id']}] {r['op']} {r['entity']} {r['entity_id']}: {r['message']}")
    return EXIT_OK


def cmd_discard(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        try:
            decisions.discard_rejected(RecordRepository(vault), args.id)
        except decisions.DecisionError as exc:
            raise CliError(str(exc)) from exc
    print(tr("Изменение отменено"))
    return EXIT_OK


def cmd_resubmit(args: argparse.Namespace) -> int:
    values: dict[str, str] = {}
    for item in args.values:
        if "=" not in item:
            raise CliError(tr("Ожидается ПОЛЕ=ЗНАЧЕНИЕ, получено «{item}»").format(item=item))
        k, v = item.split("=", 1)
        values[k.strip()] = v
    with open_vault(args) as vault:
        try:
            print(decisions.resubmit_rejected(RecordRepository(vault), args.id, values))
        except decisions.DecisionError as exc:
            raise CliError(str(exc)) from exc
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        try:
            data = SyncEngine(vault).fetch_blob(args.sha256.lower())
        except (Transient, ServerProblem, LoginNeeded) as exc:
            raise CliError(tr("Файл не получен: {exc}").format(exc=exc), EXIT_UNREACHABLE) from exc
    with open(args.out, "wb") as fh:
        fh.write(data)
    print(tr("Сохранено: {out} ({n} байт)").format(out=args.out, n=len(data)))
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("login", help=tr("войти на сервер (OAuth 2.0 + PKCE)"))
    p.add_argument("--server", required=True, help=tr("адрес сервера, например https://frmr.example.ru"))
    p.add_argument("--username")
    p.add_argument("--password", help=tr("пароль (лучше через FRMR_SERVER_PASSWORD)"))
    p.add_argument("--otp", help=tr("одноразовый код"))
    p.add_argument("--browser", action="store_true", help=tr("войти через системный браузер"))
    p.set_defaults(func=cmd_login)

    p = sub.add_parser("logout", help=tr("выйти (очередь изменений сохраняется)"))
    p.set_defaults(func=cmd_logout)

    p = sub.add_parser("sync", help=tr("синхронизировать с сервером"))
    p.add_argument("--json", action="store_true")
    p.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    p.add_argument("--attempts", type=int, default=6, help=argparse.SUPPRESS)
    p.add_argument("--base-delay", type=float, default=0.5, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("status", help=tr("состояние синхронизации"))
    p.add_argument("--json", action="store_true")
    p.add_argument("--offline", action="store_true", help=tr("не проверять связь с сервером"))
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("conflicts", help=tr("конфликты, ждущие решения"))
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help=tr("включая решённые"))
    p.set_defaults(func=cmd_conflicts)

    p = sub.add_parser("resolve", help=tr("решить конфликт по полю: resolve ID ПОЛЕ mine|theirs"))
    p.add_argument("id", type=int)
    p.add_argument("field")
    p.add_argument("choice", choices=decisions.CHOICES)
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser("rejected", help=tr("изменения, отклонённые сервером"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rejected)

    p = sub.add_parser("discard", help=tr("отменить отклонённое изменение: discard ID"))
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_discard)

    p = sub.add_parser("resubmit", help=tr("исправить и отправить снова: resubmit ID ПОЛЕ=ЗНАЧЕНИЕ…"))
    p.add_argument("id", type=int)
    p.add_argument("values", nargs="*")
    p.set_defaults(func=cmd_resubmit)

    p = sub.add_parser("fetch-blob", help=tr("скачать вложение по SHA-256 (сохраняется и в хранилище)"))
    p.add_argument("sha256")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_fetch)


__all__ = ["EXIT_BAD_INPUT", "register"]
