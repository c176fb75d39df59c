"""The demo server inside the desktop app (``frmr-desktop --demo``).

A real frmr-server (uvicorn + FastAPI) in a background thread on 127.0.0.1, with its SQLite
database in the demo profile folder, seeded by the server's own ``seed-demo``
(whose demo doctor is ``desktop.demo.demo_record()``, the same person the demo vault holds).
The demo doctor is logged in with the seed's credentials and a TOTP code from its secret, so
the demo shows real sync, conflicts and rejections with nothing to configure.

The app calls, off the GUI thread (seeding hashes passwords: a second or two)::

    demo = start_demo(profile_folder, vault)   # -> DemoServer, already logged in
    ...                                        # SyncController(vault) now syncs with it
    demo.stop()                                # on lock / quit

The port is stable per demo profile: the one of the last start is remembered beside the
database (``demo-server.json``) and taken again. The vault keeps its server URL and feed cursor
across launches, so the next sync pulls only what changed — a new port every launch would be a
"different server" to ``remember_login`` and cost a full re-pull each time. When the remembered
port is taken by another program a free one is used, and since it is still the same database
(same feed, same cursor key) the vault is re-pointed to the new URL with its cursor kept.

Nothing here is used outside the demo.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from desktop.i18n import tr

log = logging.getLogger("frmr.demo")

DB_NAME = "demo-server.sqlite3"
#: {"port": N, "url": "http://127.0.0.1:N"} of the last start, beside the database
STATE_NAME = "demo-server.json"
HOST = "127.0.0.1"


def _listen(port: int) -> socket.socket | None:
    """A socket bound to ``port`` on loopback (0: any free port), or None when it is taken.

    The server is handed this very socket, so no other program can take the port between
    the check and the bind."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name == "posix":
            # The previous run's connections may linger in TIME_WAIT on the remembered port;
            # on POSIX this only allows the rebind, never a second listener. (On Windows the
            # same option would let two programs share a port, so it is left off there.)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        return None
    return sock


def remembered_port(folder: Path) -> int:
    """The port of the demo server's last start in this profile (0 when none or unreadable)."""
    try:
        data = json.loads((Path(folder) / STATE_NAME).read_text(encoding="utf-8"))
        port = int(data.get("port") or 0)
    except (OSError, ValueError, TypeError, AttributeError):
        return 0
    return port if 0 < port < 65536 else 0


def _remember_port(folder: Path, port: int, url: str) -> None:
    path = Path(folder) / STATE_NAME
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps({"port": port, "url": url}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a read-only profile: the demo still works, it just re-pulls next time
        log.warning("demo server port not remembered in %s", path, exc_info=True)


class DemoServer:
    def __init__(self, folder: Path, *, large_staff: bool = False) -> None:
        self.folder = Path(folder)
        #: seed the first organization with ~2,000 staff (the HR clerk's and manager's demo)
        self.large_staff = large_staff
        self.database_url = f"sqlite:///{self.folder / DB_NAME}"
        self.port = 0
        self.base_url = ""
        #: the URL of the previous start when this start had to take another port, else ""
        self.moved_from = ""
        self.accounts: dict[str, dict[str, Any]] = {}
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 30.0) -> str:
        """Migrate, seed (idempotent: data once, fresh credentials every start), serve."""
        import uvicorn

        from server.app import create_app
        from server.config import Settings
        from server.db import make_engine
        from server.migrate import upgrade
        from server.seed import seed_demo

        self.folder.mkdir(parents=True, exist_ok=True)
        upgrade(self.database_url)
        engine = make_engine(self.database_url)
        try:
            self.accounts = {a["login"]: a for a in seed_demo(engine, large_staff=self.large_staff)["accounts"]}
        finally:
            engine.dispose()
        previous = remembered_port(self.folder)
        sock = _listen(previous) if previous else None
        if sock is None:
            sock = _listen(0)
            if sock is None:
                raise RuntimeError(tr("Демонстрационный сервер не запустился: нет свободного порта"))
            if previous:
                self.moved_from = f"http://{HOST}:{previous}"
                log.info("demo server port %d is taken; moving to another one", previous)
        self.port = int(sock.getsockname()[1])
        app = create_app(Settings(database_url=self.database_url))
        config = uvicorn.Config(app, host=HOST, port=self.port, log_level="warning", access_log=False,
                                lifespan="off")
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(target=lambda: server.run(sockets=[sock]), name="frmr-demo-server",
                                        daemon=True)
        try:
            self._thread.start()
            deadline = time.monotonic() + timeout
            while not server.started:
                if not self._thread.is_alive():
                    raise RuntimeError(tr("Демонстрационный сервер не запустился"))
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(tr("Демонстрационный сервер не запустился вовремя"))
                time.sleep(0.02)
        finally:
            if not server.started:
                sock.close()
        self.base_url = f"http://{HOST}:{self.port}"
        _remember_port(self.folder, self.port, self.base_url)
        return self.base_url

    def follow_move(self, vault: Any) -> bool:
        """After a start on another port: point the vault at the new URL, keeping its cursor.

        Only a vault that was syncing with this very demo server (its stored URL is the
        previous one) is touched — its cursor belongs to this database, whose feed and cursor
        key did not change with the port. Any other server URL is left alone, and then
        ``remember_login`` starts that replica's feed afresh as it must. Returns whether the
        vault was re-pointed."""
        if not self.moved_from or not self.base_url:
            return False
        from desktop.models.repository import get_meta, set_meta
        from desktop.sync.auth import SERVER_KEY

        with vault.begin() as conn:
            if (get_meta(conn, SERVER_KEY) or "").rstrip("/") != self.moved_from:
                return False
            set_meta(conn, SERVER_KEY, self.base_url)
        log.info("demo vault moved from %s to %s with its cursor", self.moved_from, self.base_url)
        return True

    def login(self, vault: Any, login: str = "doctor") -> None:
        """The full OAuth + PKCE flow with the seed's password and a TOTP code."""
        import pyotp

        from desktop.sync.auth import login_scripted, remember_login

        acc = self.accounts[login]
        otp = pyotp.TOTP(acc["totp_secret"]).now() if acc.get("totp_secret") else ""
        answer = login_scripted(self.base_url, login, acc["password"], otp)
        remember_login(vault, self.base_url, answer)

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def start_demo(profile_folder: Path, vault: Any, login: str = "doctor") -> DemoServer:
    """Start the demo server beside the demo profile and log the demo account in (the doctor;
    the HR clerk's and the manager's demo profiles name their login, and their server holds
    the organization's large staff)."""
    demo = DemoServer(Path(profile_folder), large_staff=login != "doctor")
    demo.start()
    try:
        demo.follow_move(vault)
        demo.login(vault, login)
    except BaseException:
        demo.stop()
        raise
    return demo
