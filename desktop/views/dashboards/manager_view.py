"""«Показатели» — the manager's dashboard (role ``manager``, read-only; issue 15).

The figures come from the server (``desktop.sync.reports``) in a pool op; the last ones are kept
in the vault, so with no network the dashboard opens on them and says how old they are. A click
on a bar lists the people behind it; «Отчёт…» saves the dashboard as PDF or .xlsx. Nothing here
can change data: there is no control that writes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr, trn
from desktop.sync.api import LoginNeeded, Transient
from desktop.vault.store import Vault
from desktop.views.dashboards.charts import ChartCard, fill_table
from desktop.views.dashboards.manager_model import CHART_KEYS, Chart, Dashboard, Filter, load, people, save_report
from desktop.views.dashboards.rows_model import RowsTable
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op, subscribe
from desktop.views.widgets.date_input import DateInput
from desktop.views.widgets.theme import banner_style

ANY = "__any__"


class PeopleDialog(QDialog):
    def __init__(self, title: str, rows: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.table = QTableWidget()
        fill_table(self.table, [tr("ФИО"), tr("СНИЛС")], [[r.get("name", ""), r.get("snils") or ""] for r in rows])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(trn("{n} сотрудник", "{n} сотрудника", "{n} сотрудников", len(rows)).format(n=len(rows))))
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(520, 420)


class ManagerDashboard(QWidget):
    #: emitted when figures were shown (the tests and the bench wait on it)
    shown = Signal()

    def __init__(self, vault: Vault, orgs: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manager_dashboard")
        self.vault = vault
        self.dash: Dashboard | None = None
        #: figures being drawn piece by piece (``show_dashboard``)
        self.pending = False
        self._generation = 0
        self.filter = Filter(inn=orgs[0][0] if orgs else None)

        self.org = QComboBox()
        for inn, name in orgs:
            self.org.addItem(f"{name} ({inn})", inn)
        self.org.setVisible(len(orgs) > 1)
        self.subdivision = QComboBox()
        self.subdivision.setAccessibleName(tr("Подразделение"))
        self.position = QComboBox()
        self.position.setAccessibleName(tr("Должность"))
        self.date_from = DateInput()
        self.date_from.setAccessibleName(tr("Начало периода"))
        self.date_to = DateInput()
        self.date_to.setAccessibleName(tr("Конец периода"))
        self.refresh_button = QPushButton(tr("Обновить"))
        self.report_button = QPushButton(tr("Отчёт…"))
        self.print_button = QPushButton(tr("Печать…"))
        self.print_button.clicked.connect(self.print_report)
        self.print_dialog: QWidget | None = None
        self.refresh_button.clicked.connect(self.apply_filters)
        self.report_button.clicked.connect(self.save_report)
        self.org.currentIndexChanged.connect(lambda _i: self.apply_filters())

        bar = QHBoxLayout()
        bar.addWidget(self.org)
        for label, w in ((tr("Подразделение:"), self.subdivision), (tr("Должность:"), self.position),
                         (tr("Период с"), self.date_from), (tr("по"), self.date_to)):
            bar.addWidget(QLabel(label))
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.report_button)
        bar.addWidget(self.print_button)

        self.status = QLabel(tr("Загрузка показателей…"))
        self.status.setWordWrap(True)
        self.status.setObjectName("dashboard_status")
        self.status.setMinimumHeight(self.status.fontMetrics().height() + 16)
        self.empty = QLabel(tr("В организации нет работающих сотрудников — показателей по персоналу нет."))
        self.empty.setObjectName("dashboard_empty")
        self.empty.setStyleSheet(banner_style("info"))
        self.empty.setWordWrap(True)
        # a banner as tall as its text: it took all the height the hidden charts left
        self.empty.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.empty.setVisible(False)
        self.summary = RowsTable()
        self.summary.setAccessibleName(tr("Сводка"))

        self.cards: dict[str, ChartCard] = {}
        grid_host = QWidget()
        self.grid = QGridLayout(grid_host)
        # made and laid out now, while the figures are fetched (they say «Загрузка…»): made when
        # the figures came, the seven cards' creation, first layout and paint blocked the GUI
        # thread for ~80 ms after the data arrived
        for i, key in enumerate(CHART_KEYS):
            card = ChartCard("")
            card.setObjectName(f"chart_{key}")
            card.chart.clicked.connect(partial(self._open_bar, key))
            self.cards[key] = card
            self.grid.addWidget(card, i // 2, i % 2)
        self.expiring = RowsTable()
        self.expiring.setAccessibleName(tr("Истекающие и истёкшие документы"))
        self.expiring.setMinimumHeight(200)
        host = QWidget()
        inner = QVBoxLayout(host)
        inner.addWidget(self.empty)
        inner.addWidget(self.summary)
        inner.addWidget(grid_host)
        self.expiring_title = QLabel("<b>" + tr("Истекающие и истёкшие документы") + "</b>")
        inner.addWidget(self.expiring_title)
        inner.addWidget(self.expiring)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(host)

        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.status)
        lay.addWidget(scroll, 1)
        self._waiting_for_login = False
        # Figures refused for want of a login (the demo's server still starting, a first login
        # not made yet) are asked again after the next sync instead of staying an error.
        subscribe(self, lambda changes, _initiator: self._after_sync() if changes.sync else None)
        self.refresh()

    def _after_sync(self) -> None:
        if self._waiting_for_login:
            self._waiting_for_login = False
            self.refresh()

    # -- loading -------------------------------------------------------------------------------
    def _read_filter(self) -> Filter:
        def combo(c: QComboBox) -> str | None:
            v = c.currentData()
            return None if v in (None, ANY) else str(v)

        def day(w: DateInput) -> str:
            d = w.date()
            return d.toString("yyyy-MM-dd") if d is not None else ""

        inn = self.org.currentData() if self.org.count() else self.filter.inn
        return Filter(inn=inn, subdivision=combo(self.subdivision), position=combo(self.position),
                      date_from=day(self.date_from), date_to=day(self.date_to))

    def apply_filters(self) -> None:
        for w in (self.date_from, self.date_to):
            if w.value() and w.date() is None:
                self.status.setText(tr("Неверная дата периода: {text}").format(text=w.text()))
                self.status.setStyleSheet(banner_style("error"))
                return
        f, t = self.date_from.date(), self.date_to.date()
        if f is not None and t is not None and f > t:
            self.status.setText(tr("Конец периода раньше начала."))
            self.status.setStyleSheet(banner_style("error"))
            return
        for d in (f, t):
            if d is not None and not QDate(1900, 1, 1) <= d <= QDate(2100, 12, 31):
                self.status.setText(tr("Дата периода вне допустимого диапазона (1900–2100)."))
                self.status.setStyleSheet(banner_style("error"))
                return
        self.filter = self._read_filter()
        self.refresh()

    def refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        flt, vault = self.filter, self.vault
        Op(self, lambda: load(vault, flt), pool=True).success(self.show_dashboard).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self._waiting_for_login = isinstance(exc, (LoginNeeded, Transient))
        self.status.setText(tr("Показатели не получены: {why}").format(why=describe_error(exc)))
        self.status.setStyleSheet(banner_style("error"))

    # -- showing -------------------------------------------------------------------------------
    def show_dashboard(self, dash: Dashboard) -> None:
        """The figures that arrived, in pieces: the status, filters and summary now, then one
        chart per turn of the event loop and the expiry list last, so no single piece blocks
        the GUI thread for long (drawn whole it was ~50 ms, ~150 with forty subdivisions).
        ``dash`` becomes current and ``shown`` is emitted when the last piece is in; figures
        arriving meanwhile replace the pieces still to come."""
        self._generation += 1
        generation = self._generation
        self.pending = True
        self.refresh_button.setEnabled(True)
        fig = dash.figures
        when = fig.age_text()
        if dash.offline:
            self.status.setText(tr("Нет связи с сервером — показаны сохранённые данные ({when}).").format(when=when))
            self.status.setStyleSheet(banner_style("warning"))
        else:
            self.status.setText(tr("Данные сервера, {when}.").format(when=when))
            self.status.setStyleSheet(banner_style("ok"))
        if not self.filter.narrowed:
            self._fill_choices(dash)
        empty = fig.empty
        self.empty.setVisible(empty)
        self.summary.show_rows([tr("Показатель"), tr("Значение")], dash.summary, fit=True)
        # every card shown or hidden at once: one relayout, not one per card
        for card in self.cards.values():
            card.setVisible(not empty)
        steps: list[Callable[[], None]] = [partial(self._show_chart, i, chart, empty)
                                           for i, chart in enumerate(dash.charts)]
        steps.append(partial(self._show_expiring, dash, empty))
        steps.append(partial(self._shown, dash))
        self._step(generation, steps)

    def _step(self, generation: int, steps: list[Callable[[], None]]) -> None:
        if generation != self._generation:
            return  # newer figures arrived: theirs are drawn instead
        steps.pop(0)()
        if steps:
            QTimer.singleShot(0, self, lambda: self._step(generation, steps))

    def _show_chart(self, i: int, chart: Chart, empty: bool) -> None:
        card = self.cards.get(chart.key)
        if card is None:  # a chart the layout does not know yet
            card = ChartCard("")
            card.setObjectName(f"chart_{chart.key}")
            card.chart.clicked.connect(partial(self._open_bar, chart.key))
            self.cards[chart.key] = card
            self.grid.addWidget(card, i // 2, i % 2)
        card.set_title(tr(chart.title))
        card.set(chart.data, [tr(h) for h in chart.header], chart.rows)
        # an empty organization: the message instead of empty axes
        card.setVisible(not empty)

    def _show_expiring(self, dash: Dashboard, empty: bool) -> None:
        self.expiring.setVisible(not empty)
        self.expiring_title.setVisible(not empty)
        self.expiring.show_rows([tr("Срок"), tr("Вид"), tr("Сотрудник"), tr("СНИЛС")], dash.expiring, stretch=2)

    def _shown(self, dash: Dashboard) -> None:
        self.dash = dash
        self.pending = False
        self.shown.emit()

    def _fill_choices(self, dash: Dashboard) -> None:
        for combo, items in ((self.subdivision, [(s, s or tr("без подразделения")) for s in dash.subdivisions]),
                             (self.position, dash.positions)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(tr("все"), ANY)
            for value, label in items:
                combo.addItem(label, value)
            i = combo.findData(current)
            combo.setCurrentIndex(max(0, i))
            combo.blockSignals(False)

    def chart(self, key: str) -> Chart | None:
        return next((c for c in (self.dash.charts if self.dash else []) if c.key == key), None)

    def _open_bar(self, key: str, index: int) -> None:
        chart = self.chart(key)
        if chart is None or index >= len(chart.groups) or chart.groups[index] is None or self.dash is None:
            return
        group = chart.groups[index]
        assert group is not None
        inn = str(self.dash.figures.data.get("org_inn"))
        title = f"{chart.title}: {chart.data.labels[index]}"
        vault, flt = self.vault, self.filter
        Op(self, lambda: people(vault, inn, group[0], group[1], flt), pool=True) \
            .success(lambda rows: PeopleDialog(title, rows, self).open()).run()

    def save_report(self) -> None:
        if self.dash is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, tr("Сохранить отчёт"), "",
                                              tr("PDF (*.pdf);;Excel (*.xlsx)"))
        if not path:
            return
        data = self.dash.figures.data
        Op(self, lambda: save_report(data, path), pool=True) \
            .success(lambda p: self.status.setText(tr("Отчёт сохранён: {path}").format(path=p))).run()


    def print_report(self) -> None:
        """The statistical report's pages in Qt's print preview (rendered in the pool)."""
        if self.dash is None:
            return
        from desktop.views.widgets.pdf_preview import PRINT_DPI, print_preview, render_pdf

        data = self.dash.figures.data

        def work() -> Any:
            from desktop.documents.org_report import report_pdf

            return render_pdf(report_pdf(data), PRINT_DPI)

        def rendered(images: Any) -> None:
            self.print_dialog = print_preview(images, tr("Статистический отчёт"), self)

        Op(self, work, pool=True).success(rendered).run()

