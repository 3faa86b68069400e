"""The exception catalogue over columns: the same sixteen detectors, for large pictures.

Each module here is the columnar twin of the reference detector of the same name in
:mod:`controltower.detectors`, finding exactly the same things (tests compare them on
generated businesses) but selecting candidates with whole-array operations. The
registry pairs each exception type with its columnar detector and the same table of
the policy; :func:`run_columnar_detectors` runs it with the reference catalogue's noise
control and recurring-review counting (:func:`controltower.detectors.run_catalogue`).
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from importlib import import_module
from typing import Any

from controltower.detectors import REGISTRY, DetectorsPolicy, RegisteredDetector, run_catalogue
from controltower.detectors.base import Finding
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.domain.cases import ExceptionType


def _columnar_twin(entry: RegisteredDetector[Any]) -> RegisteredDetector[Any]:
    module = import_module(f"{__name__}.{entry.type.value}")
    return RegisteredDetector(entry.type, module.detect, entry.settings_of)


@cache
def columnar_registry() -> tuple[RegisteredDetector[Any], ...]:
    """The reference registry's types, in its order, each with its columnar detector.

    Built on first use, so importing the shared context does not load every detector.
    """
    return tuple(_columnar_twin(entry) for entry in REGISTRY)


def run_columnar_detectors(
    context: ColumnarDetectionContext,
    policy: DetectorsPolicy,
    *,
    live: Collection[tuple[ExceptionType, str]] = (),
) -> list[Finding]:
    """Every finding of every enabled detector worth its type's minimum, by type, subject."""
    return run_catalogue(columnar_registry(), context, policy, live=live)


__all__ = ["ColumnarDetectionContext", "columnar_registry", "run_columnar_detectors"]
