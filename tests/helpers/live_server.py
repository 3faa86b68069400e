"""Where the browser tests' live server answers (see ``tests/e2e/conftest.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from helpers.people import TestPerson

if TYPE_CHECKING:
    from playwright.sync_api import Page


@dataclass
class LiveServer:
    url: str
    database_url: str
    #: the administrator the ``page`` fixture signs in as
    person: TestPerson


def sign_in(page: Page, server: LiveServer, person: TestPerson) -> None:
    """Sign ``person`` in through the login page, as a person would."""
    page.goto(server.url + "/login")
    page.get_by_label("Login").fill(person.login)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
