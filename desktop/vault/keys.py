"""The vault's key file: a random data key, stored only wrapped.

The 256-bit data key is what SQLCipher gets (as a raw key). It is wrapped twice with
AES-256-GCM: once under a key derived from the passphrase with Argon2id, once under the
recovery key shown at creation. Changing the passphrase rewrites only this file.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from desktop.i18n import tr
from desktop.vault.atomic import atomic_write_bytes
from desktop.vault.errors import DamagedVault, WrongPassphrase

KEYFILE_VERSION = 1
MIN_MEMORY_KIB = 64 * 1024
MIN_TIME_COST = 3
_AAD = b"frmr-vault-data-key-v1"


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int = MIN_MEMORY_KIB
    time_cost: int = MIN_TIME_COST
    parallelism: int = 2

    def as_dict(self) -> dict[str, int]:
        return {"memory_kib": self.memory_kib, "time_cost": self.time_cost, "parallelism": self.parallelism}


def derive(passphrase: str, salt: bytes, p: KdfParams) -> bytes:
    return hash_secret_raw(
        passphrase.encode("utf-8"), salt, time_cost=p.time_cost, memory_cost=p.memory_kib,
        parallelism=p.parallelism, hash_len=32, type=Type.ID,
    )


def calibrate(low_s: float = 0.5, high_s: float = 1.0, target_s: float = 0.7) -> KdfParams:
    """More passes (never fewer than 3, 64 MiB) until one derivation takes 0.5–1 s here.

    Measured once at vault creation, so a slow clinic PC still unlocks within about a
    second and a fast one makes every guess proportionally dearer. The first derivation only
    warms up: it pays for mapping 64 MiB, and calibrating on it gave too few passes (0.42 s
    unlocks). Then the chosen cost is timed itself and corrected, at most four times.
    """
    base = KdfParams()
    if os.environ.get("FRMR_FAST_KDF") == "1":
        return base  # tests: the minimum the issue allows, no measuring loop
    salt = secrets.token_bytes(16)
    derive("calibration", salt, base)
    params = base
    for _ in range(4):
        t0 = time.perf_counter()
        derive("calibration", salt, params)
        took = time.perf_counter() - t0
        if low_s <= took <= high_s:
            break
        cost = min(max(MIN_TIME_COST, round(params.time_cost * target_s / max(took, 1e-6))), 64)
        if cost == params.time_cost:
            break  # at the floor on a slow machine, or the ceiling on a very fast one
        params = KdfParams(base.memory_kib, cost, base.parallelism)
    return params


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: Any) -> bytes:
    if not isinstance(s, str):
        raise ValueError("not base64 text")
    return base64.b64decode(s, validate=True)


def _wrap(kek: bytes, data_key: bytes) -> dict[str, str]:
    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "ct": _b64(AESGCM(kek).encrypt(nonce, data_key, _AAD))}


def _unwrap(kek: bytes, blob: dict[str, Any]) -> bytes:
    return AESGCM(kek).decrypt(_unb64(blob["nonce"]), _unb64(blob["ct"]), _AAD)


def recovery_kek(recovery_key: str) -> bytes:
    # The recovery key carries 160 random bits, so a fast KDF is enough for it.
    raw = recovery_key.replace("-", "").replace(" ", "").upper().encode("ascii")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"frmr-recovery-v1").derive(raw)


def new_recovery_key() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no look-alikes (0/O, 1/I)
    chars = "".join(secrets.choice(alphabet) for _ in range(32))
    return "-".join(chars[i : i + 4] for i in range(0, 32, 4))


@dataclass
class KeyFile:
    path: Path
    salt: bytes
    params: KdfParams
    by_passphrase: dict[str, str]
    by_recovery: dict[str, str]

    @classmethod
    def create(cls, path: Path, passphrase: str, params: KdfParams) -> tuple[KeyFile, bytes, str]:
        data_key = secrets.token_bytes(32)
        recovery = new_recovery_key()
        salt = secrets.token_bytes(16)
        kf = cls(
            path, salt, params,
            _wrap(derive(passphrase, salt, params), data_key),
            _wrap(recovery_kek(recovery), data_key),
        )
        kf.save()
        return kf, data_key, recovery

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("version") != KEYFILE_VERSION:
                raise ValueError("version")
            p = raw["kdf"]
            params = KdfParams(int(p["memory_kib"]), int(p["time_cost"]), int(p["parallelism"]))
            if params.memory_kib < MIN_MEMORY_KIB or params.time_cost < MIN_TIME_COST:
                raise ValueError("weak params")
            return cls(path, _unb64(raw["salt"]), params, raw["passphrase"], raw["recovery"])
        except FileNotFoundError:
            raise DamagedVault(tr("Файл ключей хранилища (keys.json) не найден")) from None
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise DamagedVault(tr("Файл ключей хранилища (keys.json) повреждён")) from exc

    def save(self) -> None:
        doc = {
            "version": KEYFILE_VERSION,
            "kdf": {"algorithm": "argon2id", **self.params.as_dict()},
            "salt": _b64(self.salt),
            "passphrase": self.by_passphrase,
            "recovery": self.by_recovery,
        }
        atomic_write_bytes(self.path, json.dumps(doc, indent=1).encode("utf-8"))

    def kek_for(self, passphrase: str) -> bytes:
        """The slow part of unlocking (Argon2id), split out so it can be timed and threaded."""
        return derive(passphrase, self.salt, self.params)

    def unwrap_with_kek(self, kek: bytes) -> bytes:
        try:
            return _unwrap(kek, self.by_passphrase)
        except InvalidTag:
            raise WrongPassphrase("Неверная парольная фраза") from None
        except (KeyError, ValueError) as exc:
            raise DamagedVault(tr("Файл ключей хранилища (keys.json) повреждён")) from exc

    def unwrap(self, passphrase: str) -> bytes:
        return self.unwrap_with_kek(self.kek_for(passphrase))

    def unwrap_recovery(self, recovery_key: str) -> bytes:
        try:
            return _unwrap(recovery_kek(recovery_key), self.by_recovery)
        except (InvalidTag, UnicodeEncodeError):
            raise WrongPassphrase("Неверный ключ восстановления") from None
        except (KeyError, ValueError) as exc:
            raise DamagedVault(tr("Файл ключей хранилища (keys.json) повреждён")) from exc

    def rewrap(self, data_key: bytes, new_passphrase: str, params: KdfParams | None = None) -> None:
        """New passphrase: a new salt and wrap; the database itself is not touched."""
        self.params = params or self.params
        self.salt = secrets.token_bytes(16)
        self.by_passphrase = _wrap(derive(new_passphrase, self.salt, self.params), data_key)
        self.save()
