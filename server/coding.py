"""HTTP content coding (RFC 9110 §8.4, §12.5.3): gzip both ways, identity for everything else.

* **Answers.** :func:`encode_answer` gzips a body the client accepts gzip for (``Accept-Encoding``
  with its q-values: ``gzip;q=0`` or an unknown coding alone mean identity), when the body is
  big enough to gain anything and its type is not compressed already (PDF, JPEG, PNG). The pull
  endpoint codes its pages itself with :class:`PageCoder` (the same rules, compressing while the
  page is built); other answers go through Starlette's GZip middleware (installed by
  ``server.app`` with the same threshold and exclusions).
* **Request bodies.** :class:`RequestDecoding`, a pure ASGI middleware outside the request
  boundary (``server.boundary``), inflates a ``Content-Encoding: gzip`` body as it arrives and
  hands the boundary the plain body, which then checks it as any other. Inflating stops — 413 —
  as soon as the plain body passes the boundary's own limit, whatever the compressed size was
  (a decompression bomb never gets inflated past it); a body that is not valid gzip, or is cut
  short, is 400; any other coding is 415 with ``Accept-Encoding: gzip`` (RFC 7694), so a client
  sends it again as identity.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from server.problems import Problem, problem_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: below this an answer goes out as it is: one TCP segment either way, and gzip's header and
#: checksum would eat what little it saves
MIN_BYTES = 1400
#: zlib level of pull pages: on 120,000 varied rows (76.6 MB of JSON) level 1 gives 11.4 MB in
#: 0.32 s of CPU, 3 gives 10.3 MB in 0.41 s, 6 gives 8.5 MB in 0.83 s (bench/sync_bench.py): 3 is
#: the most bytes saved per server second that still keeps the feed under the issue's 1.7 s
PULL_LEVEL = 3
#: other answers (lists, records): small, so a higher level costs next to nothing
LEVEL = 6
#: media types that are compressed already (the blobs the server keeps)
COMPRESSED_TYPES = ("application/pdf", "image/jpeg", "image/png")

_TOKEN = re.compile(r"^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*(?:;\s*q\s*=\s*([0-9.]+)\s*)?$")


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether ``Accept-Encoding`` lets the answer be gzip (RFC 9110 §12.5.3): ``gzip`` or ``*``
    with a q-value above 0; an explicit ``gzip;q=0`` wins over ``*``. Unparseable parts are
    ignored, so a garbled header means identity."""
    if not accept_encoding:
        return False
    star: float | None = None
    for part in accept_encoding.split(","):
        m = _TOKEN.match(part)
        if m is None:
            continue
        try:
            q = float(m.group(2)) if m.group(2) is not None else 1.0
        except ValueError:
            continue
        name = m.group(1).lower()
        if name in ("gzip", "x-gzip"):
            return q > 0
        if name == "*":
            star = q
    return star is not None and star > 0


def gzip_bytes(body: bytes, level: int) -> bytes:
    z = zlib.compressobj(level, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    return z.compress(body) + z.flush()


def encode_answer(body: bytes, accept_encoding: str | None, *, media_type: str = "application/json",
                  level: int = LEVEL) -> tuple[bytes, dict[str, str]]:
    """The answer's body and the headers that say how it is coded (``Vary`` always: a cache
    must not hand a gzip answer to a client that did not ask for one)."""
    headers = {"Vary": "Accept-Encoding"}
    if len(body) < MIN_BYTES or media_type in COMPRESSED_TYPES or not accepts_gzip(accept_encoding):
        return body, headers
    return gzip_bytes(body, level), {**headers, "Content-Encoding": "gzip"}


class PageCoder:
    """One answer's body, coded while it is produced: the pieces handed to :meth:`add` are
    gzipped on a worker thread of this answer's own, in order, while the caller produces the
    next piece — zlib lets go of the GIL, so compressing a pull page's piece overlaps the
    database producing the next one, and the page is ready about when its last piece is (a
    first HR sync: 0.4 s of the server's 1.5 s was compression after the page was built). The
    body goes as it is when gzip is not accepted, or while it is under :data:`MIN_BYTES`
    (the usual empty page of a periodic sync)."""

    def __init__(self, gzip: bool, level: int = PULL_LEVEL) -> None:
        self._z = zlib.compressobj(level, zlib.DEFLATED, 31) if gzip else None
        self._plain: list[bytes] = []
        self._size = 0
        self._worker: ThreadPoolExecutor | None = None
        self._parts: list[Future[bytes]] = []

    def add(self, data: bytes) -> None:
        if self._z is None or (self._worker is None and self._size + len(data) < MIN_BYTES):
            self._plain.append(data)
            self._size += len(data)
            return
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="frmr-gzip")
            data = b"".join([*self._plain, data])
            self._plain = []
        self._parts.append(self._worker.submit(self._z.compress, data))

    def finish(self) -> tuple[bytes, dict[str, str]]:
        """The body and the headers that say how it is coded (``Vary`` always, as encode_answer)."""
        headers = {"Vary": "Accept-Encoding"}
        if self._worker is None or self._z is None:
            return b"".join(self._plain), headers
        try:
            self._parts.append(self._worker.submit(self._z.flush))
            body = b"".join([part.result() for part in self._parts])
        finally:
            self.close()
        return body, {**headers, "Content-Encoding": "gzip"}

    def close(self) -> None:
        """Ends the worker (also when the answer failed halfway)."""
        if self._worker is not None:
            self._worker.shutdown(wait=True)


