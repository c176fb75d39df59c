"""«Запросы»: requests from organizations — a table with filters, sort and pages; the detail
(text, the organization's files to open or save, the sender's contacts as the server tells them —
kept in the vault for offline reading — and the thread: this workstation's unsent answers and, on
demand, the server's);
«Подтвердить получение», a comment, a reply with a document. Every answer is queued (works
offline) and sent once at the next sync; see desktop/sync/doctor.py."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr
from desktop.models.formatting import fmt_date
from desktop.models.schema import REQUEST_STATUS
from desktop.models.workflows.request_files import request_attachments
from desktop.sync import actions, doctor
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets.entity_table import Banner
from desktop.views.widgets.pdf_preview import PreviewDialog, PreviewError, render_document
from desktop.views.workflows.requests_model import RequestsModel
from desktop.views.workflows.steps import run_step

PERIODS = ((N_("За всё время"), None), (N_("30 дней"), 30), (N_("90 дней"), 90), (N_("Год"), 365))


class RequestsView(QWidget):
    def __init__(self, model: RequestsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.store: RecordStore = model.store
        self.attached: Path | None = None
        self.banner = Banner()
        self.status_filter = QComboBox()
        self.status_filter.addItem(tr("Все статусы"), None)
        for k, v in REQUEST_STATUS.items():
            self.status_filter.addItem(tr(v), k)
        self.period = QComboBox()
        for text, days in PERIODS:
            self.period.addItem(tr(text), days)
        self.kind_filter = QLineEdit()
        self.kind_filter.setPlaceholderText(tr("Тип запроса"))
        for w in (self.status_filter, self.period):
            w.currentIndexChanged.connect(self._filters)
        self.kind_filter.textChanged.connect(self._filters)
        filters = QHBoxLayout()
        for part in (QLabel(tr("Статус:")), self.status_filter, QLabel(tr("Период:")), self.period,
                     self.kind_filter):
            filters.addWidget(part)

        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        model.modelReset.connect(self._after_reset)
        self.prev_button = QPushButton(tr("‹ Назад"))
        self.next_button = QPushButton(tr("Вперёд ›"))
        self.page_label = QLabel()
        self.prev_button.clicked.connect(lambda: model.set_page(model.page - 1))
        self.next_button.clicked.connect(lambda: model.set_page(model.page + 1))
        pages = QHBoxLayout()
        pages.addWidget(self.page_label, 1)
        pages.addWidget(self.prev_button)
        pages.addWidget(self.next_button)

        self.detail = QTextBrowser()
        self.detail.setObjectName("request_detail")
        self.detail.setOpenLinks(False)  # «Открыть» / «Скачать…» of a file are ours, not a URL
        self.detail.anchorClicked.connect(self._link)
        self.ack_button = QPushButton(tr("Подтвердить получение"))
        self.ack_button.clicked.connect(self.acknowledge)
        self.comment_edit = QLineEdit()
        self.comment_edit.setPlaceholderText(tr("Комментарий"))
        self.comment_button = QPushButton(tr("Добавить комментарий"))
        self.comment_button.clicked.connect(self.comment)
        self.reply_edit = QPlainTextEdit()
        self.reply_edit.setPlaceholderText(tr("Текст ответа"))
        self.reply_edit.setMaximumHeight(90)
        self.attach_button = QPushButton(tr("Прикрепить документ…"))
        self.attach_button.clicked.connect(self._choose_file)
        self.attached_label = QLabel()
        self.reply_button = QPushButton(tr("Отправить ответ"))
        self.reply_button.clicked.connect(self.reply)
        self.thread_button = QPushButton(tr("Загрузить переписку и отправителя с сервера"))
        self.thread_button.clicked.connect(self.fetch_thread)
        self.save_attachment_button = QPushButton(tr("Сохранить вложение…"))
        self.save_attachment_button.clicked.connect(lambda: self._choose_target())
        comment_row = QHBoxLayout()
        comment_row.addWidget(self.comment_edit, 1)
        comment_row.addWidget(self.comment_button)
        reply_row = QHBoxLayout()
        reply_row.addWidget(self.attach_button)
        reply_row.addWidget(self.attached_label, 1)
        reply_row.addWidget(self.reply_button)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.detail, 1)
        thread_row = QHBoxLayout()
        thread_row.addWidget(self.thread_button)
        thread_row.addWidget(self.save_attachment_button)
        rl.addLayout(thread_row)
        rl.addWidget(self.ack_button)
        rl.addLayout(comment_row)
        rl.addWidget(self.reply_edit)
        rl.addLayout(reply_row)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(filters)
        ll.addWidget(self.table, 1)
        ll.addLayout(pages)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        self._server_thread: dict[str, list[dict[str, Any]]] = {}
        #: request id -> the sender as the server told it (read from the vault when shown)
        self._senders: dict[str, dict[str, Any] | None] = {}
        self._local: list[dict[str, Any]] = []
        self._after_reset()
        self.load_answers()

    # -- list ------------------------------------------------------------------------------------
    def _filters(self) -> None:
        self.model.status = self.status_filter.currentData()
        self.model.days = self.period.currentData()
        self.model.kind = self.kind_filter.text().strip()
        self.model.page = 0
        self.model.refilter()

    def _after_reset(self) -> None:
        m = self.model
        self.page_label.setText(tr("Запросов: {n}; страница {p} из {pages}").format(
            n=m.total(), p=m.page + 1, pages=m.pages()))
        self.prev_button.setEnabled(m.page > 0)
        self.next_button.setEnabled(m.page + 1 < m.pages())
        if m.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self._show_current()

    def current(self) -> dict[str, Any] | None:
        idx = self.table.currentIndex()
        return self.model.row(idx.row()) if idx.isValid() else None

    def select_id(self, request_id: str) -> None:
        for n in range(self.model.rowCount()):
            row = self.model.row(n)
            if row is not None and row["id"] == request_id:
                self.table.selectRow(n)
                return

    def load_answers(self) -> None:
        """The unsent answers per request (the «Ответы» column and the thread), from the worker."""
        if not self.store.is_loaded:
            return  # locked: the store has no vault any more
        repo = self.store.repo

        def work() -> list[dict[str, Any]]:
            return [a for a in actions.list_actions(repo) if a["action"] == "answer_request"
                    and a["state"] != "applied"]

        Op(self, work, worker=self.store.worker).success(self._took_answers).run()

    def _took_answers(self, items: list[dict[str, Any]]) -> None:
        counts: dict[str, int] = {}
        for a in items:
            counts[a["entity_id"]] = counts.get(a["entity_id"], 0) + 1
        self.model.answers = counts
        self._local = items
        self.model.refilter()

    # -- detail ----------------------------------------------------------------------------------
    def _show_current(self) -> None:
        r = self.current()
        for w in (self.ack_button, self.comment_button, self.reply_button, self.attach_button, self.thread_button):
            w.setEnabled(r is not None and r.get("status") != "closed")
        if r is None:
            self.detail.setHtml(tr("Выберите запрос"))
            return
        self.ack_button.setEnabled(r.get("status") in ("new", None))
        esc = html.escape
        rid = str(r["id"])
        parts = [f"<h3>{esc(str(r.get('kind') or tr('Запрос')))}</h3>",
                 *self._sender_html(r),
                 f"<p><b>{esc(tr('Получен'))}:</b> {esc(fmt_date(r.get('received_at')))} · "
                 f"<b>{esc(tr('Статус'))}:</b> {esc(tr(REQUEST_STATUS.get(str(r.get('status')), '—')))}</p>",
                 f"<p>{esc(str(r.get('text') or '')).replace(chr(10), '<br>')}</p>"]
        files = request_attachments(r)
        if files:
            parts.append(f"<p><b>{esc(tr('Вложения организации'))}:</b></p><ul>")
            parts += [f"<li>{esc(tr('Файл {n}').format(n=n))} {self._file_links(sha)}</li>"
                      for n, sha in enumerate(files, 1)]
            parts.append("</ul>")
        if rid not in self._senders:
            self._read_sender(rid)
        thread = self._server_thread.get(str(r["id"]), [])
        local = [a for a in self._local if a["entity_id"] == r["id"]]
        if thread or local:
            parts.append(f"<h4>{esc(tr('Переписка'))}</h4>")
        for c in thread:
            file = f" 📎 {self._file_links(str(c['blob_sha256']))}" if c.get("blob_sha256") else ""
            parts.append(f"<p>{esc(c.get('text') or tr('(получение подтверждено)'))}{file}</p>")
        for a in local:
            said = f" — {esc(a['message'])}" if a["message"] else ""
            file = " 📎" if a["args"].get("blob_sha256") else ""
            parts.append(f"<p><i>{esc(a['args'].get('text') or tr('(получение подтверждено)'))}{file} "
                         f"[{esc(a['state_text'])}{said}]</i></p>")
        self.detail.setHtml("".join(parts))
        self.save_attachment_button.setEnabled(bool(self.attachments()))

    def _sender_html(self, r: dict[str, Any]) -> list[str]:
        """The organization (and the clerk, once the server told who) — as far as the registry
        holds contacts: name, ИНН, ОГРН, КПП and the clerk's name."""
        esc = html.escape
        got = self._senders.get(str(r["id"])) or {}
        org = got.get("organization") or {}
        ids = [f"{tr('ИНН')} {org.get('inn') or r.get('org_inn') or '—'}"]
        ids += [f"{label} {org[key]}" for key, label in (("ogrn", tr("ОГРН")), ("kpp", tr("КПП"))) if org.get(key)]
        out = [f"<p><b>{esc(tr('Организация'))}:</b> {esc(str(org.get('name') or r.get('org_name') or ''))}"
               f" ({esc(', '.join(ids))})</p>"]
        clerk = got.get("sender")
        if isinstance(clerk, dict) and clerk.get("name"):
            out.append(f"<p><b>{esc(tr('Отправил'))}:</b> {esc(str(clerk['name']))}"
                       f" ({esc(tr('кадровая служба' if clerk.get('role') == 'hr' else 'оператор регистра'))})</p>")
        elif not got:
            out.append(f"<p><i>{esc(tr('Отправитель: нажмите «Загрузить переписку и отправителя с сервера»'))}"
                       "</i></p>")
        return out

    @staticmethod
    def _file_links(sha: str) -> str:
        return (f"<a href='open:{sha}'>{html.escape(tr('Открыть'))}</a> · "
                f"<a href='save:{sha}'>{html.escape(tr('Скачать…'))}</a>")

    def _read_sender(self, rid: str) -> None:
        if not self.store.is_loaded:
            return
        repo = self.store.repo
        self._senders[rid] = None  # asked once per request and view

        def show(got: dict[str, Any]) -> None:
            self._senders[rid] = got
            current = self.current()
            if current is not None and str(current["id"]) == rid:
                self._show_current()

        def took(got: dict[str, Any] | None) -> None:
            if got:
                show(got)
                return
            # Never asked yet: ask the server once, in the pool (the DB worker must not wait on
            # the network); offline it fails quietly and the button says how to ask again.
            Op(self, lambda: doctor.fetch_sender(repo, rid), pool=True).success(show).failure(
                lambda _exc: None).run()

        Op(self, lambda: doctor.sender(repo, rid), worker=self.store.worker).success(took).run()

    def _link(self, url: QUrl) -> None:
        what, _, sha = url.toString().partition(":")
        if what == "open":
            self.open_attachment(sha)
        elif what == "save":
            self._choose_target(sha)

    def open_attachment(self, sha256: str) -> PreviewDialog:
        """The file in the app's own viewer (PDF pages or the image): fetched on the DB worker
        (from the vault, or from the server once and kept), rendered in the pool."""
        dialog = PreviewDialog(tr("Вложение"), self)
        dialog.setObjectName("request_attachment_preview")
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        repo, dpr = self.store.repo, self.devicePixelRatioF()

        def failed(exc: BaseException) -> None:
            dialog.set_error(str(exc) if isinstance(exc, PreviewError) else describe_error(exc))

        def render(data: bytes) -> None:
            Op(dialog, lambda: render_document(data, dpr=dpr), pool=True).success(dialog.set_pages).failure(
                failed).run()

        Op(dialog, lambda: doctor.attachment_bytes(repo, sha256), worker=self.store.worker).success(render).failure(
            failed).run()
        return dialog

    def attachments(self) -> list[str]:
        """The files of the selected request: the organization's, then the thread's (server's and
        this workstation's), oldest first."""
        r = self.current()
        if r is None:
            return []
        shas = request_attachments(r)
        shas += [str(c["blob_sha256"]) for c in self._server_thread.get(str(r["id"]), []) if c.get("blob_sha256")]
        shas += [str(a["args"]["blob_sha256"]) for a in self._local
                 if a["entity_id"] == r["id"] and a["args"].get("blob_sha256")]
        return list(dict.fromkeys(shas))

    def _choose_target(self, sha256: str | None = None) -> None:
        name, _ = QFileDialog.getSaveFileName(self, tr("Сохранить вложение"), "вложение.pdf")
        if name:
            self.save_attachment(Path(name), sha256)

    def save_attachment(self, target: Path, sha256: str | None = None) -> None:
        """The latest file of the thread (or ``sha256``) written to ``target``, off the GUI thread."""
        shas = self.attachments()
        sha = sha256 or (shas[-1] if shas else None)
        if sha is None:
            return
        repo = self.store.repo

        def work() -> str:
            target.write_bytes(doctor.attachment_bytes(repo, sha))
            return target.name

        Op(self, work, worker=self.store.worker).success(
            lambda name: self.banner.show_message(tr("Вложение сохранено: {name}").format(name=name), "ok")).failure(
            lambda exc: self.banner.show_message(describe_error(exc), "error")).run()

    def fetch_thread(self) -> None:
        r = self.current()
        if r is None:
            return
        rid, repo = str(r["id"]), self.store.repo

        def work() -> tuple[list[dict[str, Any]], dict[str, Any]]:
            return doctor.fetch_comments(repo, rid), doctor.fetch_sender(repo, rid)

        def took(got: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
            self._server_thread[rid], self._senders[rid] = got
            self._show_current()

        Op(self, work, worker=self.store.worker).success(took).failure(
            lambda exc: self.banner.show_message(tr("Переписка не загружена: {why}").format(
                why=describe_error(exc)), "warning")).run()

    # -- actions ---------------------------------------------------------------------------------
    def _step(self, fn: Any, then: Any = None) -> None:
        r = self.current()
        if r is None:
            return
        rid = str(r["id"])

        def after(out: doctor.Outcome) -> None:
            if out.ok and then is not None:
                then()
            self.load_answers()
            self.select_id(rid)

        run_step(self.store, "request", lambda repo: fn(repo, rid), self, self.banner, then=after)

    def acknowledge(self) -> None:
        self._step(doctor.acknowledge)

    def comment(self) -> None:
        text = self.comment_edit.text()
        self._step(lambda repo, rid: doctor.comment(repo, rid, text), self.comment_edit.clear)

    def attach(self, path: Path | None) -> None:
        self.attached = path
        self.attached_label.setText(path.name if path else "")

    def _choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, tr("Документ для ответа"), "",
                                              tr("Документы (*.pdf *.jpg *.jpeg *.png)"))
        if name:
            self.attach(Path(name))

    def reply(self) -> None:
        text, path = self.reply_edit.toPlainText(), self.attached

        def send(repo: Any, rid: str) -> doctor.Outcome:
            if path is None:
                return doctor.reply(repo, rid, text)
            return doctor.reply(repo, rid, text, path.name, path.read_bytes())

        def done() -> None:
            self.reply_edit.clear()
            self.attach(None)

        self._step(send, done)
