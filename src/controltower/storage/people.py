"""People in the database: users, their scopes and teams, API tokens, saved views.

Passwords are hashed with argon2 (``argon2-cffi``, its recommended parameters); API
tokens are random (``secrets``, 256 bits) and stored as their SHA-256, which is all a
secret of that strength needs: the token itself is printed once and never stored.
Like the rest of the storage package these functions work inside the caller's unit of
work and never commit. Every change to a person (added, changed, a token issued or
revoked) is an audit entry in that same unit of work, naming the ``actor`` (by default
the command line, where people are managed); it records what changed, never a password,
its hash or a token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from controltower.domain.audit import COMMAND_LINE, Actor, AuditRecord
from controltower.domain.people import (
    LOGIN_PATTERN,
    Principal,
    Role,
    Scope,
    normalise_login,
)
from controltower.storage import tables
from controltower.storage.audit import append_audit
from controltower.storage.database import StorageError

_HASHER: Final = PasswordHasher()

#: a hash to verify against when the login does not exist, so timing does not tell
_DUMMY_HASH: Final = _HASHER.hash("not a password of anyone")

#: the shortest password accepted
MIN_PASSWORD_LENGTH: Final = 10

#: what an API token starts with, so a leaked one is recognisable in a scan of logs
TOKEN_PREFIX: Final = "ct_"


class PersonError(StorageError):
    """A person cannot be added or changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Person:
    """A stored user with everything the user list shows."""

    user_id: int
    login: str
    name: str
    email: str | None
    role: Role
    active: bool
    has_password: bool
    scope: Scope
    teams: tuple[str, ...]

    def principal(self) -> Principal:
        return Principal(
            user_id=self.user_id,
            login=self.login,
            name=self.name,
            role=self.role,
            scope=self.scope,
            teams=frozenset(self.teams),
        )


def check_login(login: str) -> str:
    """``login`` normalised, or :class:`PersonError` saying what a login may contain."""
    normal = normalise_login(login)
    if not re.fullmatch(LOGIN_PATTERN, normal):
        raise PersonError(
            f"login {login!r} is not valid: use 1 to 64 letters, digits and . _ @ -, "
            "starting with a letter or digit"
        )
    return normal


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PersonError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if "\x00" in password:
        raise PersonError("the password contains a NUL character")


