"""The randomized harness in CI: ≥200 seeded schedules (``python -m tests.sync.harness
--schedules N`` for more). Prints the counts the issue asks for."""

from __future__ import annotations

import json
import os

import pytest

from tests.sync import harness


# ~3.5 min alone on a 2-core machine; more when other suites share it.
@pytest.mark.timeout(1200)
def test_randomized_schedules_lose_and_duplicate_nothing() -> None:
    n = int(os.environ.get("FRMR_HARNESS_SCHEDULES", "200"))
    totals = harness.run(n, seed=int(os.environ.get("FRMR_HARNESS_SEED", "1")))
    print("\nharness:", json.dumps(totals.as_dict(), ensure_ascii=False))
    assert totals.schedules == n
    assert totals.failures == []
    assert (totals.lost, totals.duplicated, totals.diverged) == (0, 0, 0)
    assert totals.edits > n and totals.faults > n and totals.conflicts > 0 and totals.crashes > 0
