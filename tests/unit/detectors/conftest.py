"""The ``picture`` fixture: an empty :class:`~helpers.detector_picture.Picture`, once
detected by the product's detectors and once by the oracle's."""

from __future__ import annotations

import pytest

from helpers.detector_picture import Detectors, Picture


@pytest.fixture(params=["product", "oracle"])
def picture(request: pytest.FixtureRequest) -> Picture:
    """An empty picture, detected by the product's detectors and by the oracle's."""
    detectors: Detectors = request.param
    return Picture(detectors=detectors)
