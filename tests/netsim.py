"""A simulated network link between the desktop and a real server, for tests and benches.

A TCP proxy on 127.0.0.1 that passes bytes both ways as a slow, far, lossy link would: not
HTTP-aware, so keep-alive, gzip and everything else of the client go through untouched.

* **bandwidth** — each direction is one shared pipe of ``bandwidth`` bits per second (all
  connections queue on it), bytes go out in packets of :data:`MSS`;
* **latency** — each packet arrives ``rtt / 2`` after it left the pipe, plus a uniform
  ``± jitter`` (never out of order within a connection: TCP delivers in order); a new
  connection costs one more ``rtt`` before its first bytes (the TCP handshake);
* **loss** — a lost packet stalls its connection for ``stall`` seconds (default
  ``max(0.2, 2 × rtt)``: TCP's retransmission timeout), everything behind it waits;
  ``reset_rate`` — the chance per packet that the connection is reset instead;
* **drops** — ``drop_every`` seconds all open connections are reset at once (a link that
  goes down and comes back); :meth:`NetSim.drop_all` does it at a moment a test picks, and
  ``offline = True`` resets every new connection until it is set back.

Not modelled: TCP slow start and congestion windows (at 2 Mbit/s × 150 ms the window is
~37 KB, reached within a few round trips), reordering, packet duplication.

``stats`` counts connections, turns (one request and its answer: the round trips the client
paid for), bytes each way and resets; ``requests`` keeps the first line of each request.
Importable from ``bench/`` as ``tests.netsim`` (plain stdlib, no test fixtures).
"""

from __future__ import annotations

import contextlib
import queue
import random
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass

#: bytes of one packet (an Ethernet MTU's TCP payload)
MSS = 1460


@dataclass
class Link:
    """What the link does; the defaults are a perfect one."""

    bandwidth: float | None = None  # bits per second each way; None: as fast as loopback
    rtt: float = 0.0  # seconds
    jitter: float = 0.0  # seconds, ± on each packet's one-way delay
    loss: float = 0.0  # probability per packet of a stall
    stall: float | None = None  # seconds; None: max(0.2, 2 × rtt)
    reset_rate: float = 0.0  # probability per packet of a connection reset
    drop_every: float | None = None  # seconds between drops of every connection
    seed: int = 0

    @property
    def stall_seconds(self) -> float:
        return self.stall if self.stall is not None else max(0.2, 2 * self.rtt)


class _Pipe:
    """One direction of the link: when it is free to put the next packet on the wire."""

    def __init__(self) -> None:
        self.free_at = 0.0
        self.lock = threading.Lock()

    def send(self, now: float, size: int, bandwidth: float | None) -> float:
        """-> when the packet has left the pipe."""
        if bandwidth is None:
            return now
        with self.lock:
            start = max(now, self.free_at)
            self.free_at = start + size * 8 / bandwidth
            return self.free_at


