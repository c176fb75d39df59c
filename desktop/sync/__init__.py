"""The sync engine and the API client (no Qt)."""

import sys

# httpx imports its optional command-line client (click, rich, pygments) at import time when
# those happen to be installed — here they are, for uvicorn. That added ~0.1 s to every start
# of the desktop, which never uses it; httpx falls back to a stub when the import fails.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
