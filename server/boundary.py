"""The request boundary: every string that enters the server is checked here, once, before routing.

A pure ASGI middleware (installed in ``server.app``) that runs before any parsing, routing or
authentication work:

* **size** — a body larger than the limit is refused with 413 from its Content-Length, or, when
  none is declared (chunked), as soon as the bytes read pass the limit; the rest is never read.
  ``PUT /blobs/…`` has its own, larger limit (``Settings.max_blob_bytes``) and stays streamed.
* **text** — the path, every query parameter (name and value), the headers the server keeps as
  data (User-Agent, X-Client-Schema …), every JSON string and every object key at any depth, and
  every field of a form post are checked against ``desktop.models.textrules`` — the rules the
  desktop's own validation uses: no NUL or other control characters (TAB/LF/CR only inside free
  text values, never in keys or one-line values), no lone surrogates, and in names
  (``textrules.NAME_KEYS``) no invisible or direction-changing characters.
* **shape** — strict UTF-8 and strict JSON (no NaN/Infinity, no duplicate keys, integers within
  64 bits), bounded depth, key length, string length, item counts; and for ``/sync/push`` a bound
  on the fields of one operation, since those are what the server stores per operation.
* **answers** — every response gets ``X-Content-Type-Options: nosniff``; blob responses also
  ``Cache-Control: no-store``, and downloads ``Content-Disposition: attachment``.

Refusals are RFC 9457 problem+json in Russian (``server.problems``) and name the field and the
character; the database never sees the input, so the answer is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import unquote_to_bytes

from desktop.models import textrules
from server.problems import Problem, problem_response

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may carry. Each is well above what the desktop sends (a push
    batch is 200 operations of at most 18 fields with names of at most 20 characters)."""

    #: any request body but a blob upload
    body_bytes: int = 4 * 1024 * 1024
    #: PUT /blobs/<sha256> (Settings.max_blob_bytes)
    blob_bytes: int = 5 * 1024 * 1024
    #: a form post (the login page and the token endpoint send a few short fields)
    form_bytes: int = 64 * 1024
    #: nesting of JSON objects and arrays (a push is 4 deep)
    depth: int = 16
    #: a JSON object key, a query or form parameter name
    key_chars: int = 64
    #: one JSON string or form value (record free text is at most 5000 characters)
    string_chars: int = 20_000
    #: entries of one JSON object
    object_keys: int = 200
    #: items of one JSON array (a push carries at most 1000 operations)
    array_items: int = 1000
    #: every value in the document together
    nodes: int = 200_000
    #: fields (and base values) of one push operation: an entity has at most 18
    push_fields: int = 64
    #: the whole query string, the number of its parameters, one parameter value
    query_bytes: int = 8192
    query_params: int = 64
    param_chars: int = 4096
    path_chars: int = 2048
    #: a User-Agent is kept with the session; other header values are bounded by the HTTP server
    user_agent_chars: int = 512
    header_chars: int = 8192


#: headers whose values the server reads as data (stored, logged or parsed), not just as protocol
_DATA_HEADERS = (b"user-agent", b"x-client-schema", b"x-forwarded-for", b"x-real-ip", b"authorization",
                 b"content-length", b"content-type")
_PRINTABLE_ASCII = re.compile(rb"^[\x20-\x7e]*$")
#: HTTP forbids control characters in header values (RFC 9110 §5.5), HTAB aside
_HEADER_CTL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_INT64 = 2**63 - 1
_BLOB_PATH = re.compile(r"^/blobs/[^/]*$")
_BLOB_TYPES = {b"application/pdf": "pdf", b"image/jpeg": "jpg", b"image/png": "png"}


