"""The FastAPI application: routers, problem handlers, shared state."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from server import coding, openapi_links, problems, warmup
from server.api import account, account_journal, blobs, me, registry
from server.api import sync as sync_api
from server.auth import oauth
from server.boundary import Boundary, Limits
from server.config import Settings
from server.db import make_engine
from server.state import build_state

DESCRIPTION = """Сервер ФРМР Desktop: вход (OAuth 2.0 + PKCE), API регистра с ролями,
синхронизация (docs/sync-protocol.md). Все ошибки — RFC 9457 problem+json."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # before the first request is accepted (server.warmup says why)
        await anyio.to_thread.run_sync(warmup.warm_up, engine)
        await warmup.warm_routes(_app)
        yield

    app = FastAPI(title="ФРМР — сервер", version="1.0.0", description=DESCRIPTION,
                  default_response_class=JSONResponse, lifespan=lifespan)
    app.state.frmr = build_state(settings, engine)
    problems.install(app)
    # The request boundary (sizes, characters, shapes) runs before routing and authentication.
    app.add_middleware(Boundary, limits=Limits(body_bytes=settings.max_body_bytes,
                                               blob_bytes=settings.max_blob_bytes))
    # Content coding (server.coding), outside the boundary: a gzip body is inflated — within the
    # same limits — before the boundary checks it, and answers are compressed last.
    app.add_middleware(coding.RequestDecoding, body_bytes=settings.max_body_bytes,
                       blob_bytes=settings.max_blob_bytes)
    app.add_middleware(coding.AnswerCoding)
    app.include_router(oauth.router)
    app.include_router(me.router)
    app.include_router(account.router)
    app.include_router(account_journal.router)
    app.include_router(sync_api.router)
    app.include_router(blobs.router)
    app.include_router(registry.router)
    openapi_links.install(app)

    @app.get("/healthz", tags=["служебное"], summary="Проверка работоспособности")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    logging.getLogger("frmr.server").setLevel(logging.INFO)
    return app
