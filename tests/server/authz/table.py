"""The authorization decision table of docs/security.md, stated again independently of server.policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.demo import DEMO_ORGS
from desktop.models.checkdigits import make_inn10

LOGINS = ("doctor", "hr1", "hr2", "manager", "admin")
ROLE = {"doctor": "doctor", "doctor2": "doctor", "hr1": "hr", "hr2": "hr", "manager": "manager", "admin": "admin"}
#: relations of a target to each caller that the matrix builds; the operator reads everything
#: ("any": a person who is staff of some organization, nothing to do with the operator)
RELATIONS: dict[str, tuple[str, ...]] = {
    "doctor": ("own", "elsewhere"),
    "hr1": ("staff", "authored", "elsewhere"),
    "hr2": ("staff", "authored", "elsewhere"),
    "manager": ("staff", "authored", "elsewhere"),
    "admin": ("any",),
}
#: entities a doctor creates, updates and deletes in its own record (state permitting)
DOCTOR_OWN_CRUD = ("education", "certificate", "accreditation", "category", "document", "employment", "nmo",
                   "application")
KINDS = ("create", "update", "delete")

ORG0 = str(DEMO_ORGS[0]["org_inn"])  # ГКБ № 1: hr1, manager
ORG1 = str(DEMO_ORGS[1]["org_inn"])  # поликлиника № 12: hr2
ORG_NAME = {str(o["org_inn"]): str(o["org_name"]) for o in DEMO_ORGS}
ORGS = {"hr1": frozenset({ORG0}), "hr2": frozenset({ORG1}), "manager": frozenset({ORG0})}
#: a valid ИНН of no organization in the database
NO_ORG = make_inn10("779999111")


@dataclass
class FPerson:
    """What the test knows about a person: the organizations where a live card is confirmed
    and the organization whose HR clerk entered the person (authored)."""

    pid: str
    staff_orgs: set[str]
    author_org: str | None = None


@dataclass
class FRow:
    id: str
    entity: str
    pid: str
    org: str | None = None
    author_org: str | None = None
    markers: list[str] = field(default_factory=list)
    label: str = ""


class Table:
    """may_read / may_change of docs/security.md over the fixture's persons and rows."""

    persons: dict[str, FPerson]
    rows: dict[str, FRow]
    p_doc: str

    def may_read(self, login: str, row: FRow) -> bool:
        role = ROLE[login]
        if role == "admin":
            return True
        if role == "doctor":
            return row.pid == self.own_person(login)
        orgs = ORGS[login]
        person = self.persons.get(row.pid)
        staff = person is not None and bool(person.staff_orgs & orgs)
        return staff or (row.author_org is not None and row.author_org in orgs)

    def own_person(self, login: str) -> str:
        return self.p_doc if login == "doctor" else ""

    def person_readable(self, login: str, pid: str) -> bool:
        row = self.rows.get(pid)
        return row is not None and self.may_read(login, row)

    def may_change(self, login: str, kind: str, entity: str, row: FRow | None, pid: str,
                   new_org: str | None) -> bool:
        """The change table. ``row``: the existing row (None for a create of a new id); ``pid``:
        the person of the row; ``new_org``: the organization of an employment/request row after the
        change. Fixture rows are in states a doctor may still change (draft/pending/new)."""
        role = ROLE[login]
        if role == "admin":
            return True
        if role == "manager":
            return False
        if row is not None and not self.may_read(login, row):
            return False  # checked after the read rule
        if role == "doctor":
            if pid != self.own_person(login):
                return False
            if entity == "person":
                return kind == "update"
            if entity == "request":
                return kind == "update"
            return entity in DOCTOR_OWN_CRUD
        orgs = ORGS[login]
        if entity == "person":
            if kind == "create":
                return row is None  # a new person (new СНИЛС)
            return kind == "update"
        if entity == "employment":
            if pid not in self.persons:
                return False  # of any *existing* person
            before_ok = row is None or row.org in orgs
            return before_ok and new_org in orgs
        if entity == "request":
            if kind == "delete":
                return False
            return (self.person_readable(login, pid) and (row is None or row.org in orgs)
                    and new_org in orgs)
        return False
