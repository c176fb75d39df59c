"""An application's attachment opened inside the operator's console (issue 15).

The app's own preview (``desktop/views/widgets/pdf_preview``, as «Документы» and the clerk's
confirmation viewer use it): the file comes from the server (the operator keeps no copy in the
vault) and is rendered in the thread pool at the screen's device pixel ratio — never on the GUI
thread. A file that is not a PDF, JPG or PNG by its bytes, or a damaged one, leaves a Russian
message in the viewer instead of pages.
"""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from desktop.i18n import tr
from desktop.models.workflows.confirm_rules import sniff
from desktop.sync.admin import AdminClient
from desktop.vault.store import Vault
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets.pdf_preview import PRINT_DPI, PreviewDialog, PreviewError, print_preview, render_document


def render(vault: Vault, row_id: str, sha256: str, dpi: float | None = None, dpr: float = 1.0) -> list[QImage]:
    """The attachment's pages (pool thread: network, then rendering)."""
    with AdminClient(vault) as client:
        data = client.application_attachment(row_id, sha256)
    if sniff(data) is None:
        raise PreviewError(tr("Файл не является PDF, JPG или PNG: его нельзя показать."))
    return render_document(data, dpr=dpr) if dpi is None else render_document(data, dpi)


def open_attachment(parent: QWidget, vault: Vault, row_id: str, sha256: str, title: str) -> PreviewDialog:
    """Open the viewer at once (it says «Загрузка страниц…») and fill it when the pages are ready."""
    dialog = PreviewDialog(title, parent)
    dialog.setObjectName("application_attachment")
    keep: list[object] = []  # the print preview lives as long as the viewer

    def print_pages() -> None:
        def ready(images: list[QImage]) -> None:
            preview = print_preview(images, title, dialog)
            keep.append(preview)
            preview.open()

        Op(dialog, lambda: render(vault, row_id, sha256, PRINT_DPI), pool=True).success(ready).failure(
            lambda e: dialog.set_error(describe_error(e))).run()

    dialog.print_requested.connect(print_pages)
    dialog.open()
    dpr = parent.devicePixelRatioF()  # sharp at 150 % and 200 %
    Op(dialog, lambda: render(vault, row_id, sha256, dpr=dpr), pool=True).success(dialog.set_pages).failure(
        lambda e: dialog.set_error(describe_error(e))).run()
    return dialog
