"""«Документы»: files only the server has.

A replica pulled from the server holds a document's row (with ``blob_sha256``) but not its
file. Before an action needs the bytes, ``RemoteFiles.ensure_local`` asks the DB worker which
files are missing, downloads them with the sync engine in the pool behind a busy dialog the
person can cancel, and runs the action once they are in the vault (whole, or not at all).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QProgressDialog

from desktop.i18n import tr, trn
from desktop.views.documents import document_tasks as tasks
from desktop.views.runtime.ops import Op, OpContext
from desktop.views.widgets.entity_table import INFO_STYLE

if TYPE_CHECKING:
    from desktop.views.documents.documents_view import DocumentsView


class RemoteFiles(QObject):
    def __init__(self, view: DocumentsView) -> None:
        super().__init__(view)
        self.view = view
        self.cancel: threading.Event | None = None

    def ensure_local(self, rows: Sequence[dict[str, Any]], then: Callable[[], None], what: str) -> None:
        """Run ``then`` once every row's file is in the vault, downloading the missing ones."""
        store = self.view.store
        repo = store.repo

        def checked(missing: list[tasks.Missing]) -> None:
            if missing:
                self._download(missing, then, what)
            else:
                then()

        Op(self.view, lambda: tasks.missing_files(repo, rows), worker=store.worker).success(checked).failure(
            self.view._failed(what)).run()

    def _download(self, missing: list[tasks.Missing], then: Callable[[], None], what: str) -> None:
        view = self.view
        if self.cancel is not None:
            view.show_error(tr("Файл уже загружается с сервера: дождитесь окончания."))
            return
        vault = view.store.repo.vault
        # The op's context carries the download's progress here and «Отмена» to the download.
        ctx = OpContext()
        cancel = self.cancel = ctx.cancel_event
        label = tr("Загрузка с сервера: «{title}»…").format(title=missing[0].title)
        progress = QProgressDialog(label, tr("Отмена"), 0, 0, view)  # 0..0: busy, the size is unknown
        progress.setObjectName("download_progress")
        progress.setWindowTitle(tr("Загрузка документа"))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        # «Отмена», closing the window, or Esc (which rejects the dialog without «canceled»).
        progress.canceled.connect(ctx.cancel)
        progress.rejected.connect(ctx.cancel)
        view._close_progress()
        view.progress = progress
        progress.setValue(0)
        view.banner.show_message(label, INFO_STYLE)

        def done(n: int) -> None:
            self.cancel = None
            view._close_progress()
            view.banner.show_message(trn("С сервера загружен {n} файл.", "С сервера загружено {n} файла.",
                                         "С сервера загружено {n} файлов.", n).format(n=n), INFO_STYLE)
            view.files_downloaded.emit(n)
            if view.store.is_loaded:  # not locked while the files were on their way
                then()

        def failed(exc: BaseException) -> None:
            self.cancel = None
            view._failed(what)(exc)

        Op(view, lambda: tasks.download_files(vault, missing, cancel, ctx.report), pool=True, context=ctx).progress(
            self._on_progress).success(done).failure(failed).run()

    def _on_progress(self, done: int, total: int, title: str) -> None:
        progress = self.view.progress
        if progress is None or self.cancel is None:
            return
        if total > 1:  # several files: count them; one file stays a busy indicator
            progress.setMaximum(total)
            progress.setValue(done)
        if title and total > 1:
            progress.setLabelText(tr("Загрузка с сервера ({done} из {total}): «{title}»…").format(
                done=done + 1, total=total, title=title))
