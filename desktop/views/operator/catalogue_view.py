"""«Организации и программы» — the operator's registers (issue 15): organizations (list, add with
ИНН/ОГРН checked before sending) and educational programmes (list, add, see who enrolled)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.models.checkdigits import inn_is_valid, ogrn_is_valid
from desktop.vault.store import Vault
from desktop.views.dashboards.charts import fill_table
from desktop.views.operator.common import call, list_table, say, selected_ids, show_rows, status_label
from desktop.views.widgets.date_input import DateInput

FORMATS = {"full_time": "очная", "part_time": "очно-заочная", "mixed": "смешанная", "distance": "дистанционная"}


def org_problems(inn: str, name: str, ogrn: str) -> list[str]:
    out = []
    if not (len(inn) == 10 and inn.isdigit() and inn_is_valid(inn)):
        out.append(tr("ИНН: 10 цифр с верным контрольным числом"))
    if not name.strip():
        out.append(tr("укажите наименование"))
    if ogrn and not (len(ogrn) == 13 and ogrn.isdigit() and ogrn_is_valid(ogrn)):
        out.append(tr("ОГРН: 13 цифр с верным контрольным числом"))
    return out


def programme_problems(title: str, begin: QDate | None, end: QDate | None) -> list[str]:
    out = []
    if not title.strip():
        out.append(tr("укажите название"))
    if begin is None or end is None:
        out.append(tr("укажите даты начала и окончания"))
    elif end < begin:
        out.append(tr("окончание раньше начала"))
    return out


class CatalogueView(QWidget):
    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operator_catalogue")
        self.vault = vault
        #: lists shown from the server at least once (the tests wait on it)
        self.loaded = False
        self.status = status_label()
        tabs = QTabWidget()
        tabs.addTab(self._orgs_tab(), tr("Организации"))
        tabs.addTab(self._programmes_tab(), tr("Образовательные программы"))
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        lay.addWidget(tabs, 1)
        self.reload()

    # -- organizations -------------------------------------------------------------------------
    def _orgs_tab(self) -> QWidget:
        w = QWidget()
        self.orgs = list_table(tr("Организации"))
        self.inn, self.org_name, self.ogrn = QLineEdit(), QLineEdit(), QLineEdit()
        self.inn.setPlaceholderText(tr("ИНН"))
        self.org_name.setPlaceholderText(tr("Наименование"))
        self.ogrn.setPlaceholderText(tr("ОГРН (необязательно)"))
        add = QPushButton(tr("Добавить организацию"))
        add.clicked.connect(self.add_org)
        row = QHBoxLayout()
        for x in (self.inn, self.org_name, self.ogrn):
            row.addWidget(x)
        row.addWidget(add)
        lay = QVBoxLayout(w)
        lay.addWidget(self.orgs, 1)
        lay.addLayout(row)
        return w

    def add_org(self) -> None:
        inn, name, ogrn = self.inn.text().strip(), self.org_name.text().strip(), self.ogrn.text().strip()
        bad = org_problems(inn, name, ogrn)
        if bad:
            say(self.status, tr("Организация не добавлена: {why}.").format(why="; ".join(bad)), "error")
            return

        def done(_out: dict[str, Any]) -> None:
            say(self.status, tr("Организация добавлена: {name}.").format(name=name), "ok")
            for x in (self.inn, self.org_name, self.ogrn):
                x.clear()
            self.reload()

        call(self, self.vault, lambda c: c.create_org(inn, name, ogrn or None), done, self.status)

    # -- programmes ----------------------------------------------------------------------------
    def _programmes_tab(self) -> QWidget:
        w = QWidget()
        self.programmes = list_table(tr("Образовательные программы"))
        self.enrolled = QTableWidget()
        self.enrolled.setAccessibleName(tr("Записавшиеся"))
        self.enrolled.setMaximumHeight(140)
        show = QPushButton(tr("Записавшиеся"))
        show.clicked.connect(self.show_enrolments)
        self.title = QLineEdit()
        self.provider = QLineEdit()
        self.format = QComboBox()
        for key, label in FORMATS.items():
            self.format.addItem(tr(label), key)
        self.hours = QSpinBox()
        self.hours.setRange(1, 10000)
        self.hours.setValue(36)
        self.seats = QSpinBox()
        self.seats.setRange(1, 100000)
        self.seats.setValue(20)
        self.begin, self.end = DateInput(), DateInput()
        add = QPushButton(tr("Добавить программу"))
        add.clicked.connect(self.add_programme)
        form = QFormLayout()
        form.addRow(tr("Название"), self.title)
        form.addRow(tr("Организатор"), self.provider)
        form.addRow(tr("Формат"), self.format)
        form.addRow(tr("Часов"), self.hours)
        form.addRow(tr("Мест"), self.seats)
        form.addRow(tr("Начало"), self.begin)
        form.addRow(tr("Окончание"), self.end)
        form.addRow(add)
        lay = QVBoxLayout(w)
        lay.addWidget(self.programmes, 1)
        lay.addWidget(show)
        lay.addWidget(self.enrolled)
        lay.addLayout(form)
        return w

    def add_programme(self) -> None:
        begin, end = self.begin.date(), self.end.date()
        bad = programme_problems(self.title.text(), begin, end)
        if bad or begin is None or end is None:
            say(self.status, tr("Программа не добавлена: {why}.").format(why="; ".join(bad)), "error")
            return
        fields = {"title": self.title.text().strip(), "provider": self.provider.text().strip(),
                  "format": str(self.format.currentData()), "hours": self.hours.value(), "seats": self.seats.value(),
                  "begin_date": begin.toString("yyyy-MM-dd"), "end_date": end.toString("yyyy-MM-dd")}

        def done(_out: dict[str, Any]) -> None:
            say(self.status, tr("Программа добавлена."), "ok")
            self.title.clear()
            self.reload()

        call(self, self.vault, lambda c: c.create_programme(**fields), done, self.status)

    def show_enrolments(self) -> None:
        ids = selected_ids(self.programmes)
        if len(ids) != 1:
            say(self.status, tr("Выберите одну программу."), "warning")
            return
        pid = ids[0]
        call(self, self.vault, lambda c: c.enrolments(pid),
             lambda rows: fill_table(self.enrolled, [tr("Работник"), tr("Записан")],
                                     [[r.get("person_id", ""), _when(r.get("created_at"))] for r in rows]),
             self.status)

    # -- both ----------------------------------------------------------------------------------
    def reload(self) -> None:
        def both(c: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            return c.organizations(), c.programmes()

        call(self, self.vault, both, self._loaded, self.status, load=True)

    def _loaded(self, result: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
        orgs, progs = result
        self.loaded = True
        show_rows(self.orgs, [tr("ИНН"), tr("Наименование"), tr("ОГРН"), tr("КПП")],
                  [[o.get("inn", ""), o.get("name", ""), o.get("ogrn") or "", o.get("kpp") or ""] for o in orgs],
                  [str(o.get("inn")) for o in orgs], stretch=1)
        show_rows(self.programmes, [tr("Название"), tr("Формат"), tr("Часов"), tr("Начало"), tr("Мест свободно")],
                  [[p.get("title", ""), tr(FORMATS.get(str(p.get("format")), str(p.get("format")))),
                    int(p.get("hours") or 0), p.get("begin_date", ""),
                    f"{p.get('free_seats', 0)} / {p.get('seats', 0)}"] for p in progs],
                  [str(p.get("id")) for p in progs], stretch=0)


def _when(epoch: Any) -> str:
    import datetime as dt

    try:
        return dt.datetime.fromtimestamp(float(epoch)).strftime("%d.%m.%Y %H:%M")
    except (TypeError, ValueError):
        return ""