class AnswerCoding:
    """Gzip for the answers that did not code themselves: Starlette's GZip middleware (the same
    threshold, the compressed types excluded), asked only when :func:`accepts_gzip` says so —
    its own check is a substring test that would take ``gzip;q=0`` for a yes."""

    def __init__(self, app: ASGIApp) -> None:
        from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=MIN_BYTES, compresslevel=LEVEL,  # type: ignore[arg-type]
                                   exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, *COMPRESSED_TYPES))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            accept = next((v.decode("latin-1") for k, v in scope.get("headers") or () if k == b"accept-encoding"), None)
            if accepts_gzip(accept):
                await self.gzip(scope, receive, send)  # type: ignore[arg-type]
                return
        await self.app(scope, receive, send)


class _Refusal(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


class RequestDecoding:
    """Inflates gzip request bodies within the boundary's limits (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, body_bytes: int, blob_bytes: int) -> None:
        self.app = app
        self.body_bytes = body_bytes
        self.blob_bytes = blob_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_headers = list(scope.get("headers") or ())
        codings = [v.decode("latin-1").strip().lower() for k, v in raw_headers if k == b"content-encoding"]
        codings = [c for part in codings for c in part.split(",") if c.strip() and c.strip() != "identity"]
        if not codings:
            await self.app(scope, receive, send)
            return
        try:
            if [c.strip() for c in codings] not in (["gzip"], ["x-gzip"]):
                raise _Refusal(Problem(
                    415, "Сжатие тела запроса не поддерживается: допустимо только gzip — отправьте без сжатия.",
                    errors={"content-encoding": "допустимо только gzip"}, headers={"Accept-Encoding": "gzip"}))
            blob = str(scope.get("path", "")).startswith("/blobs/")
            limit = self.blob_bytes if blob else self.body_bytes
            body = await _inflate(receive, limit)
        except _Refusal as exc:
            await problem_response(exc.problem)(scope, receive, send)
            return
        if body is None:
            return  # the client went away
        headers = [(k, v) for k, v in raw_headers if k not in (b"content-encoding", b"content-length")]
        headers.append((b"content-length", str(len(body)).encode()))
        inner = dict(scope)
        inner["headers"] = headers
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(inner, replay, send)


async def _inflate(receive: Receive, limit: int) -> bytes | None:
    """The inflated body; 413 as soon as it would pass ``limit``, 400 when it is not gzip."""
    z = zlib.decompressobj(31)
    out: list[bytes] = []
    size = 0
    bad = _Refusal(Problem(400, "Тело запроса повреждено: это не gzip или оно оборвано.",
                           errors={"content-encoding": "тело не распаковывается как gzip"}))
    too_big = _Refusal(Problem(413, f"Тело запроса после распаковки больше допустимого размера "
                                    f"({max(1, limit // 1024)} КБ)."))
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        data = message.get("body", b"")
        try:
            while data:
                if z.eof:
                    raise bad  # bytes after the gzip member: not one gzip body
                # max_length: never inflate more than what is left of the limit (plus one byte,
                # to see that it is passed) — the bomb stays a few KB in memory
                piece = z.decompress(data, limit - size + 1)
                size += len(piece)
                if size > limit:
                    raise too_big
                out.append(piece)
                data = z.unconsumed_tail
                if z.eof and z.unused_data:
                    raise bad
        except zlib.error:
            raise bad from None
        if not message.get("more_body", False):
            break
    if not z.eof:
        raise bad
    return b"".join(out)
