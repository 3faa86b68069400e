"""The policy as data: a validated schema over the TOML policy file.

Each section is its own model so that routing, SLAs, detectors and lifecycle rules can
grow without touching the rest; unknown keys are refused so a typo is an error, not a
silently ignored setting.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from controltower.domain.analysis import AllocationPolicy


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AllocationSection(_Section):
    quality_release_days: int = Field(default=2, ge=0)
    receipt_handling_days: int = Field(default=1, ge=0)
    overdue_days_block: int = Field(default=30, ge=0)

    def to_domain(self) -> AllocationPolicy:
        return AllocationPolicy(
            quality_release_days=self.quality_release_days,
            receipt_handling_days=self.receipt_handling_days,
            overdue_days_block=self.overdue_days_block,
        )


class Policy(_Section):
    """The whole policy. Sections are added here as the product grows."""

    allocation: AllocationSection = AllocationSection()
