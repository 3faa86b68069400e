"""Runtime settings, from the environment (and CLI flags, which override them).

``DATABASE_URL`` defaults to a SQLite file in the working directory so that the demo
needs no setup; production points it at PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_FILE = "controltower.db"


def default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


class Settings(BaseSettings):
    """Everything a process needs to know about where it runs."""

    model_config = SettingsConfigDict(env_prefix="CONTROLTOWER_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL; SQLite file in the working directory by default.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    policy_file: Path | None = None
    #: a browser session ends after this long without a request...
    session_idle_minutes: int = Field(default=30, ge=1)
    #: ...and this long after signing in, whatever happens
    session_absolute_hours: int = Field(default=12, ge=1)


def normalise_database_url(url: str) -> str:
    """Accept the plain ``postgresql://`` form users paste and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
