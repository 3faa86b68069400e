"""The fake Odoo served over HTTP, on Odoo 17 and 18 field names: the ``odoo`` fixture
the tests of the fake itself and of the sync share (import it into the test module or
conftest that wants it; a module needing another server defines its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fake_odoo import FakeOdoo


@pytest.fixture(params=["17.0", "18.0"])
def odoo(request: pytest.FixtureRequest) -> Iterator[FakeOdoo]:
    """A fresh fake Odoo of each version, served until the test ends."""
    with FakeOdoo(version=request.param) as server:
        yield server
