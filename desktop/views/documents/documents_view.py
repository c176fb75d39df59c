"""«Документы»: the archive of generated, uploaded and signed files, and what can be done with them.

The view is handed its ``DocumentsModel``. Every action runs off the GUI thread: vault reads
and writes in the DB worker (``store.worker`` / ``store.write_with``), PDF generation,
rendering, signing and file writes in the thread pool; results come back as callbacks in the
GUI thread. Refusals are shown in Russian in a message box, never as a traceback, and a
failed action stores nothing.

A replica pulled from the server holds a document's row but not its file: actions that need
the bytes first fetch what is missing (``desktop.views.documents.documents_remote``). Signing a batch is
``desktop.views.documents.documents_signing``.

Modal waits are avoided: dialogs are opened with ``open()`` and kept in attributes
(``generate_dialog``, ``password_dialog``, ``import_dialog``, ``preview_dialog``,
``verify_dialog``, ``message_box``), so tests and keyboard users reach them the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.documents.nmo import rule_from_settings
from desktop.i18n import N_, tr, trn
from desktop.models.reminders import Reminder
from desktop.views.documents import document_tasks as tasks
from desktop.views.documents.cert_dialogs import CertImportDialog, PasswordDialog
from desktop.views.documents.documents_model import COL_SIGNATURE, COL_TITLE, DocumentsModel, DocumentsProxy, kind_label
from desktop.views.documents.documents_remote import RemoteFiles
from desktop.views.documents.documents_signing import Signing
from desktop.views.documents.generate_dialog import GenerateDialog
from desktop.views.documents.verify_dialog import VerifyDialog
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets import file_drop, theme
from desktop.views.widgets.entity_table import ERROR_STYLE, INFO_STYLE, Banner, record_table
from desktop.views.widgets.pdf_preview import PRINT_DPI, PreviewDialog, PreviewError, print_preview, render_document

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    from desktop.documents.archive import SessionKeys
    from desktop.documents.nmo import NmoFilter
    from desktop.documents.pdf import GeneratedDocument
    from desktop.documents.verify import VerificationReport

CERT_WHAT = N_("Сертификат электронной подписи")
#: the issue's rule: warn 30 days before the signing certificate expires
CERT_WARNING_DAYS = 30


def cert_reminder(summary: tasks.CertSummary | None, today: dt.date | None = None) -> Reminder | None:
    """A «Уведомления» entry when the imported certificate expires within 30 days (or has)."""
    if summary is None:
        return None
    today = today or dt.date.today()
    due = summary.not_after.date()
    left = (due - today).days
    if left > CERT_WARNING_DAYS:
        return None
    return Reminder("signing_certificate", summary.serial, CERT_WHAT, summary.owner, due, left,
                    CERT_WARNING_DAYS if left >= 0 else None)


class DocumentsView(QWidget):
    #: ids of documents just stored (generated, uploaded, signed)
    documents_stored = Signal(list)
    #: the imported signing certificate (a tasks.CertSummary) or None — for the reminder
    certificate_status = Signal(object)
    #: a refusal or error was shown to the person (its text)
    error_shown = Signal(str)
    #: a signing batch ended (the tasks.Signed, or None when it was refused)
    signing_finished = Signal(object)
    #: a verification report is on screen
    verified = Signal(object)
    #: files missing locally were downloaded from the server and stored in the vault (how many)
    files_downloaded = Signal(int)

    def __init__(self, model: DocumentsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.store: RecordStore = model.store
        self.proxy = DocumentsProxy(self)
        self.proxy.setSourceModel(model)
        self._keys: SessionKeys | None = None
        self.cert: tasks.CertSummary | None = None
        self.last_error = ""
        self.message_box: QMessageBox | None = None
        self.generate_dialog: GenerateDialog | None = None
        self.password_dialog: PasswordDialog | None = None
        self.import_dialog: CertImportDialog | None = None
        self.preview_dialog: PreviewDialog | None = None
        self.verify_dialog: VerifyDialog | None = None
        self.print_dialog: QPrintPreviewDialog | None = None
        self.progress: QProgressDialog | None = None
        self.remote = RemoteFiles(self)
        self.signing = Signing(self)
        #: the signing core's progress, delivered in the GUI thread (tests listen here)
        self._progress_relay = self.signing
        self._build()
        self.store.changed.connect(self._on_store_changed)
        model.modelReset.connect(self._after_reset)
        self._after_reset()
        self.refresh_certificate()

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        hint = QLabel(tr("Справки, выписки, загруженные сканы и подписанные документы — в зашифрованном "
                         "хранилище. Выделите несколько строк (Ctrl/Shift), чтобы подписать их за один раз."))
        hint.setWordWrap(True)
        self.generate_button = QPushButton(tr("Сформировать…"))
        self.upload_button = QPushButton(tr("Загрузить файл…"))
        self.preview_button = QPushButton(tr("Просмотр"))
        self.download_button = QPushButton(tr("Скачать…"))
        self.print_button = QPushButton(tr("Печать…"))
        self.sign_button = QPushButton(tr("Подписать электронно…"))
        self.sign_button.setStyleSheet("font-weight: bold;")
        self.verify_button = QToolButton()
        self.verify_button.setText(tr("Проверить подпись"))
        self.verify_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.verify_button)
        menu.addAction(tr("Выбранный документ"), self.verify_selected)
        menu.addAction(tr("Файл с диска (PDF или файл + .sig)…"), self.verify_from_disk)
        self.verify_button.setMenu(menu)
        self.import_button = QPushButton(tr("Импорт сертификата (.p12)…"))
        self.generate_button.clicked.connect(self.open_generate)
        self.upload_button.clicked.connect(self.choose_upload)
        self.preview_button.clicked.connect(self.preview_selected)
        self.download_button.clicked.connect(self.choose_download)
        self.print_button.clicked.connect(self.print_selected)
        self.sign_button.clicked.connect(self.sign_selected)
        self.verify_button.clicked.connect(self.verify_selected)
        self.import_button.clicked.connect(self.open_import)
        # A tool bar: on a narrow window the buttons that do not fit go under its «»» button,
        # so seven buttons never make the window wider than a small screen.
        actions = QToolBar()
        actions.setObjectName("documents_actions")
        for b in (self.generate_button, self.upload_button, self.preview_button, self.download_button,
                  self.print_button, self.sign_button, self.verify_button):
            actions.addWidget(b)

        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("documents_kind_filter")
        self.kind_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_kind(self.kind_filter.currentData()))
        self.signed_filter = QComboBox()
        self.signed_filter.setObjectName("documents_signed_filter")
        for text, value in ((tr("Все"), None), (tr("Подписанные"), True), (tr("Без подписи"), False)):
            self.signed_filter.addItem(text, value)
        self.signed_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_signed(self.signed_filter.currentData()))
        self.text_filter = QLineEdit()
        self.text_filter.setObjectName("filter")
        self.text_filter.setPlaceholderText(tr("Поиск по названию, сведениям о подписи…"))
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.textChanged.connect(self.proxy.set_text)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(tr("Вид:")))
        filters.addWidget(self.kind_filter)
        filters.addWidget(QLabel(tr("Подпись:")))
        filters.addWidget(self.signed_filter)
        filters.addWidget(self.text_filter, 1)

        # Several rows at once: «Подписать электронно» signs them all with one password.
        self.table = record_table(self.proxy, "table_document", multi=True)
        self.table.doubleClicked.connect(lambda _i: self.preview_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        for key, slot in ((Qt.Key.Key_Return, self.preview_selected), (Qt.Key.Key_Enter, self.preview_selected)):
            sc = QShortcut(QKeySequence(key), self.table)
            sc.setContext(Qt.ShortcutContext.WidgetShortcut)
            sc.activated.connect(slot)

        self.banner = Banner()
        self.count_label = QLabel()
        self.cert_label = QLabel()
        self.cert_label.setObjectName("documents_cert")
        self.cert_label.setWordWrap(True)
        cert_row = QHBoxLayout()
        cert_row.addWidget(self.cert_label, 1)
        cert_row.addWidget(self.import_button)

        # Files dropped from the file manager are uploaded, one document each.
        file_drop.accept_files(self, self.upload_files)
        file_drop.accept_files(self.table.viewport(), self.upload_files)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(actions)
        layout.addLayout(filters)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        layout.addLayout(cert_row)

    # -- state -----------------------------------------------------------------------------
    def _on_store_changed(self, entity: str) -> None:
        # A lock clears the store: an unlocked signing key must not outlive it (memory only).
        if not self.store.is_loaded and self._keys is not None:
            self._keys.forget()

    def _after_reset(self) -> None:
        current = self.kind_filter.currentData()
        self.kind_filter.blockSignals(True)
        self.kind_filter.clear()
        self.kind_filter.addItem(tr("Все виды"), None)
        for k in self.model.kinds():
            self.kind_filter.addItem(kind_label(k), k)
        i = self.kind_filter.findData(current) if current else 0
        self.kind_filter.setCurrentIndex(max(i, 0))
        self.kind_filter.blockSignals(False)
        self.proxy.set_kind(self.kind_filter.currentData())
        n = self.model.rowCount()
        self.count_label.setText(trn("{n} документ", "{n} документа", "{n} документов", n).format(n=n))
        if n:
            self.table.resizeColumnsToContents()
            for col in range(self.proxy.columnCount()):
                limit = 320 if col == COL_TITLE else 200
                if col != COL_SIGNATURE and self.table.columnWidth(col) > limit:
                    self.table.setColumnWidth(col, limit)
        self._update_buttons()

    def _update_buttons(self) -> None:
        rows = self.selected_rows()
        one = len(rows) == 1
        for b in (self.preview_button, self.download_button, self.print_button):
            b.setEnabled(one)
        self.verify_button.setEnabled(True)
        self.sign_button.setEnabled(bool(rows) and all(r.get("kind") != "signature" for r in rows))

    def selected_rows(self) -> list[dict[str, Any]]:
        sel = self.table.selectionModel()
        if sel is None:
            return []
        out = []
        for index in sorted(sel.selectedRows(), key=lambda i: i.row()):
            row = self.model.row_at(self.proxy.mapToSource(index).row())
            if row is not None:
                out.append(row)
        return out

    def select_ids(self, ids: list[str]) -> None:
        sel = self.table.selectionModel()
        sel.clearSelection()
        first = True
        for row_id in ids:
            src = self.model.row_of(row_id)
            if src < 0:
                continue
            index = self.proxy.mapFromSource(self.model.index(src, 0))
            if not index.isValid():
                continue
            flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
            if first:
                sel.setCurrentIndex(index, flags)
                first = False
            else:
                sel.select(index, flags)
        self._update_buttons()

    def _track(self, name: str, dialog: QWidget) -> None:
        """Keep ``dialog`` in attribute ``name`` while it is open; a late worker result then
        finds None instead of a deleted C++ object when the person has closed it meanwhile."""
        setattr(self, name, dialog)

        def closed(_result: int = 0) -> None:
            if getattr(self, name) is dialog:
                setattr(self, name, None)
            dialog.deleteLater()

        dialog.finished.connect(closed)  # type: ignore[attr-defined]

    def keys(self) -> SessionKeys:
        if self._keys is None:
            from desktop.documents.archive import SessionKeys

            self._keys = SessionKeys()
        return self._keys

    # -- messages --------------------------------------------------------------------------
    def show_error(self, text: str, title: str | None = None) -> None:
        self.last_error = text
        self.banner.show_message(text, ERROR_STYLE)
        box = QMessageBox(QMessageBox.Icon.Warning, title or tr("Документы"), text, parent=self)
        box.finished.connect(box.deleteLater)
        self.message_box = box
        box.open()
        self.error_shown.emit(text)

    def _failed(self, what: str) -> Callable[[BaseException], None]:
        def handle(exc: BaseException) -> None:
            self._close_progress()
            if isinstance(exc, tasks.DownloadCancelled):  # the person's choice: no error box
                self.banner.show_message(tr("Загрузка с сервера отменена: документ не открыт."), INFO_STYLE)
                return
            text = describe_error(exc)
            self.show_error(f"{what}\n{text}" if what else text)

        return handle

    # -- running work (ops: callbacks are skipped once this view is gone) ------------------
    def _db(self, fn: Callable[[], Any], ok: Callable[[Any], None], err: Callable[[BaseException], None]) -> None:
        Op(self, fn, worker=self.store.worker).success(ok).failure(err).run()

    def _pool(self, fn: Callable[[], Any], ok: Callable[[Any], None], err: Callable[[BaseException], None]) -> None:
        Op(self, fn, pool=True).success(ok).failure(err).run()

    def _need_one(self) -> dict[str, Any] | None:
        rows = self.selected_rows()
        if len(rows) != 1:
            self.show_error(tr("Выберите один документ в таблице."))
            return None
        return rows[0]

    def _fetch(self, row: dict[str, Any], then: Callable[[bytes], None], what: str) -> None:
        """The document's bytes (downloaded first when only the server has them) to ``then``."""
        self.remote.ensure_local([row], lambda: self._read(row, then, what), what)

    def _read(self, row: dict[str, Any], then: Callable[[bytes], None], what: str) -> None:
        repo = self.store.repo
        self._db(lambda: tasks.document_bytes(repo, row), then, self._failed(what))

    # -- certificate -----------------------------------------------------------------------
    def refresh_certificate(self) -> None:
        if not self.store.is_loaded:
            self._show_cert(None)
            return
        repo = self.store.repo
        self._db(lambda: tasks.stored_cert(repo), self._show_cert, lambda _e: self._show_cert(None))

    def _show_cert(self, summary: tasks.CertSummary | None) -> None:
        self.cert = summary
        if summary is None:
            self.cert_label.setText(tr("Сертификат для подписи не импортирован."))
            self.cert_label.setStyleSheet(theme.text_style("muted"))
        else:
            text = tr("Сертификат электронной подписи") + ": " + tr(
                "{owner}, № {serial}, действителен {validity}").format(
                owner=summary.owner, serial=summary.serial, validity=summary.validity_text)
            reminder = cert_reminder(summary)
            if reminder is not None:
                text += " — " + reminder.text()
            self.cert_label.setText(text)
            self.cert_label.setStyleSheet(theme.text_style("warning", "font-weight: bold;") if reminder else "")
        self.certificate_status.emit(summary)

    def open_import(self) -> None:
        dialog = CertImportDialog(self)
        dialog.import_requested.connect(self.import_certificate)
        self._track("import_dialog", dialog)
        dialog.open()

    def import_certificate(self, path: str, password: str, keep: bool) -> None:
        dialog = self.import_dialog
        store = self.store

        def failed(exc: BaseException) -> None:
            text = describe_error(exc)
            self.last_error = text
            if dialog is not None and self.import_dialog is dialog:
                dialog.show_error(text)
            self.error_shown.emit(text)

        def imported(res: tasks.Imported) -> None:
            if res.signer is not None:
                self.keys().keep(res.signer)
            if dialog is not None and self.import_dialog is dialog:
                dialog.show_imported(res.info.owner, res.info.serial, res.info.validity_text,
                                     list(res.check.warnings))
            self.banner.show_message(tr("Сертификат импортирован: {owner}.").format(owner=res.info.owner),
                                     INFO_STYLE)
            self._show_cert(tasks.summary_of(res.info))

        def read_done(data: bytes) -> None:
            repo = store.repo
            self._db(lambda: tasks.import_certificate(repo, data, password, keep), imported, failed)

        self._pool(lambda: tasks.read_key_file(path), read_done, failed)

    # -- generate --------------------------------------------------------------------------
    def open_generate(self) -> None:
        dialog = GenerateDialog(self)
        dialog.accepted.connect(lambda: self.generate(dialog.chosen_kind(), dialog.nmo_filter()))
        self._track("generate_dialog", dialog)
        dialog.open()

    def generate(self, kind: str, nmo_filter: NmoFilter | None = None) -> None:
        snapshot = tasks.snapshot_of(self.store)
        self.banner.show_message(tr("Формируется документ…"), INFO_STYLE)
        self.generate_button.setEnabled(False)

        def generated(doc: GeneratedDocument) -> None:
            op = self.store.write_with("document", lambda repo: tasks.store_generated(repo, doc), parent=self)
            op.success(lambda rid: self._stored([rid], tr("Сформирован документ: {title} № {n}").format(
                title=doc.title, n=doc.number)))
            op.failure(self._failed(tr("Документ не сохранён.")))

        def failed(exc: BaseException) -> None:
            self.generate_button.setEnabled(True)
            self._failed(tr("Документ не сформирован."))(exc)

        rule = rule_from_settings(self.store.settings)  # the НМО rule set in «Настройки»
        nsi = self.store.nsi
        self._pool(lambda: tasks.generate(kind, snapshot, nmo_filter, rule, nsi), generated, failed)

    def _stored(self, ids: list[str], message: str) -> None:
        self.generate_button.setEnabled(True)
        self.banner.show_message(message, INFO_STYLE)
        self.select_ids(ids)
        self.documents_stored.emit(ids)

    # -- upload ----------------------------------------------------------------------------
    def choose_upload(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Загрузить файл"), "",
                                              tr("Документы (*.pdf *.jpg *.jpeg *.png);;Все файлы (*)"))
        if path:
            self.upload_file(path)

    def upload_files(self, paths: list[str]) -> None:
        for path in paths:
            self.upload_file(path)

    def upload_file(self, path: str) -> None:
        name = Path(path).name
        what = tr("Файл {name} не загружен.").format(name=name)

        def read_done(data: bytes) -> None:
            op = self.store.write_with("document", lambda repo: tasks.store_upload(repo, name, data), parent=self)
            op.success(lambda rid: self._stored([rid], tr("Файл загружен: {name}").format(name=name)))
            op.failure(self._failed(what))

        self._pool(lambda: tasks.read_upload(path), read_done, self._failed(what))

    # -- preview, download, print ----------------------------------------------------------
    def preview_selected(self) -> None:
        row = self._need_one()
        if row is None:
            return
        if row.get("kind") == "signature":
            self.show_error(tr("Открепленную подпись нельзя просмотреть: проверьте её «Проверить подпись»."))
            return
        # The file first (from the server if need be), then the dialog: a failed download
        # leaves an error message, not an empty preview window.
        self.remote.ensure_local([row], lambda: self._open_preview(row), tr("Документ не открыт."))

    def _open_preview(self, row: dict[str, Any]) -> None:
        title = str(row.get("title") or "")
        dialog = PreviewDialog(title, self)
        dialog.print_requested.connect(lambda: self._print_row(row))
        self._track("preview_dialog", dialog)
        dialog.open()

        def rendered(images: list[QImage]) -> None:
            if self.preview_dialog is dialog:
                dialog.set_pages(images)

        def failed(exc: BaseException) -> None:
            if self.preview_dialog is dialog:
                dialog.set_error(describe_error(exc))

        dpr = self.devicePixelRatioF()  # rendered for this screen's pixels: sharp at 150 % and 200 %
        self._read(row, lambda data: self._pool(lambda: render_document(data, dpr=dpr), rendered, failed),
                   tr("Документ не открыт."))

    def choose_download(self) -> None:
        row = self._need_one()
        if row is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, tr("Скачать документ"), tasks.suggested_filename(row))
        if path:
            self.download_to(row, path)

    def download_to(self, row: dict[str, Any], path: str) -> None:
        what = tr("Файл не сохранён.")

        def saved(done: str) -> None:
            self.banner.show_message(tr("Сохранено: {path}").format(path=done), INFO_STYLE)
            # «Мой журнал» records the export: its kind and the file's format, never its name.
            store = self.store
            if store.is_loaded:
                from desktop.models.journal import record_export

                kind, fmt = str(row.get("kind") or "document"), Path(done).suffix.lstrip(".").lower() or "file"
                Op(self, lambda: record_export(store.repo, kind, fmt, str(row.get("id") or "")),
                   worker=store.worker).failure(lambda _exc: None).run()

        self._fetch(row, lambda data: self._pool(lambda: tasks.save_file(path, data), saved, self._failed(what)),
                    what)

    def print_selected(self) -> None:
        row = self._need_one()
        if row is not None:
            self._print_row(row)

    def _print_row(self, row: dict[str, Any]) -> None:
        if row.get("kind") == "signature":
            self.show_error(tr("Открепленную подпись нельзя напечатать."))
            return
        what = tr("Документ не напечатан.")
        title = str(row.get("title") or "")

        def rendered(images: list[QImage]) -> None:
            self.print_dialog = print_preview(images, title, self)

        def failed(exc: BaseException) -> None:
            text = str(exc) if isinstance(exc, PreviewError) else None
            self.show_error(text) if text else self._failed(what)(exc)

        self._fetch(row, lambda data: self._pool(lambda: render_document(data, PRINT_DPI), rendered, failed),
                    what)

    # -- signing (desktop.views.documents.documents_signing) -------------------------------------------
    def sign_selected(self) -> None:
        self.signing.sign_selected()

    def sign(self, rows: list[dict[str, Any]], password: str, keep: bool, visible: bool) -> None:
        self.signing.sign(rows, password, keep, visible)

    def _roots_file(self) -> str | None:
        """«Доверенные корневые сертификаты» from «Настройки»: signers chaining to them show as trusted."""
        return str(self.store.settings.get("trust_roots_file") or "") or None

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    # -- verification ----------------------------------------------------------------------
    def verify_selected(self) -> None:
        row = self._need_one()
        if row is None:
            return
        repo = self.store.repo
        rows = self.model.all_rows()
        roots = self._roots_file()
        what = tr("Подпись не проверена.")

        def verify() -> None:
            self._db(lambda: tasks.verify_archived(repo, row, rows, roots),
                     lambda rep: self._show_report(str(row.get("title") or ""), rep), self._failed(what))

        self.remote.ensure_local([dict(r) for r in tasks.companions(row, rows)], verify, what)

    def verify_from_disk(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Проверить подпись: документ"), "",
                                              tr("PDF или любой файл (*)"))
        if not path:
            return
        sig: str | None = None
        if not path.lower().endswith(".pdf") and not Path(f"{path}.sig").is_file():
            sig, _ = QFileDialog.getOpenFileName(self, tr("Файл открепленной подписи"), str(Path(path).parent),
                                                 tr("Подпись (*.sig *.p7s);;Все файлы (*)"))
            if not sig:
                return
        self.verify_file(path, sig or None)

    def verify_file(self, path: str, sig: str | None = None) -> None:
        roots = self._roots_file()
        self._pool(lambda: tasks.verify_files(path, sig, roots), lambda rep: self._show_report(Path(path).name, rep),
                   self._failed(tr("Подпись не проверена.")))

    def _show_report(self, title: str, report: VerificationReport) -> None:
        dialog = VerifyDialog(title, report, self)
        self._track("verify_dialog", dialog)
        dialog.open()
        self.verified.emit(report)
