"""What the running log costs a sync (issue 16 target: ≤ 1 ms per sync page).

    uv run python bench/log_cost.py [--runs 7] [--records 2000]

The sync writes no log record for a page that goes well: its records are a retry (one per failed
attempt, desktop/sync/core.py), a person leaving the scope (desktop/sync/pull.py) and a failed sync
(desktop/sync/engine.py). So the figure that bounds the cost per page is the cost of one record,
written the way the app writes it: through ``PersonalDataFilter`` (the scrubbing of digits,
dates, e-mails, URLs and names) into the rotating file. The record measured is the worst of those
lines: a retry whose exception text carries a URL with a query, digits and a name. The baseline,
in the same run, is the same call on a logger whose level drops the record (what a call costs
when nothing is written).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _Cause(Exception):
    pass


def _emit(log: logging.Logger, n: int) -> float:
    exc = ConnectionError("GET https://frmr.example.ru/sync/pull?since=1733140000123&token=abcdef0123456789abcdef "
                          "от Иванова Ивана: 503 после 12.11.2026 10:15, СНИЛС 112-233-445 95")
    exc.__cause__ = _Cause("reset")
    t = time.perf_counter()
    for attempt in range(n):
        log.info("sync: %s (%s) — retry %d in %.2fs", exc, type(exc.__cause__).__name__, attempt, 0.25)
    return (time.perf_counter() - t) / n * 1e6  # µs per record


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--records", type=int, default=2000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FRMR_LOG_DIR"] = tmp
        from desktop.diagnostics.logging_setup import LOG_FILE, start_logging

        assert start_logging("bench") is not None
        written = logging.getLogger("frmr.sync")
        dropped = logging.getLogger("bench.dropped")
        dropped.setLevel(logging.CRITICAL)
        per_record, baseline = [], []
        for _ in range(args.runs):
            per_record.append(_emit(written, args.records))
            baseline.append(_emit(dropped, args.records))
        text = (Path(tmp) / LOG_FILE).read_text(encoding="utf-8")
        assert "Иванова" not in text and "112-233-445" not in text, "the log kept personal data"
        med = statistics.median(per_record)
        print(f"one sync log record, scrubbed and written: median {med:.1f} µs (runs: "
              f"{', '.join(f'{x:.1f}' for x in per_record)})")
        print(f"baseline, the same call dropped by its level: median {statistics.median(baseline):.2f} µs")
        print(f"a page that goes well writes 0 records; a retried page 1 per attempt: {med / 1000:.3f} ms "
              f"per attempt against the 1 ms target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