class Refused(Exception):
    """A request the boundary does not let in; becomes a problem+json answer."""

    def __init__(self, status: int, detail: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.problem = Problem(status, detail, errors=errors)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} МБ" if n >= 1024 * 1024 else f"{max(1, n // 1024)} КБ"


def _too_large(limit: int, what: str = "Тело запроса") -> Refused:
    return Refused(413, f"{what} больше допустимого размера ({_size(limit)}).")


#: where a refusal points: a label; a JSON location (a list, formatted only on refusal, so that
#: walking a large accepted body does not format every key); or (label for the detail, field name
#: for ``errors`` — the plain name, as FastAPI's own validation answers give it)
Where = str | list[str] | tuple[str, str]


def _invalid(where: Where, why: str, status: int = 422) -> Refused:
    """A refusal naming the field and the reason."""
    if isinstance(where, tuple):
        label, key = where
    else:
        label = key = where if isinstance(where, str) else _loc(where)
    return Refused(status, f"Запрос не прошёл проверку: {label}: {why}.", errors={key: why})


def _loc(parts: list[str]) -> str:
    return ".".join(textrules.shown(p, 40) for p in parts) or "тело запроса"


# -- strings -----------------------------------------------------------------------------------
def _check_key(key: str, where: Where, limits: Limits) -> None:
    if len(key) > limits.key_chars:
        raise _invalid(where, f"слишком длинное имя поля ({len(key)} символов, допустимо не более {limits.key_chars})")
    bad = textrules.key_problem(key)
    if bad:
        raise _invalid(where, f"имя поля: {bad}")


def _check_value(value: str, where: Where, *, name: bool, multiline: bool, max_chars: int) -> None:
    if len(value) > max_chars:
        raise _invalid(where, f"слишком длинное значение ({len(value)} символов, допустимо не более {max_chars})")
    bad = textrules.name_problem(value) if name else textrules.text_problem(value, multiline=multiline)
    if bad:
        raise _invalid(where, bad)


def _decode_component(raw: bytes, where: Where) -> str:
    """One percent-encoded component (query or form) -> text; strictly UTF-8, like the JSON body.

    Starlette would decode it with errors="replace", turning bad bytes into U+FFFD silently."""
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid(where, "значение не в кодировке UTF-8", 400) from None


def _check_pairs(raw: bytes, what: str, limits: Limits, max_params: int) -> None:
    """A query string or an application/x-www-form-urlencoded body."""
    if not _PRINTABLE_ASCII.match(raw):
        # the encoding is ASCII by definition; a raw byte above 0x7E would be read as Latin-1
        raise _invalid(what, "недопустимые байты: не-ASCII символы должны быть закодированы (%XX)", 400)
    pairs = [p for p in raw.split(b"&") if p]
    if len(pairs) > max_params:
        raise _invalid(what, f"слишком много параметров ({len(pairs)}, допустимо не более {max_params})")
    for pair in pairs:
        raw_key, _, raw_value = pair.partition(b"=")
        key = _decode_component(raw_key, what)
        where = (f"{what} {textrules.shown(key)}", textrules.shown(key))
        _check_key(key, where, limits)
        value = _decode_component(raw_value, where)
        # a parameter is one line: a login, a code, a search string — never a line break
        _check_value(value, where, name=key in textrules.NAME_KEYS, multiline=False, max_chars=limits.param_chars)


def check_path(scope: Scope, limits: Limits) -> None:
    raw = scope.get("raw_path")
    if isinstance(raw, bytes | bytearray):
        try:
            path = unquote_to_bytes(bytes(raw)).decode("utf-8")
        except UnicodeDecodeError:
            raise _invalid("адрес", "адрес запроса не в кодировке UTF-8", 400) from None
    else:
        path = str(scope.get("path", ""))
    if len(path) > limits.path_chars:
        raise _invalid("адрес", f"слишком длинный адрес запроса (допустимо не более {limits.path_chars} символов)", 400)
    bad = textrules.key_problem(path)
    if bad:
        raise _invalid("адрес", bad, 400)


def check_query(scope: Scope, limits: Limits) -> None:
    raw = bytes(scope.get("query_string") or b"")
    if not raw:
        return
    if len(raw) > limits.query_bytes:
        raise _invalid("параметры запроса", f"слишком длинная строка параметров (допустимо не более "
                                            f"{limits.query_bytes} байт)", 400)
    _check_pairs(raw, "параметр", limits, limits.query_params)


def check_headers(scope: Scope, limits: Limits) -> None:
    for name, value in scope.get("headers") or ():
        if len(value) > limits.header_chars or _HEADER_CTL.search(value):
            header = textrules.shown(name.decode("latin-1"))
            raise _invalid((f"заголовок {header}", header),
                           "недопустимые символы или слишком длинное значение", 400)
        if name in _DATA_HEADERS and not _PRINTABLE_ASCII.match(value):
            # kept with the session or parsed: printable ASCII only (no C1 controls, no
            # Latin-1 mojibake of UTF-8 bytes in the sessions list)
            header = name.decode("latin-1")
            raise _invalid((f"заголовок {header}", header), "допустимы только печатные символы ASCII", 400)
        if name == b"user-agent" and len(value) > limits.user_agent_chars:
            raise _invalid(("заголовок user-agent", "user-agent"),
                           f"слишком длинное значение (допустимо не более {limits.user_agent_chars} символов)", 400)


# -- JSON --------------------------------------------------------------------------------------
class _Duplicate(ValueError):
    pass


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        # Two parsers may keep different ones of the pair (a proxy the first, Python the last):
        # refuse rather than guess which the sender meant.
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return out


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(int(text)) > _INT64:
        raise ValueError("целое число вне 64-битного диапазона")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("число вне допустимого диапазона")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} не является числом JSON")


def parse_json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid("тело запроса", f"текст не в кодировке UTF-8 (байт {exc.start})", 400) from None
    try:
        return json.loads(text, object_pairs_hook=_pairs_hook, parse_int=_parse_int, parse_float=_parse_float,
                          parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise _invalid("тело запроса", f"неверный JSON (строка {exc.lineno}, позиция {exc.colno})", 400) from None
    except _Duplicate as exc:
        raise _invalid("тело запроса", f"поле «{textrules.shown(str(exc))}» повторяется в одном объекте") from None
    except RecursionError:
        raise _invalid("тело запроса", "слишком глубокая вложенность") from None
    except ValueError as exc:  # our number hooks; int() past sys.get_int_max_str_digits()
        reason = str(exc) if not str(exc).isascii() else "число вне допустимого диапазона"
        raise _invalid("тело запроса", reason) from None


class _Walk:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.nodes = 0
        #: keys already found good: a push repeats the same dozen names in every operation
        self.good_keys: set[str] = set()

    def walk(self, value: Any, loc: list[str], name: bool) -> None:
        lim = self.limits
        self.nodes += 1
        if self.nodes > lim.nodes:
            raise _invalid("тело запроса", f"слишком много значений (допустимо не более {lim.nodes})")
        if len(loc) > lim.depth:
            raise _invalid(loc[: lim.depth], f"слишком глубокая вложенность (допустимо не более {lim.depth})")
        if isinstance(value, str):
            _check_value(value, loc, name=name, multiline=not name, max_chars=lim.string_chars)
        elif isinstance(value, dict):
            if len(value) > lim.object_keys:
                raise _invalid(loc, f"слишком много полей ({len(value)}, допустимо не более {lim.object_keys})")
            for key, item in value.items():
                where = [*loc, key]
                if key not in self.good_keys:
                    _check_key(key, where, lim)
                    self.good_keys.add(key)
                self.walk(item, where, key in textrules.NAME_KEYS)
        elif isinstance(value, list):
            if len(value) > lim.array_items:
                raise _invalid(loc, f"слишком много элементов ({len(value)}, допустимо не более "
                                          f"{lim.array_items})")
            for i, item in enumerate(value):
                self.walk(item, [*loc, str(i)], name)


def check_json(doc: Any, path: str, limits: Limits) -> None:
    _Walk(limits).walk(doc, [], False)
    if path == "/sync/push" and isinstance(doc, dict) and isinstance(doc.get("ops"), list):
        # what a push stores per operation (its fields, echoed in its result) is bounded here
        for i, op in enumerate(doc["ops"]):
            for part in ("fields", "base"):
                fields = op.get(part) if isinstance(op, dict) else None
                if isinstance(fields, dict) and len(fields) > limits.push_fields:
                    raise _invalid(f"ops.{i}.{part}", f"слишком много полей в операции ({len(fields)}, допустимо "
                                                      f"не более {limits.push_fields})")


# -- the middleware ----------------------------------------------------------------------------
def _media_type(headers: dict[bytes, bytes]) -> str | None:
    """The body's kind as FastAPI will read it: "json" (also when no Content-Type is sent — FastAPI
    parses such a body as JSON), "form", "multipart", or None (something else)."""
    raw = headers.get(b"content-type")
    if raw is None or not raw.strip():
        return "json"
    m = Message()
    m["content-type"] = raw.decode("latin-1")
    main, sub = m.get_content_maintype(), m.get_content_subtype()
    if main == "application" and (sub == "json" or sub.endswith("+json")):
        return "json"
    if main == "application" and sub == "x-www-form-urlencoded":
        return "form"
    if main == "multipart":
        return "multipart"
    return None


class Boundary:
    """ASGI middleware: see the module docstring."""

    def __init__(self, app: ASGIApp, limits: Limits | None = None) -> None:
        self.app = app
        self.limits = limits or Limits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        method = str(scope.get("method", "GET")).upper()
        blob = bool(_BLOB_PATH.match(path))
        send = _with_safe_headers(send, blob=blob, download=blob and method == "GET", path=path)
        headers = dict(scope.get("headers") or ())
        try:
            check_path(scope, self.limits)
            check_query(scope, self.limits)
            check_headers(scope, self.limits)
            limit = self.limits.blob_bytes if blob and method == "PUT" else self.limits.body_bytes
            declared = headers.get(b"content-length")
            if declared is not None:
                if not declared.strip().isdigit():
                    raise _invalid(("заголовок content-length", "content-length"),
                                   "ожидается целое неотрицательное число", 400)
                if int(declared) > limit:
                    raise _too_large(limit, "Файл" if blob else "Тело запроса")
            if blob and method == "PUT":
                # The file is streamed to the handler as it comes; counted, never buffered here.
                await self.app(scope, _counting(receive, limit), send)
                return
            body = await _read_body(receive, limit)
            if body is None:
                return  # the client went away
            if body:
                self._check_body(body, headers, path)
        except Refused as exc:
            problem = exc.problem
            if path.startswith("/oauth/") and problem.status == 422:
                # OAuth endpoints answer malformed requests as RFC 6749 §5.2 does: 400 invalid_request
                problem = Problem(400, problem.detail, errors=problem.errors, error="invalid_request")
            await problem_response(problem)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _check_body(self, body: bytes, headers: dict[bytes, bytes], path: str) -> None:
        kind = _media_type(headers)
        if kind == "json":
            check_json(parse_json(body), path, self.limits)
        elif kind == "form":
            if len(body) > self.limits.form_bytes:
                raise _too_large(self.limits.form_bytes, "Форма")
            _check_pairs(body, "поле формы", self.limits, self.limits.query_params)
        elif kind == "multipart":
            raise Refused(415, "Формы multipart/form-data не принимаются: отправьте application/x-www-form-urlencoded.")
        else:
            raise Refused(415, "Тело запроса должно быть JSON (application/json) или формой "
                               "(application/x-www-form-urlencoded).")


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, refused (413) as soon as it passes ``limit`` — the rest is never read."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the app the body already read, then the server's own messages (a disconnect)."""
    sent = False

    async def replay() -> MutableMapping[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _counting(receive: Receive, limit: int) -> Receive:
    """``receive`` that stops a streamed body past ``limit`` with a 413 problem, which the app's
    problem handler answers (the blob handler checks the same limit; this holds if it did not)."""
    size = 0

    async def counted() -> MutableMapping[str, Any]:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise Problem(413, f"Файл больше допустимого размера ({_size(limit)}).")
        return message

    return counted


def _with_safe_headers(send: Send, *, blob: bool, download: bool, path: str) -> Send:
    async def wrapped(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or [])
            present = {k.lower() for k, _ in headers}
            # Browsers must not guess a type from the bytes (an uploaded "PDF" that is HTML).
            if b"x-content-type-options" not in present:
                headers.append((b"x-content-type-options", b"nosniff"))
            if blob:
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))  # personal documents stay out of caches
                ctype = next((v.split(b";")[0].strip().lower() for k, v in headers if k.lower() == b"content-type"),
                             b"")
                if download and message.get("status") == 200 and ctype in _BLOB_TYPES:
                    if b"content-disposition" not in present:
                        sha = re.sub(r"[^0-9A-Za-z]", "", path.rsplit("/", 1)[-1])[:64]
                        name = f"{sha}.{_BLOB_TYPES[ctype]}"
                        headers.append((b"content-disposition", f'attachment; filename="{name}"'.encode("ascii")))
                    if b"content-security-policy" not in present:
                        headers.append((b"content-security-policy", b"default-src 'none'; sandbox"))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped
