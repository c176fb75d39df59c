"""«Документы»: signing a batch with the imported certificate.

One password for the batch (or the signer kept for the session), the files the server alone
had downloaded first, signing in the pool with a progress bar, the signed copies stored in the
vault by the DB worker. «Отмена» sets an Event the core looks at between documents: the ones
signed by then are stored, the rest stay unsigned, nothing is half-signed.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog

from desktop.i18n import tr, trn
from desktop.views.documents import document_tasks as tasks
from desktop.views.documents.cert_dialogs import PasswordDialog
from desktop.views.runtime.ops import Op, OpContext
from desktop.views.widgets.entity_table import WARNING_STYLE

if TYPE_CHECKING:
    from desktop.views.documents.documents_view import DocumentsView


class Signing(QObject):
    #: each step of the core as it reports it, from its own thread (observers such as tests
    #: connect here; the progress dialog follows the op's own ``progress``)
    step = Signal(int, int, str)

    def __init__(self, view: DocumentsView) -> None:
        super().__init__(view)
        self.view = view
        #: the running batch's cancel flag («Отмена» in the progress dialog sets it)
        self.cancel: threading.Event | None = None

    def sign_selected(self) -> None:
        view = self.view
        rows = [r for r in view.selected_rows() if r.get("kind") != "signature"]
        if not rows:
            view.show_error(tr("Выберите документы для подписи (можно несколько)."))
            return
        kept = view._keys.get() if view._keys is not None else None
        if kept is not None:
            view.remote.ensure_local(rows, lambda: self.sign(rows, "", keep=True, visible=True),
                                     tr("Документы не подписаны."))
            return
        dialog = PasswordDialog(len(rows), view)
        dialog.submitted.connect(lambda pw, keep, visible: view.remote.ensure_local(
            rows, lambda: self.sign(rows, pw, keep, visible), tr("Документы не подписаны.")))
        view._track("password_dialog", dialog)
        dialog.open()

    def sign(self, rows: list[dict[str, Any]], password: str, keep: bool, visible: bool) -> None:
        view = self.view
        store = view.store
        repo = store.repo
        kept = view._keys.get() if view._keys is not None else None
        tsa = str(store.settings.get("tsa_url") or "") or None
        roots = view._roots_file()
        # The op's context carries the core's progress to the GUI thread and «Отмена» to the core.
        ctx = OpContext()
        cancel = self.cancel = ctx.cancel_event

        def report(done: int, total: int, name: str) -> None:
            self.step.emit(done, total, name)
            ctx.report(done, total, name)
        progress = QProgressDialog(tr("Подписание документов…"), tr("Отмена"), 0, len(rows), view)
        progress.setWindowTitle(tr("Подписать электронно"))
        progress.setAutoReset(False)
        progress.canceled.connect(ctx.cancel)  # the core stops after the document in hand
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setValue(0)
        view.progress = progress
        view.sign_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            view.sign_button.setEnabled(True)
            view._failed(tr("Документы не подписаны."))(exc)
            view.signing_finished.emit(None)

        def stored(ids: list[str], signed: tasks.Signed) -> None:
            view._close_progress()
            view.sign_button.setEnabled(True)
            failures = signed.result.failed
            done = len(signed.result.items) - len(failures)
            if signed.result.cancelled:
                view._stored(ids, tr("Подписание отменено: подписано {n} из {total}.").format(
                    n=done, total=signed.result.total))
            else:
                view._stored(ids, trn("Подписан {n} документ.", "Подписано {n} документа.", "Подписано {n} документов.",
                                         done).format(n=done))
            warnings = list(signed.result.check.warnings) if signed.result.check else []
            if warnings:
                view.banner.show_message(view.banner.text() + "\n" + "\n".join(warnings), WARNING_STYLE)
            if signed.result.check is not None:
                view._show_cert(tasks.summary_of(signed.result.check.info))
            if failures:
                view.show_error("\n".join(f"«{i.name}»: {i.error}" for i in failures),
                                tr("Не все документы подписаны"))
            view.signing_finished.emit(signed)

        def signed_ok(signed: tasks.Signed) -> None:
            if keep:
                view.keys().keep(signed.signer)
            if view.progress is not None:
                view.progress.setCancelButton(None)  # the signed copies are stored either way
                view.progress.setLabelText(tr("Сохранение в хранилище…"))
            op = store.write_with("document", lambda r: tasks.store_signed(r, signed), parent=view)
            op.success(lambda ids: stored(ids, signed)).failure(failed)

        def fetched(todo: tasks.ToSign) -> None:
            Op(view, lambda: tasks.sign_documents(todo, kept, password, visible, tsa, report, roots, cancel),
               pool=True, context=ctx).progress(self._on_progress).success(signed_ok).failure(failed).run()

        Op(view, lambda: tasks.fetch_for_signing(repo, rows), worker=store.worker).success(fetched).failure(
            failed).run()

    def _on_progress(self, done: int, total: int, name: str) -> None:
        progress = self.view.progress
        if progress is not None and not progress.wasCanceled():
            progress.setMaximum(total)
            progress.setValue(done)
            progress.setLabelText(tr("Подписано {done} из {total}: {name}").format(
                done=done, total=total, name=name))
