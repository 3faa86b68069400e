"""What Odoo does not hold but the canonical dataset needs: the connector's settings.

Odoo has no field for a warehouse's daily pick capacity, the transit days between two
warehouses, which partner tag makes a customer strategic, or which locations hold goods
in quality; a distributor says so once, in a small TOML file (``--settings FILE`` or
``ODOO_SETTINGS``). Every default below is the one ``docs/odoo.md`` documents, so a
business that follows Odoo's usual names needs no file at all. The mapping reads these
values and never guesses one in code.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class OdooSettingsError(ValueError):
    """The settings file cannot be used; the message names the file and the problem."""


class TransferLaneSetting(BaseModel):
    """One transfer lane: stock can move from one warehouse to another in so many days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_warehouse: str = Field(min_length=1)
    to_warehouse: str = Field(min_length=1)
    transit_days: int = Field(ge=0, le=36_500)


class OdooSettings(BaseModel):
    """The connector settings, each with the documented default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: names of the companies to sync (blank: every company the login can see)
    companies: tuple[str, ...] = ()
    #: lines a warehouse can pick per day, by warehouse code (absent: unlimited)
    pick_capacity: dict[str, int] = Field(default_factory=dict)  # each 1 to 2**31 - 1
    transfer_lanes: tuple[TransferLaneSetting, ...] = ()
    #: the partner tag that makes a customer strategic, and the one that makes it key
    strategic_tag: str = "Strategic"
    key_tag: str = "Key"
    #: partner tags that put a customer on credit hold (besides ``sale_warn = block``)
    credit_hold_tags: tuple[str, ...] = ("Credit Hold",)
    #: sales order tags that make an order urgent
    expedite_tags: tuple[str, ...] = ("Expedite",)
    #: a location whose full name contains one of these holds stock in quality
    quality_locations: tuple[str, ...] = ("Quality",)
    #: goods moved into a location whose full name contains one of these are damaged
    damage_locations: tuple[str, ...] = ()
    #: an open activity of one of these types on an invoice marks it disputed
    dispute_activity_types: tuple[str, ...] = ()
    #: the Odoo login that gets a follow-up when a case's owner has no Odoo user
    fallback_user: str | None = None
    #: Odoo logins behind Control Tower people or teams (owner -> Odoo login)
    users: dict[str, str] = Field(default_factory=dict)
    #: records per request while reading (Odoo answers 1,000-5,000 comfortably)
    page_size: int = Field(default=2000, ge=100, le=5000)
    #: requests in flight at once while reading
    parallel_requests: int = Field(default=4, ge=1, le=4)

    @field_validator("pick_capacity")
    @classmethod
    def _capacity_positive(cls, value: dict[str, int]) -> dict[str, int]:
        for code, lines in value.items():
            if not 0 < lines < 2**31:
                raise ValueError(
                    f"pick_capacity for {code!r} must be a number of lines from 1 to 2,147,483,647"
                )
        return value


def load_odoo_settings(path: Path | None) -> OdooSettings:
    """The defaults, overridden by the ``[odoo]`` table of ``path`` when one is given."""
    if path is None:
        return OdooSettings()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as error:
        raise OdooSettingsError(f"{path}: settings file not found") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise OdooSettingsError(f"{path}: not valid TOML ({error})") from error
    table = data.get("odoo", data)
    try:
        return OdooSettings.model_validate(table)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
            for issue in error.errors()
        )
        raise OdooSettingsError(f"{path}: {problems}") from error
