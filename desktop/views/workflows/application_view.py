"""«Заявление на аккредитацию»: create and edit (kind, specialty), «Проверить» the portfolio
against the rule, «Отправить» (queued; the number and date come back with the sync that
delivers it), «Отозвать» until decided; the status with the decision's comment. A decision that
arrives while the person edits locks the form and says so — nothing half-saved."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.documents.nmo import rule_from_settings
from desktop.documents.portfolio import shortfalls
from desktop.i18n import tr
from desktop.models.formatting import fmt_date
from desktop.models.schema import ACCR_KIND, APPLICATION_STATUS
from desktop.sync import actions, doctor
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets.entity_table import Banner
from desktop.views.workflows.steps import run_step

LOCKED = ("in_review", "approved", "rejected")


class ApplicationView(QWidget):
    def __init__(self, store: RecordStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.current_id: str | None = None
        self.banner = Banner()
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._picked)
        self.kind = QComboBox()
        for k, v in ACCR_KIND.items():
            self.kind.addItem(tr(v), k)
        self.specialty = QComboBox()
        self.specialty.setEditable(True)
        for code, name in sorted(store.nsi.get("specialty").entries.items(), key=lambda e: e[1]):
            self.specialty.addItem(name, code)
        self.status_label = QLabel()
        self.status_label.setObjectName("application_status")
        self.status_label.setWordWrap(True)
        self.shortfalls = QListWidget()
        self.shortfalls.setObjectName("application_shortfalls")
        self.new_button = QPushButton(tr("Новое заявление"))
        self.save_button = QPushButton(tr("Сохранить"))
        self.check_button = QPushButton(tr("Проверить"))
        self.submit_button = QPushButton(tr("Отправить"))
        self.withdraw_button = QPushButton(tr("Отозвать"))
        self.pdf_button = QPushButton(tr("PDF заявления"))
        self.pdf_button.clicked.connect(self.make_pdf)
        self.new_button.clicked.connect(self.new)
        self.save_button.clicked.connect(self.save)
        self.check_button.clicked.connect(self.check)
        self.submit_button.clicked.connect(self.submit)
        self.withdraw_button.clicked.connect(self.withdraw)
        form = QFormLayout()
        form.addRow(tr("Вид аккредитации"), self.kind)
        form.addRow(tr("Специальность"), self.specialty)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.save_button, self.check_button, self.submit_button, self.withdraw_button,
                  self.pdf_button):
            buttons.addWidget(b)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.status_label)
        right.addLayout(buttons)
        right.addWidget(QLabel(tr("Чего не хватает для аккредитации:")))
        right.addWidget(self.shortfalls, 1)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)
        self._waiting: dict[str, str] = {}
        #: the status of the application the form shows, as it was shown
        self._shown_status: str | None = None
        store.changed.connect(self._store_changed)
        self.reload()

    # -- the list ----------------------------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        return sorted(self.store.rows("application"), key=lambda r: str(r.get("submitted_at") or "9999"),
                      reverse=True)

    def _store_changed(self, entity: str) -> None:
        if entity == "application":
            before = self._shown_status  # the store holds the new rows already: what the form showed
            self.reload()
            now = self.current()
            if before is not None and now is not None and before != now.get("status") \
                    and now.get("status") in LOCKED:
                # a decision arrived while the form was open: it wins, the form follows it
                self.banner.show_message(tr("Пришло решение по заявлению: «{s}». Изменения формы не сохранены.")
                                         .format(s=tr(APPLICATION_STATUS[str(now['status'])])), "warning")

    def reload(self) -> None:
        if not self.store.is_loaded:
            return  # locked: the store has no vault any more
        repo = self.store.repo

        def work() -> dict[str, str]:
            return {a["entity_id"]: f"{a['label']} — {a['state_text']}" + (f": {a['message']}" if a["message"] else "")
                    for a in actions.list_actions(repo) if a["entity"] == "application" and a["state"] != "applied"}

        Op(self, work, worker=self.store.worker).success(self._took_waiting).run()
        self._fill()

    def _took_waiting(self, waiting: dict[str, str]) -> None:
        self._waiting = waiting
        self._show()

    def _fill(self) -> None:
        keep = self.current_id
        self.list.blockSignals(True)
        self.list.clear()
        rows = self.rows()
        for r in rows:
            self.list.addItem(f"{tr(ACCR_KIND.get(str(r.get('kind')), '—'))}: "
                              f"{self.store.nsi.name('specialty', r.get('specialty_code'))} — "
                              f"{tr(APPLICATION_STATUS.get(str(r.get('status')), '—'))}")
        ids = [r["id"] for r in rows]
        self.list.blockSignals(False)
        if keep in ids:
            self.list.setCurrentRow(ids.index(keep))
        elif ids:
            self.list.setCurrentRow(0)
        else:
            self.current_id = None
            self._show()

    def _picked(self, n: int) -> None:
        rows = self.rows()
        self.current_id = rows[n]["id"] if 0 <= n < len(rows) else None
        self.shortfalls.clear()
        self._show()

    def current(self) -> dict[str, Any] | None:
        return next((r for r in self.store.rows("application") if r["id"] == self.current_id), None)

    def _show(self) -> None:
        r = self.current()
        status = str((r or {}).get("status") or "draft")
        self._shown_status = status if r is not None else None
        editable = r is None or status == "draft"
        self.kind.setEnabled(editable)
        self.specialty.setEnabled(editable)
        self.save_button.setEnabled(editable)
        self.check_button.setEnabled(r is not None)
        self.pdf_button.setEnabled(r is not None)
        self.submit_button.setEnabled(r is not None and status == "draft")
        self.withdraw_button.setEnabled(r is not None and status == "submitted")
        if r is None:
            self.status_label.setText(tr("Заявлений нет: заполните вид и специальность и нажмите «Сохранить»"))
            return
        self.kind.setCurrentIndex(max(0, self.kind.findData(r.get("kind"))))
        self.specialty.setCurrentIndex(max(0, self.specialty.findData(r.get("specialty_code"))))
        parts = [tr("Статус: {s}").format(s=tr(APPLICATION_STATUS.get(status, status)))]
        if r.get("confirmation_number"):
            parts.append(tr("номер подтверждения {n} от {d}").format(n=r["confirmation_number"],
                                                                     d=fmt_date(r.get("submitted_at"))))
        elif status != "draft":
            parts.append(tr("номер придёт при синхронизации"))
        if r.get("decision_comment"):
            parts.append(tr("комментарий: {c}").format(c=r["decision_comment"]))
        if r["id"] in self._waiting:
            parts.append(self._waiting[r["id"]])
        self.status_label.setText("; ".join(parts))

    # -- actions -------------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        code = self.specialty.currentData()
        if code is None or self.specialty.currentText() != self.specialty.itemText(self.specialty.currentIndex()):
            code = self.specialty.currentText().strip()
        return {"kind": self.kind.currentData(), "specialty_code": code}

    def new(self) -> None:
        self.current_id = None
        self.list.clearSelection()
        self.shortfalls.clear()
        self._show()

    def save(self) -> None:
        values = self.values()
        if self.current_id is None:
            op = self.store.save("application", None, {**values, "status": "draft"}, self)
        else:
            op = self.store.save("application", self.current_id, values, self)
        op.success(self._saved).failure(lambda exc: self.banner.show_message(describe_error(exc), "error"))

    def _saved(self, result: Any) -> None:
        rid = getattr(result, "id", None)
        if isinstance(rid, str):
            self.current_id = rid
        self.banner.show_message(tr("Заявление сохранено"), "ok")
        self._fill()

    def check(self) -> None:
        r = self.current()
        if r is None:
            return
        repo, nsi, rule = self.store.repo, self.store.nsi, rule_from_settings(self.store.settings)

        def work() -> list[str]:
            return shortfalls(r, repo.snapshot(r.get("person_id")), nsi, rule)

        Op(self, work, worker=self.store.worker).success(self._checked).run()

    def _checked(self, found: list[str]) -> None:
        self.shortfalls.clear()
        if found:
            self.shortfalls.addItems(found)
            self.banner.show_message(tr("Портфолио не соответствует требованиям: {n}").format(n=len(found)), "warning")
        else:
            self.banner.show_message(tr("Портфолио соответствует требованиям — заявление можно отправлять"), "ok")

    def submit(self) -> None:
        rid = self.current_id
        if rid is not None:
            run_step(self.store, "application", lambda repo: doctor.submit_application(repo, rid), self, self.banner,
                     "Заявление подано: номер и дата подтверждения придут при синхронизации",
                     then=lambda _o: self.reload())

    def withdraw(self) -> None:
        rid = self.current_id
        if rid is not None:
            run_step(self.store, "application", lambda repo: doctor.withdraw_application(repo, rid), self,
                     self.banner, "Заявление отозвано", then=lambda _o: self.reload())

    def make_pdf(self) -> None:
        """The application's PDF (the documents layer's «Заявление на аккредитацию»), kept in
        «Документы»: built in the pool from the record as shown, stored by the DB worker."""
        from desktop.documents.pdf import generate
        from desktop.views.documents.document_tasks import snapshot_of, store_generated

        rid = self.current_id
        if rid is None:
            return
        snapshot, nsi = snapshot_of(self.store), self.store.nsi

        def keep(doc: Any) -> None:
            self.store.write_with("document", lambda repo: store_generated(repo, doc), self).success(
                lambda _id: self.banner.show_message(tr("PDF заявления сохранён в разделе «Документы»"), "ok"))

        Op(self, lambda: generate("application", snapshot, application_id=rid, nsi=nsi), pool=True).success(
            keep).failure(lambda exc: self.banner.show_message(describe_error(exc), "error")).run()
