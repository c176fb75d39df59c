"""Child process for the SIGKILL test: edits in a loop, printing each edit after it committed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from desktop.models.repository import RecordRepository
from desktop.vault.store import Vault


def main() -> None:
    folder, pid, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    vault = Vault.open(folder, os.environ["FRMR_PASSPHRASE"])
    repo = RecordRepository(vault)
    print("ready", flush=True)
    for i in range(count):
        value = f"+7916{i + 1:07d}"
        repo.edit("person", pid, {"phone": value})
        # Printed only after the transaction committed: "reported saved locally".
        print(f"saved {value}", flush=True)


if __name__ == "__main__":
    main()
