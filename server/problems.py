"""RFC 9457 problem details: every error the server gives is one of these, in Russian."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("frmr.server")

MEDIA = "application/problem+json"

TITLES = {
    400: "Неверный запрос",
    401: "Требуется вход",
    403: "Доступ запрещён",
    404: "Не найдено",
    405: "Метод не поддерживается",
    409: "Конфликт",
    413: "Слишком большой объём данных",
    415: "Неподдерживаемый тип данных",
    422: "Данные не прошли проверку",
    426: "Требуется обновление приложения",
    429: "Слишком много запросов",
    500: "Внутренняя ошибка сервера",
}

DETAILS = {
    401: "Войдите в систему заново.",
    403: "Недостаточно прав для этого действия.",
    404: "Запрошенный ресурс не найден.",
    405: "Этот метод не поддерживается для данного адреса.",
}


class Problem(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        errors: dict[str, str] | None = None,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or TITLES.get(status, "Ошибка")
        self.errors = errors
        self.type = type_
        self.headers = headers
        self.extra = extra

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status, "detail": self.detail}
        if self.errors:
            out["errors"] = self.errors
        out.update(self.extra)
        return out


def problem_response(p: Problem) -> JSONResponse:
    return JSONResponse(p.body(), status_code=p.status, media_type=MEDIA, headers=p.headers)


def not_found(what: str = "Запись не найдена.") -> Problem:
    return Problem(404, what)


def forbidden(what: str = "Недостаточно прав для этого действия.") -> Problem:
    return Problem(403, what)


def _loc_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "запрос"


_MESSAGES = {
    "missing": "обязательное поле",
    "json_invalid": "тело запроса — неверный JSON",
    "int_parsing": "ожидается целое число",
    "string_type": "ожидается строка",
    "int_type": "ожидается целое число",
    "bool_parsing": "ожидается логическое значение",
    "string_too_long": "слишком длинное значение",
    "string_too_short": "слишком короткое значение",
    "uuid_parsing": "ожидается UUID",
    "less_than_equal": "слишком большое значение",
    "greater_than_equal": "слишком маленькое значение",
    "greater_than": "слишком маленькое значение",
    "less_than": "слишком большое значение",
    "literal_error": "недопустимое значение",
    "enum": "недопустимое значение",
    "list_type": "ожидается список",
    "dict_type": "ожидается объект",
    "model_attributes_type": "ожидается объект",
    "string_pattern_mismatch": "значение в неверном формате",
    "too_long": "слишком много элементов",
}


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_req: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors: dict[str, str] = {}
        for e in exc.errors():
            name = _loc_name(e.get("loc", ()))
            errors.setdefault(name, _MESSAGES.get(str(e.get("type")), "недопустимое значение"))
        return problem_response(Problem(422, "Запрос не прошёл проверку: " + "; ".join(
            f"{k}: {v}" for k, v in list(errors.items())[:5]), errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
        p = Problem(exc.status_code, detail or DETAILS.get(exc.status_code, "Ошибка запроса."),
                    headers=getattr(exc, "headers", None))
        return problem_response(p)

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return problem_response(Problem(500, "Непредвиденная ошибка сервера. Повторите попытку позже."))
