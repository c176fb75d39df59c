"""The manager's dashboard drawn from figures that arrived (issue 15 target: ≤ 300 ms after the
data arrives, no GUI stall over 30 ms).

    QT_QPA_PLATFORM=offscreen uv run python bench/dashboard_gui.py [--runs 9] [--subdivisions 40] [--positions 60]

The figures are a large organization's (many subdivisions and positions, the 500-row expiry
list); ``build`` — what the load op does in the pool — runs before the clock starts. Measured
from the op's answer (``show_dashboard``) until every chart and the expiry list have painted,
with the longest stall of the GUI thread over that time (bench/lists.py's ``Stalls``: the
longest gap between 1 ms timer ticks). ``open``: the section built and shown, its charts
saying «Загрузка…» (while the load op runs); ``first``: its first figures; ``again``: new
figures into a dashboard already shown. Baseline in the same run:
the stall of an idle event loop for 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from bench.lists import Stalls, wait
from desktop.models.nsi import NsiRegistry
from desktop.sync.reports import Figures
from desktop.views.dashboards.manager_model import Dashboard, build
from desktop.views.dashboards.manager_view import ManagerDashboard


class BenchDashboard(ManagerDashboard):
    """The dashboard without its own server call: the bench hands it the figures."""

    def refresh(self) -> None:
        return None


class Painted(QObject):
    """When the dashboard's window last painted (an application-wide filter on Paint events)."""

    def __init__(self, app: QApplication, window: QWidget) -> None:
        super().__init__()
        self.window = window
        self.last = 0.0
        app.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(obj, QWidget) and obj.window() is self.window:
            self.last = time.perf_counter()
        return False


def figures(n_sub: int, n_pos: int, n_items: int, seed: int) -> dict[str, Any]:
    today = dt.date.today()
    subs = [{"subdivision": f"Отделение № {i + seed}", "headcount": 50 + i * 7, "cards": 60 + i * 8,
             "rate": f"{40 + i * 5.25:.2f}"} for i in range(n_sub)]
    pos = [{"position_code": str(i + 1), "headcount": 30 + i * 3, "cards": 35 + i * 3, "rate": f"{20 + i:.2f}"}
           for i in range(n_pos)]
    items = [{"person_id": f"p{i}", "kind": ("certificate", "accreditation", "category")[i % 3],
              "date": (today + dt.timedelta(days=i % 120 - 30)).isoformat(), "name": f"Иванова Анна Петровна {i}",
              "snils": f"{10000000000 + i}"} for i in range(n_items)]
    return {"org_inn": "7701000001", "org_name": "ГБУЗ «Больница»", "as_of": dt.datetime.now(dt.UTC).isoformat(),
            "today": today.isoformat(), "filters": {}, "headcount": sum(s["headcount"] for s in subs),
            "by_subdivision": subs, "by_position": pos, "expiring": {"30": 120, "90": 300, "expired": 80},
            "expiring_items": items, "nmo_required": "144",
            "nmo_compliance": [{"from": b, "to": b + 25 if b < 100 else None, "count": 100 + b}
                               for b in (0, 25, 50, 75, 100)],
            "confirmations_pending": 42, "confirmations": {"pending": 42, "oldest_days": 40, "by_age": [
                {"from_days": 0, "to_days": 7, "count": 10}, {"from_days": 7, "to_days": 30, "count": 20},
                {"from_days": 30, "to_days": None, "count": 12}]},
            "requests_open": 12, "requests": {"open": 12, "answered": 30, "closed": 50}}


def show(app: QApplication, view: ManagerDashboard, dash: Dashboard, stalls: Stalls,
         painted: Painted) -> tuple[float, float]:
    """(ms from the figures' arrival to the last paint of the dashboard, the longest stall)."""
    stalls.start()
    t = time.perf_counter()
    painted.last = t
    view.show_dashboard(dash)
    wait(app, lambda: view.dash is dash and not getattr(view, "pending", False), timeout=10)
    # then until nothing has painted for 50 ms: the last paint is when it was drawn
    wait(app, lambda: time.perf_counter() - painted.last > 0.05, timeout=10)
    ms = (painted.last - t) * 1000
    return ms, stalls.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--subdivisions", type=int, default=40)
    ap.add_argument("--positions", type=int, default=60)
    ap.add_argument("--items", type=int, default=500)
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    nsi = NsiRegistry.shipped()
    dashes = [build(Figures(figures(args.subdivisions, args.positions, args.items, k), False), "", nsi)
              for k in range(2)]
    stalls = Stalls()
    first: list[tuple[float, float]] = []
    again: list[tuple[float, float]] = []
    idle: list[float] = []
    opened: list[tuple[float, float]] = []
    for i in range(args.runs):
        stalls.start()
        t = time.perf_counter()
        view = BenchDashboard(None, [("7701000001", "ГБУЗ «Больница»")])  # type: ignore[arg-type]
        painted = Painted(app, view)
        painted.last = t
        view.resize(1400, 900)
        view.show()
        wait(app, lambda p=painted: time.perf_counter() - p.last > 0.05, timeout=10)  # type: ignore[misc]
        opened.append(((painted.last - t) * 1000, stalls.stop()))
        first.append(show(app, view, dashes[i % 2], stalls, painted))
        again.append(show(app, view, dashes[(i + 1) % 2], stalls, painted))
        app.removeEventFilter(painted)
        view.close()
        view.deleteLater()
        app.processEvents()
        stalls.start()
        t = time.perf_counter()
        wait(app, lambda t0=t: time.perf_counter() - t0 > 0.3, timeout=5)  # type: ignore[misc]
        idle.append(stalls.stop())

    def line(name: str, xs: list[tuple[float, float]]) -> None:
        ms = [x[0] for x in xs]
        st = [x[1] for x in xs]
        print(f"{name:38} drawn median {statistics.median(ms):6.1f} ms (max {max(ms):6.1f})   "
              f"stall median {statistics.median(st):5.1f} ms (max {max(st):5.1f})")

    print(f"{args.subdivisions} subdivisions, {args.positions} positions, {args.items} expiry rows; runs {args.runs}")
    line("open the section (before the figures)", opened)
    line("first figures into the new dashboard", first)
    line("new figures into a shown dashboard", again)
    print(f"{'idle event loop, 300 ms (stall baseline)':38} stall median {statistics.median(idle):5.1f} ms "
          f"(max {max(idle):5.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
