"""«Подтверждение трудоустройства»: the worker's document opened inside the app (issue 13).

The bytes come from the vault or, once, from the server (``confirm_tasks.document``); the
viewing itself is the app's shared file viewer (``desktop/views/widgets/file_viewer``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.i18n import tr
from desktop.vault.store import Vault
from desktop.views.hr import confirm_tasks
from desktop.views.widgets.file_viewer import open_file_viewer
from desktop.views.widgets.pdf_preview import PreviewDialog


def open_document(parent: QWidget, vault: Vault, sha256: str, title: str) -> PreviewDialog:
    return open_file_viewer(
        parent, title, "confirmation_document", lambda: confirm_tasks.document(vault, sha256),
        tr("Файл не является PDF, JPG или PNG: его нельзя показать. Сохраните его "
           "«Сохранить документ…» и откройте подходящей программой."))