def hash_password(password: str) -> str:
    check_password(password)
    return _HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` is the one ``stored_hash`` was made from (constant effort)."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def secret_digest(secret: str) -> str:
    """The SHA-256 (hex) under which a token or session secret is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


# --- Users -----------------------------------------------------------------------------


def add_person(
    session: Session,
    *,
    login: str,
    name: str,
    role: Role,
    now: datetime,
    email: str | None = None,
    password: str | None = None,
    teams: Sequence[str] = (),
    companies: Sequence[str] = (),
    warehouses: Sequence[str] = (),
    actor: Actor = COMMAND_LINE,
) -> Person:
    """Store a new person; :class:`PersonError` when the login is taken or a value is bad."""
    normal = check_login(login)
    if find_person(session, normal) is not None:
        raise PersonError(f"a user with login {normal!r} exists already; change it with `user set`")
    connection = session.connection()
    user_id = connection.execute(
        sa.insert(tables.users)
        .values(
            login=normal,
            name=_clean_name(name or normal),
            email=_clean_email(email),
            role=role,
            password_hash=hash_password(password) if password is not None else None,
            active=True,
            created_at=now,
            updated_at=now,
        )
        .returning(tables.users.c.id)
    ).scalar_one()
    _replace_scope(connection, user_id, companies=companies, warehouses=warehouses)
    _replace_teams(connection, user_id, teams)
    person = find_person(session, normal)
    assert person is not None
    _audit_person(session, actor, "user.add", person, now=now, new=audited_facts(person))
    return person


def change_person(
    session: Session,
    login: str,
    *,
    now: datetime,
    name: str | None = None,
    role: Role | None = None,
    email: str | None = None,
    password: str | None = None,
    active: bool | None = None,
    teams: Sequence[str] | None = None,
    companies: Sequence[str] | None = None,
    warehouses: Sequence[str] | None = None,
    actor: Actor = COMMAND_LINE,
) -> Person:
    """Change what is given (None leaves a value be); lists replace the stored ones."""
    person = find_person(session, login)
    if person is None:
        raise PersonError(f"no user with login {normalise_login(login)!r}")
    values: dict[str, object] = {"updated_at": now}
    if name is not None:
        values["name"] = _clean_name(name)
    if role is not None:
        values["role"] = role
    if email is not None:
        values["email"] = _clean_email(email)
    if password is not None:
        values["password_hash"] = hash_password(password)
    if active is not None:
        values["active"] = active
    connection = session.connection()
    connection.execute(
        sa.update(tables.users).where(tables.users.c.id == person.user_id).values(**values)
    )
    if companies is not None or warehouses is not None:
        _replace_scope(
            connection,
            person.user_id,
            companies=person.scope.companies or () if companies is None else companies,
            warehouses=person.scope.warehouses or () if warehouses is None else warehouses,
        )
    if teams is not None:
        _replace_teams(connection, person.user_id, teams)
    if password is not None or active is False:
        end_sessions_of(session, person.user_id, now=now)
    changed = find_person(session, person.login)
    assert changed is not None
    old, new = _differences(person, changed, password_replaced=password is not None)
    if new:
        _audit_person(session, actor, "user.set", changed, now=now, old=old, new=new)
    return changed


def audited_facts(person: Person) -> dict[str, object]:
    """What the audit trail records of a person (never a password or its hash)."""
    scope = person.scope
    return {
        "name": person.name,
        "role": str(person.role),
        "email": person.email,
        "companies": sorted(scope.companies) if scope.companies is not None else None,
        "warehouses": sorted(scope.warehouses) if scope.warehouses is not None else None,
        "teams": list(person.teams),
        "active": person.active,
        "password": "set" if person.has_password else "none",
    }


def _differences(
    before: Person, after: Person, *, password_replaced: bool
) -> tuple[dict[str, object], dict[str, object]]:
    """The facts that differ, before and after; a new password shows as ``replaced``."""
    old, new = audited_facts(before), audited_facts(after)
    if password_replaced:
        new["password"] = "replaced"
    changed = [name for name in old if old[name] != new[name]]
    return {name: old[name] for name in changed}, {name: new[name] for name in changed}


def _audit_person(
    session: Session,
    actor: Actor,
    action: str,
    person: Person,
    *,
    now: datetime,
    old: object = None,
    new: object = None,
) -> None:
    append_audit(
        session,
        AuditRecord.by(
            actor,
            at=now,
            action=action,
            subject_type="user",
            subject_id=person.login,
            scope_company=None,
            old=old,
            new=new,
        ),
    )


def find_person(session: Session, login: str) -> Person | None:
    """The person with this login (any case), or None."""
    users = tables.users
    row = (
        session.connection()
        .execute(sa.select(users).where(users.c.login == normalise_login(login)))
        .one_or_none()
    )
    return None if row is None else _people(session, [row])[0]


def person_by_id(session: Session, user_id: int) -> Person | None:
    users = tables.users
    row = session.connection().execute(sa.select(users).where(users.c.id == user_id)).one_or_none()
    return None if row is None else _people(session, [row])[0]


def list_people(session: Session) -> list[Person]:
    """Every stored person, by login."""
    users = tables.users
    rows = session.connection().execute(sa.select(users).order_by(users.c.login)).all()
    return _people(session, rows)


def active_administrator_exists(session: Session) -> bool:
    users = tables.users
    query = sa.select(sa.func.count()).where(
        users.c.role == Role.ADMINISTRATOR, users.c.active.is_(True)
    )
    return int(session.connection().execute(query).scalar_one()) > 0


def anyone_can_sign_in(session: Session) -> bool:
    """Whether some active person has a password, so the login page can let them in."""
    users = tables.users
    query = sa.select(sa.func.count()).where(
        users.c.active.is_(True), users.c.password_hash.is_not(None)
    )
    return int(session.connection().execute(query).scalar_one()) > 0


def team_members(session: Session, team: str) -> list[Person]:
    """The active people of ``team``, by login."""
    members, users = tables.team_members, tables.users
    member_ids = sa.select(members.c.user_id).where(members.c.team == team)
    rows = (
        session.connection()
        .execute(
            sa.select(users)
            .where(users.c.id.in_(member_ids), users.c.active.is_(True))
            .order_by(users.c.login)
        )
        .all()
    )
    return _people(session, rows)


def _people(session: Session, rows: Sequence[sa.Row[tuple[object, ...]]]) -> list[Person]:
    ids = [row.id for row in rows]
    connection = session.connection()
    scopes: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    teams: dict[int, list[str]] = defaultdict(list)
    if ids:
        scope_rows = connection.execute(
            sa.select(tables.user_scopes).where(tables.user_scopes.c.user_id.in_(ids))
        )
        for scope_row in scope_rows:
            scopes[scope_row.user_id][scope_row.kind].append(scope_row.code)
        team_rows = connection.execute(
            sa.select(tables.team_members).where(tables.team_members.c.user_id.in_(ids))
        )
        for team_row in team_rows:
            teams[team_row.user_id].append(team_row.team)
    return [
        Person(
            user_id=row.id,
            login=row.login,
            name=row.name,
            email=row.email,
            role=Role(row.role),
            active=bool(row.active),
            has_password=row.password_hash is not None,
            scope=Scope.of(scopes[row.id]["company"], scopes[row.id]["warehouse"]),
            teams=tuple(sorted(teams[row.id])),
        )
        for row in rows
    ]


def _replace_scope(
    connection: sa.Connection,
    user_id: int,
    *,
    companies: Iterable[str],
    warehouses: Iterable[str],
) -> None:
    scopes = tables.user_scopes
    connection.execute(sa.delete(scopes).where(scopes.c.user_id == user_id))
    rows = [{"user_id": user_id, "kind": "company", "code": _code(c)} for c in set(companies)]
    rows += [{"user_id": user_id, "kind": "warehouse", "code": _code(w)} for w in set(warehouses)]
    if rows:
        connection.execute(sa.insert(scopes), rows)


def _replace_teams(connection: sa.Connection, user_id: int, teams: Iterable[str]) -> None:
    members = tables.team_members
    connection.execute(sa.delete(members).where(members.c.user_id == user_id))
    rows = [{"team": _code(team), "user_id": user_id} for team in set(teams)]
    if rows:
        connection.execute(sa.insert(members), rows)


def _code(value: str) -> str:
    cleaned = value.strip()
    if not cleaned or "\x00" in cleaned or len(cleaned) > 200:
        raise PersonError(f"{value!r} is not a valid code")
    return cleaned


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or "\x00" in cleaned or len(cleaned) > 200:
        raise PersonError("the name must have 1 to 200 characters and no NUL character")
    return cleaned


def _clean_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    cleaned = email.strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", cleaned) or len(cleaned) > 254:
        raise PersonError(f"{email!r} is not an email address")
    return cleaned


# --- API tokens ------------------------------------------------------------------------


def issue_token(session: Session, login: str, *, now: datetime, actor: Actor = COMMAND_LINE) -> str:
    """A new API token for the person (returned once; only its digest is stored, and the
    audit trail records that one was issued)."""
    person = find_person(session, login)
    if person is None:
        raise PersonError(f"no user with login {normalise_login(login)!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.connection().execute(
        sa.insert(tables.api_tokens).values(
            user_id=person.user_id, token_hash=secret_digest(token), created_at=now
        )
    )
    _audit_person(session, actor, "user.token", person, now=now, new={"token": "issued"})
    return token


def revoke_tokens(
    session: Session, login: str, *, now: datetime, actor: Actor = COMMAND_LINE
) -> int:
    """Revoke every live token of the person; how many were revoked."""
    person = find_person(session, login)
    if person is None:
        raise PersonError(f"no user with login {normalise_login(login)!r}")
    tokens = tables.api_tokens
    result = session.connection().execute(
        sa.update(tokens)
        .where(tokens.c.user_id == person.user_id, tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    revoked = int(result.rowcount or 0)
    if revoked:
        _audit_person(
            session, actor, "user.token_revoke", person, now=now, new={"revoked": revoked}
        )
    return revoked


def principal_for_token(session: Session, token: str) -> Principal | None:
    """The active person a live token belongs to, or None (the token and its person read
    together: every API request asks)."""
    tokens, users = tables.api_tokens, tables.users
    query = (
        sa.select(users)
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(tokens.c.token_hash == secret_digest(token), tokens.c.revoked_at.is_(None))
    )
    row = session.connection().execute(query).one_or_none()
    if row is None:
        return None
    person = _people(session, [row])[0]
    return person.principal() if person.active else None


# --- Sessions (the browser's sign-in) ---------------------------------------------------


def end_sessions_of(session: Session, user_id: int, *, now: datetime) -> None:
    """Sign the person out everywhere (after a password change or deactivation)."""
    web = tables.web_sessions
    session.connection().execute(
        sa.update(web)
        .where(web.c.user_id == user_id, web.c.ended_at.is_(None))
        .values(ended_at=now)
    )


def password_hash_of(session: Session, user_id: int) -> str | None:
    """The stored password hash of a person (None: no password set)."""
    users = tables.users
    return (
        session.connection()
        .execute(sa.select(users.c.password_hash).where(users.c.id == user_id))
        .scalar_one_or_none()
    )
