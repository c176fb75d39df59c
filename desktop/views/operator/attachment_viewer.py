"""An application's attachment opened inside the operator's console (issue 15).

The file comes from the server (the operator keeps no copy in the vault); the viewing itself is
the app's shared file viewer (``desktop/views/widgets/file_viewer``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.i18n import tr
from desktop.sync.admin import AdminClient
from desktop.vault.store import Vault
from desktop.views.widgets.file_viewer import open_file_viewer
from desktop.views.widgets.pdf_preview import PreviewDialog


def _fetch(vault: Vault, row_id: str, sha256: str) -> bytes:
    with AdminClient(vault) as client:
        return client.application_attachment(row_id, sha256)


def open_attachment(parent: QWidget, vault: Vault, row_id: str, sha256: str, title: str) -> PreviewDialog:
    return open_file_viewer(parent, title, "application_attachment", lambda: _fetch(vault, row_id, sha256),
                            tr("Файл не является PDF, JPG или PNG: его нельзя показать."))
