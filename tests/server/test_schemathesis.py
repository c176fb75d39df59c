"""schemathesis against /openapi.json, a token per role, bounded for CI: no server errors."""

from __future__ import annotations

import os
import time
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode

from tests.server.conftest import World

EXAMPLES = int(os.environ.get("FRMR_SCHEMATHESIS_EXAMPLES", "6"))
ROLES = ("doctor", "hr1", "manager", "admin")


def _fuzz(op: Any, strategy: Any, login: str, headers: dict[str, str], failures: list[str]) -> int:
    """Run one operation's cases as one role; returns how many calls were made."""
    calls = 0

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        # the role's own token and schema header win over generated ones
        case.headers = {**(case.headers or {}), **headers}
        resp = case.call()
        if resp.status_code >= 500:
            failures.append(f"{login} {op.method.upper()} {op.path} -> {resp.status_code}: {resp.text[:200]} "
                            f"({case.path_parameters} {case.query} {case.body!r:.200})")

    try:
        run()
    except Unsatisfiable:
        pass  # e.g. no negative cases exist for an operation without parameters
    return calls


def test_no_server_errors_for_any_role(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    ops = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the schema itself is broken: fail with schemathesis's reason
        ops.append(result.ok())
    assert len(ops) > 40
    failures: list[str] = []
    calls = 0
    started = time.monotonic()
    for login in ROLES:
        for op in ops:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    strategy = op.as_strategy(generation_mode=mode)
                except Exception:  # an operation schemathesis cannot build cases for in this mode
                    continue
                calls += _fuzz(op, strategy, login, world.h(login), failures)
    print(f"schemathesis: {calls} calls, {len(ops)} operations × {len(ROLES)} roles")
    assert calls > len(ops) * len(ROLES)
    assert not failures, "\n".join(failures[:20])
    assert time.monotonic() - started < 240
