"""A real server plus desktop replicas, for the sync tests, the harness and the benchmark.

Accounts made here have no TOTP (``with_totp=False``: the server then admits with the
password alone) so hundreds of schedules can log in without waiting for fresh one-time codes;
the TOTP path is tested separately with the seeded demo accounts.
"""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.models.checkdigits import make_inn10, make_ogrn, make_snils
from desktop.models.repository import RecordRepository
from desktop.sync.auth import login_scripted, remember_login
from desktop.sync.engine import SyncEngine
from desktop.vault.keys import KdfParams
from desktop.vault.store import Vault
from server.auth import passwords, tokens
from server.db import in_write_tx, make_engine
from server.feed import Writer
from server.models import Account, AccountOrg, Organization, Record

os.environ.setdefault("FRMR_FAST_KDF", "1")
PASSWORD = "Sync-Test-Passw0rd!"
FAST = KdfParams(memory_kib=8 * 1024, time_cost=1, parallelism=1)


def stored(repo: RecordRepository, entity: str, row_id: str) -> dict[str, Any]:
    """The row ``repo.get`` returns, asserting that it exists (a test expects it to)."""
    row = repo.get(entity, row_id)
    assert row is not None, f"{entity} {row_id} not in the replica"
    return row


@dataclass
class Org:
    inn: str
    name: str
    ogrn: str

    def fields(self) -> dict[str, str]:
        return {"org_name": self.name, "org_inn": self.inn, "org_ogrn": self.ogrn}


class ServerDb:
    """Direct writes to the server's database (what an admin or the seed would do)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self._n = int.from_bytes(secrets.token_bytes(3), "big")

    def close(self) -> None:
        self.engine.dispose()

    def _next(self) -> int:
        self._n += 1
        return self._n

    def org(self) -> Org:
        n = self._next()
        inn = make_inn10(f"{500000000 + n % 400000000:09d}")
        org = Org(inn, f"ГБУЗ «Тестовая больница № {n}»", make_ogrn(f"{102500000000 + n:012d}"))

        def tx(s: Session) -> None:
            s.add(Organization(inn=org.inn, name=org.name, ogrn=org.ogrn, kpp=None))

        in_write_tx(self.engine, tx)
        return org

    def person(self, org: Org, *, employment_status: str = "confirmed") -> tuple[str, str]:
        """A person employed in ``org``: (person_id, employment_id)."""
        n = self._next()
        pid, eid = str(uuid.uuid4()), str(uuid.uuid4())
        person = {"snils": make_snils(f"{100_000_000 + (n * 7919) % 800_000_000:09d}"),
                  "last_name": "Тестова", "first_name": "Анна", "patronymic": "Петровна", "gender": "female",
                  "birth_date": "1985-05-05", "citizenship": "643", "phone": "+79160000000", "email": None}
        emp = {**org.fields(), "org_kpp": None, "subdivision": "Терапия", "position_code": "4",
               "position_type": "main", "contract_kind": "labor", "rate": "1", "begin_date": "2015-01-12",
               "profile": "терапия", "status": employment_status}

        def tx(s: Session) -> None:
            w = Writer(s, None)
            w.touch(Record(id=pid, entity="person", person_id=pid, version=1, data=person,
                           field_versions={k: 1 for k in person}, field_clients={}))
            w.touch(Record(id=eid, entity="employment", person_id=pid, version=1, data=emp,
                           field_versions={k: 1 for k in emp}, field_clients={}))
            w.finish()

        in_write_tx(self.engine, tx)
        return pid, eid

    def account(self, role: str, *, person_id: str | None = None, org: Org | None = None) -> str:
        login = f"{role}{self._next()}"

        def tx(s: Session) -> None:
            # Not create_account: it hashes with production Argon2 cost, and the harness makes
            # hundreds of accounts — they share one hash of the test password instead.
            acc = Account(login=login, password_hash=self._password_hash(), role=role,
                          person_id=person_id if role == "doctor" else None, totp_confirmed=False)
            s.add(acc)
            s.flush()
            if org is not None:
                assert acc.id is not None
                s.add(AccountOrg(account_id=acc.id, org_inn=org.inn))

        in_write_tx(self.engine, tx)
        return login

    def _password_hash(self) -> str:
        if not hasattr(self, "_pw_hash"):
            self._pw_hash = passwords.hash_password(PASSWORD)
        return self._pw_hash

    def session(self, login: str) -> dict[str, Any]:
        """A token answer as /oauth/token gives it, minted in the server's database: the
        harness tests sync, and the login flow (with its deliberately slow password hash) is
        tested on its own."""
        from server.config import Settings

        def tx(s: Session) -> dict[str, Any]:
            acc = s.exec(select(Account).where(Account.login == login)).one()
            return tokens.start_session(s, Settings(database_url=self.url), acc, "127.0.0.1", "harness")

        return in_write_tx(self.engine, tx)

    def rows(self, person_id: str) -> dict[str, dict[str, Any]]:
        """id -> {entity, version, deleted, data} for everything of a person."""
        with Session(self.engine) as s:
            recs = s.exec(select(Record).where(Record.person_id == person_id)).all()
            return {r.id: {"entity": r.entity, "version": r.version, "deleted": r.deleted, "data": dict(r.data)}
                    for r in recs}


class Replica:
    """One desktop: a vault folder, its data key (to reopen after a simulated crash), a repo."""

    def __init__(self, folder: Path, server_url: str) -> None:
        self.folder = folder
        self.server_url = server_url
        folder.mkdir(parents=True, exist_ok=True)
        # Same path as Vault.create but with a tiny KDF: the harness makes hundreds of vaults.
        from desktop.vault.keys import KeyFile
        from desktop.vault.store import KEYS_NAME

        _, self.key, _ = KeyFile.create(folder / KEYS_NAME, "sync-test-passphrase", FAST)
        self.vault = Vault(folder, self.key)
        self.repo = RecordRepository(self.vault, user="test", host="test")

    def login(self, login: str, password: str = PASSWORD, otp: str = "") -> None:
        answer = login_scripted(self.server_url, login, password, otp)
        remember_login(self.vault, self.server_url, answer)

    def adopt_session(self, answer: dict[str, Any]) -> None:
        remember_login(self.vault, self.server_url, answer)

    def engine(self, **kw: Any) -> SyncEngine:
        kw.setdefault("timeout", 2.0)
        kw.setdefault("max_attempts", 3)
        kw.setdefault("base_delay", 0.01)
        kw.setdefault("max_delay", 0.05)
        return SyncEngine(self.vault, repo=self.repo, **kw)

    def sync(self, **kw: Any) -> Any:
        return self.engine(**kw).sync()

    def server_state(self) -> dict[str, Any]:
        """The server's convergence summary for this replica's account (what the engine compares)."""
        import httpx

        from desktop.sync.auth import load_tokens

        t = load_tokens(self.vault)
        assert t is not None
        got = httpx.get(self.server_url + "/sync/state", headers={"Authorization": f"Bearer {t.access_token}",
                                                                 "X-Client-Schema": "3"}).json()
        return dict(got["entities"])

    def crash(self) -> None:
        """Drop every connection without a clean close (what a kill leaves: WAL as is)."""
        eng = self.vault._engine
        self.vault._engine = None
        if eng is not None:
            eng.dispose()

    def reopen(self) -> None:
        self.vault = Vault(self.folder, self.key)
        self.repo = RecordRepository(self.vault, user="test", host="test")

    def close(self) -> None:
        if self.vault.is_open:
            self.vault.close()
