"""The registry: every exception type has exactly one detector, and a catalogue entry."""

from __future__ import annotations

from pathlib import Path

from controltower.detectors import REGISTRY
from controltower.domain.cases import ExceptionType

CATALOGUE = Path(__file__).resolve().parents[3] / "docs" / "exceptions.md"


def test_every_exception_type_is_registered_exactly_once() -> None:
    assert sorted(entry.type for entry in REGISTRY) == sorted(ExceptionType)


def test_every_exception_type_has_its_section_in_the_catalogue() -> None:
    catalogue = CATALOGUE.read_text("utf-8")
    missing = [t.value for t in ExceptionType if f"### `{t.value}`" not in catalogue]
    assert missing == []
