"""Approvals as policy: who may ask for an action, who must approve it, and the outcome.

The policy's ``[approvals]`` section (``policy/model.py``) becomes :class:`ApprovalRules`
here, so the rules are plain data every layer reads the same way and the tests can
state them without a policy file. Three questions are answered, each by a pure
function:

- :func:`requirement`: what a planned action needs before it is executed, from the
  facts its plan states (value, customer tier, price variance, quantity, whether the
  customer accepts partial shipments). Among the rules of the action's type whose every
  condition holds, the one asking for the most approvers decides (the first on ties);
  none matching means no approval: the action is executed at once (and still audited).
- :func:`check_requester` and :func:`check_decision`: whether a person may ask, and
  whether they may decide a request now. The requester never approves their own
  request; a decided request takes no further decision; a person decides once.
- :func:`state_after`: where a request stands once its decisions are counted. One
  rejection rejects it; enough distinct approvals execute it.

The errors raised are the ones the service and the API answer with (403, 404, 409).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal, Protocol

from controltower.domain.actions import ActionState, ActionType, EvidenceKind
from controltower.domain.errors import DomainError, IllegalTransitionError
from controltower.domain.people import Principal, Role

Verdict = Literal["approve", "reject"]

#: the roles that may decide any request, whatever its rule names
ALWAYS_DECIDE: Final = frozenset({Role.ADMINISTRATOR})


class ActionNotFoundError(DomainError):
    """No such request, or none the person may see (the same answer either way: 404)."""


class ApprovalForbiddenError(DomainError):
    """The person may not do this to this request: their own, a role or team the rule
    does not name, an action type the policy does not let their role ask for (403)."""


class ActionConflictError(IllegalTransitionError):
    """The request's state refuses it: already decided, decided by this person, not
    cancellable (409)."""


class EvidenceMissingError(DomainError):
    """The rule asks for evidence the request does not have yet (409)."""

    def __init__(self, action_id: int, missing: Sequence[str]) -> None:
        kinds = ", ".join(k.replace("_", " ") for k in missing)
        super().__init__(
            f"request {action_id} needs evidence before it can be approved: attach {kinds} first"
        )
        self.missing = tuple(missing)


class PlanFacts(Protocol):
    """What a plan states for the approval rules (``action_plans.ApprovalFacts``)."""

    @property
    def value(self) -> Decimal: ...
    @property
    def customer_tier(self) -> str | None: ...
    @property
    def price_variance_pct(self) -> Decimal | None: ...
    @property
    def quantity(self) -> Decimal | None: ...
    @property
    def accepts_partial(self) -> bool | None: ...


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """One ``[[approvals.rules]]`` entry: its conditions (all given must hold) and what it
    asks for."""

    action: ActionType
    approvers: int
    roles: tuple[Role, ...]
    team: str | None = None
    evidence: tuple[EvidenceKind, ...] = ()
    tiers: tuple[str, ...] = ()
    value_over: Decimal | None = None
    #: compared with the absolute price variance: 10 catches -12% and +12% alike
    variance_pct_over: Decimal | None = None
    quantity_over: Decimal | None = None
    #: holds when the customer does not accept partial shipments (or it is not known)
    not_accepts_partial: bool = False

    def matches(self, action: ActionType, facts: PlanFacts) -> bool:
        """Whether the rule applies to an action of type ``action`` with ``facts``.

        A condition on a fact the plan does not state (a variance for a transfer) does
        not hold, so such a rule never applies to it.
        """
        if action is not self.action:
            return False
        checks = (
            not self.tiers or facts.customer_tier in self.tiers,
            _over(facts.value, self.value_over),
            _over(_absolute(facts.price_variance_pct), self.variance_pct_over),
            _over(facts.quantity, self.quantity_over),
            not self.not_accepts_partial or facts.accepts_partial is not True,
        )
        return all(checks)

    def describe(self) -> str:
        """The rule in words, as a request records it: ``change_promised_date for a
        strategic or key customer: 1 approval by a manager``."""
        conditions = self._conditions()
        when = f" {' and '.join(conditions)}" if conditions else ""
        return f"{self.action.value}{when}: {approvals_text(self.approvers, self.roles, self.team)}"

    def _conditions(self) -> list[str]:
        conditions: list[str] = []
        if self.tiers:
            conditions.append(f"for a {_or(list(self.tiers))} customer")
        if self.value_over is not None:
            conditions.append(f"worth over {_plain(self.value_over)}")
        if self.variance_pct_over is not None:
            conditions.append(f"more than {_plain(self.variance_pct_over)}% off list")
        if self.quantity_over is not None:
            conditions.append(f"for over {_plain(self.quantity_over)} units")
        if self.not_accepts_partial:
            conditions.append("when the customer does not accept partial shipments")
        return conditions


@dataclass(frozen=True, slots=True)
class ApprovalRules:
    """The whole ``[approvals]`` section."""

    #: a request nobody decides within this many hours expires
    expiry_hours: int = 72
    #: the roles that may ask for each listed type (unlisted: every role that may ask)
    requesters: Mapping[ActionType, tuple[Role, ...]] = field(default_factory=dict)
    rules: tuple[ApprovalRule, ...] = ()


@dataclass(frozen=True, slots=True)
class ApprovalRequirement:
    """What one request needs before it is executed."""

    approvals: int
    roles: tuple[str, ...] = ()
    team: str | None = None
    evidence: tuple[str, ...] = ()
    #: the rule that set it, in words (None: no rule applies)
    rule: str | None = None

    @property
    def needed(self) -> bool:
        return self.approvals > 0

    @property
    def approvers(self) -> int:
        """How many distinct people must approve (the policy's word for it)."""
        return self.approvals

    def describe(self) -> str:
        """``Needs 1 approval by a manager`` or ``No approval needed: executed at once``."""
        if not self.needed:
            return "No approval needed: executed at once"
        text = f"Needs {approvals_text(self.approvals, self.roles, self.team)}"
        if self.evidence:
            text += f", with {_and([k.replace('_', ' ') for k in self.evidence])} attached"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "approvals": self.approvals,
            "roles": list(self.roles),
            "team": self.team,
            "evidence": list(self.evidence),
            "rule": self.rule,
            "description": self.describe(),
        }


