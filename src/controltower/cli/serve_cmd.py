"""``controltower serve``: run the web app and API against a database."""

from __future__ import annotations

import typer

from controltower.cli.options import resolve_settings


def serve_settings_and_run(*, database_url: str | None, host: str, port: int) -> None:
    """Migrate the database to the current schema, then serve until interrupted."""
    import uvicorn

    from controltower.bootstrap import create_app
    from controltower.storage.database import migrate

    settings = resolve_settings(database_url=database_url, host=host, port=port)
    migrate(settings.database_url)
    typer.secho(
        f"Control Tower is serving on http://{settings.host}:{settings.port}  (Ctrl+C stops it)",
        fg=typer.colors.GREEN,
        err=True,
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        database_url: str | None = typer.Option(
            None,
            "--database-url",
            help="Database URL (default: $DATABASE_URL, else ./controltower.db).",
        ),
        host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
        port: int = typer.Option(8000, help="Port to listen on."),
    ) -> None:
        """Serve the web app and the API on the stored picture."""
        serve_settings_and_run(database_url=database_url, host=host, port=port)
