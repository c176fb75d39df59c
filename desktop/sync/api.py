"""HTTP client of the sync protocol (docs/sync-protocol.md) on httpx.

Every failure is classified here, once, into what the engine must do about it:

* :class:`Transient` — network down, timeout, reset, 5xx, 408, 429: keep everything, retry later;
* :class:`LoginNeeded` — 401 (or a refresh token the server no longer accepts): never a
  rejected edit; the queue waits for a new login;
* :class:`ClientTooOld` — 426: the app must be updated;
* :class:`ServerProblem` — any other problem+json answer (400, 403, 404, 409, 413, 422 …).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import BaseModel

from desktop.i18n import tr
from desktop.sync import transfer, wire

#: X-Client-Schema: the vault schema this client speaks (bumped when the wire changes).
CLIENT_SCHEMA = 3
USER_AGENT = "frmr-desktop-sync/1"
OAUTH_CLIENT_ID = "frmr-desktop"


class SyncError(Exception):
    """Base of every error the sync layer raises; ``str()`` is a Russian message for a person."""


class Transient(SyncError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LoginNeeded(SyncError):
    pass


class ClientTooOld(SyncError):
    pass


class Cancelled(SyncError):
    pass


@dataclass
class ServerProblem(SyncError):
    status: int
    title: str
    detail: str
    errors: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.title)

    def __str__(self) -> str:
        return self.detail or self.title or tr("Ошибка сервера ({status})").format(status=self.status)


class BadAnswer(ServerProblem):
    """A 2xx answer that does not follow the wire contract (desktop/sync/wire.py): a server of
    another version or a broken proxy. Nothing is changed locally; queued work stays queued."""

    def __init__(self, detail: str) -> None:
        super().__init__(status=502, title=tr("Ответ сервера не соответствует протоколу"), detail=detail)


def parse_problem(resp: httpx.Response) -> ServerProblem:
    """RFC 9457 problem JSON -> ServerProblem; tolerant of proxies that answer with HTML."""
    body: dict[str, Any] = {}
    try:
        raw = resp.json()
        if isinstance(raw, dict):
            body = raw
    except (ValueError, UnicodeDecodeError):
        pass
    errors = body.get("errors")
    # The server speaks Russian; its fixed texts are in our catalog (extracted from server/), so
    # they are shown in the interface language. A text with values in it stays as it came.
    return ServerProblem(
        status=resp.status_code,
        title=tr(str(body.get("title") or resp.reason_phrase or "")),
        detail=tr(str(body.get("detail") or body.get("error_description") or "")) or tr(
            "Ошибка сервера ({status})").format(status=resp.status_code),
        errors={str(k): tr(str(v)) for k, v in errors.items()} if isinstance(errors, dict) else {},
        body=body,
    )


def _retry_after(resp: httpx.Response) -> float | None:
    raw = resp.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, min(float(raw), 300.0))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def classify(resp: httpx.Response) -> None:
    """Raise the right SyncError for a non-2xx answer; return for success."""
    if resp.status_code < 300:
        return
    if resp.status_code in (408, 429) or resp.status_code >= 500:
        raise Transient(f"Сервер временно недоступен ({resp.status_code})", _retry_after(resp))
    if resp.status_code == 401:
        raise LoginNeeded(parse_problem(resp).detail or "Требуется вход")
    if resp.status_code == 426:
        raise ClientTooOld(parse_problem(resp).detail)
    raise parse_problem(resp)


def _json_body(resp: httpx.Response) -> Any:
    # A 200 whose body was cut or garbled (a proxy, a crash mid-answer) is a transient
    # failure, never data: nothing was learned, so nothing is changed locally.
    try:
        return resp.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise Transient("Ответ сервера повреждён или оборван") from exc


def _checked(model: type[BaseModel], data: Any, what: str) -> None:
    """Validate an answer against the wire contract; a mismatch is a Russian BadAnswer."""
    try:
        wire.check(model, data, what)
    except wire.WireError as exc:
        raise BadAnswer(str(exc)) from None


_PULL_HEAD = re.compile(r'\s*\{\s*"changes"\s*:\s*\[')
_WS = re.compile(r"\s*")
_BLANK = " \t\r\n"
#: where the parser may cut a page: the start of a change object (the server writes its
#: ``entity`` key first). Inside a JSON string a quote is always escaped, so this text can only
#: be the start of an object; one nested inside a row would leave the cut chunk unbalanced,
#: which json.loads refuses — then the page is parsed element by element instead.
_CHANGE_START = '{"entity"'
#: characters of JSON decoded in one json.loads call: a couple of milliseconds with the GIL
_CHUNK_CHARS = 200_000


def parse_pull(body: bytes) -> Any:
    """A pull page, parsed in slices of a few hundred changes.

    One ``json.loads`` of a 5,000-row page holds the GIL for tens of milliseconds — long
    enough to freeze the window while a sync runs in a worker thread. So the ``changes``
    array is cut at change boundaries into slices of about 200 KB, each decoded by one
    ``json.loads`` (a few ms): the GUI thread gets the GIL between them, and the page costs
    no more CPU than one ``json.loads`` — half of decoding it change by change. A layout the
    cutting doesn't recognise is decoded change by change; any other document falls back to
    ``json.loads``. A cut or garbled body raises ValueError like json.loads would.
    """
    text = body.decode("utf-8")
    head = _PULL_HEAD.match(text)
    if head is None:
        return json.loads(text)
    try:
        return _parse_sliced(text, head.end())
    except ValueError:
        return _parse_each(text, head.end())


def _parse_sliced(text: str, pos: int) -> dict[str, Any]:
    changes: list[Any] = []
    n = len(text)
    while True:
        cut = _next_cut(text, pos, pos + _CHUNK_CHARS, n)
        if cut < 0:
            break
        part = json.loads("[" + text[pos:cut] + "]")
        changes.extend(part)
        pos = cut + 1
    # The last slice runs to the end of the array; whatever follows it is the page's tail.
    rest = "[" + text[pos:]
    last, end = json.JSONDecoder().raw_decode(rest)
    changes.extend(last)
    return _with_tail(rest[end:], changes)


def _next_cut(text: str, start: int, pos: int, n: int) -> int:
    """Index of the comma before the first change that starts at or after ``pos``, and after
    ``start`` (the slice is never empty, so the parser always moves on); -1: none."""
    while pos < n:
        i = text.find(_CHANGE_START, pos)
        if i < 0:
            return -1
        j = i - 1
        while j > start and text[j] in _BLANK:
            j -= 1
        if j > start and text[j] == ",":
            return j
        pos = i + 1
    return -1


def _parse_each(text: str, pos: int) -> dict[str, Any]:
    dec = json.JSONDecoder()
    changes: list[Any] = []
    try:
        while True:
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos] == "]":
                pos += 1
                break
            obj, pos = dec.raw_decode(text, pos)
            changes.append(obj)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos] == ",":
                pos += 1
            elif text[pos] != "]":
                raise ValueError(f"unexpected {text[pos]!r} at {pos}")
    except IndexError as exc:
        raise ValueError("truncated pull page") from exc
    return _with_tail(text[pos:], changes)


def _with_tail(rest: str, changes: list[Any]) -> dict[str, Any]:
    """``rest`` is what follows the changes array: ``, "cursor": …}``."""
    rest = rest.lstrip()
    tail = json.loads("{" + rest[1:]) if rest.startswith(",") else json.loads("{" + rest)
    if not isinstance(tail, dict):
        raise ValueError("pull page is not an object")
    tail["changes"] = changes
    return tail


class Api:
    """One server. ``token`` is a callable so a refreshed token is picked up by the next call."""

    def __init__(self, base_url: str, *, token: Callable[[], str | None] | None = None,
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None,
                 meter: transfer.Meter | None = None, cancelled: Callable[[], bool] | None = None,
                 compress: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token or (lambda: None)
        #: bytes both ways (progress, benches); ``cancelled`` stops an answer mid-way
        self.meter = meter or transfer.Meter()
        self.cancelled = cancelled
        #: push bodies go gzipped until the server refuses the coding (415): then identity.
        #: ``compress=False``: identity both ways (the benches' same-run baseline)
        self.gzip_requests = compress
        # One client for the whole sync: its pool keeps the connection alive between the
        # requests (HTTP/1.1 keep-alive), so only the first pays the TCP handshake.
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"X-Client-Schema": str(CLIENT_SCHEMA), "User-Agent": USER_AGENT,
                     "Accept-Encoding": transfer.ACCEPT_ENCODING if compress else "identity"},
            follow_redirects=False,
            transport=transport,
            # Plain-HTTP servers are loopback ones (the demo, tests): skip loading the CA
            # bundle, which costs more than the whole request there. HTTPS always verifies.
            verify=not self.base_url.startswith("http://"),
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, auth: bool = True, limit: int = transfer.MAX_ANSWER_BYTES,
                compress: bool = True, **kw: Any) -> httpx.Response:
        """One request; the answer is read whole (inflated within ``limit``) and classified.
        A body in ``content`` is gzipped when large enough; a 415 for that coding sends it
        again as identity (and every later one of this client)."""
        headers = dict(kw.pop("headers", None) or {})
        if auth:
            tok = self._token()
            if not tok:
                raise LoginNeeded(tr("Требуется вход на сервер"))
            headers["Authorization"] = f"Bearer {tok}"
        plain = kw.pop("content", None)
        content, coded = (transfer.gzip_body(plain) if plain is not None and compress and self.gzip_requests
                          else (plain, {}))
        resp = self._exchange(method, path, {**headers, **coded}, content, limit, kw)
        if resp.status_code == 415 and coded:
            self.gzip_requests = False
            resp = self._exchange(method, path, headers, plain, limit, kw)
        classify(resp)
        return resp

    def _exchange(self, method: str, path: str, headers: dict[str, str], content: bytes | None, limit: int,
                  kw: dict[str, Any]) -> httpx.Response:
        try:
            with self.http.stream(method, path, headers=headers, content=content, **kw) as resp:
                self.meter.add(sent=len(content or b""), requests=1)
                body = transfer.read_body(resp, limit=limit, meter=self.meter, cancelled=self.cancelled)
        except transfer.Stopped:
            raise Cancelled("Синхронизация прервана") from None
        except httpx.TimeoutException as exc:
            raise Transient("Сервер не ответил вовремя") from exc
        except (httpx.TransportError, OSError) as exc:
            # Connection refused, reset, remote closed mid-answer, DNS: all "try again later". The
            # message is for people; the transport's own error stays chained for the log.
            raise Transient("Нет связи с сервером") from exc
        except transfer.Cut as exc:
            # A gzip answer without its end: nothing of it is used; asked again.
            raise Transient("Ответ сервера повреждён или оборван") from exc
        except transfer.TooLarge:
            raise BadAnswer(f"Ответ сервера больше допустимого ({limit // (1024 * 1024)} МБ после распаковки): "
                            f"он не принят") from None
        except transfer.BadCoding as exc:
            raise BadAnswer(f"Ответ сервера сжат неизвестным способом ({exc}): он не принят") from None
        # The plain body, as if httpx had read it (callers and classify() read .content/.json()).
        keep = [(k, v) for k, v in resp.headers.multi_items()
                if k.lower() not in ("content-encoding", "content-length")]
        return httpx.Response(resp.status_code, headers=keep, content=body, request=resp.request)

    # -- endpoints -----------------------------------------------------------------------------
    def health(self, timeout: float = 2.0) -> bool:
        try:
            return self.http.get("/healthz", timeout=timeout).status_code == 200
        except (httpx.HTTPError, OSError):
            return False

    def me(self) -> dict[str, Any]:
        out: dict[str, Any] = _json_body(self.request("GET", "/me"))
        return out

    def push(self, client_id: str, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        body = json.dumps({"client_id": client_id, "ops": ops}, ensure_ascii=False).encode()
        resp = self.request("POST", "/sync/push", content=body, headers={"Content-Type": "application/json"})
        data = _json_body(resp)
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list) or len(results) != len(ops):
            raise Transient("Ответ сервера на отправку неполон")
        _checked(wire.PushAnswer, data, "Ответ сервера на отправку")
        return results

    def pull(self, cursor: str, limit: int, count: bool = False) -> dict[str, Any]:
        """One page; ``count``: the server adds ``remaining``, the changes left after it."""
        params: dict[str, Any] = {"cursor": cursor, "limit": limit}
        if count:
            params["count"] = 1
        resp = self.request("GET", "/sync/pull", params=params)
        try:
            data = parse_pull(resp.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Transient("Ответ сервера повреждён или оборван") from exc
        if not isinstance(data, dict) or not isinstance(data.get("changes"), list) or "cursor" not in data:
            raise Transient("Ответ сервера на получение изменений неполон")
        # the page's own fields here; its changes one by one where they are prepared (pull.py)
        _checked(wire.PullTail, data, "Ответ сервера на получение изменений")
        return data

    def state(self) -> dict[str, Any]:
        data = _json_body(self.request("GET", "/sync/state"))
        if not isinstance(data, dict) or not isinstance(data.get("entities"), dict):
            raise Transient("Ответ сервера о состоянии неполон")
        _checked(wire.StateAnswer, data, "Ответ сервера о состоянии")
        return data

    def put_blob(self, sha256: str, data: bytes) -> None:
        # The server keeps only PDF/JPG/PNG, compressed already: gzip would cost and save nothing.
        self.request("PUT", f"/blobs/{sha256}", content=data, compress=False,
                     headers={"Content-Type": "application/octet-stream"})

    def get_blob(self, sha256: str) -> bytes:
        return self.request("GET", f"/blobs/{sha256}").content

    # -- OAuth (no bearer) -----------------------------------------------------------------------
    def token(self, form: Mapping[str, str]) -> dict[str, Any]:
        try:
            resp = self.http.post("/oauth/token", data=dict(form))
        except httpx.TimeoutException as exc:
            raise Transient("Сервер не ответил вовремя") from exc
        except (httpx.TransportError, OSError) as exc:
            raise Transient("Нет связи с сервером") from exc
        if resp.status_code == 400:
            prob = parse_problem(resp)
            if prob.body.get("error") == "invalid_grant":
                raise LoginNeeded(prob.detail)
            raise prob
        classify(resp)
        data = _json_body(resp)
        if not isinstance(data, dict) or not data.get("access_token"):
            raise Transient("Ответ сервера на вход неполон")
        return data
