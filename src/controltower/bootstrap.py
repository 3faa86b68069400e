"""The composition root: the one module that knows every layer.

It turns :class:`~controltower.settings.Settings` into a running application: a
database engine and session factory, the API routers and the web pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from controltower import __version__
from controltower.api.auth import NotSignedInError
from controltower.api.request_gate import SPARE_THREADS, RequestGate
from controltower.api.request_ids import RequestIdMiddleware
from controltower.api.routes import actions as actions_api
from controltower.api.routes import audit as audit_api
from controltower.api.routes import cases, exceptions, health, orders, pictures
from controltower.api.routes import effectiveness as effectiveness_api
from controltower.api.routes import entities as entities_api
from controltower.api.routes import evidence as evidence_api
from controltower.api.routes import exports as exports_api
from controltower.api.routes import notifications as notifications_api
from controltower.api.routes import search as search_api
from controltower.api.routes import views as views_api
from controltower.api.routes import work as work_api
from controltower.api.security_headers import (
    FIXED_HEADERS,
    SecurityHeadersMiddleware,
    content_security_policy,
)
from controltower.settings import Settings
from controltower.storage.database import make_engine, make_session_factory
from controltower.web import (
    action_form_pages,
    action_pages,
    audit_pages,
    auth_pages,
    effectiveness_pages,
    entity_pages,
    error_pages,
    export_pages,
    notification_pages,
    pages,
    saved_views_pages,
    search_pages,
)
from controltower.web import work_pages as work_web
from controltower.web.assets import STATIC_DIR
from controltower.web.charts import plotly_inline_styles
from controltower.web.formatting import presentation_for, use_presentation
from controltower.web.page_support import request_address


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web application: API under ``/api``, pages under ``/``.

    The interactive API docs are served from packaged assets (``/docs``), so the app
    works on machines with no internet access.
    """
    settings = settings or Settings()
    # one pooled connection per request at work (see controltower.api.request_gate)
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        busy_timeout_seconds=settings.db_busy_timeout_seconds,
        interactive=True,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPIOffline(
        title="Control Tower",
        version=__version__,
        description="Exception control tower for distribution businesses.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    use_presentation(presentation_for(settings.locale, settings.currency))
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.add_middleware(
        RequestGate,
        limit=settings.db_pool_size,
        threads=settings.db_pool_size + SPARE_THREADS,
    )
    # outside the gate: a request for another host name is refused before it queues
    # (DNS rebinding); ``serve`` always names the hosts, an app built bare accepts any
    if settings.allowed_hosts is not None:
        app.add_middleware(
            TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts), www_redirect=False
        )
    # every request gets its id before it queues, so a refusal carries one too
    app.add_middleware(RequestIdMiddleware)
    # outermost, so that every answer carries them, a refusal too
    app.add_middleware(SecurityHeadersMiddleware, styles=plotly_inline_styles())
    app.include_router(health.router)
    app.include_router(pictures.router)
    # before the orders router: /api/orders/export is not an order id
    app.include_router(exports_api.router)
    app.include_router(views_api.router)
    app.include_router(notifications_api.router)
    app.include_router(audit_api.router)
    app.include_router(orders.router)
    app.include_router(effectiveness_api.router)
    app.include_router(exceptions.router)
    app.include_router(cases.router)
    app.include_router(actions_api.router)
    app.include_router(evidence_api.router)
    app.include_router(work_api.router)
    app.include_router(work_web.router)
    app.include_router(search_api.router)
    app.include_router(entities_api.router)
    app.include_router(search_pages.router)
    app.include_router(entity_pages.router)
    app.include_router(auth_pages.router)
    # before the pages: /orders/export.csv is not an order id
    app.include_router(export_pages.router)
    # before the pages: /exceptions/effectiveness is not a case
    app.include_router(effectiveness_pages.router)
    app.include_router(saved_views_pages.router)
    app.include_router(notification_pages.router)
    app.include_router(audit_pages.router)
    # before the request's page: /actions/new is not a request
    app.include_router(action_form_pages.router)
    app.include_router(action_pages.router)
    # before the /static mount: the pages serve plotly.js under /static/vendor/
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(NotSignedInError)
    async def to_login(request: Request, _: NotSignedInError) -> RedirectResponse:
        """A page asked for without a session: sign in first, then come back to it."""
        wanted = request_address(request)
        return RedirectResponse(f"/login?next={quote(wanted, safe='')}", status_code=303)

    # outside /api and its docs, every error is the error page, its status kept
    app.exception_handler(StarletteHTTPException)(error_pages.http_error)
    app.exception_handler(RequestValidationError)(error_pages.invalid_request)
    # a failure is answered outside the middleware, so its answer carries the headers itself
    security = {
        "Content-Security-Policy": content_security_policy(styles=plotly_inline_styles()),
        **dict(FIXED_HEADERS),
    }
    app.exception_handler(Exception)(error_pages.server_error_handler(security))

    return app
