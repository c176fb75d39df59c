"""The self-test from the checkout (unfrozen): every step passes or is skipped for a module not yet
in the product. The frozen bundle is exercised by installer/check in CI, not here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop.diagnostics import selftest

LINE = re.compile(r"^\[(OK|FAIL|SKIP)\] (.+?) — (.+)$")


@pytest.fixture(scope="module")
def outcome() -> tuple[int, list[str]]:
    lines: list[str] = []
    code = selftest.run(out=lines.append)
    return code, lines


def test_exit_code_zero(outcome: tuple[int, list[str]]) -> None:
    code, lines = outcome
    assert code == 0, "\n".join(lines)


def test_one_line_per_step_in_order(outcome: tuple[int, list[str]]) -> None:
    _, lines = outcome
    steps = [m.group(2) for line in lines if (m := LINE.match(line))]
    assert steps == [name for name, _ in selftest.STEPS]
    assert lines[-1].startswith("самопроверка:")


def test_core_steps_really_ran(outcome: tuple[int, list[str]]) -> None:
    _, lines = outcome
    status = {m.group(2): m.group(1) for line in lines if (m := LINE.match(line))}
    # These need nothing but the core and Qt, which are always in the product: never skipped.
    for step in ("окружение", "хранилище", "запись", "стаж", "журнал", "шифрование", "Qt"):
        assert status[step] == "OK", "\n".join(lines)
    assert not [s for s, v in status.items() if v == "FAIL"]


def test_cleartext_scan_detects_a_leak(tmp_path: Path) -> None:
    # The scan must be able to fail: after a real vault and record, plant the surname (UTF-16)
    # in a profile file, as a careless temp file or log would, and expect the step to refuse.
    ctx = selftest.Context(tmp_path)
    selftest.step_vault(ctx)
    selftest.step_record(ctx)
    assert ctx.profile is not None
    (ctx.profile / "notes.log").write_bytes(("x" + selftest.NEEDLE_LAST).encode("utf-16-le"))
    with pytest.raises(RuntimeError, match=r"notes\.log: фамилия \(utf-16-le\)"):
        selftest.step_no_cleartext(ctx)


def test_failure_is_reported_and_sets_exit_code(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: selftest.Context) -> str:
        raise RuntimeError("сломано нарочно")

    monkeypatch.setattr(selftest, "STEPS", [("окружение", selftest.step_environment), ("поломка", broken)])
    lines: list[str] = []
    assert selftest.run(out=lines.append) == 1
    assert any(line.startswith("[FAIL] поломка — сломано нарочно") for line in lines)


def test_sync_step_without_the_embedded_demo_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The fallback (server.testing) must keep working for builds that lack desktop.sync.embedded.
    pytest.importorskip("server.testing")
    monkeypatch.setattr(selftest, "_embedded_module", lambda: None)
    detail = selftest.step_sync(selftest.Context(tmp_path))
    assert detail.startswith("сервер на 127.0.0.1:")
    assert "отправлена 1 правка" in detail
