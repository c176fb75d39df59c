"""Where an НМО cycle starts (docs/domain.md): the rule the doctor's own cabinet counts by
(``desktop/documents/nmo.py``) and the organization report counts every staff member by
(``server/report_summary.py``, ``server/reports.py``) — one rule, so a doctor at 100 % on
«Главная» is at 100 % in the chief doctor's histogram too.

The cycle runs from the latest accreditation's protocol date; with none, or when that is older
than a cycle, it is the ``years`` ending today (from the day after the same date ``years`` back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from desktop.models.validation import add_years

#: the default cycle's length (the rule is a setting of the cabinet; the server counts by the default)
DEFAULT_YEARS = 5


def fallback_start(today: dt.date, years: int = DEFAULT_YEARS) -> dt.date:
    """The start of the ``years`` ending today."""
    return add_years(today, -years) + dt.timedelta(days=1)


def cycle_start(protocol_dates: Iterable[dt.date], today: dt.date, years: int = DEFAULT_YEARS) -> dt.date:
    """The latest protocol date up to today, unless it is older than a cycle."""
    latest = max((d for d in protocol_dates if d <= today), default=None)
    fallback = fallback_start(today, years)
    return fallback if latest is None or latest < fallback else latest
