"""The bytes of one answer: read as they arrive, inflated with a limit, counted, cancellable.

httpx would inflate a gzip answer by itself, but without a bound: an answer that lies about its
size (a decompression bomb from a broken or hostile server) would be inflated whole into
memory. So the sync client reads the raw bytes and inflates them here, never more than
``limit`` bytes of plain body — past that it is a :class:`TooLarge`, before the rest is read.
A gzip body that ends before its trailer (a cut connection) is a :class:`Cut`: the caller
retries, nothing of it is used. Request bodies are gzipped above :data:`MIN_BYTES`.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

#: what the client asks for: gzip only (the server speaks nothing else; docs/sync-protocol.md)
ACCEPT_ENCODING = "gzip"
#: below this a request body goes out as it is (one TCP segment either way)
MIN_BYTES = 1400
#: push bodies are small and sent once: a mid level costs well under a millisecond per batch
LEVEL = 6
#: the largest plain answer the client takes: a 5,000-row page is ~3.2 MB of JSON
MAX_ANSWER_BYTES = 64 * 1024 * 1024


class Cut(Exception):
    """The answer ended before its body did (gzip without its trailer)."""


class TooLarge(Exception):
    """The plain answer would pass the limit."""


class Stopped(Exception):
    """The sync was cancelled while the answer was arriving."""


class BadCoding(Exception):
    """The answer is coded in a way the client did not ask for."""


@dataclass
class Meter:
    """Bytes on the wire both ways and plain bytes received, for the progress report and the
    benches; shared by the threads of one sync (the pull's fetcher, the state request)."""

    sent: int = 0
    received: int = 0
    plain: int = 0
    requests: int = 0
    started: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, sent: int = 0, received: int = 0, plain: int = 0, requests: int = 0) -> None:
        with self._lock:
            self.sent += sent
            self.received += received
            self.plain += plain
            self.requests += requests


def gzip_body(body: bytes) -> tuple[bytes, dict[str, str]]:
    """A request body and its Content-Encoding header, gzipped when that gains anything."""
    if len(body) < MIN_BYTES:
        return body, {}
    z = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)
    return z.compress(body) + z.flush(), {"Content-Encoding": "gzip"}


def read_body(resp: httpx.Response, *, limit: int, meter: Meter | None = None,
              cancelled: Callable[[], bool] | None = None) -> bytes:
    """The plain body of a streamed answer (see the module docstring). ``cancelled`` is asked
    between pieces: a cancelled sync stops mid-answer instead of waiting out a slow page."""
    if resp.is_stream_consumed:  # an in-memory answer (httpx.MockTransport): already plain
        if len(resp.content) > limit:
            raise TooLarge
        return resp.content
    coding = [c.strip().lower() for c in resp.headers.get("content-encoding", "").split(",") if c.strip()]
    coding = [c for c in coding if c != "identity"]
    if coding not in ([], ["gzip"], ["x-gzip"]):
        raise BadCoding(", ".join(coding)[:40])
    z = zlib.decompressobj(31) if coding else None
    out: list[bytes] = []
    size = 0
    for raw in resp.iter_raw():
        if cancelled is not None and cancelled():
            raise Stopped
        if meter is not None:
            meter.add(received=len(raw))
        if z is None:
            size += len(raw)
            if size > limit:
                raise TooLarge
            out.append(raw)
            continue
        data = raw
        while data:
            if z.eof:
                raise Cut  # bytes after the gzip member: not the body we were sent
            try:
                piece = z.decompress(data, limit - size + 1)
            except zlib.error as exc:
                raise Cut from exc
            size += len(piece)
            if size > limit:
                raise TooLarge
            out.append(piece)
            data = z.unconsumed_tail
            if z.eof and z.unused_data:
                raise Cut
    if z is not None and not z.eof:
        raise Cut
    if meter is not None:
        meter.add(plain=size)
    return b"".join(out)
