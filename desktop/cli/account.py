"""``frmr account``: the person's own server account (docs/account.md).

    frmr account info
    frmr account password                    (old and new password: typed without echo, or
                                              FRMR_SERVER_PASSWORD / FRMR_SERVER_NEW_PASSWORD)
    frmr account password --code CODE --login LOGIN [--server URL]   (forgotten: the operator's code)
    frmr account 2fa enrol [--svg FILE] | confirm CODE | recovery-codes
    frmr account sessions [--json]
    frmr account sessions end ID|--others [--yes]
    frmr account reset-code LOGIN            (the operator: a one-time password-reset code)

Exit codes: 0 done; 2 refused or bad input (nothing changed); 4 no connection to the server
(nothing changed); 5 a login is needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import io
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from desktop.cli.support import EXIT_BAD_INPUT, EXIT_OK, CliError, not_utf8, open_vault
from desktop.i18n import tr
from desktop.models.passwords import describe, policy_errors
from desktop.sync.account import AccountClient, AccountError, reset_password
from desktop.sync.api import LoginNeeded, SyncError, Transient

EXIT_UNREACHABLE = 4
EXIT_LOGIN = 5
#: the current server password (the same variable ``frmr login`` reads) and the new one
PASSWORD_ENV = "FRMR_SERVER_PASSWORD"
NEW_PASSWORD_ENV = "FRMR_SERVER_NEW_PASSWORD"

T = TypeVar("T")


def _secret(prompt: str, env: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        if not_utf8(value):
            raise CliError(tr(
                "Значение {env} не в кодировке UTF-8: проверьте кодировку терминала (locale)").format(
                env=env))
        return value
    if not sys.stdin.isatty():
        # a script's pipe: one line per password asked, no repeat (there is no typo to catch)
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise CliError(f"Пароль не задан: укажите его в {env}, передайте строкой на вход "
                           "или запустите команду в терминале")
        return value
    value = getpass.getpass(prompt)
    if not value:
        raise CliError(tr("Пароль не введён"))
    if confirm and getpass.getpass(tr("Повторите новый пароль: ")) != value:
        raise CliError(tr("Пароли не совпадают; ничего не изменено"))
    return value


def _new_password() -> str:
    new = _secret(tr("Новый пароль на сервере: "), NEW_PASSWORD_ENV, confirm=True)
    bad = policy_errors(new)
    if bad:
        # the same rule the server applies (desktop/models/passwords.py): refused before sending
        raise CliError(tr("Новый пароль не соответствует требованиям — не хватает: ") + ", ".join(bad)
                       + tr(". {describe} Ничего не изменено").format(describe=describe()))
    return new


def _server_call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except LoginNeeded as exc:
        raise CliError(tr("Требуется вход на сервер: {exc} (frmr login)").format(exc=exc), EXIT_LOGIN) from exc
    except Transient as exc:
        raise CliError(str(exc), EXIT_UNREACHABLE) from exc
    except AccountError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from exc
    except SyncError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from exc


def _client(args: argparse.Namespace, fn: Callable[[AccountClient], T]) -> T:
    with open_vault(args) as vault:
        def run() -> T:
            with AccountClient(vault) as client:
                return fn(client)
        return _server_call(run)


def _when(epoch: float | None) -> str:
    if not epoch:
        return "—"
    return dt.datetime.fromtimestamp(float(epoch)).strftime("%d.%m.%Y %H:%M")


def cmd_info(args: argparse.Namespace) -> int:
    me = _client(args, lambda c: c.me())
    if args.json:
        print(json.dumps(me, ensure_ascii=False, indent=1))
        return EXIT_OK
    print(tr("Учётная запись: {get} ({get2})").format(get=me.get('login'), get2=me.get('role')))
    print(tr(
        "Одноразовые коды: {value}; кодов восстановления осталось: {get}").format(
        value=tr(
            "подключены") if me.get('totp_enrolled') else tr("не подключены"), get=me.get('recovery_codes_left', 0)))
    print(tr("Пароль изменён: {when}").format(when=_when(me.get('password_changed_at'))))
    if me.get("password_expires_at"):
        print(tr("Пароль действует до: {when}").format(when=_when(me.get('password_expires_at'))))
        if me.get("password_expiry_warning"):
            print(tr("Внимание: срок действия пароля скоро истекает — смените его: frmr account password"),
                  file=sys.stderr)
    if me.get("restricted") == "enrol":
        print(tr("Второй фактор сброшен оператором: подключите его заново — frmr account 2fa enrol"), file=sys.stderr)
    elif me.get("restricted") == "password":
        print(tr("Срок действия пароля истёк: смените пароль — frmr account password"), file=sys.stderr)
    return EXIT_OK


def cmd_password(args: argparse.Namespace) -> int:
    if args.code:
        # forgotten password: no vault token is involved, only the operator's code
        if not args.login:
            raise CliError(tr("Укажите --login (логин на сервере) вместе с --code"))
        server = args.server
        if not server:
            with open_vault(args) as vault:
                from desktop.models.repository import get_meta
                from desktop.sync.auth import SERVER_KEY

                with vault.read() as conn:
                    server = get_meta(conn, SERVER_KEY) or ""
        if not server:
            raise CliError(tr("Укажите --server (адрес сервера)"))
        new = _new_password()
        _server_call(lambda: reset_password(server, args.login, args.code, new))
        print(tr("Пароль изменён по коду сброса. Все прежние сеансы завершены: войдите с новым паролем (frmr login)"))
        return EXIT_OK
    old = _secret(tr("Текущий пароль на сервере: "), PASSWORD_ENV)
    new = _new_password()
    if new == old:
        raise CliError(tr("Новый пароль совпадает с текущим: придумайте другой. Ничего не изменено"))
    ended = _client(args, lambda c: c.change_password(old, new))
    print(tr(
        "Пароль изменён. Завершено других сеансов: {ended} (на тех устройствах войдите с новым паролем)").format(
        ended=ended))
    return EXIT_OK


def _print_codes(codes: list[str]) -> None:
    print(tr("Коды восстановления (каждый действует один раз; сохраните или распечатайте — "
          "они показываются только сейчас):"))
    for i, c in enumerate(codes, 1):
        print(f"  {i:2}. {c}")


def cmd_2fa(args: argparse.Namespace) -> int:
    if args.step == "enrol":
        def enrol(c: AccountClient) -> Any:
            me = c.me()
            replacing = bool(me.get("totp_enrolled")) and not me.get("must_enrol")
            password = _secret(tr(
                "Текущий пароль на сервере (для замены устройства): "), PASSWORD_ENV) if replacing else ""
            return c.enrol(password)

        e = _client(args, enrol)
        print(tr("Отсканируйте QR-код приложением-аутентификатором или введите секрет вручную."))
        print(tr("Секрет: {secret}").format(secret=e.secret))
        print(tr("Ссылка: {otpauth_uri}").format(otpauth_uri=e.otpauth_uri))
        if args.svg:
            with open(args.svg, "wb") as fh:
                fh.write(e.qr_svg)
            print(tr("QR-код сохранён: {svg}").format(svg=args.svg))
        else:
            print(_ascii_qr(e.otpauth_uri))
        print(tr("Затем подтвердите первым кодом: frmr account 2fa confirm КОД"))
        return EXIT_OK
    if args.step == "confirm":
        if not args.code:
            raise CliError(tr("Укажите код: frmr account 2fa confirm КОД"))
        codes = _client(args, lambda c: c.confirm(args.code))
        print(tr("Одноразовые коды подключены."))
        _print_codes(codes)
        return EXIT_OK
    password = _secret(tr("Текущий пароль на сервере: "), PASSWORD_ENV)
    codes = _client(args, lambda c: c.new_recovery_codes(password))
    print(tr("Прежние коды восстановления больше не действуют."))
    _print_codes(codes)
    return EXIT_OK


def _ascii_qr(uri: str) -> str:
    import qrcode

    qr = qrcode.QRCode(border=2)
    qr.add_data(uri)
    buf = io.StringIO()
    qr.print_ascii(out=buf, invert=True)
    return buf.getvalue()


def cmd_sessions(args: argparse.Namespace) -> int:
    if args.action == "end":
        return _end_sessions(args)
    if args.id or args.others:
        raise CliError(tr("Чтобы завершить сеанс: frmr account sessions end ID или frmr account sessions end --others"))
    items = _client(args, lambda c: c.sessions())
    if args.json:
        print(json.dumps([s.__dict__ for s in items], ensure_ascii=False, indent=1))
        return EXIT_OK
    if not items:
        print(tr("Открытых сеансов нет"))
    for s in items:
        mark = tr(" (этот)") if s.current else ""
        print(tr(
            "[{id}]{mark} {client}; адрес {value}; вход {when}; активность {when2}").format(
            id=s.id,
            mark=mark,
            client=s.client,
            value=s.ip or '—',
            when=_when(s.created_at),
            when2=_when(s.last_used_at)))
    return EXIT_OK


def _end_sessions(args: argparse.Namespace) -> int:
    if args.others:
        if args.id:
            raise CliError(tr("Укажите либо ID сеанса, либо --others"))
        n = _client(args, lambda c: c.end_other_sessions())
        print(tr("Завершено других сеансов: {n}").format(n=n))
        return EXIT_OK
    if not args.id:
        raise CliError(tr("Укажите ID сеанса (frmr account sessions) или --others"))

    def end(c: AccountClient) -> bool:
        sessions = c.sessions()
        target = next((s for s in sessions if s.id == args.id), None)
        if target is None:
            raise AccountError(tr("Сеанс не найден среди ваших открытых сеансов: frmr account sessions"))
        if target.current and not args.yes:
            question = tr("Это текущий сеанс этого компьютера: завершить и выйти? [д/Н] ")
            if sys.stdin.isatty():
                answer = input(question)
            else:
                print(question, file=sys.stderr)
                answer = sys.stdin.readline()
                if not answer:
                    raise AccountError(tr("Это текущий сеанс: после него потребуется войти заново. "
                                       "Подтвердите параметром --yes"))
            if answer.strip().lower() not in ("д", "да", "y", "yes"):
                raise AccountError(tr("Отменено; ничего не изменено"))
        return c.end_session(args.id)

    if _client(args, end):
        print(tr("Текущий сеанс завершён: выполнен выход. Несинхронизированные изменения остаются в очереди "
              "до следующего входа (frmr login)"))
    else:
        print(tr("Сеанс завершён"))
    return EXIT_OK


def cmd_reset_code(args: argparse.Namespace) -> int:
    out = _client(args, lambda c: c.issue_reset_code(args.login))
    print(tr("Код сброса пароля для «{get}»: {get2}").format(get=out.get('login'), get2=out.get('code')))
    print(tr(
        "Действует до {when}, один раз. Передайте его владельцу учётной записи: он задаст новый пароль сам (frmr "
        "account password --code КОД --login ЛОГИН)").format(
        when=_when(out.get('expires_at'))))
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("account", help=tr("учётная запись на сервере: пароль, одноразовые коды, сеансы"))
    asub = p.add_subparsers(dest="account_command", required=True, metavar="COMMAND")

    q = asub.add_parser("info", help=tr("сведения об учётной записи и сроке действия пароля"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_info)

    q = asub.add_parser("password", help=tr(
        "сменить пароль (пароли — без эха или из {env} и {new_env}); забытый — по коду оператора: --code").format(
        env=PASSWORD_ENV, new_env=NEW_PASSWORD_ENV))
    q.add_argument("--code", help=tr("одноразовый код сброса, выданный оператором"))
    q.add_argument("--login", help=tr("логин на сервере (со --code)"))
    q.add_argument("--server", help=tr("адрес сервера (со --code; по умолчанию — сервер этого профиля)"))
    q.set_defaults(func=cmd_password)

    q = asub.add_parser("2fa", help=tr("одноразовые коды: enrol | confirm КОД | recovery-codes"))
    q.add_argument("step", choices=["enrol", "confirm", "recovery-codes"])
    q.add_argument("code", nargs="?", help=tr("код из приложения (для confirm)"))
    q.add_argument("--svg", metavar="FILE", help=tr("сохранить QR-код в файл SVG (для enrol)"))
    q.set_defaults(func=cmd_2fa)

    q = asub.add_parser("reset-code", help=tr("оператор: выдать одноразовый код сброса пароля для ЛОГИНА"))
    q.add_argument("login")
    q.set_defaults(func=cmd_reset_code)

    q = asub.add_parser("sessions", help=tr("мои сеансы; sessions end ID|--others — завершить"))
    q.add_argument("action", nargs="?", choices=["end"])
    q.add_argument("id", nargs="?")
    q.add_argument("--others", action="store_true", help=tr("завершить все сеансы, кроме этого"))
    q.add_argument("--yes", action="store_true", help=tr("не спрашивать подтверждения для текущего сеанса"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_sessions)
