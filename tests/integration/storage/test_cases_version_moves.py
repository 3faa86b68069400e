"""The cases version moves when a case changes, and only then.

The web process remembers answers about every case under this version
(``storage/queries/memory.py``): a change of a case must move it (else a page shows an
old answer), and other writes must not (else the answers are worked out again all the
time: a signed-in person's session is touched every minute).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime

import pytest

from controltower.domain.people import Role
from controltower.storage.cases import load_cases
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.people import issue_token
from controltower.storage.queries.memory import cases_version
from helpers.people import add_test_person
from helpers.scanned_demo import ScannedDemo, load_scanned_demo
from helpers.work import act, assigned_to

pytestmark = pytest.mark.database


def version_now(url: str, demo: ScannedDemo) -> Hashable | None:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return cases_version(session, demo.companies)
    finally:
        engine.dispose()


def test_a_case_action_moves_the_version_and_other_writes_do_not(
    migrated_database_url: str,
) -> None:
    url = migrated_database_url
    demo = load_scanned_demo(url)
    first = version_now(url, demo)
    assert first is not None

    add_test_person(url, "ann", role=Role.FRONTLINE)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            issue_token(session, "ann", now=datetime.now(UTC))
            session.commit()
    finally:
        engine.dispose()
    assert version_now(url, demo) == first, "a person and a token are not a change of a case"

    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            case = next(c for c in load_cases(session, demo.picture_id) if c.is_active)
    finally:
        engine.dispose()
    act(url, demo, case.id, assigned_to("ann"))
    second = version_now(url, demo)
    assert second != first, "an assignment is a change of a case"

    act(url, demo, case.id, assigned_to("admin"))
    assert version_now(url, demo) not in (first, second), "each change moves it again"
