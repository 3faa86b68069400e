"""People for the tests: add someone to a database, get a token, sign a browser in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from controltower.domain.people import Principal, Role, Scope
from controltower.storage.database import make_engine, make_session_factory
from controltower.storage.people import add_person, issue_token

#: the password every test person gets (tests only; never shipped)
TEST_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class TestPerson:
    __test__ = False  # not a test class

    login: str
    password: str
    token: str


def add_test_person(
    database_url: str,
    login: str = "admin",
    *,
    role: Role = Role.ADMINISTRATOR,
    name: str | None = None,
    teams: Sequence[str] = (),
    companies: Sequence[str] = (),
    warehouses: Sequence[str] = (),
) -> TestPerson:
    """Store a person with :data:`TEST_PASSWORD` and an API token (database migrated)."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            now = datetime.now(UTC)
            add_person(
                session,
                login=login,
                name=name or login.title(),
                role=role,
                now=now,
                password=TEST_PASSWORD,
                teams=teams,
                companies=companies,
                warehouses=warehouses,
            )
            token = issue_token(session, login, now=now)
            session.commit()
    finally:
        engine.dispose()
    return TestPerson(login=login, password=TEST_PASSWORD, token=token)


def bearer(person: TestPerson) -> dict[str, str]:
    return {"Authorization": f"Bearer {person.token}"}


#: a principal who sees the whole business, for tests that call the builders directly
WHOLE_BUSINESS = Principal(
    user_id=0, login="tester", name="Tester", role=Role.ADMINISTRATOR, scope=Scope()
)
