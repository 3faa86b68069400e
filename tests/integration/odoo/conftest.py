"""The fake Odoo these tests sync from: served on Odoo 17 and 18 field names, seeded with
the business of ``fake_odoo.business``. A module needing another server (one version, a
loaded demo business) defines its own ``odoo`` fixture, which takes precedence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fake_odoo import FakeOdoo
from fake_odoo.business import Business, seed_business


@pytest.fixture(params=["17.0", "18.0"])
def odoo(request: pytest.FixtureRequest) -> Iterator[FakeOdoo]:
    with FakeOdoo(version=request.param) as server:
        yield server


@pytest.fixture
def business(odoo: FakeOdoo) -> Business:
    return seed_business(odoo)
