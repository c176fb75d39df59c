"""The manager's dashboard's data: the figures (server or vault), turned into charts and tables
off the GUI thread (the НСИ names, the tables of ``documents.org_report``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.documents.org_report import KINDS, nmo_label, tables
from desktop.i18n import N_, tr
from desktop.models.nsi import NsiRegistry
from desktop.sync import reports
from desktop.sync.api import LoginNeeded, Transient
from desktop.vault.store import Vault
from desktop.views.dashboards.charts import ChartData


@dataclass(frozen=True)
class Filter:
    inn: str | None = None
    subdivision: str | None = None
    position: str | None = None
    date_from: str = ""
    date_to: str = ""

    def server_args(self) -> dict[str, str]:
        return {"subdivision": self.subdivision or "", "position": self.position or "", "date_from": self.date_from,
                "date_to": self.date_to}

    @property
    def narrowed(self) -> bool:
        return any(self.server_args().values())


@dataclass
class Chart:
    key: str
    title: str
    data: ChartData
    header: list[str]
    rows: list[list[Any]]
    #: per bar: the (group, value) of ``/orgs/{inn}/report/people`` — None: the bar has no list
    groups: list[tuple[str, str] | None] = field(default_factory=list)


@dataclass
class Dashboard:
    figures: reports.Figures
    #: why the kept figures are shown ("" when they came from the server just now)
    offline: str
    charts: list[Chart]
    expiring: list[list[Any]]
    summary: list[list[Any]]
    subdivisions: list[str]
    positions: list[tuple[str, str]]


#: the charts ``build`` makes, in their order on the dashboard (the view lays them out before the
#: first figures arrive)
CHART_KEYS = ("subdivision", "rates", "position", "expiring", "nmo", "confirmations", "requests")


def _as_float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def build(figures: reports.Figures, offline: str, nsi: NsiRegistry) -> Dashboard:
    d = figures.data
    subs = d.get("by_subdivision") or []
    pos = d.get("by_position") or []
    exp = d.get("expiring") or {}
    conf = (d.get("confirmations") or {}).get("by_age") or []
    req = d.get("requests") or {}
    nmo = d.get("nmo_compliance") or []

    def sub_label(v: str) -> str:
        return v or tr("без подразделения")

    def pos_label(code: str) -> str:
        return nsi.name("position", code) or tr("не указана")

    def age(b: dict[str, Any]) -> str:  # org_report.age_label, in the interface language
        if b.get("to_days") is not None:
            return tr("{start}–{end} дн.").format(start=b["from_days"], end=b["to_days"])
        return tr("> {start} дн.").format(start=b["from_days"])

    expired, soon, later = tr("Истекли"), tr("≤ 30 дней"), tr("≤ 90 дней")
    open_, answered, closed = tr("Открыты"), tr("Есть ответ"), tr("Закрыты")

    charts = [
        Chart("subdivision", N_("Численность по подразделениям"),
              ChartData([sub_label(r["subdivision"]) for r in subs], [[float(r["headcount"]) for r in subs]],
                        unit=" чел."),
              ["Подразделение", "Сотрудников"], [[sub_label(r["subdivision"]), int(r["headcount"])] for r in subs],
              [("subdivision", r["subdivision"]) for r in subs]),
        Chart("rates", N_("Занятые ставки по подразделениям"),
              ChartData([sub_label(r["subdivision"]) for r in subs], [[_as_float(r["rate"]) for r in subs]]),
              [N_("Подразделение"), N_("Ставок")], [[sub_label(r["subdivision"]), _as_float(r["rate"])] for r in subs],
              [("subdivision", r["subdivision"]) for r in subs]),
        Chart("position", N_("Численность по должностям"),
              ChartData([pos_label(r["position_code"]) for r in pos], [[float(r["headcount"]) for r in pos]],
                        unit=" чел."),
              [N_("Должность"), N_("Сотрудников")], [[pos_label(r["position_code"]), int(r["headcount"])] for r in pos],
              [("position", r["position_code"]) for r in pos]),
        Chart("expiring", N_("Сертификаты, аккредитация, категории"),
              ChartData([expired, soon, later],
                        [[float(exp.get("expired") or 0), float(exp.get("30") or 0), float(exp.get("90") or 0)]],
                        unit=" чел."),
              [N_("Срок"), N_("Сотрудников")], [[expired, int(exp.get("expired") or 0)],
                                        [soon, int(exp.get("30") or 0)],
                                        [later, int(exp.get("90") or 0)]],
              [("expiring", "expired"), ("expiring", "30"), ("expiring", "90")]),
        Chart("nmo", tr("Выполнение цикла НМО (из {n} ч)").format(n=d.get("nmo_required", 144)),
              ChartData([nmo_label(b) for b in nmo], [[float(b["count"]) for b in nmo]], unit=" чел."),
              [N_("Выполнено"), N_("Сотрудников")], [[nmo_label(b), int(b["count"])] for b in nmo],
              [("nmo", str(b["from"])) for b in nmo]),
        Chart("confirmations", N_("Подтверждения ждут решения"),
              ChartData([age(b) for b in conf], [[float(b["count"]) for b in conf]]),
              [N_("Ждут"), N_("Запросов")], [[age(b), int(b["count"])] for b in conf],
              [("confirmations", str(b["from_days"])) for b in conf]),
        Chart("requests", N_("Запросы сотрудникам"),
              ChartData([open_, answered, closed],
                        [[float(req.get("open") or 0), float(req.get("answered") or 0),
                          float(req.get("closed") or 0)]]),
              [N_("Состояние"), N_("Запросов")], [[open_, int(req.get("open") or 0)],
                                          [answered, int(req.get("answered") or 0)],
                                          [closed, int(req.get("closed") or 0)]],
              [("requests", "open"), ("requests", "answered"), ("requests", "closed")]),
    ]
    # the rows as shown (dates in Russian order), made here in the pool, not on the GUI thread
    expiring = [[_ru_date(i.get("date", "")), tr(KINDS.get(i.get("kind", ""), i.get("kind", ""))), i.get("name", ""),
                 i.get("snils") or ""] for i in d.get("expiring_items") or []]
    # the report's own labels stay Russian in its PDF and .xlsx; here they are the interface's
    summary = [[tr(label), *rest] for label, *rest in tables(d, nsi)[0][2]]
    return Dashboard(figures, offline, charts, expiring, summary, [str(r["subdivision"]) for r in subs],
                     [(str(r["position_code"]), pos_label(str(r["position_code"]))) for r in pos])


def load(vault: Vault, flt: Filter) -> Dashboard:
    """In the pool: the server's figures (kept for next time), or the kept ones when the server
    cannot be reached — only for the whole organization, which is what is kept."""
    offline = ""
    try:
        figures = reports.fetch(vault, flt.inn, **flt.server_args())
    except (Transient, LoginNeeded) as exc:
        inns = [flt.inn] if flt.inn else reports.kept_orgs(vault)
        kept = reports.kept(vault, inns[0]) if inns else None
        if kept is None or flt.narrowed:
            raise
        figures, offline = kept, str(exc)
    return build(figures, offline, NsiRegistry.shipped())


def people(vault: Vault, inn: str, group: str, value: str, flt: Filter) -> list[dict[str, Any]]:
    with reports.ReportClient(vault) as c:
        return c.people(inn, group, value, subdivision=flt.subdivision or "", position=flt.position or "",
                        date_from=flt.date_from, date_to=flt.date_to)


def save_report(data: dict[str, Any], path: str) -> str:
    from desktop.documents.atomic import atomic_write
    from desktop.documents.org_report import report_pdf, report_xlsx

    payload = report_xlsx(data) if path.lower().endswith(".xlsx") else report_pdf(data)
    atomic_write(path, payload)
    return path


def _ru_date(iso: str) -> str:
    parts = str(iso)[:10].split("-")
    return ".".join(reversed(parts)) if len(parts) == 3 else str(iso)
