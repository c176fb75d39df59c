"""A fault-injecting HTTP/1.1 proxy the tests own, between the desktop and a real server.

One request per client connection: the proxy reads the request (headers + Content-Length
body), forwards it to the server on a fresh connection with ``Connection: close``, and
reads the whole answer — so it knows exactly when the server has committed — then does
what the next planned fault says:

* ``pass``            forward the answer;
* ``stall``           the server handled it (committed); the answer is held ``hold_seconds``
                      (``stalled`` is set meanwhile, so a test can kill the client right then);
* ``drop_response``   the server handled it (committed), the client gets a closed socket;
* ``reset_request``   half the request, then a TCP reset: the server never sees it complete;
* ``timeout``         swallow the request and hold the socket until the client gives up;
* ``5xx``             answer 503 (with ``Retry-After: 0``) without asking the server;
* ``429``             answer 429 with ``Retry-After: 0.05``;
* ``slow``            forward the answer in slices with pauses;
* ``sliced``          forward the answer in 1–7 byte pieces;
* ``truncate``        forward only half of the answer, then close;
* ``down``            close the connection at once (server unreachable).

Faults are planned per path prefix and consumed in order; ``offline = True`` makes every
connection ``down``.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass

FAULTS = ("pass", "stall", "drop_response", "reset_request", "timeout", "5xx", "429", "slow", "sliced", "truncate",
          "down")


@dataclass
class Planned:
    kind: str
    prefix: str
    method: str | None = None


class FaultProxy:
    def __init__(self, upstream_port: int, *, seed: int = 0, hold_seconds: float = 3.0) -> None:
        self.upstream_port = upstream_port
        self.rng = random.Random(seed)
        self.hold_seconds = hold_seconds
        self.offline = False
        self.plan: list[Planned] = []
        self.stats: Counter[str] = Counter()
        self.log: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.stalled = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="fault-proxy")
        self._thread.start()

    # -- control -----------------------------------------------------------------------------
    def add(self, kind: str, prefix: str = "/", count: int = 1, method: str | None = None) -> None:
        assert kind in FAULTS, kind
        with self._lock:
            self.plan.extend(Planned(kind, prefix, method) for _ in range(count))

    def clear(self) -> None:
        with self._lock:
            self.plan.clear()

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next_fault(self, method: str, path: str) -> str:
        with self._lock:
            if self.offline:
                return "down"
            for i, p in enumerate(self.plan):
                if path.startswith(p.prefix) and (p.method is None or p.method == method):
                    del self.plan[i]
                    return p.kind
        return "pass"

    # -- serving -----------------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            self._handle_inner(client)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()

    @staticmethod
    def _read_request(client: socket.socket) -> bytes | None:
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = client.recv(65536)
            if not chunk:
                return None
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                return None
            body += chunk
        # one request per connection, so the server closes after answering
        lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
        return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body

    def _handle_inner(self, client: socket.socket) -> None:
        if self.offline:
            self._count("down", "?", "?")
            self._reset(client)
            return
        request = self._read_request(client)
        if request is None:
            return
        first = request.split(b"\r\n", 1)[0].decode("latin-1")
        parts = first.split(" ")
        method, path = (parts[0], parts[1]) if len(parts) > 2 else ("?", "?")
        kind = self._next_fault(method, path)
        self._count(kind, method, path)
        if kind == "down":
            self._reset(client)
            return
        if kind == "reset_request":
            # The server gets half a request and a reset: it must not act on it.
            with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10) as up:
                up.sendall(request[: max(1, len(request) // 2)])
                self._reset(up)
            self._reset(client)
            return
        if kind == "timeout":
            self._stop.wait(self.hold_seconds)
            self._reset(client)
            return
        if kind == "5xx":
            client.sendall(self._canned(503, "Service Unavailable", "0"))
            return
        if kind == "429":
            client.sendall(self._canned(429, "Too Many Requests", "0.05"))
            return
        answer = self._forward(request)
        if answer is None:  # upstream down (a server restart): the client sees a reset
            self._reset(client)
            return
        if kind == "stall":
            self.stalled.set()
            self._stop.wait(self.hold_seconds)
            client.sendall(answer)
        elif kind == "drop_response":
            self._reset(client)
        elif kind == "truncate":
            client.sendall(answer[: len(answer) // 2])
        elif kind == "slow":
            step = max(1, len(answer) // 5)
            for i in range(0, len(answer), step):
                client.sendall(answer[i:i + step])
                time.sleep(0.05)
        elif kind == "sliced":
            i = 0
            while i < len(answer):
                n = self.rng.randint(1, 7)
                client.sendall(answer[i:i + n])
                i += n
        else:
            client.sendall(answer)

    def _forward(self, request: bytes) -> bytes | None:
        try:
            with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60) as up:
                up.sendall(request)
                chunks = []
                while True:
                    chunk = up.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                return b"".join(chunks) or None
        except OSError:
            return None

    @staticmethod
    def _canned(status: int, reason: str, retry_after: str) -> bytes:
        body = (b'{"type":"about:blank","title":"proxy","status":%d,"detail":"injected"}' % status)
        return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/problem+json\r\n"
                f"Retry-After: {retry_after}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                ).encode() + body

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

    def _count(self, kind: str, method: str, path: str) -> None:
        with self._lock:
            self.stats[kind] += 1
            self.log.append((kind, method, path.split("?")[0]))

    @property
    def faults_injected(self) -> int:
        return sum(n for k, n in self.stats.items() if k != "pass")
