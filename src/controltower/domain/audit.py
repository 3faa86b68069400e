"""The audit trail as data: what one entry says, how entries are chained, how a chain is
checked.

Every change people or the system make (a case acknowledged, an action approved, a
person given a new role, a new policy coming into force) is one :class:`AuditRecord`:
who (login and role at the time, so a later change of role does not rewrite history),
what (a dotted verb such as ``case.acknowledge``), to which subject, the values before
and after, the reason given, the request it came with, and when (UTC).

Entries are chained: each entry's hash covers its content and the previous entry's
hash (:func:`entry_hash`), so changing an entry breaks its own hash, and removing or
inserting one breaks the link of the entry after it. :class:`ChainCheck` walks a chain
in order, one entry at a time (storage feeds it page by page), and names the first entry
that does not hold. The hash is over :func:`canonical_json`, a single spelling of a
value (sorted keys, no spaces, ASCII only), so an auditor can recompute it from an
export with any JSON library.

The chain proves the trail was not changed *after* it was written, by anyone who can
write the database but does not recompute every later hash; the newest entries can be
cut off without a trace in the chain itself, which is why ``audit verify`` prints the
last entry's hash for the operator to keep elsewhere (``docs/audit.md``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final

from controltower.domain.cases import EventKind
from controltower.domain.people import Principal

#: the previous hash of the first entry
GENESIS_HASH: Final = "0" * 64

#: the actor of what the command line does (whoever holds the database's credentials)
COMMAND_LINE_LOGIN: Final = "command line"
COMMAND_LINE_ROLE: Final = "operator"

#: the actor of what the product does by itself (a scan noticing a new policy, expiry)
SYSTEM_LOGIN: Final = "system"
SYSTEM_ROLE: Final = "system"

#: the verb of an audit entry for each kind of event a person adds to a case's timeline
CASE_EVENT_VERBS: Final[dict[EventKind, str]] = {
    EventKind.ACKNOWLEDGED: "case.acknowledge",
    EventKind.WORK_STARTED: "case.start",
    EventKind.ASSIGNED: "case.assign",
    EventKind.COMMENTED: "case.comment",
    EventKind.SNOOZED: "case.snooze",
    EventKind.RESOLVED: "case.resolve",
    EventKind.REOPENED: "case.reopen",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who an entry names: a person (their id, login and role at that moment), the
    command line or the system."""

    id: int | None
    login: str
    role: str

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.user_id, principal.login, str(principal.role))


