"""«Импорт из Excel»: file → column mapping → preview with an error per row and field → import
with progress and «Отмена», over the staff import core (``desktop/documents/staff_import.py``).

The preview is the core's dry run (every check, nothing written); the import writes each valid
row whole with its outbox entries; the refused rows can be saved as an ``.xlsx`` with an error
column, fixed and imported again (a rerun imports nothing twice). Reading the file and every
check run as ops: the file in the pool, the vault's checks and writes on the DB worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, tr, trn
from desktop.views.hr.styles import ERROR_STYLE
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op, OpChanges, OpContext

FILE_FILTER = N_("Таблицы (*.xlsx *.xls *.csv);;Все файлы (*)")
NOT_MAPPED = -1


def _write(path: Path, data: bytes) -> None:
    from desktop.documents.atomic import atomic_write

    atomic_write(path, data)


class ImportWizard(QDialog):
    #: rows were imported (the count)
    imported = Signal(int)

    def __init__(self, store: RecordStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_wizard")
        self.store = store
        self.setWindowTitle(tr("Импорт сотрудников из Excel"))
        self.resize(860, 600)
        self.path: Path | None = None
        self.table: Any = None
        self.result: Any = None
        self.op: Op | None = None
        self.steps = QStackedWidget()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("import_status")
        self.back_button = QPushButton(tr("Назад"))
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton(tr("Далее"))
        self.next_button.setObjectName("next")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next_step)
        self.cancel_button = QPushButton(tr("Отмена"))
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.back_button, self.next_button, self.cancel_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._build_file()
        self._build_mapping()
        self._build_preview()
        self._build_run()
        self._show(0)

    # -- the steps -----------------------------------------------------------------------------
    def _build_file(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(QLabel(tr("Шаг 1 из 4. Файл: .xlsx, .xls (как сохраняет 1С) или CSV в UTF-8 или "
                                "Windows-1251 с «;». Одна строка — сотрудник и его карточка.")))
        row = QHBoxLayout()
        self.file_edit = QLineEdit()
        self.file_edit.setObjectName("import_file")
        self.file_edit.setPlaceholderText(tr("Путь к файлу"))
        pick = QPushButton(tr("Выбрать…"))
        pick.clicked.connect(self._pick)
        row.addWidget(self.file_edit, 1)
        row.addWidget(pick)
        box.addLayout(row)
        template = QPushButton(tr("Скачать шаблон…"))
        template.setObjectName("template")
        template.clicked.connect(self.save_template)
        box.addWidget(template)
        box.addStretch(1)
        self.steps.addWidget(page)

    def _build_mapping(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(QLabel(tr("Шаг 2 из 4. Какой столбец файла что содержит (найдено по названиям — "
                                "проверьте).")))
        self.mapping_form = QFormLayout()
        holder = QWidget()
        holder.setLayout(self.mapping_form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        box.addWidget(scroll, 1)
        self.mapping_combos: dict[str, QComboBox] = {}
        self.steps.addWidget(page)

    def _build_preview(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        self.preview_summary = QLabel()
        self.preview_summary.setObjectName("preview_summary")
        self.preview_summary.setWordWrap(True)
        box.addWidget(self.preview_summary)
        self.errors = QTableWidget(0, 3)
        self.errors.setObjectName("preview_errors")
        self.errors.setHorizontalHeaderLabels([tr("Строка"), tr("Поле"), tr("Ошибка")])
        self.errors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.errors.verticalHeader().hide()
        self.errors.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.errors.horizontalHeader().setStretchLastSection(True)
        box.addWidget(self.errors, 1)
        self.save_errors_button = QPushButton(tr("Сохранить строки с ошибками в .xlsx…"))
        self.save_errors_button.setObjectName("save_errors")
        self.save_errors_button.clicked.connect(self.save_errors)
        box.addWidget(self.save_errors_button)
        self.steps.addWidget(page)

    def _build_run(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        self.run_label = QLabel(tr("Шаг 4 из 4. Импорт"))
        self.run_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("import_progress")
        box.addWidget(self.run_label)
        box.addWidget(self.progress)
        box.addStretch(1)
        self.steps.addWidget(page)

    def _show(self, i: int) -> None:
        self.steps.setCurrentIndex(i)
        self.back_button.setEnabled(i in (1, 2))
        self.next_button.setText(tr("Импортировать") if i == 2 else tr("Готово") if i == 3 else tr("Далее"))
        self.next_button.setEnabled(i != 3)
        self.cancel_button.setText(tr("Отмена"))

    # -- actions -------------------------------------------------------------------------------
    def _pick(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, tr("Файл с сотрудниками"), "", tr(FILE_FILTER))
        if name:
            self.file_edit.setText(name)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)

    def save_template(self, path: str | None = None) -> Op | None:
        target = path or QFileDialog.getSaveFileName(self, tr("Шаблон импорта"), tr("Сотрудники-шаблон.xlsx"),
                                                     "Excel (*.xlsx)")[0]
        if not target:
            return None
        from desktop.documents.staff_export import template_xlsx

        out = Path(target)
        return Op(self, lambda: _write(out, template_xlsx()), pool=True).success(
            lambda _r: self._say(tr("Шаблон сохранён: {path}").format(path=out))).failure(
            lambda e: self._say(describe_error(e), True)).run()

    def next_step(self) -> None:
        i = self.steps.currentIndex()
        if i == 0:
            self._read_file()
        elif i == 1:
            self._check()
        elif i == 2:
            self._import()
        else:
            self.accept()

    def back(self) -> None:
        self._show(max(0, self.steps.currentIndex() - 1))

    def cancel(self) -> None:
        if self.op is not None and not self.op.finished:
            self.op.context.cancel()
            self._say(tr("Отмена… Строки, уже записанные целиком, остаются; повторный импорт добавит остальные."))
            return
        self.reject()

    def _busy(self, on: bool) -> None:
        self.next_button.setEnabled(not on)
        self.back_button.setEnabled(not on and self.steps.currentIndex() in (1, 2))

    def _read_file(self) -> None:
        text = self.file_edit.text().strip()
        if not text:
            self._say(tr("Выберите файл"), True)
            return
        path = Path(text)
        if not path.is_file():
            self._say(tr("Файл не найден: {path}").format(path=path), True)
            return
        from desktop.documents.staff_import import read_table
        from desktop.documents.staff_sheet import SheetRefused

        self.path = path
        self._busy(True)
        self._say(tr("Чтение файла…"))

        def failed(exc: BaseException) -> None:
            self._busy(False)
            self._say(str(exc) if isinstance(exc, SheetRefused) else describe_error(exc), True)

        self.op = Op(self, lambda: read_table(path), pool=True).success(self._file_read).failure(failed).run()

    def _file_read(self, table: Any) -> None:
        from desktop.documents.staff_import import COLUMNS, REQUIRED

        self._busy(False)
        self._say("")
        self.table = table
        while self.mapping_form.rowCount():
            self.mapping_form.removeRow(0)
        self.mapping_combos = {}
        for key, (title, _other) in COLUMNS.items():
            combo = QComboBox()
            combo.setObjectName(f"map_{key}")
            combo.addItem(tr("— нет в файле —"), NOT_MAPPED)
            for i, h in enumerate(table.headers):
                combo.addItem(h or tr("Столбец {n}").format(n=i + 1), i)
            at = combo.findData(table.mapping.get(key, NOT_MAPPED))
            combo.setCurrentIndex(max(at, 0))
            self.mapping_combos[key] = combo
            self.mapping_form.addRow(tr(title) + (" *" if key in REQUIRED else ""), combo)
        self._show(1)

    def mapping(self) -> dict[str, int]:
        return {k: int(c.currentData()) for k, c in self.mapping_combos.items() if int(c.currentData()) != NOT_MAPPED}

    def _run(self, dry_run: bool) -> None:
        from desktop.documents.staff_import import run_import

        assert self.path is not None
        repo, path, mapping = self.store.repo, self.path, self.mapping()
        ctx = OpContext()
        self._busy(True)
        self.progress.setValue(0)
        op = Op(self, lambda: run_import(repo, path, dry_run=dry_run, mapping=mapping, progress=ctx.report,
                                         cancel=ctx.cancel_event), worker=self.store.worker, context=ctx)
        op.progress(self._progress).success(self._checked if dry_run else self._imported).failure(self._failed)
        if not dry_run:
            op.changes(lambda r: OpChanges.of(("person", "employment"), outbox=bool(r.imported)))
        self.op = op.run()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self._say(describe_error(exc), True)

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self._say(f"{tr(text)}: {done} / {total}" if text else f"{done} / {total}")

    def _check(self) -> None:
        from desktop.documents.staff_import import missing_columns

        missing = missing_columns(self.mapping())
        if missing:
            self._say(tr("Укажите обязательные столбцы: {names}").format(names=", ".join(missing)), True)
            return
        self._say(tr("Проверка строк…"))
        self._run(True)

    def _checked(self, result: Any) -> None:
        self._busy(False)
        self.result = result
        if result.refused:
            self._say(result.refused, True)
            return
        bad = len(result.messages_by_row())
        self.preview_summary.setText(tr("Шаг 3 из 4. Строк в файле: {rows}; будут импортированы: {ok}; с ошибками: "
                                        "{bad}; уже есть в хранилище: {skipped}.").format(
            rows=result.rows, ok=result.rows - bad - result.skipped, bad=bad, skipped=result.skipped))
        self.errors.setRowCount(len(result.errors))
        for i, e in enumerate(result.errors):
            for c, v in enumerate((str(e.row), e.field, e.message)):
                self.errors.setItem(i, c, QTableWidgetItem(v))
        self.save_errors_button.setEnabled(bool(result.bad_rows))
        self._say("")
        self._show(2)

    def _import(self) -> None:
        self._show(3)
        self.run_label.setText(tr("Шаг 4 из 4. Импорт: каждая строка записывается целиком или не записывается."))
        self._run(False)

    def _imported(self, result: Any) -> None:
        self._busy(False)
        self.result = result
        self.next_button.setEnabled(True)
        self.cancel_button.setText(tr("Закрыть"))
        if result.refused:
            self._say(result.refused, True)
            return
        bad = len(result.messages_by_row())
        text = tr("Импортировано строк: {n} из {rows}; {persons}; {bad}.").format(
            n=result.imported, rows=result.rows,
            persons=trn("{n} новый сотрудник", "{n} новых сотрудника", "{n} новых сотрудников",
                        result.persons_created).format(n=result.persons_created),
            bad=trn("{n} ошибка", "{n} ошибки", "{n} ошибок", bad).format(n=bad))
        if result.cancelled:
            text = tr("Импорт остановлен.") + " " + text
        self._say(text, bool(result.errors))
        self.imported.emit(result.imported)

    def save_errors(self, path: str | None = None) -> Op | None:
        result = self.result
        if result is None or not result.bad_rows:
            return None
        target = path or QFileDialog.getSaveFileName(self, tr("Строки с ошибками"), tr("Сотрудники-ошибки.xlsx"),
                                                     "Excel (*.xlsx)")[0]
        if not target:
            return None
        from desktop.documents.staff_export import errors_xlsx

        out = Path(target)
        headers, bad, messages = list(result.headers), list(result.bad_rows), result.messages_by_row()
        return Op(self, lambda: _write(out, errors_xlsx(headers, bad, messages)), pool=True).success(
            lambda _r: self._say(tr("Сохранено: {path}. Исправьте строки и импортируйте этот файл.").format(
                path=out))).failure(lambda e: self._say(describe_error(e), True)).run()
