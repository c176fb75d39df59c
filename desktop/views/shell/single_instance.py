"""One running app per person: a second ``frmr-desktop`` hands over to the first and exits.

The first copy listens on a local socket (``QLocalServer``: a Unix socket, a named pipe on
Windows) named after the profiles folder, so two people on one machine — or a test with its own
``FRMR_PROFILES_DIR`` — never meet. A second start connects, says ``show`` and quits; the first
brings its window to the front. The profile folder's own lock (``desktop.vault.locks``) still
guards the vault against a copy started some other way (another profiles folder, ``--profile``).
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_MS = 300


def server_name(root: Path) -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        user = ""
    digest = hashlib.sha256(f"{user}\0{Path(root).resolve()}".encode()).hexdigest()[:20]
    return f"frmr-desktop-{digest}"


def hand_over(name: str) -> bool:
    """True when another copy is running and was asked to show itself."""
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(CONNECT_MS):
        return False
    sock.write(b"show\n")
    sock.waitForBytesWritten(CONNECT_MS)
    sock.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later starts; ``on_show`` runs on the GUI thread for each."""

    def __init__(self, name: str, on_show: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on_show = on_show
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self.server.listen(name):
            # A socket file left by a copy that crashed: nobody answered hand_over, so take it.
            QLocalServer.removeServer(name)
            self.server.listen(name)
        self.server.newConnection.connect(self._accept)

    @property
    def listening(self) -> bool:
        return self.server.isListening()

    def _accept(self) -> None:
        while (sock := self.server.nextPendingConnection()) is not None:
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(sock.deleteLater)

    def _read(self, sock: QLocalSocket) -> None:
        if bytes(sock.readAll().data()).startswith(b"show"):
            self.on_show()


def bring_to_front(window: QObject) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    assert isinstance(window, QWidget)
    window.setWindowState((window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
    window.show()
    window.raise_()
    window.activateWindow()
