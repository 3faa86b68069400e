"""The fake Odoo these tests sync from: served on Odoo 17 and 18 field names, seeded with
the business of ``fake_odoo.business``. A module needing another server (one version, a
loaded demo business) defines its own ``odoo`` fixture, which takes precedence."""

from __future__ import annotations

import pytest

from fake_odoo import FakeOdoo
from fake_odoo.business import Business, seed_business
from helpers.odoo_server import odoo as odoo


@pytest.fixture
def business(odoo: FakeOdoo) -> Business:
    return seed_business(odoo)
