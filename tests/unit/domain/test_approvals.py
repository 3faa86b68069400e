"""Approvals as policy: which rule a request falls under, who may ask, who may decide,
and where a request stands after each decision."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from controltower.domain.actions import ActionState, ActionType, EvidenceKind
from controltower.domain.approvals import (
    NO_APPROVAL,
    ActionConflictError,
    ApprovalForbiddenError,
    ApprovalRequirement,
    ApprovalRule,
    ApprovalRules,
    EvidenceMissingError,
    PendingRequest,
    approvals_text,
    check_decision,
    check_requester,
    may_decide,
    requirement,
    state_after,
)
from controltower.domain.people import Principal, Role, Scope
from controltower.policy import Policy, load_policy


@dataclass(frozen=True)
class Facts:
    value: Decimal = Decimal(0)
    customer_tier: str | None = None
    price_variance_pct: Decimal | None = None
    quantity: Decimal | None = None
    accepts_partial: bool | None = None


DEFAULTS = Policy().approvals.to_domain()


def person(
    user_id: int, role: Role, *, teams: tuple[str, ...] = (), login: str | None = None
) -> Principal:
    return Principal(
        user_id=user_id,
        login=login or f"user{user_id}",
        name=f"User {user_id}",
        role=role,
        scope=Scope(),
        teams=frozenset(teams),
    )


# --- the default rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "facts", "approvals", "roles", "team", "evidence"),
    [
        # promised dates: strategic and key accounts only
        (
            ActionType.CHANGE_PROMISED_DATE,
            Facts(customer_tier="strategic"),
            1,
            ("manager",),
            None,
            (),
        ),
        (ActionType.CHANGE_PROMISED_DATE, Facts(customer_tier="key"), 1, ("manager",), None, ()),
        (ActionType.CHANGE_PROMISED_DATE, Facts(customer_tier="standard"), 0, (), None, ()),
        # a split: only when the customer does not accept partial shipments
        (ActionType.SPLIT_SHIPMENT, Facts(accepts_partial=False), 1, ("manager",), None, ()),
        (ActionType.SPLIT_SHIPMENT, Facts(accepts_partial=True), 0, (), None, ()),
        # transfers above 5000
        (ActionType.TRANSFER_STOCK, Facts(value=Decimal("5000.01")), 1, ("manager",), None, ()),
        (ActionType.TRANSFER_STOCK, Facts(value=Decimal(5000)), 0, (), None, ()),
        # credit: always, finance
        (
            ActionType.RELEASE_CREDIT_HOLD,
            Facts(),
            1,
            ("approver", "manager", "executive"),
            "finance",
            (),
        ),
        # price overrides beyond 10% either way
        (
            ActionType.OVERRIDE_PRICE,
            Facts(price_variance_pct=Decimal("-10.5")),
            1,
            ("manager",),
            None,
            (),
        ),
        (
            ActionType.OVERRIDE_PRICE,
            Facts(price_variance_pct=Decimal("10.5")),
            1,
            ("manager",),
            None,
            (),
        ),
        (ActionType.OVERRIDE_PRICE, Facts(price_variance_pct=Decimal(-10)), 0, (), None, ()),
        (ActionType.OVERRIDE_PRICE, Facts(price_variance_pct=None), 0, (), None, ()),
        # returns above 1000, with the claim
        (
            ActionType.AUTHORISE_RETURN,
            Facts(value=Decimal(1001)),
            1,
            ("manager",),
            None,
            ("claim",),
        ),
        (ActionType.AUTHORISE_RETURN, Facts(value=Decimal(999)), 0, (), None, ()),
        # inventory adjustments above 1000: two approvers and the count sheet
        (
            ActionType.ADJUST_INVENTORY,
            Facts(value=Decimal(1500)),
            2,
            ("manager", "executive"),
            None,
            ("count_sheet",),
        ),
        (ActionType.ADJUST_INVENTORY, Facts(value=Decimal(10)), 0, (), None, ()),
        # a quality bypass: always, the quality manager
        (ActionType.BYPASS_QUALITY, Facts(), 1, ("manager",), "quality", ()),
    ],
)
def test_the_default_rules_ask_for_what_the_policy_reference_says(
    action: ActionType,
    facts: Facts,
    approvals: int,
    roles: tuple[str, ...],
    team: str | None,
    evidence: tuple[str, ...],
) -> None:
    needs = requirement(DEFAULTS, action, facts)
    assert (needs.approvals, needs.roles, needs.team, needs.evidence) == (
        approvals,
        roles,
        team,
        evidence,
    )
    assert (needs.rule is None) == (approvals == 0)


def test_the_shipped_policy_file_states_the_built_in_rules() -> None:
    assert load_policy().approvals.to_domain() == DEFAULTS


def test_the_rule_needing_most_approvers_wins_and_the_first_on_ties() -> None:
    rules = ApprovalRules(
        rules=(
            ApprovalRule(ActionType.TRANSFER_STOCK, 1, (Role.MANAGER,), value_over=Decimal(100)),
            ApprovalRule(ActionType.TRANSFER_STOCK, 2, (Role.EXECUTIVE,), value_over=Decimal(1000)),
            ApprovalRule(ActionType.TRANSFER_STOCK, 2, (Role.APPROVER,), value_over=Decimal(500)),
            ApprovalRule(ActionType.ADJUST_INVENTORY, 5, (Role.MANAGER,)),
        )
    )
    assert requirement(rules, ActionType.TRANSFER_STOCK, Facts(value=Decimal(50))) == NO_APPROVAL
    assert requirement(rules, ActionType.TRANSFER_STOCK, Facts(value=Decimal(200))).roles == (
        "manager",
    )
    big = requirement(rules, ActionType.TRANSFER_STOCK, Facts(value=Decimal(5000)))
    assert (big.approvals, big.roles) == (2, ("executive",))


def test_every_condition_given_must_hold() -> None:
    rule = ApprovalRule(
        ActionType.SPLIT_SHIPMENT,
        1,
        (Role.MANAGER,),
        tiers=("strategic",),
        quantity_over=Decimal(10),
        not_accepts_partial=True,
    )
    rules = ApprovalRules(rules=(rule,))
    matching = Facts(customer_tier="strategic", quantity=Decimal(11), accepts_partial=False)
    assert requirement(rules, ActionType.SPLIT_SHIPMENT, matching).approvals == 1
    for differing in (
        replace(matching, customer_tier="key"),
        replace(matching, quantity=Decimal(10)),
        replace(matching, quantity=None),
        replace(matching, accepts_partial=True),
    ):
        assert requirement(rules, ActionType.SPLIT_SHIPMENT, differing) == NO_APPROVAL
    assert requirement(rules, ActionType.TRANSFER_STOCK, matching) == NO_APPROVAL


def test_rules_and_requirements_read_as_sentences() -> None:
    needs = requirement(DEFAULTS, ActionType.ADJUST_INVENTORY, Facts(value=Decimal(5000)))
    assert needs.rule == (
        "adjust_inventory worth over 1000: 2 approvals by a manager or an executive"
    )
    assert needs.describe() == (
        "Needs 2 approvals by a manager or an executive, with count sheet attached"
    )
    credit = requirement(DEFAULTS, ActionType.RELEASE_CREDIT_HOLD, Facts())
    assert credit.describe() == (
        "Needs 1 approval by an approver, a manager or an executive in team finance"
    )
    assert NO_APPROVAL.describe() == "No approval needed: executed at once"
    assert approvals_text(1, ("manager",), None) == "1 approval by a manager"


# --- who may ask ---------------------------------------------------------------------------


def test_the_requesters_list_limits_who_may_ask_for_a_type() -> None:
    frontline = person(1, Role.FRONTLINE)
    with pytest.raises(ApprovalForbiddenError, match="only manager ask for it"):
        check_requester(DEFAULTS, ActionType.BYPASS_QUALITY, frontline)
    check_requester(DEFAULTS, ActionType.BYPASS_QUALITY, person(2, Role.MANAGER))
    check_requester(DEFAULTS, ActionType.BYPASS_QUALITY, person(3, Role.ADMINISTRATOR))
    # a type not listed: whoever may request actions at all
    check_requester(DEFAULTS, ActionType.TRANSFER_STOCK, frontline)


# --- who may decide --------------------------------------------------------------------------

MANAGER_RULE = ApprovalRequirement(approvals=1, roles=("manager",), rule="r")
DUAL_RULE = ApprovalRequirement(
    approvals=2,
    roles=("manager", "executive"),
    evidence=(EvidenceKind.COUNT_SHEET.value,),
    rule="r",
)
FINANCE_RULE = ApprovalRequirement(approvals=1, roles=("manager",), team="finance", rule="r")


def pending(
    needs: ApprovalRequirement = MANAGER_RULE,
    *,
    state: ActionState = ActionState.AWAITING_APPROVAL,
    decided_by: frozenset[int] = frozenset(),
    approvals: int = 0,
) -> PendingRequest:
    return PendingRequest(
        action_id=7,
        state=state,
        requested_by=1,
        requirement=needs,
        decided_by=decided_by,
        approvals=approvals,
    )


def test_the_requester_never_approves_their_own_request() -> None:
    requester = person(1, Role.MANAGER)
    with pytest.raises(ApprovalForbiddenError, match="another person must approve it"):
        check_decision(pending(), requester, "approve")
    with pytest.raises(ApprovalForbiddenError):
        check_decision(pending(), person(1, Role.ADMINISTRATOR), "reject")


def test_a_role_or_team_the_rule_does_not_name_may_not_decide() -> None:
    with pytest.raises(
        ApprovalForbiddenError, match="needs 1 approval by a manager; user2 is an executive"
    ):
        check_decision(pending(), person(2, Role.EXECUTIVE), "approve")
    with pytest.raises(ApprovalForbiddenError, match="member of team finance"):
        check_decision(pending(FINANCE_RULE), person(2, Role.MANAGER), "approve")
    check_decision(pending(FINANCE_RULE), person(2, Role.MANAGER, teams=("finance",)), "approve")
    # administrators may decide whatever the roles and team
    check_decision(pending(FINANCE_RULE), person(3, Role.ADMINISTRATOR), "approve")


def test_a_decided_request_and_a_second_decision_conflict() -> None:
    for state in (ActionState.EXECUTED, ActionState.REJECTED, ActionState.EXPIRED):
        with pytest.raises(
            ActionConflictError, match=f"request 7 is {state.value.replace('_', ' ')}"
        ):
            check_decision(pending(state=state), person(2, Role.MANAGER), "approve")
    twice = pending(DUAL_RULE, decided_by=frozenset({2}), approvals=1)
    with pytest.raises(ActionConflictError, match="already decided"):
        check_decision(twice, person(2, Role.MANAGER), "approve", attached={"count_sheet"})


def test_an_approval_needs_the_evidence_the_rule_names_and_a_rejection_does_not() -> None:
    with pytest.raises(EvidenceMissingError, match="attach count sheet first") as refused:
        check_decision(pending(DUAL_RULE), person(2, Role.MANAGER), "approve", attached={"photo"})
    assert refused.value.missing == ("count_sheet",)
    check_decision(pending(DUAL_RULE), person(2, Role.MANAGER), "approve", attached={"count_sheet"})
    check_decision(pending(DUAL_RULE), person(2, Role.MANAGER), "reject")


def test_may_decide_answers_without_raising() -> None:
    assert may_decide(pending(), person(2, Role.MANAGER))
    assert not may_decide(pending(), person(1, Role.MANAGER))
    assert not may_decide(pending(), person(2, Role.APPROVER))
    assert not may_decide(pending(state=ActionState.EXECUTED), person(2, Role.MANAGER))


# --- outcomes -----------------------------------------------------------------------------------


def test_one_rejection_rejects_and_enough_distinct_approvals_execute() -> None:
    assert state_after(pending(), "approve") is ActionState.EXECUTED
    assert state_after(pending(), "reject") is ActionState.REJECTED
    assert state_after(pending(DUAL_RULE), "approve") is ActionState.AWAITING_APPROVAL
    after_one = pending(DUAL_RULE, decided_by=frozenset({2}), approvals=1)
    assert state_after(after_one, "approve") is ActionState.EXECUTED
    assert state_after(after_one, "reject") is ActionState.REJECTED


@pytest.mark.parametrize(
    ("section", "why"),
    [
        (
            {"rules": [{"action": "transfer_stock", "roles": ["frontline"]}]},
            "frontline may not approve",
        ),
        ({"rules": [{"action": "transfer_stock", "roles": []}]}, "roles"),
        (
            {"rules": [{"action": "transfer_stock", "roles": ["manager"], "approvers": 0}]},
            "approvers",
        ),
        ({"requesters": {"bypass_quality": ["auditor"]}}, "auditor may not request actions"),
        ({"requesters": {"bypass_quality": []}}, "name at least one role"),
    ],
)
def test_the_policy_refuses_roles_that_cannot_do_what_a_rule_asks(
    section: dict[str, object], why: str
) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=why):
        Policy.model_validate({"approvals": section})
