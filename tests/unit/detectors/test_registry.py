"""The registry: every exception type has exactly one detector, and a catalogue entry."""

from __future__ import annotations

from pathlib import Path

from controltower.detectors.columnar import REGISTRY
from controltower.domain.cases import ExceptionType
from controltower_oracle.detectors import REGISTRY as ORACLE_REGISTRY

CATALOGUE = Path(__file__).resolve().parents[3] / "docs" / "exceptions.md"


def test_every_exception_type_is_registered_exactly_once() -> None:
    assert sorted(entry.type for entry in REGISTRY) == sorted(ExceptionType)


def test_the_oracle_has_a_reference_detector_for_every_type_in_the_same_order() -> None:
    assert [e.type for e in ORACLE_REGISTRY] == [e.type for e in REGISTRY]
    assert [e.settings_of for e in ORACLE_REGISTRY] == [e.settings_of for e in REGISTRY]
    assert not {e.detect for e in ORACLE_REGISTRY} & {e.detect for e in REGISTRY}


def test_every_exception_type_has_its_section_in_the_catalogue() -> None:
    catalogue = CATALOGUE.read_text("utf-8")
    missing = [t.value for t in ExceptionType if f"### `{t.value}`" not in catalogue]
    assert missing == []
