"""The demo server inside the desktop app (``frmr-desktop --demo``).

A real frmr-server (uvicorn + FastAPI) in a background thread on 127.0.0.1 and a free port,
with its SQLite database in the demo profile folder, seeded by the server's own ``seed-demo``
(whose demo doctor is ``desktop.demo.demo_record()``, the same person the demo vault holds).
The demo doctor is logged in with the seed's credentials and a TOTP code from its secret, so
the demo shows real sync, conflicts and rejections with nothing to configure.

The app calls, off the GUI thread (seeding hashes passwords: a second or two)::

    demo = start_demo(profile_folder, vault)   # -> DemoServer, already logged in
    ...                                        # SyncController(vault) now syncs with it
    demo.stop()                                # on lock / quit

Nothing here is used outside the demo.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

DB_NAME = "demo-server.sqlite3"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DemoServer:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.database_url = f"sqlite:///{self.folder / DB_NAME}"
        self.port = 0
        self.base_url = ""
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
            self.accounts = {a["login"]: a for a in seed_demo(engine)["accounts"]}
        finally:
            engine.dispose()
        self.port = _free_port()
        app = create_app(Settings(database_url=self.database_url))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="frmr-demo-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("Демонстрационный сервер не запустился")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("Демонстрационный сервер не запустился вовремя")
            time.sleep(0.02)
        self.base_url = f"http://127.0.0.1:{self.port}"
        return self.base_url

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
    """Start the demo server beside the demo profile and log the demo doctor in."""
    demo = DemoServer(Path(profile_folder))
    demo.start()
    try:
        demo.login(vault, login)
    except BaseException:
        demo.stop()
        raise
    return demo
