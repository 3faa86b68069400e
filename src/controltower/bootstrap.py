"""The composition root: the one module that knows every layer.

It turns :class:`~controltower.settings.Settings` into a running application: a
database engine and session factory, the API routers and the web pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from controltower import __version__
from controltower.api.routes import exceptions, health, orders, pictures
from controltower.settings import Settings
from controltower.storage.database import make_engine, make_session_factory
from controltower.web import pages
from controltower.web.assets import STATIC_DIR


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web application: API under ``/api``, pages under ``/``.

    The interactive API docs are served from packaged assets (``/docs``), so the app
    works on machines with no internet access.
    """
    settings = settings or Settings()
    engine = make_engine(settings.database_url)

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
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.include_router(health.router)
    app.include_router(pictures.router)
    app.include_router(orders.router)
    app.include_router(exceptions.router)
    # before the /static mount: the pages serve plotly.js under /static/vendor/
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
