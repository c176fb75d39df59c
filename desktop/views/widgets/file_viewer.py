"""A worker's or an applicant's file opened inside the app: the clerk's confirmation documents
(issue 13) and the operator's application attachments (issue 15) share this one flow.

The viewer opens at once («Загрузка страниц…»); ``fetch`` (the vault, or the server) and the
rendering run in the thread pool, never on the GUI thread, at the screen's device pixel ratio.
The bytes are fetched once and kept while the viewer lives, so «Печать…» renders again at print
resolution without asking the server a second time. A file that is not a PDF, JPG or PNG by its
bytes, or a damaged one, leaves a Russian message in the viewer instead of pages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from desktop.models.workflows.confirm_rules import sniff
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets.pdf_preview import PRINT_DPI, PreviewDialog, PreviewError, print_preview, render_document


class _Bytes:
    """The file's bytes, fetched on first use in whichever pool thread asks first."""

    def __init__(self, fetch: Callable[[], bytes], not_viewable: str) -> None:
        self._fetch, self._not_viewable = fetch, not_viewable
        self._data: bytes | None = None
        self._lock = threading.Lock()

    def pages(self, dpi: float | None = None, dpr: float = 1.0) -> list[QImage]:
        with self._lock:
            if self._data is None:
                self._data = self._fetch()
            data = self._data
        if sniff(data) is None:
            raise PreviewError(self._not_viewable)
        return render_document(data, dpr=dpr) if dpi is None else render_document(data, dpi)


def open_file_viewer(parent: QWidget, title: str, object_name: str, fetch: Callable[[], bytes],
                     not_viewable: str) -> PreviewDialog:
    """Open the viewer and fill it when the pages are ready (``fetch`` runs in the pool)."""
    dialog = PreviewDialog(title, parent)
    dialog.setObjectName(object_name)
    source = _Bytes(fetch, not_viewable)
    keep: list[object] = []  # the print preview lives as long as the viewer

    def failed(exc: BaseException) -> None:
        dialog.set_error(describe_error(exc))

    def print_pages() -> None:
        def ready(images: list[QImage]) -> None:
            preview = print_preview(images, title, dialog)
            keep.append(preview)
            preview.open()

        Op(dialog, lambda: source.pages(PRINT_DPI), pool=True).success(ready).failure(failed).run()

    dialog.print_requested.connect(print_pages)
    dialog.open()
    dpr = parent.devicePixelRatioF()  # sharp at 150 % and 200 %
    Op(dialog, lambda: source.pages(dpr=dpr), pool=True).success(dialog.set_pages).failure(failed).run()
    return dialog