class _Conn:
    def __init__(self, sim: NetSim, client: socket.socket, upstream: socket.socket) -> None:
        self.sim = sim
        self.client = client
        self.upstream = upstream
        self.closed = threading.Event()
        self.lock = threading.Lock()
        self.last_dir = ""
        self.open_halves = 2
        # the handshake: the first bytes leave one round trip after the connection was opened
        self.handshake_done = time.monotonic() + sim.link.rtt

    def start(self) -> None:
        for src, dst, up in ((self.client, self.upstream, True), (self.upstream, self.client, False)):
            q: queue.Queue[tuple[float, bytes | None]] = queue.Queue()
            threading.Thread(target=self._read, args=(src, q, up), daemon=True, name="netsim-read").start()
            threading.Thread(target=self._write, args=(dst, q, up), daemon=True, name="netsim-write").start()

    def reset(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for s in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # shutdown first: a close() alone neither wakes our reader blocked in recv() nor,
            # while that reader holds the socket, tells the other end anything
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()
        self.sim._forget(self)

    def _read(self, src: socket.socket, q: queue.Queue[tuple[float, bytes | None]], up: bool) -> None:
        sim, link = self.sim, self.sim.link
        pipe = sim._up if up else sim._down
        last = self.handshake_done if up else 0.0
        try:
            while not self.closed.is_set():
                data = src.recv(65536)
                if not data:
                    break
                sim._count_turn(self, up, data)
                step = MSS if (link.bandwidth or link.loss or link.reset_rate) else len(data)
                for i in range(0, len(data), step):
                    packet = data[i:i + step]
                    left = pipe.send(time.monotonic(), len(packet), link.bandwidth)
                    r = sim._random()
                    if r < link.reset_rate:
                        sim._count("resets")
                        q.put((left, None))
                        self._reset_after(left)
                        return
                    delay = link.rtt / 2 + (sim._uniform(-link.jitter, link.jitter) if link.jitter else 0.0)
                    due = max(last, left + max(0.0, delay))
                    if r < link.reset_rate + link.loss:
                        sim._count("stalls")
                        due += link.stall_seconds
                    last = due
                    q.put((due, packet))
        except OSError:
            pass
        q.put((last, b""))  # end of this direction

    def _reset_after(self, at: float) -> None:
        threading.Timer(max(0.0, at - time.monotonic()), self.reset).start()

    def _write(self, dst: socket.socket, q: queue.Queue[tuple[float, bytes | None]], up: bool) -> None:
        try:
            while True:
                due, packet = q.get()
                wait = due - time.monotonic()
                if wait > 0 and self.closed.wait(wait):
                    return
                if self.closed.is_set() or packet is None:
                    return
                if packet == b"":
                    with contextlib.suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
                    self._half_closed()
                    return
                dst.sendall(packet)
                self.sim._count("bytes_up" if up else "bytes_down", len(packet))
        except OSError:
            self.reset()

    def _half_closed(self) -> None:
        with self.lock:
            self.open_halves -= 1
            done = self.open_halves == 0
        if done:
            self.closed.set()
            for s in (self.client, self.upstream):
                with contextlib.suppress(OSError):
                    s.close()
            self.sim._forget(self)


class NetSim:
    """The proxy: ``url`` stands for the server at ``upstream_port`` behind ``link``."""

    def __init__(self, upstream_port: int, link: Link | None = None) -> None:
        self.upstream_port = upstream_port
        self.link = link or Link()
        self.stats: Counter[str] = Counter()
        self.requests: list[str] = []
        self._rng = random.Random(self.link.seed)
        self._lock = threading.Lock()
        self._up, self._down = _Pipe(), _Pipe()
        self._conns: set[_Conn] = set()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        #: the link is down: every new connection is reset at once
        self.offline = False
        threading.Thread(target=self._serve, daemon=True, name="netsim").start()
        if self.link.drop_every:
            threading.Thread(target=self._dropper, daemon=True, name="netsim-drops").start()

    # -- control -------------------------------------------------------------------------------
    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.close()
        self.drop_all(count=False)

    def __enter__(self) -> NetSim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def drop_all(self, *, count: bool = True) -> int:
        """Reset every open connection now; how many there were."""
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            c.reset()
        if count and conns:
            self._count("drops")
        return len(conns)

    def reset_stats(self) -> None:
        with self._lock:
            self.stats.clear()
            self.requests.clear()

    @property
    def turns(self) -> int:
        return self.stats["turns"]

    # -- internals -----------------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            if self.offline:
                self._count("refused")
                with contextlib.suppress(OSError):
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                with contextlib.suppress(OSError):
                    client.close()
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Conn(self, client, upstream)
            with self._lock:
                self._conns.add(conn)
                self.stats["connections"] += 1
            conn.start()

    def _dropper(self) -> None:
        every = float(self.link.drop_every or 0)
        while not self._stop.wait(every):
            self.drop_all()

    def _forget(self, conn: _Conn) -> None:
        with self._lock:
            self._conns.discard(conn)

    def _random(self) -> float:
        with self._lock:
            return self._rng.random()

    def _uniform(self, a: float, b: float) -> float:
        with self._lock:
            return self._rng.uniform(a, b)

    def _count(self, what: str, n: int = 1) -> None:
        with self._lock:
            self.stats[what] += n

    def _count_turn(self, conn: _Conn, up: bool, data: bytes) -> None:
        """A request that follows an answer (or opens the connection) is a new round trip."""
        with conn.lock:
            new = up and conn.last_dir != "up"
            conn.last_dir = "up" if up else "down"
        if new:
            line = data.split(b"\r\n", 1)[0].decode("latin-1", "replace")
            with self._lock:
                self.stats["turns"] += 1
                self.requests.append(line)