NO_APPROVAL: Final = ApprovalRequirement(approvals=0)


def requirement(rules: ApprovalRules, action: ActionType, facts: PlanFacts) -> ApprovalRequirement:
    """What an action of type ``action`` with ``facts`` needs (see the module's note)."""
    chosen: ApprovalRule | None = None
    for rule in rules.rules:
        if rule.matches(action, facts) and (chosen is None or rule.approvers > chosen.approvers):
            chosen = rule
    if chosen is None:
        return NO_APPROVAL
    return ApprovalRequirement(
        approvals=chosen.approvers,
        roles=tuple(role.value for role in chosen.roles),
        team=chosen.team,
        evidence=tuple(kind.value for kind in chosen.evidence),
        rule=chosen.describe(),
    )


def check_requester(rules: ApprovalRules, action: ActionType, principal: Principal) -> None:
    """Refuse (:class:`ApprovalForbiddenError`) a person whose role the policy does not let
    ask for ``action``; the permission to ask at all is checked by the caller."""
    allowed = rules.requesters.get(action)
    if allowed is None or principal.role in allowed or principal.role in ALWAYS_DECIDE:
        return
    raise ApprovalForbiddenError(
        f"{principal.login} ({principal.role.value}) may not ask for {action.value}: "
        f"the policy lets only {_or([role.value for role in allowed])} ask for it"
    )


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """A stored request as the decision rules read it."""

    action_id: int
    state: ActionState
    requested_by: int
    requirement: ApprovalRequirement
    #: the users who decided so far (approve or reject)
    decided_by: frozenset[int] = frozenset()
    #: how many of them approved
    approvals: int = 0


