"""Options shared by several commands: settings from flags over the environment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from controltower.settings import Settings


#: ``--database-url``, the same on every command that opens the database
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        help="Database URL (default: $DATABASE_URL, else ./controltower.db).",
        show_default=False,
    ),
]


def resolve_settings(*, database_url: str | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, with every flag the user gave taking precedence."""
    from controltower.settings import Settings, normalise_database_url

    values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    settings = Settings(**values)
    url = database_url or settings.database_url
    return settings.model_copy(update={"database_url": normalise_database_url(url)})
