"""People acting on cases: the commands the API and the pages both carry out.

A command is what a person asked for (acknowledge, assign to someone, snooze until a
moment...), as data. :func:`run_command` checks who may do it, applies it to the stored
case under the cases' lock (``storage/case_actions.py``) and commits; nothing is written
when it is refused. It raises, for the caller to word as it likes:

- :class:`CaseNotFoundError` for a case that is missing or outside the person's scope
  (the same message either way, so scope cannot be probed);
- :class:`ActionForbiddenError` naming the permission the person lacks;
- the domain's ``IllegalTransitionError`` (the state does not allow it) and
  ``ActionInputError`` (a value is wrong; its ``field`` says which).

Who needs what: commenting needs ``comment``; giving a case to somebody else, or taking
it away from them, needs ``assign_cases``; taking it yourself, handing your own case back
and every other action need ``work_cases``.

:func:`run_bulk` applies one command to each case of a selection. Each case is its own
transaction: a case done stays done whatever happens to the next one, and a case refused
is left exactly as it was. The answer says, per case, done, refused (and why) or not
found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from controltower.api.scope import PictureScope
from controltower.domain import case_actions
from controltower.domain.case_actions import ActionInputError, ResolutionCode
from controltower.domain.cases import ExceptionCase
from controltower.domain.errors import DomainError, IllegalTransitionError
from controltower.domain.people import Permission, Principal, normalise_login
from controltower.storage.case_actions import ActedCase, act_on_case, assignee_problem


@dataclass(frozen=True, slots=True)
class Acknowledge:
    note: str = ""


@dataclass(frozen=True, slots=True)
class Start:
    note: str = ""


@dataclass(frozen=True, slots=True)
class Assign:
    #: a login, or None to hand the case back to its owning team
    to: str | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Comment:
    text: str


@dataclass(frozen=True, slots=True)
class Snooze:
    until: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Resolve:
    code: ResolutionCode
    note: str = ""


@dataclass(frozen=True, slots=True)
class Reopen:
    note: str = ""


CaseCommand = Acknowledge | Start | Assign | Comment | Snooze | Resolve | Reopen


class CaseNotFoundError(DomainError):
    """No such case among the picture's companies, or none the person may see."""


class ActionForbiddenError(DomainError):
    """The person's role does not hold the permission the command needs."""

    def __init__(self, principal: Principal, permission: Permission) -> None:
        super().__init__(
            f"{principal.login} ({principal.role}) may not {permission.value.replace('_', ' ')}"
        )
        self.permission = permission


def not_found_message(scope: PictureScope, case_id: str) -> str:
    """What a missing case and a case out of scope both answer."""
    return f"no case {case_id!r} is filed under {', '.join(scope.companies)}"


def command_permission(command: CaseCommand, principal: Principal) -> Permission:
    """What the command needs whatever the case (see :func:`case_permission` for the rest)."""
    if isinstance(command, Comment):
        return Permission.COMMENT
    if isinstance(command, Assign) and command.to not in (None, principal.login):
        return Permission.ASSIGN_CASES
    return Permission.WORK_CASES


def case_permission(command: CaseCommand, principal: Principal, case: ExceptionCase) -> Permission:
    """What the command needs on this case: taking a case that is somebody else's, or
    handing it back to the team, takes it from them, which needs ``assign_cases``."""
    reassigning = isinstance(command, Assign) and command.to != case.assignee
    if reassigning and case.assignee not in (None, principal.login):
        return Permission.ASSIGN_CASES
    return command_permission(command, principal)


def apply_command(
    command: CaseCommand, case: ExceptionCase, *, by: str, at: datetime
) -> ExceptionCase:
    """The case after the command (the domain's rules; no permission or assignee check)."""
    match command:
        case Acknowledge(note=note):
            return case_actions.acknowledge(case, by=by, at=at, note=note)
        case Start(note=note):
            return case_actions.start(case, by=by, at=at, note=note)
        case Assign(to=to, note=note):
            return case_actions.assign(case, to=to, by=by, at=at, note=note)
        case Comment(text=text):
            return case_actions.comment(case, text=text, by=by, at=at)
        case Snooze(until=until, reason=reason):
            return case_actions.snooze(case, until=until, reason=reason, by=by, at=at)
        case Resolve(code=code, note=note):
            return case_actions.resolve(case, code=code, note=note, by=by, at=at)
        case Reopen(note=note):
            return case_actions.reopen(case, by=by, at=at, note=note)


def normalised(command: CaseCommand) -> CaseCommand:
    """The command with its login written as stored (``Ann`` is ``ann``)."""
    if isinstance(command, Assign) and command.to is not None:
        return Assign(to=normalise_login(command.to), note=command.note)
    return command


def run_command(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    case_id: str,
    command: CaseCommand,
    *,
    at: datetime,
    request_id: str | None = None,
) -> ActedCase:
    """Carry out ``command`` on the case as ``principal`` at ``at`` and commit, with its
    audit entry naming ``principal`` and the HTTP request (``request_id``).

    Raises (see the module's note) before anything is written when it is refused.
    """
    command = normalised(command)
    needed = command_permission(command, principal)
    if not principal.may(needed):
        raise ActionForbiddenError(principal, needed)

    def checked(case: ExceptionCase) -> ExceptionCase:
        needed_here = case_permission(command, principal, case)
        if not principal.may(needed_here):
            raise ActionForbiddenError(principal, needed_here)
        if isinstance(command, Assign) and command.to is not None and case.is_active:
            problem = assignee_problem(
                session, companies=scope.companies, case_id=case.id, login=command.to
            )
            if problem is not None:
                raise ActionInputError("to", f"to: {problem}")
        return apply_command(command, case, by=principal.login, at=at)

    # A fresh transaction, so taking the cases' lock is the first thing it does
    # (see storage/case_actions.py); what the request read so far was only read.
    session.commit()
    try:
        acted = act_on_case(
            session,
            picture_id=scope.picture_id,
            companies=scope.companies,
            case_id=case_id,
            visible=scope.visible,
            action=checked,
            actor=principal,
            request_id=request_id,
        )
        if acted is None:
            raise CaseNotFoundError(not_found_message(scope, case_id))
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return acted


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What one case of a selection came to."""

    case_id: str
    outcome: Literal["done", "refused", "not_found"]
    reason: str | None = None
    #: the case afterwards (None when it was not found)
    case: ExceptionCase | None = None


def run_bulk(
    session: Session,
    scope: PictureScope,
    principal: Principal,
    case_ids: Sequence[str],
    command: Acknowledge | Assign,
    *,
    at: datetime,
    request_id: str | None = None,
) -> list[BulkOutcome]:
    """``command`` on each case in turn, each in its own transaction (see the module's
    note); the outcomes in the order of ``case_ids``. Needs ``assign_cases``."""
    if not principal.may(Permission.ASSIGN_CASES):
        raise ActionForbiddenError(principal, Permission.ASSIGN_CASES)
    outcomes: list[BulkOutcome] = []
    for case_id in case_ids:
        try:
            acted = run_command(
                session, scope, principal, case_id, command, at=at, request_id=request_id
            )
        except CaseNotFoundError as error:
            outcomes.append(BulkOutcome(case_id, "not_found", str(error)))
        except (IllegalTransitionError, ActionInputError, ActionForbiddenError) as error:
            outcomes.append(BulkOutcome(case_id, "refused", str(error)))
        else:
            outcomes.append(BulkOutcome(case_id, "done", case=acted.case))
    return outcomes
