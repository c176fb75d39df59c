"""Failed unlock attempts, kept on disk so that restarting the app does not reset the delay."""

from __future__ import annotations

import json
import time
from pathlib import Path

from desktop.vault.atomic import atomic_write_bytes
from desktop.vault.errors import TooManyAttempts

FREE_ATTEMPTS = 3
MAX_DELAY_S = 300.0


def delay_after(failures: int) -> float:
    """0 s for the first few mistakes, then 2, 4, 8 … seconds, at most 5 minutes."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return min(MAX_DELAY_S, 2.0 ** (failures - FREE_ATTEMPTS + 1))


class AttemptCounter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._now = time.time

    def _read(self) -> tuple[int, float]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return int(raw.get("failures", 0)), float(raw.get("last", 0.0))
        except FileNotFoundError:
            return 0, 0.0
        except (ValueError, TypeError, AttributeError):
            # A damaged counter must not become a way around the delay.
            return FREE_ATTEMPTS + 2, self._now()

    @property
    def failures(self) -> int:
        return self._read()[0]

    def wait_seconds(self) -> float:
        failures, last = self._read()
        return max(0.0, last + delay_after(failures) - self._now())

    def check(self) -> None:
        wait = self.wait_seconds()
        if wait > 0:
            raise TooManyAttempts(
                f"Слишком много неудачных попыток ({self.failures}). Следующая попытка через {int(wait) + 1} с.",
                wait,
            )

    def record_failure(self) -> int:
        failures, _ = self._read()
        failures += 1
        atomic_write_bytes(self.path, json.dumps({"failures": failures, "last": self._now()}).encode())
        return failures

    def reset(self) -> None:
        if self.path.exists():
            atomic_write_bytes(self.path, b'{"failures": 0, "last": 0}')