def check_decision(
    request: PendingRequest,
    principal: Principal,
    decision: Verdict,
    *,
    attached: Collection[str] = (),
) -> None:
    """Refuse a decision ``principal`` may not make now; return when they may.

    In order: a request no longer awaiting approval (409 naming its state), the
    requester's own request (403), a second decision by the same person (409), a role or
    team the rule does not name (403; administrators may always decide), and for an
    approval, evidence the rule asks for and ``attached`` lacks (409 naming the kinds).
    """
    check_open(request, f"{decision} it")
    if principal.user_id == request.requested_by:
        raise ApprovalForbiddenError("you asked for this action: another person must approve it")
    if principal.user_id in request.decided_by:
        raise ActionConflictError(
            f"you have already decided request {request.action_id}: each person decides once"
        )
    check_approver(request, principal)
    if decision == "approve":
        missing = [k for k in request.requirement.evidence if k not in attached]
        if missing:
            raise EvidenceMissingError(request.action_id, missing)


def check_open(request: PendingRequest, doing: str) -> None:
    """:class:`ActionConflictError` naming the state unless the request awaits approval."""
    if request.state is not ActionState.AWAITING_APPROVAL:
        raise ActionConflictError(
            f"request {request.action_id} is {state_words(request.state)}: "
            f"nobody can {doing} any more"
        )


def check_approver(request: PendingRequest, principal: Principal) -> None:
    """:class:`ApprovalForbiddenError` unless the principal's role (and team, when the rule
    names one) may decide the request."""
    if principal.role in ALWAYS_DECIDE:
        return
    needed = request.requirement
    if principal.role.value not in needed.roles:
        raise ApprovalForbiddenError(
            f"request {request.action_id} needs "
            f"{approvals_text(needed.approvals, needed.roles, needed.team)}; "
            f"{principal.login} is {_article(principal.role.value)}"
        )
    if needed.team is not None and needed.team not in principal.teams:
        raise ApprovalForbiddenError(
            f"request {request.action_id} must be decided by a member of team {needed.team}; "
            f"{principal.login} is not in it"
        )


def may_decide(request: PendingRequest, principal: Principal) -> bool:
    """Whether ``principal`` could approve or reject the request now (evidence aside):
    what a page asks before it shows the buttons."""
    try:
        check_decision(request, principal, "reject")
    except (ApprovalForbiddenError, ActionConflictError):
        return False
    return True


def state_after(request: PendingRequest, decision: Verdict) -> ActionState:
    """The request's state once ``decision`` is counted: rejected at the first rejection,
    executed once the distinct approvals reach what the rule asks for."""
    if decision == "reject":
        return ActionState.REJECTED
    if request.approvals + 1 >= request.requirement.approvals:
        return ActionState.EXECUTED
    return ActionState.AWAITING_APPROVAL


def state_words(state: ActionState | str) -> str:
    """A state as a sentence says it: ``awaiting approval``, ``executed``."""
    return str(state).replace("_", " ")


def approvals_text(count: int, roles: Sequence[str], team: str | None) -> str:
    """``1 approval by a manager``, ``2 approvals by a manager or an executive``,
    ``1 approval by an approver, a manager or an executive in team finance``."""
    noun = "approval" if count == 1 else "approvals"
    who = _or([_article(role) for role in roles]) if roles else "anyone who may approve"
    return f"{count} {noun} by {who}" + (f" in team {team}" if team else "")


def _over(value: Decimal | None, bound: Decimal | None) -> bool:
    if bound is None:
        return True
    return value is not None and value > bound


def _absolute(value: Decimal | None) -> Decimal | None:
    return None if value is None else abs(value)


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _or(words: Sequence[str]) -> str:
    return _joined(words, "or")


def _and(words: Sequence[str]) -> str:
    return _joined(words, "and")


def _joined(words: Sequence[str], conjunction: str) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"
