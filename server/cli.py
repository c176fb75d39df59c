"""`frmr-server`: serve, seed-demo, migrate."""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import socket
import sys

from desktop.i18n import LANGUAGES, SOURCE_LANGUAGE, language_from_argv, set_language, tr
from server.config import default_database_url
from server.db import make_engine, normalize_url

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url(args: argparse.Namespace) -> str:
    return normalize_url(args.database_url or os.environ.get("FRMR_DATABASE_URL") or default_database_url())


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.migrate import upgrade

    if bool(args.certfile) != bool(args.keyfile):
        print("Ошибка: укажите и --certfile, и --keyfile.", file=sys.stderr)
        return 2
    if not args.certfile and not is_loopback(args.host):
        print(
            f"Ошибка: без TLS сервер слушает только локальный адрес (127.0.0.1, ::1, localhost), а не «{args.host}». "
            "Укажите --certfile и --keyfile, чтобы принимать подключения по сети.",
            file=sys.stderr,
        )
        return 2
    url = _url(args)
    upgrade(url)  # once, here, before workers start: they never race on the schema
    os.environ["FRMR_DATABASE_URL"] = url
    config = uvicorn.Config(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.certfile,
        ssl_keyfile=args.keyfile,
        log_level=args.log_level,
        access_log=args.log_level == "debug",
        proxy_headers=False,
        # Desktops sync every few minutes; uvicorn's 5 s default closed idle connections so often
        # that a request sent just as the server closed one failed (a reset, not an answer).
        timeout_keep_alive=65,
    )
    try:
        if config.workers <= 1:
            server = uvicorn.Server(config)
            server.run()
            return 0 if server.started else 3
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[listening_socket(args.host, args.port)]).run()
    except KeyboardInterrupt:
        pass
    return 0


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket shared by the worker processes, with TCP_NODELAY for every connection.

    uvicorn's own shared socket is created with protocol 0, so asyncio does not recognise the
    accepted connections as TCP and leaves Nagle's algorithm on: an answer written as headers,
    then body waited for the client's delayed ACK, 40 ms on every request. Created here with
    IPPROTO_TCP (and the option set on the listener, which Linux copies to accepted sockets).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        print(f"Ошибка: не удалось занять адрес {host}:{port}: {exc}", file=sys.stderr)
        sys.exit(2)
    sock.set_inheritable(True)
    return sock


def cmd_migrate(args: argparse.Namespace) -> int:
    from server.migrate import upgrade

    url = _url(args)
    upgrade(url)
    print("Схема базы данных обновлена.")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from server.migrate import upgrade
    from server.seed import seed_demo

    url = _url(args)
    upgrade(url)
    engine = make_engine(url)
    try:
        result = seed_demo(engine)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print("Демонстрационные данные созданы. Учётные записи:")
    for a in result["accounts"]:
        extra = f"  СНИЛС {a['snils']}" if a.get("snils") else ""
        print(f"  {a['role']:8} {a['login']:10} пароль {a['password']}  TOTP {a['totp_secret']}{extra}")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("frmr-desktop")
    except PackageNotFoundError:  # a frozen bundle without metadata
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="frmr-server", description=tr("Сервер ФРМР Desktop"))
    p.add_argument("--lang", choices=sorted(LANGUAGES),
                   help=tr("язык справки: ru или en (по умолчанию — переменная FRMR_LANG, иначе ru)"))
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                   help=tr("показать версию программы и выйти"))
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help=tr("запустить сервер"))
    s.add_argument("--database-url", help=tr("sqlite:///путь или postgresql+psycopg://…"))
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--certfile")
    s.add_argument("--keyfile")
    s.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    s.set_defaults(fn=cmd_serve)
    d = sub.add_parser("seed-demo", help=tr("создать демонстрационные данные и учётные записи"))
    d.add_argument("--database-url")
    d.add_argument("--json", action="store_true", help=tr("вывести учётные записи в JSON"))
    d.set_defaults(fn=cmd_seed)
    m = sub.add_parser("migrate", help=tr("обновить схему базы данных"))
    m.add_argument("--database-url")
    m.set_defaults(fn=cmd_migrate)
    return p


def main(argv: list[str] | None = None) -> int:
    # Before the parser is built: its help texts are translated as it is built.
    set_language(language_from_argv(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    # The API speaks Russian whatever the console's language: the desktop translates what it shows.
    set_language(SOURCE_LANGUAGE)
    rc: int = args.fn(args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
