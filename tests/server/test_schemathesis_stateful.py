"""Stateful schemathesis: sequences of calls that follow the API's OpenAPI links (create a row,
then change, close, confirm, comment on it…) with real ids, once per role, on SQLite and
PostgreSQL. Each step must not be a server error, and no answer to a role may carry personal
data of a person that role may not read (a planted marker in their record)."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.generation.stateful.state_machine import APIStateMachine

from desktop.models.checkdigits import make_snils
from tests.server.conftest import World

STEPS = int(os.environ.get("FRMR_SCHEMATHESIS_STATEFUL_EXAMPLES", "12"))
ROLES = ("doctor", "hr1", "manager", "admin")


def _plant_markers(w: World) -> dict[str, str]:
    """A unique passport number in one record no role but the operator may read: doctor2's for the
    doctor, a person of the second organization only for hr1 and the manager."""
    markers: dict[str, str] = {}
    pid2 = w.person_id("doctor2")
    inn1 = w.tokens["hr1"]["user"]["organizations"][0]["inn"]
    inn2 = w.tokens["hr2"]["user"]["organizations"][0]["inn"]

    def staff(inn: str) -> list[str]:
        items = w.get("admin", f"/orgs/{inn}/staff", params={"page_size": 500}).json()["items"]
        return [str(i["person_id"]) for i in items]

    staff1 = set(staff(inn1))
    only2 = next(pid for pid in staff(inn2) if pid not in staff1 and pid != pid2)
    for pid in (pid2, only2):
        marker = f"{uuid.uuid4().int % 10**6:06d}"
        r = w.patch("admin", f"/persons/{pid}/person/{pid}", json={"fields": {
            "id_doc_type": "21", "id_doc_series": "4599", "id_doc_number": marker}})
        assert r.status_code == 200, r.text
        markers[pid] = marker
    return {"doctor": markers[pid2], "hr1": markers[only2], "manager": markers[only2]}


_DAYS = itertools.count()
_ENTITIES = ("education", "nmo", "application", "employment", "request")


def _fields(entity: str, inn: str, org_name: str) -> dict[str, Any]:
    day = (dt.date(1995, 1, 1) + dt.timedelta(days=3 * next(_DAYS))).isoformat()
    by_entity: dict[str, dict[str, Any]] = {
        "education": {"kind": "advanced_training", "institution": "РМАНПО", "doc_number": uuid.uuid4().hex[:10],
                      "hours": 36},
        "nmo": {"event_date": "2025-01-10", "kind": "iom", "title": "Модуль", "credits": "2"},
        "application": {"kind": "periodic", "specialty_code": "36"},
        "employment": {"org_name": org_name, "org_inn": inn, "position_code": "4", "position_type": "combined",
                       "contract_kind": "labor", "rate": "0.25", "begin_date": day, "end_date": day},
        "request": {"org_name": org_name, "org_inn": inn, "kind": "Запрос", "text": "Просим ответить",
                    "received_at": day, "status": "new"},
    }
    return by_entity[entity]


class Producers:
    """Valid bodies for the operations that create things, so the links lead somewhere: the
    stateless run already fuzzes these bodies; here what follows a creation is the subject."""

    def __init__(self, w: World, login: str) -> None:
        self.login = login
        user = w.tokens[login]["user"]
        orgs = user["organizations"] or w.tokens["hr1"]["user"]["organizations"]
        self.inn, self.org_name = orgs[0]["inn"], orgs[0]["name"]
        staff = w.get("admin", f"/orgs/{self.inn}/staff", params={"page_size": 50}).json()["items"]
        self.person = user["person_id"] or staff[0]["person_id"]
        self.n = itertools.count()

    def shape(self, case: Any) -> None:
        op = (case.method.lower(), case.operation.path)
        k = next(self.n)
        if op == ("post", "/persons/{person_id}/{entity}"):
            entity = _ENTITIES[k % len(_ENTITIES)]
            case.path_parameters = {"person_id": self.person, "entity": entity}
            case.body = {"fields": _fields(entity, self.inn, self.org_name)}
        elif op == ("post", "/orgs/{inn}/employment"):
            fields = _fields("employment", self.inn, self.org_name)
            case.path_parameters = {"inn": self.inn}
            case.body = {"person_id": self.person, "fields": {k: v for k, v in fields.items()
                                                              if not k.startswith("org_")}}
        elif op == ("post", "/orgs/{inn}/requests"):
            case.path_parameters = {"inn": self.inn}
            case.body = {"person_id": self.person, "kind": "Запрос", "text": "Просим ответить"}
        elif op == ("post", "/persons"):
            snils = make_snils(f"{100_000_000 + uuid.uuid4().int % 800_000_000:09d}")
            case.body = {"fields": {"snils": snils, "last_name": "Петров", "first_name": "Пётр", "gender": "male",
                                    "birth_date": "1980-05-05"}}


def _machine(w: World, login: str, secret: str | None, failures: list[str]) -> type[APIStateMachine]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", w.client.app)
    base = schema.as_state_machine()
    headers = w.h(login)
    producers = Producers(w, login)

    class Role(base):  # type: ignore[valid-type, misc]
        def before_call(self, case: Any) -> None:
            producers.shape(case)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            case.headers = {**(case.headers or {}), **headers}
            return {}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kw: Any) -> None:
            where = f"{login} {case.method.upper()} {case.path} {case.path_parameters}"
            if response.status_code >= 500:
                failures.append(f"{where} -> {response.status_code}: {response.text[:200]}")
            if secret and secret in response.text:
                failures.append(f"{where} -> leaked the planted passport number: {response.text[:200]}")

    return Role


def test_stateful_runs_per_role(world: World) -> None:
    document: dict[str, Any] = world.client.app.openapi()  # type: ignore[attr-defined]
    links = sum(len(r.get("links", {})) for ops in document["paths"].values()
                for op in ops.values() for r in op.get("responses", {}).values())
    assert links >= 20, "the OpenAPI document lost its links (server/openapi_links.py)"
    secrets = _plant_markers(world)
    failures: list[str] = []
    for login in ROLES:
        machine = _machine(world, login, secrets.get(login), failures)
        # One scenario per run: the server's state carries over from one scenario to the next
        # (that is the point), which Hypothesis would report as a flaky strategy if it replayed
        # several scenarios in one run to compare their draws.
        for _ in range(STEPS):
            machine.run(settings=settings(max_examples=1, stateful_step_count=8, deadline=None, database=None,
                                          phases=[Phase.generate], suppress_health_check=list(HealthCheck)))
    assert not failures, "\n".join(failures[:20])