COMMAND_LINE: Final = Actor(None, COMMAND_LINE_LOGIN, COMMAND_LINE_ROLE)
SYSTEM: Final = Actor(None, SYSTEM_LOGIN, SYSTEM_ROLE)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One entry of the audit trail, before it is chained (see the module's note)."""

    #: when it happened: aware, stored and hashed in UTC
    at: datetime
    #: ``users.id`` of the person; None for the command line and the system
    actor_id: int | None
    #: their login, or ``command line`` / ``system``
    actor_login: str
    #: their role then, or ``operator`` / ``system``
    actor_role: str
    #: a dotted verb: ``case.acknowledge``, ``action.approve``, ``user.add``...
    action: str
    #: ``case``, ``action``, ``user``, ``policy``, ``evidence``
    subject_type: str
    subject_id: str
    #: the company it belongs to (None: the whole business, such as a person or the policy)
    scope_company: str | None
    #: JSON-able values before and after (dict, list, text, number or None)
    old: Any = None
    new: Any = None
    #: the reason code and/or note given
    reason: str | None = None
    #: the HTTP request it came with (``X-Request-ID``); None from the command line
    request_id: str | None = None

    @classmethod
    def by(
        cls,
        actor: Actor,
        *,
        at: datetime,
        action: str,
        subject_type: str,
        subject_id: str,
        scope_company: str | None,
        old: Any = None,
        new: Any = None,
        reason: str | None = None,
        request_id: str | None = None,
    ) -> AuditRecord:
        """A record naming ``actor`` (so callers never spell the three actor fields)."""
        return cls(
            at=at,
            actor_id=actor.id,
            actor_login=actor.login,
            actor_role=actor.role,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            scope_company=scope_company,
            old=old,
            new=new,
            reason=reason,
            request_id=request_id,
        )


def utc_text(moment: datetime) -> str:
    """``moment`` in UTC with microseconds (``2026-12-06T09:30:00.000000+00:00``), the one
    spelling the hash covers; a moment without a time zone is refused, as it names no
    moment at all."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an audit entry's time must carry a time zone, got {moment.isoformat()}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _plain(value: Any) -> Any:
    """What :func:`canonical_json` writes for a value JSON has no word for."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return utc_text(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=canonical_json)
    raise TypeError(f"{type(value).__name__} has no place in an audit entry: {value!r}")


def canonical_json(value: Any) -> str:
    """``value`` as JSON in one spelling: keys sorted, no spaces, ASCII only (other
    characters escaped), decimals as text (exact), dates ISO; NaN is refused."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
        default=_plain,
    )


def stored_json(value: Any) -> str | None:
    """How an entry's ``old`` or ``new`` is stored: its canonical JSON, None for None."""
    return None if value is None else canonical_json(value)


def hashed_document(record: AuditRecord) -> dict[str, Any]:
    """Every field of ``record``, ``at`` as UTC text: what the hash covers (the sequence
    number is not part of it; the chain's links fix the order)."""
    return {
        "at": utc_text(record.at),
        "actor_id": record.actor_id,
        "actor_login": record.actor_login,
        "actor_role": record.actor_role,
        "action": record.action,
        "subject_type": record.subject_type,
        "subject_id": record.subject_id,
        "scope_company": record.scope_company,
        "old": record.old,
        "new": record.new,
        "reason": record.reason,
        "request_id": record.request_id,
    }


def entry_hash(prev_hash: str, record: AuditRecord) -> str:
    """SHA-256 (hex) of the previous entry's hash, a line break and the record's
    canonical JSON: what chains each entry to the one before."""
    text = prev_hash + "\n" + canonical_json(hashed_document(record))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def record_from_document(document: Mapping[str, Any]) -> AuditRecord:
    """The record an exported entry (or a stored row's fields) describes: the reverse of
    :func:`hashed_document`."""
    return AuditRecord(
        at=datetime.fromisoformat(document["at"]),
        actor_id=document["actor_id"],
        actor_login=document["actor_login"],
        actor_role=document["actor_role"],
        action=document["action"],
        subject_type=document["subject_type"],
        subject_id=document["subject_id"],
        scope_company=document["scope_company"],
        old=document["old"],
        new=document["new"],
        reason=document["reason"],
        request_id=document["request_id"],
    )


@dataclass(frozen=True, slots=True)
class ChainedEntry:
    """One stored entry: its place in the chain, its content and its two hashes."""

    seq: int
    record: AuditRecord
    prev_hash: str
    entry_hash: str


class ChainCheck:
    """Walks a chain in order of ``seq`` and keeps the first problem it finds.

    Checked for each entry, in this order: that it follows the previous one with no
    number missing (a removed entry leaves a gap), that its hash matches its content (a
    changed entry does not), and that it names the previous entry's hash (an entry
    removed and the numbers closed up, or one inserted, breaks that link). Once a
    problem is found the rest is not looked at: everything after it is in doubt.
    """

    def __init__(self) -> None:
        self.count = 0
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def add(self, entry: ChainedEntry) -> bool:
        """Check the next entry; False once the chain is broken (stop feeding it)."""
        if self.problem is not None:
            return False
        self.problem = self._problem_of(entry)
        if self.problem is not None:
            return False
        self.count += 1
        self.last_seq = entry.seq
        self.last_hash = entry.entry_hash
        return True

    def _problem_of(self, entry: ChainedEntry) -> str | None:
        expected = self.last_seq + 1
        if entry.seq != expected:
            follows = f"entry {self.last_seq}" if self.last_seq else "the start of the trail"
            return f"audit entry {expected} is missing (entry {entry.seq} follows {follows})"
        if entry_hash(entry.prev_hash, entry.record) != entry.entry_hash:
            return f"audit entry {entry.seq} was altered (its hash does not match its content)"
        if entry.prev_hash != self.last_hash:
            before = f"entry {self.last_seq}" if self.last_seq else "the start of the chain"
            return (
                f"an entry was inserted or removed before entry {entry.seq} "
                f"(its previous hash does not match {before})"
            )
        return None

    def summary(self) -> str:
        """The verdict in one line: intact with the count, or the first problem."""
        if self.problem is not None:
            return self.problem
        noun = "entry" if self.count == 1 else "entries"
        return f"audit trail intact: {self.count} {noun}"
