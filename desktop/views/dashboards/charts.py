"""Charts drawn with QPainter (issue 15): bars (plain or stacked), an optional line over them and
a marker line, in the colours of the palette in use, light or dark.

Why not QtCharts/QtGraphs: measured here, the project depends on ``pyside6-essentials`` only
(``importlib.util.find_spec("PySide6.QtCharts")`` is None; only its .pyi stub ships); the Charts
and Graphs modules come with ``pyside6-addons``, a second wheel of several hundred MB whose
Qt libraries the frozen bundle (≈208 MB of a 250 MB budget) cannot take. pyqtgraph would add
numpy. A bar chart is a couple of hundred lines of painting here, follows the palette by
construction and paints in well under a millisecond.

Every chart: values on hover (tooltip), ``clicked(index)`` on a bar, its numbers as a table
(``ChartCard``'s «Таблица»), an accessible description that reads the numbers out.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.views.dashboards.rows_model import SIZE_ROWS, RowsTable, fmt
from desktop.views.widgets.theme import is_dark

#: series colours (light window, dark window): distinguishable, and ≥ 3:1 against the background
SERIES = (("#2f6db5", "#6ea8ec"), ("#c0641a", "#f0a35e"), ("#3c8a3c", "#86c886"), ("#8e44ad", "#c39bd3"),
          ("#b03a48", "#f08a96"))

#: the running-total line's colour: one no bar series uses
LINE = 3


def on_color(fill: QColor) -> QColor:
    """Text that reads on a filled area: black on a light fill, white on a dark one."""
    return QColor("#000000") if fill.lightnessF() > 0.55 else QColor("#ffffff")


def series_color(i: int, palette: QPalette) -> QColor:
    return QColor(SERIES[i % len(SERIES)][1 if is_dark(palette) else 0])


@dataclass
class ChartData:
    """Bars by category; ``stacks`` > 1 series make stacked bars; ``line``: one value per bar
    drawn as a line with points (a cumulative total); ``marker``: a horizontal line (a
    requirement); ``today``: the index of the bar to mark as today."""

    labels: list[str]
    series: list[list[float]]
    series_names: list[str] = field(default_factory=list)
    line: list[float] | None = None
    line_name: str = ""
    marker: float | None = None
    marker_name: str = ""
    today: int | None = None
    unit: str = ""
    #: per bar, the sum of its series; the grid values — computed once, where the data is built
    #: (the load op, off the GUI thread), not for every bar at every paint
    totals: list[float] = field(init=False, default_factory=list)
    grid: list[float] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.totals = [sum(s[i] if i < len(s) else 0.0 for s in self.series) for i in range(len(self.labels))]
        self.grid = self._ticks()

    def total(self, i: int) -> float:
        return self.totals[i]

    def ticks(self) -> list[float]:
        return self.grid

    def _ticks(self) -> list[float]:
        """Grid values: round steps (1, 2, 2.5, 5 × 10ⁿ), the last at or above every value."""
        raw = self.top() / 3
        mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
        step = next((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), 10 * mag)
        if all(float(v).is_integer() for s in self.series for v in s):
            step = max(1.0, math.ceil(step))  # counts: whole grid lines
        n = max(1, math.ceil(self.top() / step - 1e-9))
        return [step * k for k in range(1, n + 1)]

    def top(self) -> float:
        vals = [self.total(i) for i in range(len(self.labels))]
        if self.line:
            vals += self.line
        if self.marker is not None:
            vals.append(self.marker)
        return max(vals, default=0) or 1

    def describe(self) -> str:
        parts = []
        for i, label in enumerate(self.labels):
            vals = ", ".join(f"{n}: {fmt(s[i])}" for n, s in zip(self.series_names, self.series, strict=False)) \
                if len(self.series) > 1 else fmt(self.series[0][i])
            parts.append(f"{label} — {vals}")
        return "; ".join(parts)


class BarChart(QWidget):
    """Vertical bars with labels under them; hover shows the values; click emits the bar."""

    clicked = Signal(int)

    def __init__(self, data: ChartData | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = data or ChartData([], [[]])
        self.setMouseTracking(True)
        self.setMinimumSize(260, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._hover: int | None = None
        #: no figures yet (they are being fetched)
        self.loading = data is None
        self._plot_cache: tuple[tuple[int, int, str], QRectF] | None = None

    def set_data(self, data: ChartData) -> None:
        self.data = data
        self.loading = False
        self._plot_cache = None
        self.setAccessibleDescription(data.describe())
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(360, 220)

    # -- geometry ------------------------------------------------------------------------------
    def _plot(self) -> QRectF:
        # kept per size and data: every bar's rectangle (painting, hover) starts from it
        key = (self.width(), self.height(), self.font().key())
        if self._plot_cache is not None and self._plot_cache[0] == key:
            return self._plot_cache[1]
        fm = QFontMetrics(self.font())
        left = max(fm.horizontalAdvance(fmt(v)) for v in self.data.ticks()) + 10
        bottom = fm.height() * 2 + 6
        plot = QRectF(left, fm.height() + 4, max(10.0, self.width() - left - 8),
                      max(10.0, self.height() - bottom - fm.height() - 4))
        self._plot_cache = (key, plot)
        return plot

    def _bar(self, i: int) -> QRectF:
        plot = self._plot()
        n = max(1, len(self.data.labels))
        slot = plot.width() / n
        w = max(4.0, min(slot * 0.7, 60.0))
        return QRectF(plot.left() + slot * i + (slot - w) / 2, plot.top(), w, plot.height())

    def index_at(self, x: float, y: float) -> int | None:
        for i in range(len(self.data.labels)):
            r = self._bar(i)
            if r.left() - 2 <= x <= r.right() + 2 and r.top() <= y <= r.bottom() + 30:
                return i
        return None

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        grid = pal.color(QPalette.ColorRole.Mid)
        plot = self._plot()
        ticks = self.data.ticks()
        top = ticks[-1]
        fm = QFontMetrics(self.font())

        bottom_y, height = plot.bottom(), plot.height()  # floats: a QRectF call per point was a tenth of the paint

        def y_of(v: float) -> float:
            return bottom_y - height * v / top

        # axis and three grid lines with their values
        p.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
        for v in ticks:
            y = y_of(v)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(text)
            p.drawText(QRectF(0, y - fm.height() / 2, plot.left() - 4, fm.height()),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), fmt(v))
            p.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
        p.setPen(QPen(text, 1))
        p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))

        # colours, the slot and the label elision once per paint, not per bar: is_dark() per bar
        # was a quarter of a forty-bar chart's paint
        dark = is_dark(pal)
        colors = [series_color(si, pal) for si in range(len(self.data.series))]
        hover = [c.lighter(125) if dark else c.darker(115) for c in colors]
        slot = plot.width() / max(1, len(self.data.labels))
        line_h = fm.height()
        centre = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
        under = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        for i, label in enumerate(self.data.labels):
            r = self._bar(i)
            left, width, mid = r.left(), r.width(), r.center().x()
            base = 0.0
            top_series = 0
            for si, s in enumerate(self.data.series):
                v = s[i] if i < len(s) else 0
                if v <= 0:
                    continue
                top_series = si
                top_y = y_of(base + v)
                color = hover[si] if self._hover == i else colors[si]
                p.fillRect(QRectF(left, top_y, width, y_of(base) - top_y), color)
                base += v
            p.setPen(text)
            total = self.data.total(i)
            value_top = y_of(total) - line_h - 1
            value_rect = QRectF(left - 20, value_top, width + 40, line_h)
            point_y = y_of(self.data.line[i]) if self.data.line and i < len(self.data.line) else None
            if point_y is not None and value_top - 4 <= point_y <= value_top + line_h + 4:
                # the line's point sits where the bar's figure would: the figure goes inside the
                # bar's top when it fits (in the colour that reads on that bar), else above the point
                if y_of(0) - y_of(total) >= line_h + 4:
                    value_rect = QRectF(left, y_of(total) + 2, width, line_h)
                    p.setPen(on_color(colors[top_series]))
                else:
                    value_rect.moveTop(point_y - 5 - line_h)
            p.drawText(value_rect, centre, fmt(total))
            p.setPen(text)
            shown = fm.elidedText(label, Qt.TextElideMode.ElideRight, int(slot) - 2)
            p.drawText(QRectF(mid - slot / 2, bottom_y + 3, slot, line_h * 2), under, shown)
            if self.data.today == i:
                # from under the word to just above the bar's value: the line marks the bar
                # without crossing its figure (it used to run through a zero year's «0»)
                p.setPen(QPen(series_color(4, pal), 2, Qt.PenStyle.DashLine))
                word_top = plot.top()
                if self.data.marker is not None and abs(y_of(self.data.marker) - word_top - line_h / 2) < line_h:
                    word_top = y_of(self.data.marker) + 3  # under the requirement's line, not through it
                label_bottom = word_top + line_h + 2
                if value_top - 2 > label_bottom:
                    p.drawLine(QPointF(mid, label_bottom), QPointF(mid, value_top - 2))
                p.drawText(QPointF(mid + 3, word_top + fm.ascent()), tr("сегодня"))

        if self.data.line:
            pen = QPen(series_color(LINE, pal), 2)
            p.setPen(pen)
            pts = [QPointF(self._bar(i).center().x(), y_of(v)) for i, v in enumerate(self.data.line)]
            for a, b in itertools.pairwise(pts):
                p.drawLine(a, b)
            p.setBrush(series_color(LINE, pal))
            for pt in pts:
                p.drawEllipse(pt, 3, 3)
        if self.data.marker is not None:
            y = y_of(self.data.marker)
            p.setPen(QPen(series_color(4, pal), 1.5, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.drawText(QPointF(plot.left() + 4, y - 3), self.data.marker_name or fmt(self.data.marker))
        self._legend(p, pal, fm)
        if not self.data.labels:
            p.setPen(text)
            p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), tr("Загрузка…") if self.loading
                       else tr("Нет данных"))
        p.end()

    def _legend(self, p: QPainter, pal: QPalette, fm: QFontMetrics) -> None:
        """Series names with their colours, right-aligned on the top line (stacked bars and a line)."""
        entries = [(n, series_color(i, pal), False) for i, n in enumerate(self.data.series_names)] \
            if len(self.data.series) > 1 else []
        if self.data.line:
            entries.append((self.data.line_name, series_color(LINE, pal), True))
        x = float(self.width() - 4)
        for name, color, is_line in reversed(entries):
            w = fm.horizontalAdvance(name)
            x -= w
            p.setPen(pal.color(QPalette.ColorRole.WindowText))
            p.drawText(QPointF(x, fm.ascent() + 1), name)
            x -= 14
            if is_line:
                p.setPen(QPen(color, 2))
                p.drawLine(QPointF(x, fm.ascent() / 2 + 2), QPointF(x + 10, fm.ascent() / 2 + 2))
            else:
                p.fillRect(QRectF(x, 2, 10, fm.ascent() - 2), color)
            x -= 12

    # -- hover and click -----------------------------------------------------------------------
    def tooltip_text(self, i: int) -> str:
        d = self.data
        lines = [d.labels[i]]
        if len(d.series) > 1:
            lines += [f"{n}: {fmt(s[i])}{d.unit}" for n, s in zip(d.series_names, d.series, strict=False)]
            lines.append(tr("Всего: {n}").format(n=fmt(d.total(i))) + d.unit)
        else:
            lines.append(fmt(d.series[0][i]) + d.unit)
        if d.line:
            lines.append(f"{d.line_name}: {fmt(d.line[i])}{d.unit}")
        return "\n".join(lines)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        i = self.index_at(pos.x(), pos.y())
        if i != self._hover:
            self._hover = i
            self.update()
        if i is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(event.globalPosition().toPoint(), self.tooltip_text(i), self)

    def leaveEvent(self, event: object) -> None:
        self._hover = None
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        i = self.index_at(pos.x(), pos.y())
        if i is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(i)


def fill_table(table: QTableWidget, header: Sequence[str], rows: Sequence[Sequence[object]], *,
               stretch: int = 0, fit: bool = False) -> None:
    """The rows as read-only cells; ``fit``: the table as tall as its rows (no inner scrolling).

    Column widths from the header and the first rows only: sizing to every cell's contents
    (ResizeToContents) cost 150 ms of the GUI thread for 500 rows."""
    table.setUpdatesEnabled(False)
    try:
        table.clearContents()
        table.setColumnCount(len(header))
        table.setRowCount(len(rows))
        table.setHorizontalHeaderLabels([str(h) for h in header])
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                item = QTableWidgetItem(fmt(v) if isinstance(v, float) else str(v))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if isinstance(v, int | float):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)
        hh = table.horizontalHeader()
        hh.setResizeContentsPrecision(SIZE_ROWS)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.resizeColumnsToContents()
        hh.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        if fit:
            height = hh.sizeHint().height() + sum(table.rowHeight(r) for r in range(table.rowCount()))
            table.setFixedHeight(height + 2 * table.frameWidth() + 2)
    finally:
        table.setUpdatesEnabled(True)


class ChartCard(QWidget):
    """A titled chart with «Таблица»: the same numbers as a table (for those who would rather
    read, and for screen readers)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>")
        # one line, whatever the title: a title set later does not move the chart (no relayout)
        self.title.setFixedHeight(self.title.fontMetrics().height() + 4)
        self.chart = BarChart()
        self.chart.setAccessibleName(title)
        self.table = RowsTable()
        self.table.setAccessibleName(tr("{title}: таблица").format(title=title))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.chart)
        self.stack.addWidget(self.table)
        self.toggle = QToolButton()
        self.toggle.setText(tr("Таблица"))
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self._toggled)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.toggle)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(head)
        lay.addWidget(self.stack, 1)

    def set_title(self, title: str) -> None:
        self.title.setText(f"<b>{title}</b>")
        self.chart.setAccessibleName(title)
        self.table.setAccessibleName(tr("{title}: таблица").format(title=title))

    def set(self, data: ChartData, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        self.chart.set_data(data)
        # the hidden table's columns are sized when it is shown (sizing was a third of a
        # dashboard's GUI time, for tables most people never open)
        self.table.show_rows(header, rows, size=self.toggle.isChecked())

    def _toggled(self, on: bool) -> None:
        if on:
            self.table.size_columns()
        self.stack.setCurrentIndex(1 if on else 0)


class Timeline(QWidget):
    """Dates on a horizontal axis with today marked: each item a point, coloured by how soon it
    comes (gone, within 90 days, later); hover names it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[tuple[dt.date, str]] = []
        self.today = dt.date.today()
        self.setMouseTracking(True)
        self.setMinimumSize(300, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_items(self, items: list[tuple[dt.date, str]], today: dt.date) -> None:
        self.items, self.today = sorted(items), today
        self.setAccessibleDescription("; ".join(f"{d:%d.%m.%Y} — {t}" for d, t in self.items))
        self.update()

    def _span(self) -> tuple[dt.date, dt.date]:
        days = [d for d, _ in self.items] + [self.today - dt.timedelta(days=180), self.today + dt.timedelta(days=365)]
        return min(days), max(days)

    def x_of(self, d: dt.date) -> float:
        lo, hi = self._span()
        width = max(1, (hi - lo).days)
        return 12 + (self.width() - 24) * (d - lo).days / width

    def kind_of(self, d: dt.date) -> int:
        return 4 if d < self.today else (1 if (d - self.today).days <= 90 else 2)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        fm = QFontMetrics(self.font())
        y = self.height() / 2
        p.setPen(QPen(text, 1))
        p.drawLine(QPointF(12, y), QPointF(self.width() - 12, y))
        lo, hi = self._span()
        p.drawText(QPointF(12, self.height() - 4), f"{lo:%m.%Y}")
        p.drawText(QPointF(self.width() - 12 - fm.horizontalAdvance(f"{hi:%m.%Y}"), self.height() - 4), f"{hi:%m.%Y}")
        tx = self.x_of(self.today)
        p.setPen(QPen(series_color(4, pal), 2, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(tx, 6), QPointF(tx, self.height() - 6))
        p.drawText(QPointF(tx + 3, fm.ascent() + 2), tr("сегодня"))
        for d, _ in self.items:
            c = series_color(self.kind_of(d), pal)
            p.setPen(QPen(c, 1))
            p.setBrush(c)
            p.drawEllipse(QPointF(self.x_of(d), y), 5, 5)
        if not self.items:
            p.setPen(text)
            p.drawText(QRectF(0, 0, self.width(), y - 4), int(Qt.AlignmentFlag.AlignCenter), tr("Сроков нет"))
        p.end()

    def item_at(self, x: float) -> int | None:
        best = min(range(len(self.items)), key=lambda i: abs(self.x_of(self.items[i][0]) - x), default=None)
        if best is None or abs(self.x_of(self.items[best][0]) - x) > 8:
            return None
        return best

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self.item_at(event.position().x())
        if i is None:
            QToolTip.hideText()
            return
        d, t = self.items[i]
        QToolTip.showText(event.globalPosition().toPoint(), f"{t}: {d:%d.%m.%Y}", self)
