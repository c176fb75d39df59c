"""«Запросы»: requests from organizations — a table with filters, sort and pages; the detail
(text, sender, the thread: this workstation's unsent answers and, on demand, the server's);
«Подтвердить получение», a comment, a reply with a document. Every answer is queued (works
offline) and sent once at the next sync; see desktop/sync/doctor.py."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
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

from desktop.i18n import tr
from desktop.models.formatting import fmt_date
from desktop.models.schema import REQUEST_STATUS
from desktop.sync import actions, doctor
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets.entity_table import Banner
from desktop.views.workflows.requests_model import RequestsModel
from desktop.views.workflows.steps import run_step

PERIODS = (("За всё время", None), ("30 дней", 30), ("90 дней", 90), ("Год", 365))


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
        self.thread_button = QPushButton(tr("Загрузить переписку с сервера"))
        self.thread_button.clicked.connect(self.fetch_thread)
        self.save_attachment_button = QPushButton(tr("Сохранить вложение…"))
        self.save_attachment_button.clicked.connect(self._choose_target)
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
        parts = [f"<h3>{esc(str(r.get('kind') or tr('Запрос')))}</h3>",
                 f"<p><b>{esc(tr('Организация'))}:</b> {esc(str(r.get('org_name') or ''))}"
                 f" ({esc(tr('ИНН'))} {esc(str(r.get('org_inn') or '—'))})</p>",
                 f"<p><b>{esc(tr('Получен'))}:</b> {esc(fmt_date(r.get('received_at')))} · "
                 f"<b>{esc(tr('Статус'))}:</b> {esc(tr(REQUEST_STATUS.get(str(r.get('status')), '—')))}</p>",
                 f"<p>{esc(str(r.get('text') or '')).replace(chr(10), '<br>')}</p>"]
        thread = self._server_thread.get(str(r["id"]), [])
        local = [a for a in self._local if a["entity_id"] == r["id"]]
        if thread or local:
            parts.append(f"<h4>{esc(tr('Переписка'))}</h4>")
        for c in thread:
            file = f" 📎 {esc(c['blob_sha256'][:12])}…" if c.get("blob_sha256") else ""
            parts.append(f"<p>{esc(c.get('text') or tr('(получение подтверждено)'))}{file}</p>")
        for a in local:
            said = f" — {esc(a['message'])}" if a["message"] else ""
            file = " 📎" if a["args"].get("blob_sha256") else ""
            parts.append(f"<p><i>{esc(a['args'].get('text') or tr('(получение подтверждено)'))}{file} "
                         f"[{esc(a['state_text'])}{said}]</i></p>")
        self.detail.setHtml("".join(parts))
        self.save_attachment_button.setEnabled(bool(self.attachments()))

    def attachments(self) -> list[str]:
        """The files of the selected request's thread (server's and this workstation's), oldest first."""
        r = self.current()
        if r is None:
            return []
        shas = [str(c["blob_sha256"]) for c in self._server_thread.get(str(r["id"]), []) if c.get("blob_sha256")]
        shas += [str(a["args"]["blob_sha256"]) for a in self._local
                 if a["entity_id"] == r["id"] and a["args"].get("blob_sha256")]
        return list(dict.fromkeys(shas))

    def _choose_target(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, tr("Сохранить вложение"), "вложение.pdf")
        if name:
            self.save_attachment(Path(name))

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

        def took(items: list[dict[str, Any]]) -> None:
            self._server_thread[rid] = items
            self._show_current()

        Op(self, lambda: doctor.fetch_comments(repo, rid), worker=self.store.worker).success(took).failure(
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
